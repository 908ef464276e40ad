/*
 * POST /v1/token (docs/sso.md): a token for another module from an SSO
 * session, by refresh with an audience (RFC 6749 §6) or token exchange
 * (RFC 8693), when the module's policy admits the session.
 */
#ifndef ONECARD_AUTHD_GRANT_H
#define ONECARD_AUTHD_GRANT_H

#include "http.h"

int authd_handle_token(void *app, const struct oc_http_request *req, struct oc_http_response *resp);

#endif
