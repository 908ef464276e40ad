/*
 * Helpers for the authd store tests: the database from the environment,
 * a direct libpq connection to look at what the store wrote, unique
 * nonces and jtis, and a filled-in login.
 */
#ifndef ONECARD_TESTS_ASTORE_TEST_H
#define ONECARD_TESTS_ASTORE_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "astore.h"

#define AT_NONCE_SIZE 65u /* 32 bytes as hex, NUL */
#define AT_JTI_SIZE   33u /* 16 bytes as hex, NUL */

/* A login that succeeded, with its token: every field set, pointing
 * into the struct itself (so it may be copied and changed). */
struct at_login {
	struct oc_astore_login l;
	struct oc_astore_token t;
	char nonce[AT_NONCE_SIZE];
	char jti[AT_JTI_SIZE];
};

#define AT_SID_SIZE 23u /* 22 characters of [A-Za-z0-9_-], NUL */
#define AT_AMR	    "[\"sc\", \"pin\"]"
#define AT_SSO_CERTS                                                           \
	"[{\"agency\": \"customs\", \"sha256\": \"00ff\", \"der\": \"MIIB\"}," \
	" {\"agency\": \"maritime\", \"sha256\": \"11ee\", \"der\": \"MIIC\"}]"

/* A successful login that opens an SSO session: at_login's fields, the
 * session (fresh credential hash and sid, amr AT_AMR, certs
 * AT_SSO_CERTS) and the token carrying its sid. */
struct at_sso {
	struct at_login a;
	struct oc_astore_session s;
	uint8_t hash[OC_ASTORE_SESSION_HASH_LEN];
	char sid[AT_SID_SIZE];
};

/* $ONECARD_PG; fails the test when unset. */
const char *at_conninfo(void);

/* A direct connection for checks (fails the test if it cannot). */
PGconn *at_connect(const char *conninfo);

/* Runs sql with up to one text parameter (NULL: none); the single
 * integer it returns (fails the test otherwise). */
long long at_int(PGconn *conn, const char *sql, const char *param);

/* Runs sql with up to one parameter; returns 0 if it succeeded, else 1
 * and copies the server's primary message into msg. */
int at_exec_fails(PGconn *conn, const char *sql, const char *param, char *msg, size_t size);

/* Random lowercase hex (2 * n bytes and a NUL into out). */
void at_hex(char *out, size_t n);

/* Fills a successful login for person p-1 on card-1 with a fresh nonce
 * and jti, expiring in two minutes. */
void at_login_success(struct at_login *a);

/* Fixes the pointers of a copied struct at_login to its own buffers. */
void at_login_fix(struct at_login *a);

/* Fills a login with a session of the given timeouts (seconds). */
void at_sso_login(struct at_sso *x, int64_t idle, int64_t absolute);

/* Fixes the pointers of a copied struct at_sso to its own buffers. */
void at_sso_fix(struct at_sso *x);

#define AT_PWD_AMR "[\"pwd\", \"otp\"]"

/* A successful password + TOTP login (method "pwd-otp") that opens a
 * session: at_sso_login()'s, without nonce, card or certificates, acr
 * "pwd-otp" for session and token, amr AT_PWD_AMR, certs "[]". */
void at_pwd_login(struct at_sso *x, int64_t idle, int64_t absolute);

/* Fixes the pointers of a copied password login (at_sso_fix(), the
 * nonce left out). */
void at_pwd_fix(struct at_sso *x);

/* A random lockout subject: 64 lowercase hex digits and a NUL. */
#define AT_SUBJECT_SIZE 65u
void at_subject(char out[AT_SUBJECT_SIZE]);

/* A random sid (AT_SID_SIZE - 1 characters of [A-Za-z0-9_-]). */
void at_sid(char out[AT_SID_SIZE]);

/* Milliseconds on the monotonic clock. */
int64_t at_now_ms(void);

/* Sleeps ms milliseconds. */
void at_sleep_ms(long ms);

#endif
