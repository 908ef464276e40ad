/*
 * The store's input rules, without a database: every over-long field is
 * ONECARD_ERR_TOO_LARGE and every malformed one ONECARD_ERR_INVALID_ARG,
 * decided before any connection is borrowed. The store here points at a
 * socket folder that does not exist, so a call that got as far as the
 * database would fail with ONECARD_ERR_DATABASE instead; the checks are
 * proven to come first. Also: oc_astore_new() connects to nothing, the
 * diagnostic names fields but never values, and it is per thread.
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
		cmocka_unit_test(diagnostic_per_thread),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
