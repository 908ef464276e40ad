/*
 * POST /v1/login/password (issue 6, docs/authd.md): the lower assurance
 * level, the person's directory password and a TOTP code, for the
 * modules whose policy admits "pwd-otp".
 */
#ifndef ONECARD_AUTHD_PASSWORD_LOGIN_H
#define ONECARD_AUTHD_PASSWORD_LOGIN_H

#include "http.h"

int authd_handle_password_login(void *app, const struct oc_http_request *req,
				struct oc_http_response *resp);

#endif
