/* The error table: every code has its own short code and sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

static void codes_are_distinct(void **state)
{
	int a, b;

	(void)state;
	for (a = ONECARD_ERR_KEYS_UNAVAILABLE; a <= ONECARD_OK; a++) {
		assert_string_not_equal(onecard_err_code(a), "unknown_error");
		assert_string_not_equal(onecard_strerror(a), "unknown error");
		for (b = a + 1; b <= ONECARD_OK; b++) {
			assert_string_not_equal(onecard_err_code(a), onecard_err_code(b));
		}
	}
}

static void stable_codes(void **state)
{
	(void)state;
	/* Published in HTTP bodies and NEGATIVE-TESTS.md: must never change. */
	assert_string_equal(onecard_err_code(ONECARD_ERR_BAD_FORMAT), "bad_format");
	assert_string_equal(onecard_err_code(ONECARD_ERR_ALG_NOT_ALLOWED), "alg_not_allowed");
	assert_int_equal(ONECARD_ERR_BAD_FORMAT, -4);
	assert_int_equal(ONECARD_ERR_CRYPTO, -20);
}

static void unknown_code(void **state)
{
	(void)state;
	assert_string_equal(onecard_err_code(-9999), "unknown_error");
	assert_string_equal(onecard_strerror(42), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_are_distinct),
		cmocka_unit_test(stable_codes),
		cmocka_unit_test(unknown_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
