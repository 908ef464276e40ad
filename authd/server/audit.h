/*
 * authd's audit rows (docs/authd.md "Audit"), over the store
 * (authd/store): each call commits before it returns, so a handler
 * answers only after its row is durable.
 */
#ifndef ONECARD_AUTHD_AUDIT_H
#define ONECARD_AUTHD_AUDIT_H
#include <jansson.h>
#include <stdint.h>

#include "astore.h"
#include "authd.h"
#include "reasons.h"

struct audit_login {
	const char *remote_addr;
	const char *audience;  /* "" when the challenge was not accepted */
	const char *nonce_hex; /* NULL when the challenge was not accepted */
	int64_t nonce_expires_at;
	enum authd_reason reason;
	const char *detail;
	const char *person, *enterprise, *card; /* "" when not known */
	const json_t *certs;			/* array: what was presented and relied on */
	/* the token issued, or jti NULL */
	const char *jti, *kid;
	int64_t iat, exp;
	/* the session the login opens (its sid goes into the token row);
	 * NULL for none */
	const struct oc_astore_session *session;
	/* "card" (also when NULL) or "pwd-otp"; the token's acr is the same */
	const char *method;
	const char *acr;
};

/* Records a login (and its token). With nonce_hex, the nonce is used in
 * the same transaction: ONECARD_ERR_EXISTS when it was used before (the
 * caller records the replay without it). ONECARD_OK; ONECARD_ERR_DATABASE;
 * ONECARD_ERR_INTERNAL (the store refused a value: a bug). */
int audit_login(struct authd *a, const struct audit_login *l) __attribute__((warn_unused_result));

/* A request at POST /v1/token and, on success, the token it issued. */
struct audit_grant {
	const char *remote_addr;
	const char *grant;	  /* "refresh_token" or "token_exchange" */
	const char *subject_type; /* exchange: "refresh_token" / "access_token" */
	const char *sid;	  /* NULL when no session was found */
	const char *audience;	  /* NULL when absent */
	enum authd_reason reason;
	const char *detail;
	/* the token issued (reason AR_OK), or jti NULL */
	const char *jti, *kid, *sub, *acr;
	int64_t iat, exp;
};

/* Records a grant (and its token) in one transaction. ONECARD_OK;
 * ONECARD_ERR_DATABASE; ONECARD_ERR_INTERNAL (a value refused: a bug). */
int audit_grant(struct authd *a, const struct audit_grant *g) __attribute__((warn_unused_result));

/* Records an issued challenge. ONECARD_OK or ONECARD_ERR_DATABASE. */
int audit_challenge(struct authd *a, const char *remote_addr, const char *audience,
		    const char *nonce_hex, int64_t issued_at, int64_t expires_at)
	__attribute__((warn_unused_result));

#endif
