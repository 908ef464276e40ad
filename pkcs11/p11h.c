/*
 * The libpkcs11-helper adapter: every call into libpkcs11-helper is in
 * this file (STYLE.md §2). See p11h.h for what it owns.
 *
 * How the helper is set up, and why:
 *   - its PIN and token prompt hooks always refuse, and every call passes
 *     an empty prompt mask: the helper must never ask for a PIN or retry
 *     one by itself (its own login loop would spend several of the card's
 *     tries on one wrong PIN). The only login is pkcs11h_token_login()
 *     with the PIN the caller gave, once;
 *   - no PIN cache period: the session stays logged in until onecard logs
 *     out, which it does after each batch;
 *   - fork mode off: nothing here runs in a forked child, and the helper
 *     would otherwise re-initialize the module in every child of a
 *     program that runs another one;
 *   - its log hook stays the default, which drops every message.
 */
#include <stdlib.h>
#include <string.h>

#include <pkcs11-helper-1.0/pkcs11h-certificate.h>
#include <pkcs11-helper-1.0/pkcs11h-core.h>
#include <pkcs11-helper-1.0/pkcs11h-token.h>

#include <onecard/error.h>

#include "ckr.h"
#include "p11h.h"

#define PROVIDER_NAME "onecard"
#define PSS_SALT_LEN  32u

struct oc_p11h_token {
	pkcs11h_token_id_t id;
	struct oc_card_info ident;
};

struct oc_p11h_cert {
	pkcs11h_certificate_id_t id;
};

static int started;

static PKCS11H_BOOL refuse_pin(void *const global_data, void *const user_data,
			       const pkcs11h_token_id_t token, const unsigned retry,
			       char *const pin, const size_t pin_max)
{
	(void)global_data;
	(void)user_data;
	(void)token;
	(void)retry;
	(void)pin;
	(void)pin_max;
	return 0;
}

static PKCS11H_BOOL refuse_token(void *const global_data, void *const user_data,
				 const pkcs11h_token_id_t token, const unsigned retry)
{
	(void)global_data;
	(void)user_data;
	(void)token;
	(void)retry;
	return 0;
}

int oc_p11h_start(const char *module_path)
{
	int initialized = 0;
	CK_RV rv;
	int r = ONECARD_ERR_CARD;

	if (started) {
		return ONECARD_ERR_EXISTS;
	}
	rv = pkcs11h_initialize();
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		goto out;
	}
	initialized = 1;
	pkcs11h_setLogLevel(PKCS11H_LOG_QUIET);
	if (pkcs11h_setForkMode(0) != CKR_OK ||
	    pkcs11h_setPINPromptHook(refuse_pin, NULL) != CKR_OK ||
	    pkcs11h_setTokenPromptHook(refuse_token, NULL) != CKR_OK ||
	    pkcs11h_setProtectedAuthentication(0) != CKR_OK ||
	    pkcs11h_setPINCachePeriod(PKCS11H_PIN_CACHE_INFINITE) != CKR_OK) {
		goto out;
	}
	rv = pkcs11h_addProvider(PROVIDER_NAME, module_path, 0, PKCS11H_PRIVATEMODE_MASK_AUTO,
				 PKCS11H_SLOTEVENT_METHOD_AUTO, 0, 0);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		if (r == ONECARD_OK || r == ONECARD_ERR_CARD_ABSENT) {
			r = ONECARD_ERR_CARD;
		}
		goto out;
	}
	started = 1;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK && initialized) {
		(void)pkcs11h_terminate();
	}
	return r;
}

void oc_p11h_stop(void)
{
	if (!started) {
		return;
	}
	(void)pkcs11h_removeProvider(PROVIDER_NAME);
	(void)pkcs11h_terminate();
	started = 0;
}

void oc_p11h_token_free(struct oc_p11h_token *t)
{
	if (t == NULL) {
		return;
	}
	if (t->id != NULL) {
		(void)pkcs11h_token_freeTokenId(t->id);
	}
	free(t);
}

void oc_p11h_tokens_free(struct oc_p11h_token **list, size_t count)
{
	size_t i;

	if (list == NULL) {
		return;
	}
	for (i = 0; i < count; i++) {
		oc_p11h_token_free(list[i]);
	}
	free(list);
}

/* Copies a helper string (already NUL-terminated, blanks trimmed) into a
 * field of at most cap - 1 bytes; a longer one cannot come from a token. */
static int copy_field(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len >= cap) {
		return ONECARD_ERR_CARD;
	}
	memcpy(dst, src, len + 1);
	return ONECARD_OK;
}

static int token_from_id(pkcs11h_token_id_t id, struct oc_p11h_token **out)
{
	struct oc_p11h_token *t = NULL;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		goto out;
	}
	if (pkcs11h_token_duplicateTokenId(&t->id, id) != CKR_OK) {
		goto out;
	}
	r = copy_field(t->ident.label, sizeof(t->ident.label), id->label);
	if (r == ONECARD_OK) {
		r = copy_field(t->ident.manufacturer, sizeof(t->ident.manufacturer),
			       id->manufacturerID);
	}
	if (r == ONECARD_OK) {
		r = copy_field(t->ident.model, sizeof(t->ident.model), id->model);
	}
	if (r == ONECARD_OK) {
		r = copy_field(t->ident.serial, sizeof(t->ident.serial), id->serialNumber);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = t;
	t = NULL;
out:
	oc_p11h_token_free(t);
	return r;
}

int oc_p11h_token_dup(const struct oc_p11h_token *t, struct oc_p11h_token **out)
{
	return token_from_id(t->id, out);
}

int oc_p11h_tokens(struct oc_p11h_token ***list, size_t *count)
{
	pkcs11h_token_id_list_t ids = NULL, e;
	struct oc_p11h_token **arr = NULL;
	size_t n = 0, i = 0;
	CK_RV rv;
	int r;

	*list = NULL;
	*count = 0;
	/* RELOAD: only what is present now, not tokens the helper once saw. */
	rv = pkcs11h_token_enumTokenIds(PKCS11H_ENUM_METHOD_RELOAD, &ids);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		goto out;
	}
	for (e = ids; e != NULL; e = e->next) {
		n++;
	}
	if (n > OC_CARD_TOKENS_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = ONECARD_OK;
	if (n == 0) {
		goto out;
	}
	arr = calloc(n, sizeof(*arr));
	if (arr == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (e = ids; e != NULL; e = e->next) {
		r = token_from_id(e->token_id, &arr[i]);
		if (r != ONECARD_OK) {
			goto out;
		}
		i++;
	}
	*list = arr;
	*count = n;
	arr = NULL;
out:
	oc_p11h_tokens_free(arr, n);
	if (ids != NULL) {
		(void)pkcs11h_token_freeTokenIdList(ids);
	}
	return r;
}

const struct oc_card_info *oc_p11h_token_ident(const struct oc_p11h_token *t)
{
	return &t->ident;
}

int oc_p11h_login(const struct oc_p11h_token *t, const char *pin)
{
	CK_RV rv;

	if (pin == NULL) {
		/* NULL would ask for a protected authentication path. */
		return ONECARD_ERR_INVALID_ARG;
	}
	/* Read-only: signing needs no more. */
	rv = pkcs11h_token_login(t->id, 1, pin);
	return oc_ckr_to_err(rv);
}

int oc_p11h_logout(const struct oc_p11h_token *t)
{
	return oc_ckr_to_err(pkcs11h_token_logout(t->id));
}

void oc_p11h_cert_free(struct oc_p11h_cert *c)
{
	if (c == NULL) {
		return;
	}
	if (c->id != NULL) {
		(void)pkcs11h_certificate_freeCertificateId(c->id);
	}
	free(c);
}

void oc_p11h_certs_free(struct oc_p11h_cert **list, size_t count)
{
	size_t i;

	if (list == NULL) {
		return;
	}
	for (i = 0; i < count; i++) {
		oc_p11h_cert_free(list[i]);
	}
	free(list);
}

static size_t list_length(pkcs11h_certificate_id_list_t l)
{
	size_t n = 0;

	for (; l != NULL; l = l->next) {
		n++;
	}
	return n;
}

/* Moves the ids of a helper list into arr[*i...]. */
static int take_certs(pkcs11h_certificate_id_list_t l, struct oc_p11h_cert **arr, size_t *i)
{
	for (; l != NULL; l = l->next) {
		arr[*i] = calloc(1, sizeof(*arr[*i]));
		if (arr[*i] == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		if (pkcs11h_certificate_duplicateCertificateId(&arr[*i]->id, l->certificate_id) !=
		    CKR_OK) {
			return ONECARD_ERR_NOMEM;
		}
		(*i)++;
	}
	return ONECARD_OK;
}

int oc_p11h_certs(const struct oc_p11h_token *t, struct oc_p11h_cert ***list, size_t *count)
{
	pkcs11h_certificate_id_list_t issuers = NULL, ends = NULL;
	struct oc_p11h_cert **arr = NULL;
	size_t n = 0, i = 0;
	CK_RV rv;
	int r;

	*list = NULL;
	*count = 0;
	/* The helper splits what it finds into issuers (a certificate that
	 * issued another one on the card) and end-entity certificates; a
	 * card's list shows both. No prompt: certificates are public. */
	rv = pkcs11h_certificate_enumTokenCertificateIds(t->id, PKCS11H_ENUM_METHOD_RELOAD, NULL, 0,
							 &issuers, &ends);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		goto out;
	}
	n = list_length(issuers) + list_length(ends);
	if (n > OC_CARD_CERTS_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = ONECARD_OK;
	if (n == 0) {
		goto out;
	}
	arr = calloc(n, sizeof(*arr));
	if (arr == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = take_certs(ends, arr, &i);
	if (r == ONECARD_OK) {
		r = take_certs(issuers, arr, &i);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*list = arr;
	*count = n;
	arr = NULL;
out:
	oc_p11h_certs_free(arr, n);
	if (issuers != NULL) {
		(void)pkcs11h_certificate_freeCertificateIdList(issuers);
	}
	if (ends != NULL) {
		(void)pkcs11h_certificate_freeCertificateIdList(ends);
	}
	return r;
}

const uint8_t *oc_p11h_cert_id(const struct oc_p11h_cert *c, size_t *len)
{
	*len = c->id->attrCKA_ID_size;
	return c->id->attrCKA_ID;
}

const uint8_t *oc_p11h_cert_der(const struct oc_p11h_cert *c, size_t *len)
{
	*len = c->id->certificate_blob_size;
	return c->id->certificate_blob;
}

int oc_p11h_sign(const struct oc_p11h_cert *c, enum oc_p11_mech mech, const uint8_t *in,
		 size_t in_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, PSS_SALT_LEN};
	CK_MECHANISM m = {0, NULL, 0};
	pkcs11h_certificate_t cert = NULL;
	int locked = 0;
	size_t len = cap;
	CK_RV rv;
	int r = ONECARD_ERR_INVALID_ARG;

	*sig_len = 0;
	switch (mech) {
	case OC_P11_MECH_ECDSA:
		m.mechanism = CKM_ECDSA;
		break;
	case OC_P11_MECH_RSA_PKCS:
		m.mechanism = CKM_RSA_PKCS;
		break;
	case OC_P11_MECH_RSA_PKCS_PSS_SHA256:
		m.mechanism = CKM_RSA_PKCS_PSS;
		m.pParameter = &pss;
		m.ulParameterLen = sizeof(pss);
		break;
	default:
		goto out;
	}
	/* No prompt, and no cache period of the object's own: a login is
	 * the session's business. */
	rv = pkcs11h_certificate_create(c->id, NULL, 0, PKCS11H_PIN_CACHE_INFINITE, &cert);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		goto out;
	}
	rv = pkcs11h_certificate_lockSession(cert);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		goto out;
	}
	locked = 1;
	rv = pkcs11h_certificate_sign_ex(cert, &m, in, in_len, sig, &len);
	if (rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
		/* A failed sign must not read as a PIN problem: the login
		 * happened before and was good. */
		if (r == ONECARD_OK || r == ONECARD_ERR_PIN_INCORRECT) {
			r = ONECARD_ERR_CARD;
		}
		goto out;
	}
	if (len == 0 || len > cap) {
		r = ONECARD_ERR_CARD;
		goto out;
	}
	*sig_len = len;
	r = ONECARD_OK;
out:
	if (locked) {
		(void)pkcs11h_certificate_releaseSession(cert);
	}
	if (cert != NULL) {
		(void)pkcs11h_certificate_freeCertificate(cert);
	}
	return r;
}
