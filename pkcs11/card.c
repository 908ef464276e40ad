/*
 * The card library's coordinating code (card.h): it decides, the two
 * adapters act. p11h.c (libpkcs11-helper) lists tokens and certificates,
 * logs in and out and signs; p11_direct.c (the module's own function
 * list) reads token flags and object attributes and provisions. This
 * file holds the rules for contexts, cards, sessions, certificates and
 * signatures: which card a URI names, when a key counts as present, that
 * a PIN is always checked by the card and wiped at once, that a signature
 * is verified before it leaves, and that a failed card operation ends the
 * session. provision.c holds the rules for changing a card.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "card_internal.h"

#define MODULE_ENV "ONECARD_PKCS11_MODULE"

/* libpkcs11-helper is process-wide, so a context is too. */
static struct oc_card_ctx *live_ctx;

/* Whether two identities name the same card. */
static int same_card(const struct oc_card_info *a, const struct oc_card_info *b)
{
	return strcmp(a->label, b->label) == 0 && strcmp(a->manufacturer, b->manufacturer) == 0 &&
	       strcmp(a->model, b->model) == 0 && strcmp(a->serial, b->serial) == 0;
}

/* ---- context ------------------------------------------------------------ */

static struct oc_card_ctx *ctx_ref(struct oc_card_ctx *ctx)
{
	ctx->refs++;
	return ctx;
}

static void ctx_unref(struct oc_card_ctx *ctx)
{
	if (ctx == NULL) {
		return;
	}
	ctx->refs--;
	if (ctx->refs > 0) {
		return;
	}
	/* The direct adapter first: it did not initialize the module, the
	 * helper did, and the helper finalizes it. */
	oc_p11d_close(ctx->direct);
	oc_p11h_stop();
	free(ctx->module);
	if (live_ctx == ctx) {
		live_ctx = NULL;
	}
	free(ctx);
}

/* The module to load when the caller names none. */
static const char *default_module(void)
{
	const char *env = getenv(MODULE_ENV);

	if (env != NULL && env[0] != '\0') {
		return env;
	}
	if (access(OC_CARD_P11KIT_PROXY, F_OK) == 0) {
		return OC_CARD_P11KIT_PROXY;
	}
	return NULL;
}

int oc_card_ctx_new(const char *module_path, struct oc_card_ctx **out)
{
	struct oc_card_ctx *ctx = NULL;
	const char *path = module_path;
	int helper = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (live_ctx != NULL) {
		return ONECARD_ERR_EXISTS;
	}
	if (path == NULL) {
		path = default_module();
		if (path == NULL) {
			return ONECARD_ERR_NOT_FOUND;
		}
	}
	/* Absolute only: a bare name would be looked up on the loader's
	 * search path, which is not where anyone meant. */
	if (path[0] != '/' || strlen(path) > OC_P11_URI_PATH_MAX) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		goto out;
	}
	ctx->module = strdup(path);
	if (ctx->module == NULL) {
		goto out;
	}
	r = oc_p11h_start(ctx->module);
	if (r != ONECARD_OK) {
		goto out;
	}
	helper = 1;
	r = oc_p11d_open(ctx->module, &ctx->direct);
	if (r != ONECARD_OK) {
		goto out;
	}
	ctx->refs = 1;
	live_ctx = ctx;
	*out = ctx;
	ctx = NULL;
out:
	if (ctx != NULL) {
		if (helper) {
			oc_p11h_stop();
		}
		free(ctx->module);
		free(ctx);
	}
	return r;
}

const char *oc_card_ctx_module(const struct oc_card_ctx *ctx)
{
	return ctx->module;
}

void oc_card_ctx_free(struct oc_card_ctx *ctx)
{
	ctx_unref(ctx);
}

/* ---- cards -------------------------------------------------------------- */

int oc_card_list(struct oc_card_ctx *ctx, struct oc_card_info **infos, size_t *count)
{
	struct oc_p11h_token **tokens = NULL;
	struct oc_card_info *arr = NULL;
	size_t n = 0, i, k = 0;
	oc_p11d_handle slot;
	int r;

	*infos = NULL;
	*count = 0;
	r = oc_p11h_tokens(&tokens, &n);
	if (r != ONECARD_OK || n == 0) {
		goto out;
	}
	arr = calloc(n, sizeof(*arr));
	if (arr == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* A card pulled out since the helper saw it is not listed. */
		if (oc_p11d_find_slot(ctx->direct, oc_p11h_token_ident(tokens[i]), &slot) !=
			    ONECARD_OK ||
		    oc_p11d_token_info(ctx->direct, slot, &arr[k]) != ONECARD_OK) {
			continue;
		}
		k++;
	}
	if (k == 0) {
		goto out;
	}
	*infos = arr;
	*count = k;
	arr = NULL;
out:
	free(arr);
	oc_p11h_tokens_free(tokens, n);
	return r;
}

/* Whether two paths name the same file: the same string, or the same
 * device and inode once symbolic links are followed. */
static int same_module(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0) {
		return 1;
	}
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0) {
		return 0;
	}
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int token_matches(const struct oc_card_info *ident, const struct oc_p11_uri *uri)
{
	const char *v;

	v = oc_p11_uri_get(uri, OC_P11_URI_TOKEN);
	if (v != NULL && strcmp(v, ident->label) != 0) {
		return 0;
	}
	v = oc_p11_uri_get(uri, OC_P11_URI_MANUFACTURER);
	if (v != NULL && strcmp(v, ident->manufacturer) != 0) {
		return 0;
	}
	v = oc_p11_uri_get(uri, OC_P11_URI_MODEL);
	if (v != NULL && strcmp(v, ident->model) != 0) {
		return 0;
	}
	v = oc_p11_uri_get(uri, OC_P11_URI_SERIAL);
	return v == NULL || strcmp(v, ident->serial) == 0;
}

int oc_card_open(struct oc_card_ctx *ctx, const struct oc_p11_uri *uri, struct oc_card **out)
{
	struct oc_p11h_token **tokens = NULL;
	struct oc_card *card = NULL;
	const char *module;
	oc_p11d_handle slot = 0, match_slot = 0;
	size_t n = 0, i, found = 0, match = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (ctx == NULL) {
		goto out;
	}
	module = oc_p11_uri_get(uri, OC_P11_URI_MODULE_PATH);
	if (module != NULL && !same_module(module, ctx->module)) {
		goto out;
	}
	r = oc_p11h_tokens(&tokens, &n);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* A token counts when it matches and the direct adapter finds its
	 * slot: present now, and initialized. */
	for (i = 0; i < n; i++) {
		if ((uri == NULL || token_matches(oc_p11h_token_ident(tokens[i]), uri)) &&
		    oc_p11d_find_slot(ctx->direct, oc_p11h_token_ident(tokens[i]), &slot) ==
			    ONECARD_OK) {
			match = i;
			match_slot = slot;
			found++;
		}
	}
	if (found == 0) {
		r = ONECARD_ERR_CARD_ABSENT;
		goto out;
	}
	if (found > 1) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	card = calloc(1, sizeof(*card));
	if (card == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	card->slot = match_slot;
	card->token = tokens[match];
	tokens[match] = NULL;
	card->ctx = ctx_ref(ctx);
	*out = card;
	card = NULL;
out:
	free(card);
	oc_p11h_tokens_free(tokens, n);
	return r;
}

int oc_card_get_info(struct oc_card *card, struct oc_card_info *info)
{
	const struct oc_card_info *ident = oc_p11h_token_ident(card->token);
	oc_p11d_handle slot;
	int r;

	memset(info, 0, sizeof(*info));
	r = oc_p11d_token_info(card->ctx->direct, card->slot, info);
	if (r == ONECARD_OK && same_card(info, ident)) {
		return ONECARD_OK;
	}
	/* Gone, or another card in that slot: look for it once more, in case
	 * it came back in another slot. */
	r = oc_p11d_find_slot(card->ctx->direct, ident, &slot);
	if (r == ONECARD_OK) {
		card->slot = slot;
		r = oc_p11d_token_info(card->ctx->direct, slot, info);
	}
	if (r != ONECARD_OK) {
		memset(info, 0, sizeof(*info));
	}
	return r;
}

void oc_card_free(struct oc_card *card)
{
	if (card == NULL) {
		return;
	}
	oc_p11h_token_free(card->token);
	ctx_unref(card->ctx);
	free(card);
}

/* ---- sessions ----------------------------------------------------------- */

/* A failure that comes from the card ends the session: nothing more is
 * tried on a card that misbehaved, and a login is never left behind. */
int oc_card_session_fail(struct oc_card_session *s, int r)
{
	if (r == ONECARD_ERR_CARD || r == ONECARD_ERR_CARD_ABSENT) {
		s->dead = 1;
	}
	return r;
}

/* Refuses a dead session, and a session whose login went away. */
int oc_card_session_usable(struct oc_card_session *s)
{
	bool user = false;
	int r;

	if (s->dead) {
		return ONECARD_ERR_CARD;
	}
	r = oc_p11d_session_is_user(s->ctx->direct, s->h, &user);
	if (r == ONECARD_OK && !user) {
		r = ONECARD_ERR_CARD;
	}
	return oc_card_session_fail(s, r);
}

void oc_card_session_close(struct oc_card_session *s)
{
	if (s == NULL) {
		return;
	}
	if (s->h != 0) {
		(void)oc_p11d_logout(s->ctx->direct, s->h);
		oc_p11d_session_close(s->ctx->direct, s->h);
	}
	/* The helper's session too, logged in or left from a failed try. */
	if (s->token != NULL) {
		(void)oc_p11h_logout(s->token);
	}
	oc_p11h_token_free(s->token);
	ctx_unref(s->ctx);
	free(s);
}

int oc_card_session_open(struct oc_card *card, char *pin, size_t pin_len,
			 struct oc_card_session **out)
{
	char pin_z[OC_CARD_PIN_MAX + 1];
	struct oc_card_session *s = NULL;
	struct oc_card_info info;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out != NULL) {
		*out = NULL;
	}
	/* The caller's copy goes first, whatever happens next. */
	if (pin == NULL || pin_len == 0 || pin_len > OC_CARD_PIN_MAX ||
	    memchr(pin, '\0', pin_len) != NULL) {
		if (pin != NULL) {
			OPENSSL_cleanse(pin, pin_len);
		}
		return ONECARD_ERR_INVALID_ARG;
	}
	memcpy(pin_z, pin, pin_len);
	pin_z[pin_len] = '\0';
	OPENSSL_cleanse(pin, pin_len);
	if (card == NULL || out == NULL) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		goto out;
	}
	s->ctx = ctx_ref(card->ctx);
	s->ident = *oc_p11h_token_ident(card->token);
	s->slot = card->slot;
	r = oc_p11h_token_dup(card->token, &s->token);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_p11d_session_open(s->ctx->direct, s->slot, false, &s->h);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* End any login this process still holds on the card. Sessions of a
	 * process share one login, and a C_Login that answers "already
	 * logged in" must never stand in for a PIN check (CVE-2023-40660 is
	 * that class of bug). */
	r = oc_p11d_logout(s->ctx->direct, s->h);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_p11h_login(s->token, pin_z);
	OPENSSL_cleanse(pin_z, sizeof(pin_z));
	if (r == ONECARD_ERR_PIN_INCORRECT &&
	    oc_p11d_token_info(s->ctx->direct, s->slot, &info) == ONECARD_OK &&
	    (info.pin_flags & OC_CARD_PIN_LOCKED) != 0) {
		r = ONECARD_ERR_PIN_LOCKED; /* this wrong PIN was the last try */
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_card_session_usable(s);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = s;
	s = NULL;
out:
	OPENSSL_cleanse(pin_z, sizeof(pin_z));
	oc_card_session_close(s);
	return r;
}

/* ---- certificates ------------------------------------------------------- */

/* Finds objects of a class under an id; *count of them, at most cap. */
int oc_card_find_by_id(struct oc_p11d *d, oc_p11d_handle h, enum oc_p11d_class cls,
		       const uint8_t *id, size_t id_len, oc_p11d_handle *objs, size_t cap,
		       size_t *count)
{
	struct oc_p11d_query q = {cls, id, id_len, NULL, 0};

	return oc_p11d_find(d, h, &q, objs, cap, count);
}

/*
 * Compares the public values the card keeps in obj with the certificate's
 * key. *differs is set when they are readable and not the same; objects
 * that carry no public values (an EC private key) or a key type onecard
 * does not sign with are not compared.
 */
static int compare_key(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj, EVP_PKEY *cert_key,
		       int *differs)
{
	struct oc_p11d_pubkey pub;
	EVP_PKEY *key = NULL;
	int r;

	*differs = 0;
	r = oc_p11d_pubkey(d, h, obj, &pub);
	if (r == ONECARD_ERR_NOT_FOUND || r == ONECARD_ERR_BAD_KEY) {
		return ONECARD_OK;
	}
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_card_pubkey_to_evp(&pub, &key);
	if (r == ONECARD_OK) {
		*differs = !oc_card_same_key(key, cert_key);
	} else if (r == ONECARD_ERR_BAD_KEY) {
		*differs = 1; /* what the card holds is not a key at all */
		r = ONECARD_OK;
	}
	EVP_PKEY_free(key);
	return r;
}

/*
 * The key state of a certificate (see card.h). logged_in: the session
 * sees private objects, so a missing private key object is missing.
 */
static int key_state(struct oc_p11d *d, oc_p11d_handle h, const struct oc_card_cert *c,
		     int logged_in, enum oc_card_key_state *state)
{
	oc_p11d_handle privs[OC_P11D_FIND_MAX], pubs[OC_P11D_FIND_MAX];
	size_t np = 0, nk = 0;
	EVP_PKEY *cert_key = X509_get0_pubkey(c->x509);
	int differs = 0;
	int r;

	*state = OC_CARD_KEY_MISSING;
	ERR_clear_error();
	if (cert_key == NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	r = oc_card_find_by_id(d, h, OC_P11D_PRIVATE_KEY, c->id, c->id_len, privs, OC_P11D_FIND_MAX,
			       &nk);
	if (r == ONECARD_OK) {
		r = oc_card_find_by_id(d, h, OC_P11D_PUBLIC_KEY, c->id, c->id_len, pubs,
				       OC_P11D_FIND_MAX, &np);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	if (nk > 1 || np > 1) {
		*state = OC_CARD_KEY_MISMATCH; /* an id must name one key */
		return ONECARD_OK;
	}
	if (nk == 0 && (logged_in || np == 0)) {
		return ONECARD_OK; /* missing */
	}
	if (nk == 1) {
		r = compare_key(d, h, privs[0], cert_key, &differs);
	}
	if (r == ONECARD_OK && !differs && np == 1) {
		r = compare_key(d, h, pubs[0], cert_key, &differs);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	*state = differs ? OC_CARD_KEY_MISMATCH : OC_CARD_KEY_PRESENT;
	return ONECARD_OK;
}

/* Parses a certificate; the DER must be exactly one certificate. */
static int parse_cert(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x = NULL;

	*out = NULL;
	if (len == 0 || len > OC_CARD_CERT_DER_MAX) {
		return len == 0 ? ONECARD_ERR_BAD_FORMAT : ONECARD_ERR_TOO_LARGE;
	}
	x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (x == NULL || p != der + len) {
		X509_free(x);
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out = x;
	return ONECARD_OK;
}

/* Fills c from a helper certificate (taking it over) and the card. */
static int fill_cert(struct oc_card_cert *c, struct oc_p11h_cert **hc, struct oc_p11d *d,
		     oc_p11d_handle h, int logged_in)
{
	struct oc_p11d_query q = {OC_P11D_CERTIFICATE, NULL, 0, NULL, 0};
	oc_p11d_handle objs[OC_P11D_FIND_MAX];
	const uint8_t *id, *der;
	size_t id_len, der_len, n = 0;
	int r;

	id = oc_p11h_cert_id(*hc, &id_len);
	der = oc_p11h_cert_der(*hc, &der_len);
	if (id_len == 0 || id_len > OC_CARD_ID_MAX) {
		return id_len == 0 ? ONECARD_ERR_BAD_FORMAT : ONECARD_ERR_TOO_LARGE;
	}
	memcpy(c->id, id, id_len);
	c->id_len = id_len;
	r = parse_cert(der, der_len, &c->x509);
	if (r != ONECARD_OK) {
		return r;
	}
	/* The helper does not read labels: find the very object again by
	 * its id and value, and read its CKA_LABEL. */
	q.id = id;
	q.id_len = id_len;
	q.value = der;
	q.value_len = der_len;
	r = oc_p11d_find(d, h, &q, objs, OC_P11D_FIND_MAX, &n);
	if (r == ONECARD_OK && n > 0) {
		r = oc_p11d_label(d, h, objs[0], c->label, sizeof(c->label));
	}
	if (r == ONECARD_OK) {
		r = key_state(d, h, c, logged_in, &c->key_state);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	c->hcert = *hc;
	*hc = NULL;
	return ONECARD_OK;
}

void oc_card_certs_free(struct oc_card_certs *certs)
{
	size_t i;

	if (certs == NULL) {
		return;
	}
	for (i = 0; i < certs->count; i++) {
		X509_free(certs->certs[i].x509);
		oc_p11h_cert_free(certs->certs[i].hcert);
	}
	free(certs->certs);
	ctx_unref(certs->ctx);
	free(certs);
}

int oc_card_certs_read(struct oc_card *card, struct oc_card_session *s, struct oc_card_certs **out)
{
	static const struct oc_p11d_query all_certs = {OC_P11D_CERTIFICATE, NULL, 0, NULL, 0};
	oc_p11d_handle objs[OC_P11D_FIND_MAX];
	struct oc_p11h_cert **hlist = NULL;
	struct oc_card_certs *certs = NULL;
	struct oc_p11d *d = NULL;
	oc_p11d_handle h = 0, own = 0;
	size_t n = 0, n_direct = 0, i;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (card == NULL) {
		goto out;
	}
	d = card->ctx->direct;
	if (s != NULL) {
		if (!same_card(&s->ident, oc_p11h_token_ident(card->token))) {
			goto out;
		}
		r = oc_card_session_usable(s);
		if (r != ONECARD_OK) {
			goto out;
		}
		h = s->h;
	} else {
		r = oc_p11d_session_open(d, card->slot, false, &own);
		if (r != ONECARD_OK) {
			goto out;
		}
		h = own;
	}
	r = oc_p11h_certs(card->token, &hlist, &n);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* The helper skips objects it fails to read, and a failing search
	 * can look like an empty card to it. Count the certificate objects
	 * here too: a card that does not give both the same answer failed. */
	r = oc_p11d_find(d, h, &all_certs, objs, OC_P11D_FIND_MAX, &n_direct);
	if (r == ONECARD_OK && n_direct != n) {
		r = ONECARD_ERR_CARD;
	}
	if (r != ONECARD_OK) {
		if (s != NULL) {
			(void)oc_card_session_fail(s, r);
		}
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	certs = calloc(1, sizeof(*certs));
	if (certs == NULL) {
		goto out;
	}
	certs->ctx = ctx_ref(card->ctx);
	if (n > 0) {
		certs->certs = calloc(n, sizeof(*certs->certs));
		if (certs->certs == NULL) {
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		certs->certs[i].ident = *oc_p11h_token_ident(card->token);
		certs->count = i + 1; /* so that a failure frees what is filled */
		r = fill_cert(&certs->certs[i], &hlist[i], d, h, s != NULL);
		if (r != ONECARD_OK) {
			if (s != NULL) {
				(void)oc_card_session_fail(s, r);
			}
			goto out;
		}
	}
	*out = certs;
	certs = NULL;
	r = ONECARD_OK;
out:
	oc_card_certs_free(certs);
	oc_p11h_certs_free(hlist, n);
	if (own != 0) {
		oc_p11d_session_close(d, own);
	}
	return r;
}

size_t oc_card_certs_count(const struct oc_card_certs *certs)
{
	return certs != NULL ? certs->count : 0;
}

const struct oc_card_cert *oc_card_certs_get0(const struct oc_card_certs *certs, size_t i)
{
	if (certs == NULL || i >= certs->count) {
		return NULL;
	}
	return &certs->certs[i];
}

static int cert_matches(const struct oc_card_cert *c, const struct oc_p11_uri *uri)
{
	const char *label = oc_p11_uri_get(uri, OC_P11_URI_OBJECT);
	const uint8_t *id;
	size_t id_len;

	if (label != NULL && strcmp(label, c->label) != 0) {
		return 0;
	}
	id = oc_p11_uri_id(uri, &id_len);
	return id == NULL || (id_len == c->id_len && memcmp(id, c->id, id_len) == 0);
}

int oc_card_certs_find(const struct oc_card_certs *certs, const struct oc_p11_uri *uri,
		       const struct oc_card_cert **out)
{
	size_t i, found = 0;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (certs == NULL || uri == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < certs->count; i++) {
		if (cert_matches(&certs->certs[i], uri)) {
			if (found == 0) {
				*out = &certs->certs[i];
			}
			found++;
		}
	}
	if (found == 1) {
		return ONECARD_OK;
	}
	*out = NULL;
	return found == 0 ? ONECARD_ERR_NOT_FOUND : ONECARD_ERR_INVALID_ARG;
}

const char *oc_card_cert_label(const struct oc_card_cert *c)
{
	return c->label;
}

const uint8_t *oc_card_cert_id(const struct oc_card_cert *c, size_t *len)
{
	*len = c->id_len;
	return c->id;
}

X509 *oc_card_cert_get0_x509(const struct oc_card_cert *c)
{
	return c->x509;
}

enum oc_card_key_state oc_card_cert_key_state(const struct oc_card_cert *c)
{
	return c->key_state;
}

/* ---- signing ------------------------------------------------------------ */

int oc_card_cert_fits(const struct oc_card_cert *c, enum oc_card_mech mech)
{
	EVP_PKEY *key;

	if (c == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	key = X509_get0_pubkey(c->x509);
	ERR_clear_error();
	if (key == NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	return oc_card_mech_fits(key, mech);
}

int oc_card_sign_raw(struct oc_card_session *s, const struct oc_card_cert *cert,
		     enum oc_p11_mech mech, const uint8_t *in, size_t in_len,
		     uint8_t sig[OC_CARD_SIG_MAX], size_t *sig_len)
{
	oc_p11d_handle keys[OC_P11D_FIND_MAX];
	size_t n = 0;
	int r;

	*sig_len = 0;
	if (s == NULL || cert == NULL || in == NULL || in_len == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!same_card(&s->ident, &cert->ident)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_card_session_usable(s);
	if (r != ONECARD_OK) {
		return r;
	}
	/* Looked up here, in the logged-in view, so that a missing key is
	 * told apart from a failing card (the helper reports both alike). */
	r = oc_card_find_by_id(s->ctx->direct, s->h, OC_P11D_PRIVATE_KEY, cert->id, cert->id_len,
			       keys, OC_P11D_FIND_MAX, &n);
	if (r != ONECARD_OK) {
		return oc_card_session_fail(s, r);
	}
	if (n != 1) {
		return ONECARD_ERR_KEY_MISSING; /* none, or no one key */
	}
	r = oc_p11h_sign(cert->hcert, mech, in, in_len, sig, OC_CARD_SIG_MAX, sig_len);
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(sig, OC_CARD_SIG_MAX);
		*sig_len = 0;
		/* Whatever the card said, the session is not trusted again. */
		s->dead = 1;
		if (r != ONECARD_ERR_CARD_ABSENT) {
			r = ONECARD_ERR_CARD;
		}
	}
	return r;
}

int oc_card_sign(struct oc_card_session *s, const struct oc_card_cert *cert, enum oc_card_mech mech,
		 const uint8_t *msg, size_t msg_len, uint8_t sig[OC_CARD_SIG_MAX], size_t *sig_len)
{
	uint8_t hash[OC_CARD_SHA256_LEN];
	uint8_t in[OC_CARD_DIGESTINFO_SHA256_LEN];
	uint8_t raw[OC_CARD_SIG_MAX];
	uint8_t der[OC_CARD_ECDSA_DER_MAX];
	const uint8_t *result = raw;
	size_t in_len = OC_CARD_SHA256_LEN, raw_len = 0, result_len = 0;
	enum oc_p11_mech p11_mech;
	EVP_PKEY *key;
	int r = ONECARD_ERR_INVALID_ARG;

	if (sig_len == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*sig_len = 0;
	if (s == NULL || cert == NULL || sig == NULL || (msg == NULL && msg_len > 0)) {
		goto out;
	}
	key = X509_get0_pubkey(cert->x509);
	ERR_clear_error();
	if (key == NULL) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	r = oc_card_mech_fits(key, mech);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_card_sha256(msg != NULL ? msg : (const uint8_t *)"", msg_len, hash);
	if (r != ONECARD_OK) {
		goto out;
	}
	switch (mech) {
	case OC_CARD_ECDSA_SHA256:
	case OC_CARD_ECDSA_SHA256_RAW:
		p11_mech = OC_P11_MECH_ECDSA;
		memcpy(in, hash, sizeof(hash));
		break;
	case OC_CARD_RSA_PKCS1_SHA256:
		p11_mech = OC_P11_MECH_RSA_PKCS;
		oc_card_digestinfo_sha256(hash, in);
		in_len = OC_CARD_DIGESTINFO_SHA256_LEN;
		break;
	case OC_CARD_RSA_PSS_SHA256:
		p11_mech = OC_P11_MECH_RSA_PKCS_PSS_SHA256;
		memcpy(in, hash, sizeof(hash));
		break;
	default:
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_card_sign_raw(s, cert, p11_mech, in, in_len, raw, &raw_len);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* A length other than the certificate's key gives means the key
	 * that signed is another one. */
	result_len = raw_len;
	if (p11_mech == OC_P11_MECH_ECDSA) {
		if (raw_len != OC_CARD_ECDSA_P256_RAW_LEN) {
			r = ONECARD_ERR_KEY_MISSING;
			goto out;
		}
		if (mech == OC_CARD_ECDSA_SHA256) {
			r = oc_card_ecdsa_p256_raw_to_der(raw, der, &result_len);
			if (r != ONECARD_OK) {
				/* r or s out of range: no key makes that. */
				r = oc_card_session_fail(s, ONECARD_ERR_CARD);
				goto out;
			}
			result = der;
		}
	} else if (raw_len != (size_t)EVP_PKEY_get_size(key)) {
		r = ONECARD_ERR_KEY_MISSING;
		goto out;
	}
	/* Proof of possession (P1): the signature must verify with the key
	 * of the certificate it was made for. A key under the right id that
	 * is not the certificate's key fails here; so would a faulty
	 * signature, which on RSA-CRT could leak the key. */
	if (oc_card_verify(key, mech, msg != NULL ? msg : (const uint8_t *)"", msg_len, result,
			   result_len) != ONECARD_OK) {
		r = ONECARD_ERR_KEY_MISSING;
		goto out;
	}
	memcpy(sig, result, result_len);
	*sig_len = result_len;
	r = ONECARD_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(der, sizeof(der));
	return r;
}
