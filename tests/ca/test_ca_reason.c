/* Revocation reasons (ca/reason.c): RFC 5280 §5.3.1 names and codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "reason.h"

static void allowed(void **state)
{
	static const struct {
		const char *name;
		int code;
	} rows[] = {
		{"unspecified", 0}, {"keyCompromise", 1},	 {"affiliationChanged", 3},
		{"superseded", 4},  {"cessationOfOperation", 5}, {"privilegeWithdrawn", 9},
	};
	const char *why = NULL;
	size_t i;
	int code = 99;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(oc_reason_parse(rows[i].name, &code, &why), ONECARD_OK);
		assert_int_equal(code, rows[i].code);
		assert_null(why);
		assert_string_equal(oc_reason_name(rows[i].code), rows[i].name);
	}
}

static void refused(void **state)
{
	static const char *const names[] = {
		/* For authorities, or not final, or delta-CRL only. */
		"cACompromise",
		"aACompromise",
		"certificateHold",
		"removeFromCRL",
		/* Not names at all, or not exactly. */
		"",
		"keycompromise",
		"KeyCompromise",
		"keyCompromise ",
		"1",
		"unspecified\n",
	};
	const char *why = NULL;
	size_t i;
	int code = 99;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(oc_reason_parse(names[i], &code, &why), ONECARD_ERR_INVALID_ARG);
		assert_int_equal(code, -1);
		assert_non_null(why);
	}
	assert_int_equal(oc_reason_parse(NULL, &code, &why), ONECARD_ERR_INVALID_ARG);
	assert_null(oc_reason_name(2));
	assert_null(oc_reason_name(6));
	assert_null(oc_reason_name(7));
	assert_null(oc_reason_name(8));
	assert_null(oc_reason_name(10));
	assert_null(oc_reason_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
