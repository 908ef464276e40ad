/* The credential parsers of GET /v1/authz (authd/server/authz.c): the
 * Authorization header (RFC 6750 §2.1) and the Cookie header (RFC 6265
 * §4.2.1), what each accepts and each rule it refuses with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authz.h"

#define LONG_MAX_LEN 20000u

static void bearer_is(const char *value, const char *want)
{
	const char *tok = (const char *)1;
	size_t len = 99;

	if (authz_parse_bearer(value, &tok, &len) != AUTHZ_FOUND) {
		print_error("Authorization \"%s\": not found\n", value);
		fail();
	}
	assert_int_equal(len, strlen(want));
	assert_memory_equal(tok, want, len);
}

static void bearer_not(const char *value, enum authz_found want)
{
	const char *tok = (const char *)1;
	size_t len = 99;

	if (authz_parse_bearer(value, &tok, &len) != want) {
		print_error("Authorization \"%s\": not %d\n", value, (int)want);
		fail();
	}
	assert_null(tok);
	assert_int_equal(len, 0);
}

static void test_bearer_accepts(void **state)
{
	(void)state;
	bearer_is("Bearer abc.def.ghi", "abc.def.ghi");
	bearer_is("bearer abc", "abc");
	bearer_is("BEARER abc", "abc");
	bearer_is("bEaReR abc", "abc");
	/* 1*SP (RFC 6750 §2.1) */
	bearer_is("Bearer    abc", "abc");
	/* b64token: ALPHA DIGIT - . _ ~ + / then trailing '=' */
	bearer_is("Bearer aZ09-._~+/==", "aZ09-._~+/==");
	bearer_is("Bearer a=", "a=");
}

static void test_bearer_other_schemes(void **state)
{
	(void)state;
	bearer_not(NULL, AUTHZ_NONE);
	bearer_not("", AUTHZ_NONE);
	bearer_not("Basic dXNlcjpwYXNz", AUTHZ_NONE);
	bearer_not("Bearerx abc", AUTHZ_NONE);
	bearer_not("Beare abc", AUTHZ_NONE);
	bearer_not("DPoP abc", AUTHZ_NONE);
	bearer_not(" Bearer abc", AUTHZ_NONE);
}

static void test_bearer_malformed(void **state)
{
	char *big;

	(void)state;
	bearer_not("Bearer", AUTHZ_MALFORMED);
	bearer_not("Bearer ", AUTHZ_MALFORMED);
	bearer_not("Bearer   ", AUTHZ_MALFORMED);
	bearer_not("Bearer\tabc", AUTHZ_MALFORMED);
	bearer_not("Bearer abc def", AUTHZ_MALFORMED);
	bearer_not("Bearer abc ", AUTHZ_MALFORMED);
	bearer_not("Bearer abc,", AUTHZ_MALFORMED);
	bearer_not("Bearer abc;def", AUTHZ_MALFORMED);
	bearer_not("Bearer a=b", AUTHZ_MALFORMED);
	bearer_not("Bearer =abc", AUTHZ_MALFORMED);
	bearer_not("Bearer \"abc\"", AUTHZ_MALFORMED);
	bearer_not("Bearer abc\r\n", AUTHZ_MALFORMED);
	bearer_not("Bearer ab\x80", AUTHZ_MALFORMED);
	bearer_not("Bearer a, Bearer b", AUTHZ_MALFORMED);
	/* Longer than any token authd takes, with room: refused unread. */
	big = malloc(LONG_MAX_LEN + 1u);
	assert_non_null(big);
	memcpy(big, "Bearer ", 7);
	memset(big + 7, 'a', LONG_MAX_LEN - 7u);
	big[LONG_MAX_LEN] = '\0';
	bearer_not(big, AUTHZ_MALFORMED);
	free(big);
}

static void cookie_is(const char *value, const char *want)
{
	const char *tok = (const char *)1;
	size_t len = 99;

	if (authz_parse_cookie(value, AUTHZ_COOKIE_NAME, &tok, &len) != AUTHZ_FOUND) {
		print_error("Cookie \"%s\": not found\n", value);
		fail();
	}
	assert_int_equal(len, strlen(want));
	assert_memory_equal(tok, want, len);
}

static void cookie_not(const char *value, enum authz_found want)
{
	const char *tok = (const char *)1;
	size_t len = 99;

	if (authz_parse_cookie(value, AUTHZ_COOKIE_NAME, &tok, &len) != want) {
		print_error("Cookie \"%s\": not %d\n", value, (int)want);
		fail();
	}
	assert_null(tok);
	assert_int_equal(len, 0);
}

static void test_cookie_accepts(void **state)
{
	(void)state;
	cookie_is("onecard_token=abc.def", "abc.def");
	cookie_is("a=1; onecard_token=abc; b=2", "abc");
	cookie_is("a=; onecard_token=abc", "abc");
	cookie_is("onecard_token=\"abc\"", "abc");
	cookie_is("a=\"\"; onecard_token=abc", "abc");
	/* The first of the name counts. */
	cookie_is("onecard_token=first; onecard_token=second", "first");
	/* Every cookie-octet. */
	cookie_is("x=!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~; onecard_token=t", "t");
	/* Names are tokens. */
	cookie_is("a!#$%&'*+-.^_`|~z=1; onecard_token=t", "t");
}

static void test_cookie_absent(void **state)
{
	(void)state;
	cookie_not(NULL, AUTHZ_NONE);
	cookie_not("", AUTHZ_NONE);
	cookie_not("a=1", AUTHZ_NONE);
	cookie_not("a=1; b=2", AUTHZ_NONE);
	/* Names are case-sensitive, and whole. */
	cookie_not("Onecard_Token=abc", AUTHZ_NONE);
	cookie_not("onecard_token2=abc", AUTHZ_NONE);
	cookie_not("xonecard_token=abc", AUTHZ_NONE);
	/* An empty value is no token, and the first of the name decides. */
	cookie_not("onecard_token=", AUTHZ_NONE);
	cookie_not("onecard_token=\"\"", AUTHZ_NONE);
	cookie_not("onecard_token=; onecard_token=abc", AUTHZ_NONE);
}

static void test_cookie_malformed(void **state)
{
	(void)state;
	cookie_not("a=1;onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1;  onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1 ; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("onecard_token=abc;", AUTHZ_MALFORMED);
	cookie_not("onecard_token=abc; ", AUTHZ_MALFORMED);
	cookie_not("; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("junk; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("=1; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a b=1; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a(=1; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1,2; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1 2; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1\\2; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=\"1; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=\"1\"2; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=1\x7f; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("a=\xc3\xa9; onecard_token=abc", AUTHZ_MALFORMED);
	cookie_not("onecard_token=abc, b=2", AUTHZ_MALFORMED);
	/* A match before the fault does not count: the header is refused. */
	cookie_not("onecard_token=abc; b", AUTHZ_MALFORMED);
	cookie_not("onecard_token=abc; b=\"", AUTHZ_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer_accepts),
		cmocka_unit_test(test_bearer_other_schemes),
		cmocka_unit_test(test_bearer_malformed),
		cmocka_unit_test(test_cookie_accepts),
		cmocka_unit_test(test_cookie_absent),
		cmocka_unit_test(test_cookie_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
