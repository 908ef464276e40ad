/*
 * authd's routes (docs/authd.md "HTTP API"). Each handler checks the
 * request's shape, calls the part that does the work and answers; the
 * error body is always {"error", "error_description"} with a code of
 * reasons.c.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include <onecard/error.h>

#include "audit.h"
#include "authd.h"
#include "authz.h"
#include "challenge.h"
#include "discovery.h"
#include "grant.h"
#include "login.h"
#include "password_login.h"
#include "session_routes.h"

static int reply_reason(struct oc_http_response *resp, enum authd_reason why, const char *detail)
{
	return oc_http_reply_error(resp, authd_reason_status(why), authd_reason_code(why),
				   detail != NULL && detail[0] != '\0' ? detail
								       : authd_reason_text(why));
}

/* POST /v1/challenge {"audience": MODULE} */
static int handle_challenge(void *app, const struct oc_http_request *req,
			    struct oc_http_response *resp)
{
	struct authd *a = app;
	struct oc_keyring *keys = NULL;
	struct oc_challenge ch;
	char nonce[OC_CHALLENGE_NONCE_HEX_SIZE];
	const oc_module *module;
	const json_t *aud;
	json_t *body = NULL, *out = NULL;
	char *wire = NULL;
	int r;

	if (oc_http_request_json(req, &body, resp) != ONECARD_OK) {
		return 0;
	}
	aud = json_object_get(body, "audience");
	if (json_object_size(body) != 1 || !json_is_string(aud)) {
		r = reply_reason(resp, AR_INVALID_REQUEST,
				 "the body must be {\"audience\": MODULE}");
		goto out;
	}
	module = oc_policy_module(a->policy, json_string_value(aud));
	if (module == NULL || (module->acr & OC_ACR_CARD) == 0) {
		r = reply_reason(resp, AR_INVALID_TARGET, NULL);
		goto out;
	}
	keys = authd_get_keys(a);
	r = oc_challenge_issue(oc_keyring_challenge_keys(keys), a->cfg.origin, module->id,
			       authd_now(), a->cfg.challenge_lifetime, &wire, &ch);
	if (r != ONECARD_OK || oc_challenge_nonce_hex(&ch, nonce) != ONECARD_OK) {
		r = reply_reason(resp, AR_INTERNAL, NULL);
		goto out;
	}
	r = audit_challenge(a, req->remote_addr, module->id, nonce, ch.issued_at, ch.expires_at);
	if (r != ONECARD_OK) {
		r = reply_reason(resp, AR_DATABASE_UNAVAILABLE, NULL);
		goto out;
	}
	out = json_pack("{s:s,s:s,s:s,s:I,s:s}", "challenge", wire, "origin", a->cfg.origin,
			"audience", module->id, "expires_at", (json_int_t)ch.expires_at, "context",
			OC_PROOF_CONTEXT);
	r = out != NULL ? oc_http_reply_json(resp, 200, out)
			: reply_reason(resp, AR_INTERNAL, NULL);
out:
	free(wire);
	json_decref(out);
	json_decref(body);
	oc_keyring_unref(keys);
	return r;
}

/* POST /v1/login */
static int handle_login(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct login_result res;
	json_t *body = NULL;
	int r;

	if (oc_http_request_json(req, &body, resp) != ONECARD_OK) {
		return 0;
	}
	authd_login(app, req->remote_addr, body, &res);
	json_decref(body);
	if (res.reason == AR_OK) {
		r = oc_http_reply_json(resp, 200, res.answer);
	} else {
		r = reply_reason(resp, res.reason, res.detail);
	}
	if (res.answer != NULL) {
		/* The answer held the access token and the session credential. */
		json_t *t = json_object_get(res.answer, "access_token");
		json_t *c = json_object_get(res.answer, "refresh_token");

		OPENSSL_cleanse((char *)json_string_value(t), json_string_length(t));
		OPENSSL_cleanse((char *)json_string_value(c), json_string_length(c));
	}
	json_decref(res.answer);
	return r;
}

/* GET /.well-known/jwks.json */
static int handle_jwks(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct oc_keyring *keys = authd_get_keys(app);
	size_t len = 0;
	const char *jwks;
	int r;

	(void)req;
	jwks = oc_keyring_jwks(keys, &len);
	r = oc_http_response_add_header(resp, "Cache-Control", "public, max-age=60");
	if (r == ONECARD_OK) {
		r = oc_http_reply_bytes(resp, 200, "application/jwk-set+json", jwks, len);
	}
	oc_keyring_unref(keys);
	return r;
}

/* GET /healthz: ready when PostgreSQL and the directory answer. */
static int handle_healthz(void *app, const struct oc_http_request *req,
			  struct oc_http_response *resp)
{
	struct authd *a = app;
	struct oc_dir *dir;
	json_t *ok;
	int r;

	(void)req;
	/* An instance that cannot reload the key folder for longer than a
	 * token lives may sign with a key the others no longer publish. */
	if (authd_now() - a->keys_loaded_at > a->cfg.token_max_lifetime) {
		return oc_http_reply_error(resp, 503, "keys_stale",
					   "the key folder could not be reloaded");
	}
	if (oc_astore_ping(a->store) != ONECARD_OK) {
		return reply_reason(resp, AR_DATABASE_UNAVAILABLE, NULL);
	}
	dir = dir_pool_get(a->dirs);
	r = oc_dir_ping(dir);
	dir_pool_put(a->dirs, dir);
	if (r != ONECARD_OK) {
		return reply_reason(resp, AR_DIRECTORY_UNAVAILABLE, NULL);
	}
	ok = json_pack("{s:s}", "status", "ok");
	r = ok != NULL ? oc_http_reply_json(resp, 200, ok) : reply_reason(resp, AR_INTERNAL, NULL);
	json_decref(ok);
	return r;
}

const struct oc_http_route authd_routes[] = {
	{"POST", "/v1/challenge", handle_challenge},
	{"POST", "/v1/login", handle_login},
	{"POST", "/v1/login/password", authd_handle_password_login},
	{"POST", "/v1/token", authd_handle_token},
	{"POST", "/v1/logout", authd_handle_logout},
	{"POST", "/v1/revoke", authd_handle_revoke},
	{"POST", "/v1/introspect", authd_handle_introspect},
	{"GET", "/.well-known/jwks.json", handle_jwks},
	{"GET", "/.well-known/openid-configuration", discovery_openid_configuration},
	{"GET", "/v1/modules", discovery_modules},
	{"GET", "/v1/authz", authd_handle_authz},
	{"GET", "/healthz", handle_healthz},
};
const size_t authd_routes_len = sizeof(authd_routes) / sizeof(authd_routes[0]);
