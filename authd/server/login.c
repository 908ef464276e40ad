/*
 * The card login, as one straight line of checks (docs/authd.md):
 *
 *   request shape -> challenge (MAC, origin, expiry) -> module -> each
 *   certificate (path, CRLs, profile; cached) -> each proof signature ->
 *   the directory (one card, statuses) -> the module's agencies ->
 *   the token -> the audit row with the nonce (single use), committed
 *   -> the answer.
 *
 * Any refusal stops the line; the audit row records the reason, and
 * once the challenge was accepted its nonce is used up with the row, so
 * a refused login cannot be retried with the same challenge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "audit.h"
#include "b64url.h"
#include "challenge.h"
#include "directory.h"
#include "json_strict.h"
#include "login.h"
#include "login_request.h"
#include "mint.h"
#include "session.h"

struct login {
	struct authd *a;
	struct authd_trust *trust;
	struct oc_keyring *keys;
	struct login_request req; /* the proofs, decoded */
	struct oc_challenge ch;
	int challenge_ok;
	char nonce_hex[OC_CHALLENGE_NONCE_HEX_SIZE];
	const oc_module *module;
	struct oc_dir_login who;
	int who_known;
	json_t *certs; /* the audit's view of the certificates */
	struct minted tok;
	/* the SSO session the login opens (docs/sso.md) */
	char cred[AUTHD_SESSION_CRED_SIZE];
	uint8_t cred_hash[32];
	char sid[AUTHD_SID_SIZE];
	char *session_certs; /* the session row's certificates, JSON */
};

static enum authd_reason refuse(struct login_result *res, enum authd_reason why, const char *fmt,
				...) __attribute__((format(printf, 3, 4)));

static enum authd_reason refuse(struct login_result *res, enum authd_reason why, const char *fmt,
				...)
{
	va_list ap;

	res->reason = why;
	va_start(ap, fmt);
	(void)vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	return why;
}

static enum authd_reason parse(struct login *l, const json_t *body, const char **wire,
			       size_t *wire_len, struct login_result *res)
{
	enum authd_reason why;

	why = login_request_parse(body, &l->req, res->detail, sizeof(res->detail));
	res->reason = why;
	if (why == AR_OK) {
		*wire = l->req.challenge;
		*wire_len = l->req.challenge_len;
	}
	return why;
}

/* ---- the checks ----------------------------------------------------------- */

static enum authd_reason check_challenge(struct login *l, const char *wire, size_t len,
					 struct login_result *res)
{
	enum oc_challenge_refusal why = OC_CHALLENGE_REFUSED_OTHER;
	int r;

	r = oc_challenge_check(oc_keyring_challenge_keys(l->keys), wire, len, l->a->cfg.origin,
			       authd_now(), &l->ch, &why);
	if (r != ONECARD_OK) {
		if (why == OC_CHALLENGE_REFUSED_EXPIRED ||
		    why == OC_CHALLENGE_REFUSED_NOT_YET_VALID) {
			return refuse(res, AR_CHALLENGE_EXPIRED, "%s",
				      oc_challenge_refusal_str(why));
		}
		if (why == OC_CHALLENGE_REFUSED_OTHER) {
			return refuse(res, AR_INTERNAL, "challenge check failed");
		}
		return refuse(res, AR_CHALLENGE_INVALID, "%s", oc_challenge_refusal_str(why));
	}
	if (oc_challenge_nonce_hex(&l->ch, l->nonce_hex) != ONECARD_OK) {
		return refuse(res, AR_INTERNAL, "nonce");
	}
	l->challenge_ok = 1;
	l->module = oc_policy_module(l->a->policy, l->ch.audience);
	if (l->module == NULL || (l->module->acr & OC_ACR_CARD) == 0) {
		return refuse(res, AR_INVALID_TARGET, "no module \"%s\" admits a card login",
			      l->ch.audience);
	}
	return AR_OK;
}

/* The audit's record of one presented certificate. */
static int note_cert(struct login *l, const struct proof *p, const char *refusal)
{
	unsigned char sha[32];
	char hex[65];
	json_t *o, *ev;
	size_t i;

	if (EVP_Digest(p->der[0], p->der_len[0], sha, NULL, EVP_sha256(), NULL) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	for (i = 0; i < 32; i++) {
		(void)snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	}
	o = json_pack("{s:s}", "sha256", hex);
	if (o == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (refusal != NULL) {
		(void)json_object_set_new(o, "refused", json_string(refusal));
	}
	if (p->cert != NULL) {
		ev = json_array();
		for (i = 0; ev != NULL && i < p->cert->path_len; i++) {
			const struct oc_chain_evidence *e = &p->cert->evidence[i];

			if (!e->found) {
				(void)json_array_append_new(ev, json_null());
				continue;
			}
			(void)json_array_append_new(
				ev,
				json_pack("{s:s,s:s?,s:I,s:I}", "crl_issuer", e->crl_issuer,
					  "crl_number", e->has_crl_number ? e->crl_number : NULL,
					  "this_update", (json_int_t)e->this_update, "next_update",
					  (json_int_t)e->next_update));
		}
		(void)json_object_set_new(o, "issuer", json_string(p->cert->issuer));
		(void)json_object_set_new(o, "serial", json_string(p->cert->serial));
		(void)json_object_set_new(o, "agency", json_string(p->cert->agency));
		(void)json_object_set_new(o, "evidence", ev != NULL ? ev : json_null());
	}
	return json_array_append_new(l->certs, o) == 0 ? ONECARD_OK : ONECARD_ERR_NOMEM;
}

static enum authd_reason check_certs(struct login *l, struct login_result *res)
{
	char detail[AUTHD_DETAIL_MAX];
	enum authd_reason why;
	size_t i;

	for (i = 0; i < l->req.nproofs; i++) {
		struct proof *p = &l->req.proofs[i];

		why = authd_trust_check(l->trust, l->a->policy, p->der[0], p->der_len[0],
					(const unsigned char *const *)&p->der[1], &p->der_len[1],
					p->nder - 1, (time_t)authd_now(), &p->cert, detail);
		if (note_cert(l, p, why == AR_OK ? NULL : authd_reason_code(why)) != ONECARD_OK) {
			return refuse(res, AR_INTERNAL, "out of memory");
		}
		if (why != AR_OK) {
			return refuse(res, why, "proof %zu: %s", i + 1, detail);
		}
	}
	return AR_OK;
}

static enum authd_reason check_proofs(struct login *l, struct login_result *res)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	size_t i;
	int r;

	if (oc_proof_message(&l->ch, &msg, &len) != ONECARD_OK) {
		return refuse(res, AR_INTERNAL, "proof message");
	}
	for (i = 0; i < l->req.nproofs; i++) {
		struct proof *p = &l->req.proofs[i];

		r = oc_proof_verify(p->cert->pkey, p->alg, msg, len, p->sig, p->sig_len);
		if (r != ONECARD_OK) {
			free(msg);
			if (r == ONECARD_ERR_ALG_NOT_ALLOWED) {
				return refuse(res, AR_PROOF_INVALID,
					      "proof %zu: alg does not fit the certificate's key",
					      i + 1);
			}
			return refuse(res, AR_PROOF_INVALID,
				      "proof %zu: the signature does not verify with the "
				      "certificate's key",
				      i + 1);
		}
	}
	free(msg);
	return AR_OK;
}

static enum authd_reason status_refusal(struct login_result *res, enum authd_reason why,
					const char *what, enum oc_dir_status st)
{
	if (st == OC_DIR_STATUS_SUSPENDED) {
		return refuse(res, why, "the %s is suspended", what);
	}
	return refuse(res, why, "the %s has no readable status in the directory", what);
}

static enum authd_reason check_directory(struct login *l, struct login_result *res)
{
	const char *hashes[LOGIN_PROOFS_MAX];
	struct oc_dir *dir;
	size_t missing = 0;
	size_t i;
	int r;

	for (i = 0; i < l->req.nproofs; i++) {
		hashes[i] = l->req.proofs[i].cert->sha256_hex;
	}
	dir = dir_pool_get(l->a->dirs);
	r = oc_dir_find_login(dir, hashes, l->req.nproofs, &l->who, &missing);
	if (r == ONECARD_ERR_DIRECTORY) {
		authd_log("directory: %s", oc_dir_diagnostic(dir));
	}
	dir_pool_put(l->a->dirs, dir);
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_NOT_FOUND:
		return refuse(res, AR_CERT_UNKNOWN,
			      "proof %zu: the certificate is on no enrolled card", missing + 1);
	case ONECARD_ERR_MISMATCH:
		return refuse(res, AR_CARD_MISMATCH, "the certificates are on more than one card");
	case ONECARD_ERR_DIRECTORY:
		return refuse(res, AR_DIRECTORY_UNAVAILABLE, "the directory did not answer");
	default:
		return refuse(res, AR_INTERNAL, "directory lookup: %s", onecard_err_code(r));
	}
	l->who_known = 1;
	for (i = 0; i < l->req.nproofs; i++) {
		if (strcmp(l->who.agency[i], l->req.proofs[i].cert->agency) != 0) {
			return refuse(res, AR_CERT_UNKNOWN,
				      "proof %zu: the directory records another agency", i + 1);
		}
	}
	if (l->who.card.status != OC_DIR_STATUS_ACTIVE) {
		return status_refusal(res, AR_CARD_SUSPENDED, "card", l->who.card.status);
	}
	if (l->who.person.status != OC_DIR_STATUS_ACTIVE) {
		return status_refusal(res, AR_PERSON_SUSPENDED, "card holder",
				      l->who.person.status);
	}
	if (l->who.enterprise.status != OC_DIR_STATUS_ACTIVE) {
		return status_refusal(res, AR_ENTERPRISE_SUSPENDED, "enterprise",
				      l->who.enterprise.status);
	}
	return AR_OK;
}

static const struct authd_cert *proven(const struct login *l, const char *agency)
{
	size_t i;

	for (i = 0; i < l->req.nproofs; i++) {
		if (strcmp(l->req.proofs[i].cert->agency, agency) == 0) {
			return l->req.proofs[i].cert;
		}
	}
	return NULL;
}

static enum authd_reason check_module(struct login *l, struct login_result *res)
{
	size_t i;

	for (i = 0; i < l->module->agencies_len; i++) {
		if (proven(l, l->module->agencies[i]) == NULL) {
			return refuse(res, AR_ACCESS_DENIED,
				      "module %s requires a card login with the %s certificate",
				      l->module->id, l->module->agencies[i]);
		}
	}
	return AR_OK;
}

/* ---- the token and the session ------------------------------------------ */

static enum authd_reason issue_token(struct login *l, struct login_result *res)
{
	static const char *const amr[] = {"sc", "pin"};
	const struct authd_cert *certs[LOGIN_PROOFS_MAX];
	struct mint_in in;
	json_t *stored = NULL;
	size_t i;
	int r;

	for (i = 0; i < l->req.nproofs; i++) {
		certs[i] = l->req.proofs[i].cert;
	}
	if (authd_session_credential_new(l->cred, l->cred_hash) != ONECARD_OK ||
	    authd_sid_new(l->sid) != ONECARD_OK) {
		return refuse(res, AR_INTERNAL, "no random session credential");
	}
	stored = authd_session_certs_json(l->req.proofs, l->req.nproofs);
	r = stored != NULL ? oc_json_dump(stored, JSON_COMPACT, &l->session_certs)
			   : ONECARD_ERR_NOMEM;
	json_decref(stored);
	if (r != ONECARD_OK) {
		return refuse(res, AR_INTERNAL, "out of memory");
	}
	memset(&in, 0, sizeof(in));
	in.sub = l->who.person.id;
	in.ent = l->who.enterprise.uscc;
	in.card = l->who.card.id;
	in.acr = "card";
	in.amr = amr;
	in.amr_len = sizeof(amr) / sizeof(amr[0]);
	in.certs = certs;
	in.ncerts = l->req.nproofs;
	in.module = l->module;
	in.sid = l->sid;
	r = authd_mint(l->a, l->keys, &in, &l->tok);
	if (r != ONECARD_OK) {
		return refuse(res, AR_INTERNAL, "token signature: %s", onecard_err_code(r));
	}
	res->reason = AR_OK;
	return AR_OK;
}

static json_t *answer(const struct login *l)
{
	const struct authd_cert *certs[LOGIN_PROOFS_MAX];
	const oc_session_policy *sp = oc_policy_session(l->a->policy);
	size_t i;

	for (i = 0; i < l->req.nproofs; i++) {
		certs[i] = l->req.proofs[i].cert;
	}
	return json_pack(
		"{s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:o,s:s}", "access_token", l->tok.token,
		"token_type", "Bearer", "expires_in", (json_int_t)(l->tok.exp - l->tok.iat),
		"refresh_token", l->cred, "refresh_expires_in", (json_int_t)sp->absolute_timeout,
		"session_idle_timeout", (json_int_t)sp->idle_timeout, "sub", l->who.person.id,
		"ent", l->who.enterprise.uscc, "card", l->who.card.id, "agencies",
		authd_agency_ids(certs, l->req.nproofs), "audience", l->module->id);
}

/* ---- the whole login ------------------------------------------------------ */

static void record(struct login *l, const char *remote_addr, struct login_result *res)
{
	const oc_session_policy *sp = oc_policy_session(l->a->policy);
	struct oc_astore_session session;
	struct audit_login row;
	int r;

	memset(&row, 0, sizeof(row));
	memset(&session, 0, sizeof(session));
	row.remote_addr = remote_addr;
	row.audience = l->challenge_ok ? l->ch.audience : "";
	row.nonce_hex = l->challenge_ok ? l->nonce_hex : NULL;
	row.nonce_expires_at = l->challenge_ok ? l->ch.expires_at : 0;
	row.reason = res->reason;
	row.detail = res->detail;
	row.person = l->who_known ? l->who.person.id : "";
	row.enterprise = l->who_known ? l->who.enterprise.uscc : "";
	row.card = l->who_known ? l->who.card.id : "";
	row.certs = l->certs;
	if (res->reason == AR_OK) {
		row.jti = l->tok.jti;
		row.kid = l->tok.kid;
		row.iat = l->tok.iat;
		row.exp = l->tok.exp;
		session.secret_hash = l->cred_hash;
		session.sid = l->sid;
		session.acr = "card";
		session.amr_json = "[\"sc\",\"pin\"]";
		session.certs_json = l->session_certs;
		session.idle_timeout = sp->idle_timeout;
		session.absolute_timeout = sp->absolute_timeout;
		row.session = &session;
	}
	r = audit_login(l->a, &row);
	if (r == ONECARD_ERR_EXISTS) {
		/* Used before, here or at another instance: nothing of this
		 * login was kept; record the replay itself. */
		refuse(res, AR_CHALLENGE_REPLAYED, "the challenge was used before");
		row.nonce_hex = NULL;
		row.reason = res->reason;
		row.detail = res->detail;
		row.jti = NULL;
		row.session = NULL;
		r = audit_login(l->a, &row);
	}
	if (r == ONECARD_ERR_DATABASE) {
		/* No row, no token: a login nobody can audit is not let in. */
		refuse(res, AR_DATABASE_UNAVAILABLE, "the audit row could not be written");
	} else if (r != ONECARD_OK) {
		refuse(res, AR_INTERNAL, "the audit row could not be written");
	}
}

static void login_clear(struct login *l)
{
	size_t i;

	for (i = 0; i < l->req.nproofs; i++) {
		authd_cert_release(l->req.proofs[i].cert);
		l->req.proofs[i].cert = NULL;
	}
	login_request_clear(&l->req);
	authd_minted_clear(&l->tok);
	OPENSSL_cleanse(l->cred, sizeof(l->cred));
	OPENSSL_cleanse(l->cred_hash, sizeof(l->cred_hash));
	free(l->session_certs);
	json_decref(l->certs);
	authd_trust_unref(l->trust);
	oc_keyring_unref(l->keys);
	memset(l, 0, sizeof(*l));
}

void authd_login(struct authd *a, const char *remote_addr, const json_t *body,
		 struct login_result *res)
{
	struct login *l;
	const char *wire = NULL;
	size_t wire_len = 0;

	memset(res, 0, sizeof(*res));
	res->reason = AR_INTERNAL;
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		refuse(res, AR_INTERNAL, "out of memory");
		return;
	}
	l->a = a;
	l->trust = authd_get_trust(a);
	l->keys = authd_get_keys(a);
	l->certs = json_array();
	if (l->certs == NULL) {
		refuse(res, AR_INTERNAL, "out of memory");
		goto out;
	}
	/* The first refusal stops the line and leaves its reason in res. */
	(void)(parse(l, body, &wire, &wire_len, res) == AR_OK &&
	       check_challenge(l, wire, wire_len, res) == AR_OK && check_certs(l, res) == AR_OK &&
	       check_proofs(l, res) == AR_OK && check_directory(l, res) == AR_OK &&
	       check_module(l, res) == AR_OK && issue_token(l, res) == AR_OK);
	record(l, remote_addr, res);
	if (res->reason == AR_OK) {
		res->answer = answer(l);
		if (res->answer == NULL) {
			refuse(res, AR_INTERNAL, "out of memory");
		}
	}
out:
	login_clear(l);
	free(l);
}
