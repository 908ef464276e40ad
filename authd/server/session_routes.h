/*
 * The session's other endpoints (docs/sso.md): POST /v1/logout, RFC 7009
 * POST /v1/revoke and RFC 7662 POST /v1/introspect.
 */
#ifndef ONECARD_AUTHD_SESSION_ROUTES_H
#define ONECARD_AUTHD_SESSION_ROUTES_H

#include "http.h"

int authd_handle_logout(void *app, const struct oc_http_request *req,
			struct oc_http_response *resp);
int authd_handle_revoke(void *app, const struct oc_http_request *req,
			struct oc_http_response *resp);
int authd_handle_introspect(void *app, const struct oc_http_request *req,
			    struct oc_http_response *resp);

#endif
