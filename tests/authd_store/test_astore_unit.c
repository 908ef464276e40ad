/*
 * The store's input rules, without a database: every over-long field is
 * ONECARD_ERR_TOO_LARGE and every malformed one ONECARD_ERR_INVALID_ARG,
 * decided before any connection is borrowed. The store here points at a
 * socket folder that does not exist, so a call that got as far as the
 * database would fail with ONECARD_ERR_DATABASE instead; the checks are
 * proven to come first. The same for the SSO calls: a session opened by
 * a login, looked up, ended; a grant and its token; the session purge;
 * a password + TOTP login (its method's rules) and the lockout calls.
 * Also: oc_astore_new() connects to nothing, the diagnostic names fields
 * but never values, and it is per thread.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "astore.h"
#include "astore_test.h"

#define NOWHERE \
	"host=/nonexistent/onecard-astore-test dbname=onecard user=onecard connect_timeout=1"

static struct oc_astore *store;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(oc_astore_new(NOWHERE, 2, "unit-1", &store), ONECARD_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_astore_free(store);
	store = NULL;
	return 0;
}

/* A string of n copies of c (freed by the caller). */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void new_checks(void **state)
{
	struct oc_astore *s = (struct oc_astore *)1;
	char *big = repeat('x', OC_ASTORE_CONNINFO_MAX + 1);
	char *long_name = repeat('a', OC_ASTORE_INSTANCE_MAX + 1);

	(void)state;
	assert_int_equal(oc_astore_new(NULL, 1, "a", &s), ONECARD_ERR_INVALID_ARG);
	assert_null(s);
	assert_int_equal(oc_astore_new(big, 1, "a", &s), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(oc_astore_new(NOWHERE, 0, "a", &s), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, OC_ASTORE_POOL_MAX + 1, "a", &s),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, 1, NULL, &s), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, 1, "", &s), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, 1, "two words", &s), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, 1, "a'b", &s), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_new(NOWHERE, 1, long_name, &s), ONECARD_ERR_TOO_LARGE);
	assert_null(s);
	assert_int_equal(oc_astore_new(NOWHERE, 1, "a", NULL), ONECARD_ERR_INVALID_ARG);
	/* Lazy: nothing listens there, and that is no error yet. */
	assert_int_equal(oc_astore_new(NOWHERE, OC_ASTORE_POOL_MAX, "authd-1.example:8443", &s),
			 ONECARD_OK);
	assert_non_null(s);
	assert_string_equal(oc_astore_diagnostic(), "");
	oc_astore_free(s);
	oc_astore_free(NULL);
	free(big);
	free(long_name);
}

/* A valid login reaches the (absent) database: DATABASE, quickly. */
static void valid_reaches_database(void **state)
{
	struct at_login a;
	int64_t t0;

	(void)state;
	at_login_success(&a);
	t0 = at_now_ms();
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_ERR_DATABASE);
	assert_true(at_now_ms() - t0 < 3000);
	assert_string_not_equal(oc_astore_diagnostic(), "");
	assert_null(strstr(oc_astore_diagnostic(), a.nonce));
	assert_null(strstr(oc_astore_diagnostic(), "p-0001"));
	assert_int_equal(oc_astore_ping(store), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_migrate(store), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_purge_nonces(store, 1000, NULL), ONECARD_ERR_DATABASE);
}

/* Each text field of a login, over its maximum and malformed. */
static void login_fields(void **state)
{
	struct at_login base, a;
	char *s;

	(void)state;
	at_login_success(&base);

#define EXPECT(field, value, code)                                                   \
	do {                                                                         \
		a = base;                                                            \
		at_login_fix(&a);                                                    \
		field = (value);                                                     \
		assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), (code)); \
		assert_string_not_equal(oc_astore_diagnostic(), "");                 \
	} while (0)
#define OVERLONG(field, max)                             \
	do {                                             \
		s = repeat('a', (max) + 1);              \
		EXPECT(field, s, ONECARD_ERR_TOO_LARGE); \
		free(s);                                 \
	} while (0)

	OVERLONG(a.l.remote_addr, OC_ASTORE_ADDR_MAX);
	OVERLONG(a.l.audience, OC_ASTORE_AUDIENCE_MAX);
	OVERLONG(a.l.detail, OC_ASTORE_DETAIL_MAX);
	OVERLONG(a.l.nonce_hex, OC_ASTORE_NONCE_HEX_MAX);
	OVERLONG(a.l.person_id, OC_ASTORE_PERSON_ID_MAX);
	OVERLONG(a.l.enterprise_uscc, OC_ASTORE_USCC_MAX);
	OVERLONG(a.l.card_id, OC_ASTORE_CARD_ID_MAX);
	OVERLONG(a.l.certs_json, OC_ASTORE_CERTS_JSON_MAX);
	OVERLONG(a.t.jti, OC_ASTORE_JTI_MAX);
	OVERLONG(a.t.kid, OC_ASTORE_KID_MAX);
	OVERLONG(a.t.acr, OC_ASTORE_ACR_MAX);

	/* Required fields of a success. */
	EXPECT(a.l.audience, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.person_id, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.enterprise_uscc, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.card_id, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.jti, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.kid, NULL, ONECARD_ERR_INVALID_ARG);
	/* Empty strings, control characters, bad UTF-8. */
	EXPECT(a.l.remote_addr, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.detail, "line\nbreak", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.detail, "tab\there", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.card_id, "\xc3\x28", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.person_id, "\xc2\x85", ONECARD_ERR_INVALID_ARG); /* C1 NEL */
	EXPECT(a.l.certs_json, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.certs_json, "[\"\xff\"]", ONECARD_ERR_INVALID_ARG);
	/* Nonces: lowercase hex, even, 32..128 digits. */
	EXPECT(a.l.nonce_hex, "00ff", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.nonce_hex, "0123456789ABCDEF0123456789abcdef", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.nonce_hex, "0123456789abcdef0123456789abcdef0", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.nonce_hex, "0123456789abcdef0123456789abcdeg", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.nonce_expires_at, 0, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.l.nonce_expires_at, INT64_MAX, ONECARD_ERR_INVALID_ARG);
	/* The token. */
	EXPECT(a.t.jti, "has space", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.jti, "a.b", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.sub, "p-0002", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.aud, "another-module", ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.exp, base.t.iat, ONECARD_ERR_INVALID_ARG);
	EXPECT(a.t.iat, -1, ONECARD_ERR_INVALID_ARG);
#undef EXPECT
#undef OVERLONG
}

/* The outcome, the reason and the token go together. */
static void login_rules(void **state)
{
	struct at_login a;
	char *s;

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	a.l.reason = "cert_revoked";
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_ERR_INVALID_ARG);
	a.l.outcome = OC_ASTORE_REFUSED;
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_ERR_INVALID_ARG);
	a.l.outcome = OC_ASTORE_OUTCOME_NONE;
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	a.l.outcome = (enum oc_astore_outcome)7;
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	a.l.outcome = OC_ASTORE_ERROR;
	a.l.reason = NULL;
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	a.l.reason = "Cert_Revoked";
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	a.l.reason = "_x";
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	s = repeat('a', OC_ASTORE_REASON_MAX + 1);
	a.l.reason = s;
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_TOO_LARGE);
	free(s);
	assert_int_equal(oc_astore_record_login(store, NULL, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_record_login(NULL, &a.l, NULL), ONECARD_ERR_INVALID_ARG);
	/* A refused login with nothing known but the reason is fine (and
	 * reaches the database). */
	memset(&a.l, 0, sizeof(a.l));
	a.l.outcome = OC_ASTORE_REFUSED;
	a.l.reason = "invalid_request";
	assert_int_equal(oc_astore_record_login(store, &a.l, NULL), ONECARD_ERR_DATABASE);
}

static void challenge_fields(void **state)
{
	struct oc_astore_challenge c, base = {"2001:db8::1", "provincial-portal", NULL, 0};
	char nonce[AT_NONCE_SIZE];
	char *s;

	(void)state;
	at_hex(nonce, 32);
	base.nonce_hex = nonce;
	base.expires_at = 1800000000;
	c = base;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_DATABASE);
	s = repeat('a', OC_ASTORE_AUDIENCE_MAX + 1);
	c.audience = s;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_TOO_LARGE);
	free(s);
	c = base;
	s = repeat('1', OC_ASTORE_ADDR_MAX + 1);
	c.remote_addr = s;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_TOO_LARGE);
	free(s);
	c = base;
	s = repeat('a', OC_ASTORE_NONCE_HEX_MAX + 2);
	c.nonce_hex = s;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_TOO_LARGE);
	free(s);
	c = base;
	c.audience = NULL;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_INVALID_ARG);
	c = base;
	c.nonce_hex = NULL;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_INVALID_ARG);
	c = base;
	c.expires_at = -5;
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_INVALID_ARG);
	c = base;
	c.remote_addr = NULL; /* unknown is allowed */
	assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_record_challenge(store, NULL), ONECARD_ERR_INVALID_ARG);
}

static void purge_checks(void **state)
{
	int64_t n = 99;

	(void)state;
	assert_int_equal(oc_astore_purge_nonces(store, 0, &n), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(oc_astore_purge_nonces(store, -1, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_purge_nonces(NULL, 1000, &n), ONECARD_ERR_INVALID_ARG);
}

/* ---- SSO sessions -------------------------------------------------------- */

/* A login opening a session: every rule of the session and of the
 * token's sid, refused before the database. */
static void session_login_rules(void **state)
{
	struct at_sso base, x;
	char *s;

	(void)state;
	at_sso_login(&base, 1800, 28800);
	x = base;
	at_sso_fix(&x);
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	/* The login without a session and its token without a sid: fine. */
	x.a.l.session = NULL;
	x.a.t.sid = NULL;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);

#define EXPECT(field, value, code)                                                       \
	do {                                                                             \
		x = base;                                                                \
		at_sso_fix(&x);                                                          \
		field = (value);                                                         \
		assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), (code)); \
		assert_string_not_equal(oc_astore_diagnostic(), "");                     \
	} while (0)
#define OVERLONG(field, max)                             \
	do {                                             \
		s = repeat('a', (max) + 1);              \
		EXPECT(field, s, ONECARD_ERR_TOO_LARGE); \
		free(s);                                 \
	} while (0)

	EXPECT(x.s.secret_hash, NULL, ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "credential hash"));
	EXPECT(x.s.sid, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.sid, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.sid, "abcdefghijklmno", ONECARD_ERR_INVALID_ARG); /* 15: under the minimum */
	EXPECT(x.s.sid, "abcdefghijklmnop.", ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.sid, "abcdefghijklmnop=", ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.sid, "abcdefgh ijklmnop", ONECARD_ERR_INVALID_ARG);
	OVERLONG(x.s.sid, OC_ASTORE_SID_MAX);
	EXPECT(x.s.acr, NULL, ONECARD_ERR_INVALID_ARG);
	OVERLONG(x.s.acr, OC_ASTORE_ACR_MAX);
	EXPECT(x.s.amr_json, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.amr_json, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.amr_json, "[\"\xc3\x28\"]", ONECARD_ERR_INVALID_ARG);
	OVERLONG(x.s.amr_json, OC_ASTORE_AMR_JSON_MAX);
	EXPECT(x.s.certs_json, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.certs_json, "", ONECARD_ERR_INVALID_ARG);
	OVERLONG(x.s.certs_json, OC_ASTORE_CERTS_JSON_MAX);
	/* Timeouts: positive, idle <= absolute <= the maximum. */
	EXPECT(x.s.idle_timeout, 0, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.idle_timeout, -1, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.absolute_timeout, 0, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.idle_timeout, 28801, ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "idle timeout"));
	EXPECT(x.s.absolute_timeout, OC_ASTORE_SESSION_TIMEOUT_MAX + 1, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.s.absolute_timeout, INT64_MAX, ONECARD_ERR_INVALID_ARG);
	/* The token's sid is the session's. */
	EXPECT(x.a.t.sid, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(x.a.t.sid, "ZZZZZZZZZZZZZZZZZZZZZZ", ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "session's sid"));
	EXPECT(x.a.t.sid, "bad sid", ONECARD_ERR_INVALID_ARG);
	/* A token with a sid, but no session opened. */
	EXPECT(x.a.l.session, NULL, ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "opened no session"));
	/* A session opened by other than a success. */
	x = base;
	at_sso_fix(&x);
	x.a.l.outcome = OC_ASTORE_REFUSED;
	x.a.l.reason = "cert_revoked";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "other than a success"));
	x.a.l.outcome = OC_ASTORE_ERROR;
	x.a.l.reason = "directory_unavailable";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_INVALID_ARG);
	assert_null(strstr(oc_astore_diagnostic(), x.sid));
	/* Edges that pass: idle = absolute = the maximum. */
	x = base;
	at_sso_fix(&x);
	x.s.idle_timeout = OC_ASTORE_SESSION_TIMEOUT_MAX;
	x.s.absolute_timeout = OC_ASTORE_SESSION_TIMEOUT_MAX;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
#undef EXPECT
#undef OVERLONG
}

static void session_use_checks(void **state)
{
	enum oc_astore_session_state st = OC_ASTORE_SESSION_LIVE;
	struct oc_astore_session_row row;
	uint8_t hash[OC_ASTORE_SESSION_HASH_LEN] = {1};
	char *s;

	(void)state;
	memset(&row, 0x5a, sizeof(row));
	/* Valid: reaches the (absent) database. */
	assert_int_equal(oc_astore_session_use(store, hash, NULL, 1, &st, &row),
			 ONECARD_ERR_DATABASE);
	assert_int_equal(st, 0);
	assert_null(row.amr_json);
	assert_int_equal(row.sid[0], '\0');
	assert_int_equal(oc_astore_session_use(store, NULL, "abcdefghijklmnop", 0, &st, NULL),
			 ONECARD_ERR_DATABASE);
	/* Refused first, outputs cleared. */
	st = OC_ASTORE_SESSION_LIVE;
	memset(&row, 0x5a, sizeof(row));
	assert_int_equal(oc_astore_session_use(store, NULL, NULL, 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(st, 0);
	assert_null(row.certs_json);
	assert_int_equal(oc_astore_session_use(store, hash, "abcdefghijklmnop", 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "exactly one"));
	assert_int_equal(oc_astore_session_use(store, NULL, "short", 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_use(store, NULL, "abcdefghijklmnop'", 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_use(store, NULL, "", 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	s = repeat('a', OC_ASTORE_SID_MAX + 1);
	assert_int_equal(oc_astore_session_use(store, NULL, s, 1, &st, &row),
			 ONECARD_ERR_TOO_LARGE);
	free(s);
	assert_int_equal(oc_astore_session_use(store, hash, NULL, 2, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_use(store, hash, NULL, -1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_use(store, hash, NULL, 1, NULL, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_use(NULL, hash, NULL, 1, &st, &row),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(st, 0);
	assert_string_not_equal(oc_astore_diagnostic(), "");
}

static void session_end_checks(void **state)
{
	uint8_t hash[OC_ASTORE_SESSION_HASH_LEN] = {2};
	int ended = 7;
	char *s;

	(void)state;
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "logout", "192.0.2.1", &ended),
			 ONECARD_ERR_DATABASE);
	assert_int_equal(ended, 0);
	assert_int_equal(
		oc_astore_session_end(store, NULL, "abcdefghijklmnop", "cert_revoked", NULL, NULL),
		ONECARD_ERR_DATABASE);
	ended = 7;
	assert_int_equal(oc_astore_session_end(store, NULL, NULL, "logout", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(ended, 0);
	assert_int_equal(
		oc_astore_session_end(store, hash, "abcdefghijklmnop", "logout", NULL, &ended),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, NULL, "a.b", "logout", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, NULL, NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "Logout", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "log out", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	s = repeat('a', OC_ASTORE_REASON_MAX + 1);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, s, NULL, &ended),
			 ONECARD_ERR_TOO_LARGE);
	free(s);
	s = repeat('1', OC_ASTORE_ADDR_MAX + 1);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "logout", s, &ended),
			 ONECARD_ERR_TOO_LARGE);
	free(s);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "logout", "", &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store, hash, NULL, "logout", "a\nb", &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(NULL, hash, NULL, "logout", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(ended, 0);
}

/* A successful refresh with its token. */
struct unit_grant {
	struct oc_astore_grant g;
	struct oc_astore_token t;
};

static void unit_grant_success(struct unit_grant *u)
{
	memset(u, 0, sizeof(*u));
	u->g.remote_addr = "192.0.2.8";
	u->g.grant = "refresh_token";
	u->g.sid = "abcdefghijklmnopqrstuv";
	u->g.audience = "city-a-customs";
	u->g.outcome = OC_ASTORE_SUCCESS;
	u->t.jti = "jti-grant-1";
	u->t.sub = "p-0001";
	u->t.aud = "city-a-customs";
	u->t.kid = "k-2025";
	u->t.acr = "card";
	u->t.iat = 1800000000;
	u->t.exp = 1800000300;
	u->t.sid = "abcdefghijklmnopqrstuv";
}

static void grant_rules(void **state)
{
	struct unit_grant base, u;
	char *s;

	(void)state;
	unit_grant_success(&base);
	u = base;
	assert_int_equal(oc_astore_record_grant(store, &u.g, &u.t), ONECARD_ERR_DATABASE);
	u.g.grant = "token_exchange";
	u.g.subject_type = "access_token";
	assert_int_equal(oc_astore_record_grant(store, &u.g, &u.t), ONECARD_ERR_DATABASE);
	u.g.subject_type = "refresh_token";
	assert_int_equal(oc_astore_record_grant(store, &u.g, &u.t), ONECARD_ERR_DATABASE);
	/* A refusal with nothing known but its grant type and reason. */
	memset(&u.g, 0, sizeof(u.g));
	u.g.grant = "token_exchange";
	u.g.outcome = OC_ASTORE_REFUSED;
	u.g.reason = "invalid_request";
	assert_int_equal(oc_astore_record_grant(store, &u.g, NULL), ONECARD_ERR_DATABASE);

#define EXPECT_T(field, value, token, code)                                             \
	do {                                                                            \
		u = base;                                                               \
		field = (value);                                                        \
		assert_int_equal(oc_astore_record_grant(store, &u.g, (token)), (code)); \
		assert_string_not_equal(oc_astore_diagnostic(), "");                    \
	} while (0)
#define EXPECT(field, value, code) EXPECT_T(field, value, &u.t, code)
#define OVERLONG(field, max)                             \
	do {                                             \
		s = repeat('a', (max) + 1);              \
		EXPECT(field, s, ONECARD_ERR_TOO_LARGE); \
		free(s);                                 \
	} while (0)

	/* The grant type. */
	EXPECT(u.g.grant, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.grant, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.grant, "password", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.grant, "urn:ietf:params:oauth:grant-type:token-exchange", ONECARD_ERR_TOO_LARGE);
	EXPECT(u.g.grant, "Refresh_token", ONECARD_ERR_INVALID_ARG);
	/* The subject type: only for an exchange, required by its success. */
	EXPECT(u.g.subject_type, "refresh_token", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.grant, "token_exchange", ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "subject type is missing"));
	u = base;
	u.g.grant = "token_exchange";
	u.g.subject_type = "jwt";
	assert_int_equal(oc_astore_record_grant(store, &u.g, &u.t), ONECARD_ERR_INVALID_ARG);
	u.g.subject_type = "urn:ietf:params:oauth:token-type:access_token";
	assert_int_equal(oc_astore_record_grant(store, &u.g, &u.t), ONECARD_ERR_TOO_LARGE);
	/* Outcome, reason and token. */
	EXPECT_T(u.g.outcome, OC_ASTORE_SUCCESS, NULL, ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "exactly for a success"));
	EXPECT(u.g.outcome, OC_ASTORE_OUTCOME_NONE, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.outcome, (enum oc_astore_outcome)9, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.reason, "invalid_grant", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.outcome, OC_ASTORE_REFUSED, ONECARD_ERR_INVALID_ARG);	 /* with a token */
	EXPECT_T(u.g.outcome, OC_ASTORE_REFUSED, NULL, ONECARD_ERR_INVALID_ARG); /* no reason */
	u = base;
	u.g.outcome = OC_ASTORE_ERROR;
	u.g.reason = "Database_Unavailable";
	assert_int_equal(oc_astore_record_grant(store, &u.g, NULL), ONECARD_ERR_INVALID_ARG);
	/* A success names its session and its audience. */
	EXPECT(u.g.sid, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.audience, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.sid, "abc", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.sid, "abcdefghijklmnopqrstu/", ONECARD_ERR_INVALID_ARG);
	OVERLONG(u.g.sid, OC_ASTORE_SID_MAX);
	OVERLONG(u.g.audience, OC_ASTORE_AUDIENCE_MAX);
	OVERLONG(u.g.remote_addr, OC_ASTORE_ADDR_MAX);
	OVERLONG(u.g.detail, OC_ASTORE_DETAIL_MAX);
	EXPECT(u.g.detail, "", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.detail, "a\x7f", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.g.audience, "\xff", ONECARD_ERR_INVALID_ARG);
	/* The token: its own fields, the grant's audience and sid. */
	EXPECT(u.t.jti, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.jti, "a b", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.sub, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.kid, NULL, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.exp, base.t.iat, ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.aud, "city-b-maritime", ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "grant's audience"));
	EXPECT(u.t.sid, NULL, ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "grant's sid"));
	EXPECT(u.t.sid, "abcdefghijklmnopqrstuw", ONECARD_ERR_INVALID_ARG);
	EXPECT(u.t.sid, "short", ONECARD_ERR_INVALID_ARG);
	OVERLONG(u.t.acr, OC_ASTORE_ACR_MAX);
	assert_int_equal(oc_astore_record_grant(store, NULL, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_record_grant(NULL, &base.g, &base.t), ONECARD_ERR_INVALID_ARG);
#undef EXPECT
#undef EXPECT_T
#undef OVERLONG
}

static void purge_sessions_checks(void **state)
{
	int64_t n = 99;

	(void)state;
	assert_int_equal(oc_astore_purge_sessions(store, 0, &n), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(oc_astore_purge_sessions(store, -1, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_purge_sessions(store, INT64_MAX, &n), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_purge_sessions(NULL, 1000, &n), ONECARD_ERR_INVALID_ARG);
	n = 99;
	assert_int_equal(oc_astore_purge_sessions(store, 1000, &n), ONECARD_ERR_DATABASE);
	assert_int_equal(n, 0);
}

static void session_row_clear(void **state)
{
	struct oc_astore_session_row row;

	(void)state;
	memset(&row, 0, sizeof(row));
	row.amr_json = malloc(8);
	row.certs_json = malloc(8);
	assert_non_null(row.amr_json);
	assert_non_null(row.certs_json);
	row.created_at = 5;
	row.sid[0] = 'a';
	oc_astore_session_row_clear(&row);
	assert_null(row.amr_json);
	assert_null(row.certs_json);
	assert_int_equal(row.created_at, 0);
	assert_int_equal(row.sid[0], '\0');
	oc_astore_session_row_clear(&row); /* twice: nothing left to free */
	oc_astore_session_row_clear(NULL);
}

/* ---- the password login and its lockout ---------------------------------- */

/* A password + TOTP login: its method's rules, and a card login's, each
 * refused before the database. */
static void password_login_rules(void **state)
{
	struct at_sso base, x;
	struct at_login card;

	(void)state;
	at_pwd_login(&base, 1800, 28800);
	x = base;
	at_pwd_fix(&x);
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	/* Certificates "[]" rather than NULL; no session (nor sid). */
	x.a.l.certs_json = "[]";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	x.a.l.session = NULL;
	x.a.t.sid = NULL;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	/* Refused, with nothing known but the reason; then with the person. */
	memset(&x.a.l, 0, sizeof(x.a.l));
	x.a.l.method = OC_ASTORE_METHOD_PWD_OTP;
	x.a.l.outcome = OC_ASTORE_REFUSED;
	x.a.l.reason = "invalid_credentials";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_DATABASE);
	x.a.l.person_id = "p-0001";
	x.a.l.audience = "city-a-info";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_DATABASE);
	/* The method "card", spelled out, is a card login. */
	at_login_success(&card);
	card.l.method = OC_ASTORE_METHOD_CARD;
	assert_int_equal(oc_astore_record_login(store, &card.l, &card.t), ONECARD_ERR_DATABASE);

#define EXPECT(field, value, words)                                                        \
	do {                                                                               \
		x = base;                                                                  \
		at_pwd_fix(&x);                                                            \
		field = (value);                                                           \
		assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t),            \
				 ONECARD_ERR_INVALID_ARG);                                 \
		if (strstr(oc_astore_diagnostic(), (words)) == NULL) {                     \
			fail_msg("%s: \"%s\", not \"%s\"", #field, oc_astore_diagnostic(), \
				 (words));                                                 \
		}                                                                          \
	} while (0)

	/* Methods there are not. */
	EXPECT(x.a.l.method, "", "method");
	EXPECT(x.a.l.method, "Card", "method");
	EXPECT(x.a.l.method, "pwd", "method");
	EXPECT(x.a.l.method, "pwd-otp ", "method");
	/* A password login has no nonce, no card, no certificates. */
	EXPECT(x.a.l.nonce_hex, x.a.nonce, "nonce is given for a password login");
	EXPECT(x.a.l.card_id, "card-1", "card id is given for a password login");
	EXPECT(x.a.l.certs_json, "[{\"sha256\": \"00ff\"}]", "certificates' JSON");
	EXPECT(x.a.l.certs_json, "[ ]", "certificates' JSON");
	EXPECT(x.s.certs_json, AT_SSO_CERTS, "session's certificates' JSON");
	/* Its session and its token say pwd-otp. */
	EXPECT(x.s.acr, "card", "session's acr is not pwd-otp");
	EXPECT(x.a.t.acr, "card", "token's acr is not pwd-otp");
	/* A success still names audience, person and enterprise. */
	EXPECT(x.a.l.enterprise_uscc, NULL, "enterprise USCC is missing");
	EXPECT(x.a.l.person_id, NULL, "person id is missing");
	EXPECT(x.a.l.audience, NULL, "audience is missing");
	/* Refused with a card or a nonce: still not a password login's. */
	x = base;
	at_pwd_fix(&x);
	x.a.l.session = NULL;
	x.a.l.outcome = OC_ASTORE_REFUSED;
	x.a.l.reason = "invalid_credentials";
	x.a.l.card_id = "card-1";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_INVALID_ARG);
	x.a.l.card_id = NULL;
	x.a.l.nonce_hex = x.a.nonce;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, NULL), ONECARD_ERR_INVALID_ARG);
#undef EXPECT

	/* A card login: its success names its card; it never says pwd-otp;
	 * its token has its session's acr. */
	at_sso_login(&base, 1800, 28800);
	x = base;
	at_sso_fix(&x);
	x.a.l.card_id = NULL;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "card id is missing"));
	x = base;
	at_sso_fix(&x);
	x.a.l.method = OC_ASTORE_METHOD_CARD;
	x.s.acr = OC_ASTORE_METHOD_PWD_OTP;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "session's acr is pwd-otp"));
	x = base;
	at_sso_fix(&x);
	x.a.t.acr = OC_ASTORE_METHOD_PWD_OTP;
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "token's acr is pwd-otp"));
	x = base;
	at_sso_fix(&x);
	x.a.t.acr = "card-plus";
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "not the session's acr"));
	at_login_success(&card);
	card.t.acr = OC_ASTORE_METHOD_PWD_OTP;
	assert_int_equal(oc_astore_record_login(store, &card.l, &card.t), ONECARD_ERR_INVALID_ARG);
	/* The method is checked before anything else, NULL store aside. */
	x = base;
	at_pwd_fix(&x);
	x.a.l.method = "otp";
	assert_int_equal(oc_astore_record_login(NULL, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
}

static void lockout_checks(void **state)
{
	static const char *const bad[] = {
		"",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",   /* 63 */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
		"alice",
	};
	char subject[AT_SUBJECT_SIZE], *longer;
	int64_t until = 7, failures = 7;
	size_t i;

	(void)state;
	at_subject(subject);
	/* Valid: each reaches the (absent) database, outputs 0. */
	assert_int_equal(oc_astore_lockout_state(store, subject, &until, &failures),
			 ONECARD_ERR_DATABASE);
	assert_int_equal(until, 0);
	assert_int_equal(failures, 0);
	until = failures = 7;
	assert_int_equal(oc_astore_lockout_fail(store, subject, &failures, &until),
			 ONECARD_ERR_DATABASE);
	assert_int_equal(until, 0);
	assert_int_equal(failures, 0);
	assert_int_equal(oc_astore_lockout_fail(store, subject, NULL, NULL), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_lockout_state(store, subject, NULL, NULL), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_lockout_clear(store, subject), ONECARD_ERR_DATABASE);
	/* Refused first, outputs cleared, the subject never in the
	 * diagnostic. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		until = failures = 7;
		assert_int_equal(oc_astore_lockout_state(store, bad[i], &until, &failures),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(until, 0);
		assert_int_equal(failures, 0);
		until = failures = 7;
		assert_int_equal(oc_astore_lockout_fail(store, bad[i], &failures, &until),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(until, 0);
		assert_int_equal(failures, 0);
		assert_int_equal(oc_astore_lockout_clear(store, bad[i]), ONECARD_ERR_INVALID_ARG);
		assert_non_null(strstr(oc_astore_diagnostic(), "64 lowercase hex digits"));
	}
	assert_null(strstr(oc_astore_diagnostic(), "alice"));
	longer = repeat('a', 4096);
	assert_int_equal(oc_astore_lockout_fail(store, longer, &failures, &until),
			 ONECARD_ERR_INVALID_ARG);
	free(longer);
	assert_int_equal(oc_astore_lockout_state(store, NULL, &until, &failures),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_lockout_fail(store, NULL, &failures, &until),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_lockout_clear(store, NULL), ONECARD_ERR_INVALID_ARG);
	until = failures = 7;
	assert_int_equal(oc_astore_lockout_state(NULL, subject, &until, &failures),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(until, 0);
	assert_int_equal(failures, 0);
	assert_int_equal(oc_astore_lockout_fail(NULL, subject, &failures, &until),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_lockout_clear(NULL, subject), ONECARD_ERR_INVALID_ARG);
}

static void *fail_in_thread(void *arg)
{
	int *seen_empty = arg;

	/* This thread has made no call: its diagnostic is empty. */
	*seen_empty = oc_astore_diagnostic()[0] == '\0';
	return NULL;
}

static void diagnostic_per_thread(void **state)
{
	pthread_t th;
	int seen_empty = 0;

	(void)state;
	assert_int_equal(oc_astore_purge_nonces(store, 0, NULL), ONECARD_ERR_INVALID_ARG);
	assert_string_not_equal(oc_astore_diagnostic(), "");
	assert_int_equal(pthread_create(&th, NULL, fail_in_thread, &seen_empty), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(seen_empty);
	assert_string_not_equal(oc_astore_diagnostic(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_checks),
		cmocka_unit_test(valid_reaches_database),
		cmocka_unit_test(login_fields),
		cmocka_unit_test(login_rules),
		cmocka_unit_test(challenge_fields),
		cmocka_unit_test(purge_checks),
		cmocka_unit_test(session_login_rules),
		cmocka_unit_test(session_use_checks),
		cmocka_unit_test(session_end_checks),
		cmocka_unit_test(grant_rules),
		cmocka_unit_test(purge_sessions_checks),
		cmocka_unit_test(session_row_clear),
		cmocka_unit_test(password_login_rules),
		cmocka_unit_test(lockout_checks),
		cmocka_unit_test(diagnostic_per_thread),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
