/* Logout, revocation and introspection (session_routes.h, docs/sso.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "authd.h"
#include "session.h"
#include "session_routes.h"

#define BASIC_MAX 512u /* bytes of a Basic credential, base64 */

static int reply_reason(struct oc_http_response *resp, enum authd_reason why, const char *detail)
{
	return oc_http_reply_error(resp, authd_reason_status(why), authd_reason_code(why),
				   detail != NULL && detail[0] != '\0' ? detail
								       : authd_reason_text(why));
}

/* Wipes the credentials a form carried and frees it. */
static void form_free(json_t *form)
{
	const char *key;
	json_t *v;

	json_object_foreach (form, key, v) {
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	}
	json_decref(form);
}

/* Ends the session of a credential, or of a valid access token's sid.
 * ONECARD_OK whether or not there was a session to end. */
static int end_session_of(struct authd *a, const char *token, const char *reason,
			  const char *remote_addr)
{
	char detail[AUTHD_DETAIL_MAX];
	onecard_claims *claims = NULL;
	uint8_t hash[32];
	const char *sid;
	int r = ONECARD_OK;

	if (remote_addr != NULL && remote_addr[0] == '\0') {
		remote_addr = NULL; /* unknown: the store wants NULL */
	}
	if (authd_session_credential_hash(token, strlen(token), hash) == ONECARD_OK) {
		r = oc_astore_session_end(a->store, hash, NULL, reason, remote_addr, NULL);
		OPENSSL_cleanse(hash, sizeof(hash));
	} else if (authd_own_token_verify(a, token, strlen(token), NULL, &claims, detail) ==
			   AR_OK &&
		   (sid = onecard_claims_get0_string(claims, "sid")) != NULL) {
		r = oc_astore_session_end(a->store, NULL, sid, reason, remote_addr, NULL);
	}
	onecard_claims_free(claims);
	if (r != ONECARD_OK) {
		authd_log("session: could not end a session: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
	}
	return r;
}

/* POST /v1/logout: token=<session credential>. */
int authd_handle_logout(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct authd *a = app;
	json_t *form = NULL, *ok = NULL;
	const char *token;
	int r;

	if (oc_http_request_form(req, &form, resp) != ONECARD_OK) {
		return 0;
	}
	token = json_string_value(json_object_get(form, "token"));
	if (token == NULL || !authd_is_session_credential(token, strlen(token))) {
		r = reply_reason(
			resp, AR_INVALID_REQUEST,
			"token must be the session credential (the login's refresh_token)");
		goto out;
	}
	if (end_session_of(a, token, "logout", req->remote_addr) != ONECARD_OK) {
		r = reply_reason(resp, AR_DATABASE_UNAVAILABLE, NULL);
		goto out;
	}
	ok = json_pack("{s:s}", "session", "ended");
	r = ok != NULL ? oc_http_reply_json(resp, 200, ok) : -1;
out:
	json_decref(ok);
	form_free(form);
	return r;
}

/* POST /v1/revoke (RFC 7009): token=...[&token_type_hint=...]. */
int authd_handle_revoke(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct authd *a = app;
	json_t *form = NULL, *empty = NULL;
	const char *token;
	int r;

	if (oc_http_request_form(req, &form, resp) != ONECARD_OK) {
		return 0;
	}
	token = json_string_value(json_object_get(form, "token"));
	if (token == NULL) {
		r = reply_reason(resp, AR_INVALID_REQUEST, "token is missing");
		goto out;
	}
	/* The hint only orders lookups (RFC 7009 §2.1); both kinds are
	 * told apart by their form, so it changes nothing here. */
	if (end_session_of(a, token, "revoked", req->remote_addr) != ONECARD_OK) {
		r = reply_reason(resp, AR_DATABASE_UNAVAILABLE, NULL);
		goto out;
	}
	empty = json_object();
	r = empty != NULL ? oc_http_reply_json(resp, 200, empty) : -1;
out:
	json_decref(empty);
	form_free(form);
	return r;
}

/* ---- introspection ------------------------------------------------------- */

/* HTTP Basic (RFC 7617) against cfg.clients: 1 when it names a client
 * with its secret. */
static int client_authenticated(const struct authd *a, const struct oc_http_request *req)
{
	const char *h = oc_http_request_header(req, "Authorization");
	unsigned char decoded[BASIC_MAX];
	unsigned char sha[32];
	const char *colon;
	size_t len, b64_len, i, id_len;
	int n, pad = 0, found = 0;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0) {
		return 0;
	}
	h += 6;
	b64_len = strlen(h);
	if (b64_len == 0 || b64_len % 4 != 0 || b64_len / 4 * 3 > sizeof(decoded)) {
		return 0;
	}
	n = EVP_DecodeBlock(decoded, (const unsigned char *)h, (int)b64_len);
	if (n < 0) {
		OPENSSL_cleanse(decoded, sizeof(decoded));
		return 0;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	pad = (h[b64_len - 1] == '=') + (h[b64_len - 2] == '=');
	len = (size_t)n - (size_t)pad;
	colon = memchr(decoded, ':', len);
	if (colon == NULL) {
		OPENSSL_cleanse(decoded, sizeof(decoded));
		return 0;
	}
	id_len = (size_t)(colon - (const char *)decoded);
	if (EVP_Digest(colon + 1, len - id_len - 1, sha, NULL, EVP_sha256(), NULL) != 1) {
		OPENSSL_cleanse(decoded, sizeof(decoded));
		return 0;
	}
	for (i = 0; i < a->cfg.nclients; i++) {
		const struct authd_client *c = &a->cfg.clients[i];
		int id_ok = strlen(c->id) == id_len && memcmp(c->id, decoded, id_len) == 0;
		int secret_ok = CRYPTO_memcmp(c->secret_sha256, sha, sizeof(sha)) == 0;

		found |= id_ok & secret_ok;
	}
	OPENSSL_cleanse(decoded, sizeof(decoded));
	OPENSSL_cleanse(sha, sizeof(sha));
	return found;
}

/* An active session credential's answer, or NULL (inactive). */
static json_t *introspect_session(struct authd *a, const char *token, const char *remote_addr,
				  enum authd_reason *why)
{
	char detail[AUTHD_DETAIL_MAX];
	struct authd_trust *trust = NULL;
	struct session s;
	uint8_t hash[32];
	json_t *out = NULL;
	int64_t exp;

	memset(&s, 0, sizeof(s));
	if (authd_session_credential_hash(token, strlen(token), hash) != ONECARD_OK) {
		return NULL;
	}
	*why = authd_session_find(a, hash, NULL, 0, &s, detail);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (*why == AR_OK) {
		trust = authd_get_trust(a);
		*why = authd_session_recheck(a, trust, &s, remote_addr, detail);
		authd_trust_unref(trust);
	}
	if (*why == AR_OK) {
		exp = s.row.expires_at < s.row.idle_expires_at ? s.row.expires_at
							       : s.row.idle_expires_at;
		out = json_pack("{s:b,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "active", 1, "token_type",
				"refresh_token", "iss", a->cfg.issuer, "sub", s.row.person_id,
				"ent", s.row.enterprise_uscc, "acr", s.row.acr, "iat",
				(json_int_t)s.row.created_at, "exp", (json_int_t)exp, "sid",
				s.row.sid);
		/* A password + TOTP session has no card. */
		if (out != NULL && s.row.card_id[0] != '\0' &&
		    json_object_set_new(out, "card", json_string(s.row.card_id)) != 0) {
			json_decref(out);
			out = NULL;
		}
		if (out == NULL) {
			*why = AR_INTERNAL;
		}
	}
	authd_session_clear(&s);
	return out;
}

/* An active access token's answer, or NULL (inactive). */
static json_t *introspect_access_token(struct authd *a, const char *token, enum authd_reason *why)
{
	static const char *const copied[] = {"iss", "sub", "ent", "card", "aud", "acr",
					     "amr", "iat", "nbf", "exp",  "jti", "sid"};
	char detail[AUTHD_DETAIL_MAX];
	onecard_claims *claims = NULL;
	enum oc_astore_session_state state = 0;
	json_t *all = NULL, *out = NULL, *ids = NULL, *agency;
	char *text = NULL;
	const char *sid;
	size_t i;
	int r;

	*why = AR_OK;
	if (authd_own_token_verify(a, token, strlen(token), NULL, &claims, detail) != AR_OK ||
	    (sid = onecard_claims_get0_string(claims, "sid")) == NULL) {
		goto out;
	}
	r = oc_astore_session_use(a->store, NULL, sid, 0, &state, NULL);
	if (r == ONECARD_ERR_INVALID_ARG) {
		goto out;
	}
	if (r != ONECARD_OK) {
		*why = AR_DATABASE_UNAVAILABLE;
		goto out;
	}
	if (state != OC_ASTORE_SESSION_LIVE ||
	    onecard_claims_to_json(claims, &text) != ONECARD_OK ||
	    (all = json_loads(text, 0, NULL)) == NULL) {
		goto out;
	}
	out = json_pack("{s:b,s:s}", "active", 1, "token_type", "access_token");
	ids = json_array();
	for (i = 0; out != NULL && i < sizeof(copied) / sizeof(copied[0]); i++) {
		json_t *v = json_object_get(all, copied[i]);

		if (v != NULL) {
			(void)json_object_set(out, copied[i], v);
		}
	}
	json_array_foreach (json_object_get(all, "agencies"), i, agency) {
		(void)json_array_append(ids, json_object_get(agency, "id"));
	}
	if (out == NULL || ids == NULL) {
		json_decref(out);
		out = NULL;
		*why = AR_INTERNAL;
	} else if (json_object_set_new(out, "agencies", ids) != 0) {
		/* set_new took ids whatever its result */
		json_decref(out);
		out = NULL;
		*why = AR_INTERNAL;
	}
	ids = NULL;
out:
	json_decref(ids);
	json_decref(all);
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		onecard_string_free(text);
	}
	onecard_claims_free(claims);
	return out;
}

/* POST /v1/introspect (RFC 7662): HTTP Basic, token=...[&token_type_hint]. */
int authd_handle_introspect(void *app, const struct oc_http_request *req,
			    struct oc_http_response *resp)
{
	struct authd *a = app;
	enum authd_reason why = AR_OK;
	json_t *form = NULL, *answer = NULL;
	const char *token;
	int r;

	if (!client_authenticated(a, req)) {
		(void)oc_http_response_add_header(resp, "WWW-Authenticate",
						  "Basic realm=\"onecard introspection\"");
		return reply_reason(resp, AR_INVALID_CLIENT,
				    "introspection needs HTTP Basic with a configured client");
	}
	if (oc_http_request_form(req, &form, resp) != ONECARD_OK) {
		return 0;
	}
	token = json_string_value(json_object_get(form, "token"));
	if (token == NULL) {
		r = reply_reason(resp, AR_INVALID_REQUEST, "token is missing");
		goto out;
	}
	if (authd_is_session_credential(token, strlen(token))) {
		answer = introspect_session(a, token, req->remote_addr, &why);
	} else {
		answer = introspect_access_token(a, token, &why);
	}
	if (answer == NULL && authd_reason_status(why) >= 500) {
		r = reply_reason(resp, why, NULL);
		goto out;
	}
	if (answer == NULL) {
		answer = json_pack("{s:b}", "active", 0);
	}
	r = answer != NULL ? oc_http_reply_json(resp, 200, answer) : -1;
out:
	json_decref(answer);
	form_free(form);
	return r;
}
