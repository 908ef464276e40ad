/*
 * GET /v1/authz (docs/sso.md, docs/nginx.md): the answer nginx's
 * auth_request asks for before it lets a request through to a module
 * that does not link the C verifier. The module is named by the proxy
 * (X-Onecard-Module); the access token comes from the client
 * (Authorization: Bearer, or the cookie onecard_token).
 *
 * 204 with the identity headers, 401 (no token, a token that does not
 * verify for the module, its session not live), 403 (valid, but the
 * module's demands are not met), 500 invalid_target (the proxy named no
 * module of the policy), 503 (the session store did not answer).
 */
#ifndef ONECARD_AUTHD_AUTHZ_H
#define ONECARD_AUTHD_AUTHZ_H

#include <stddef.h>

#include "http.h"

#define AUTHZ_MODULE_HEADER "X-Onecard-Module"
#define AUTHZ_COOKIE_NAME   "onecard_token"

/* What a credential header held. */
enum authz_found {
	AUTHZ_NONE = 0,	 /* nothing for us: no header, another scheme, no such cookie */
	AUTHZ_FOUND,	 /* *tok and *len point into the header value */
	AUTHZ_MALFORMED, /* the header breaks its grammar */
};

/*
 * An Authorization header value (RFC 6750 §2.1): "Bearer" in any letter
 * case, one or more spaces, one b64token, nothing after it. Another
 * scheme is AUTHZ_NONE; "Bearer" with no token, two tokens or a
 * character outside b64token is AUTHZ_MALFORMED. value may be NULL.
 */
enum authz_found authz_parse_bearer(const char *value, const char **tok, size_t *len);

/*
 * A Cookie header value (RFC 6265 §4.2.1: cookie-pair *("; " cookie-pair),
 * a cookie-name a token, a cookie-value cookie-octets, optionally in
 * double quotes): the value of the first cookie called name, quotes
 * removed. A header that breaks the grammar anywhere is AUTHZ_MALFORMED,
 * whatever it holds; no cookie of that name (or an empty value) is
 * AUTHZ_NONE. value may be NULL.
 */
enum authz_found authz_parse_cookie(const char *value, const char *name, const char **tok,
				    size_t *len);

/* The route's handler (handlers.c's table); app is the struct authd. */
int authd_handle_authz(void *app, const struct oc_http_request *req, struct oc_http_response *resp);

#endif
