/*
 * The card login (DESIGN.md "Card login protocol" step 4, docs/authd.md
 * "POST /v1/login"): every check, the token, and the audit row.
 */
#ifndef ONECARD_AUTHD_LOGIN_H
#define ONECARD_AUTHD_LOGIN_H
#include <jansson.h>

#include "authd.h"
#include "reasons.h"

struct login_result {
	enum authd_reason reason; /* AR_OK: answer holds the 200 body */
	char detail[AUTHD_DETAIL_MAX];
	json_t *answer;
};

/* Runs the login for the JSON body of POST /v1/login. res is always
 * filled; release res->answer with json_decref. */
void authd_login(struct authd *a, const char *remote_addr, const json_t *body,
		 struct login_result *res);

#endif
