/*
 * Operator-given values (ca/check.c): the GB 32100-2015 unified social
 * credit code, person ids and UTF-8 text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "check.h"

static int uscc(const char *s)
{
	const char *why = "unset";
	int r = oc_check_uscc(s, &why);

	if (r == ONECARD_OK) {
		assert_null(why);
	} else {
		assert_non_null(why);
	}
	return r;
}

static void uscc_valid(void **state)
{
	(void)state;
	/* Codes of registered enterprises, as published, and two made for
	 * the edge cases of the check character (0 from 31 mod 31; a letter). */
	assert_int_equal(uscc("91350100M000100Y43"), ONECARD_OK);
	assert_int_equal(uscc("91110000802100433B"), ONECARD_OK);
	assert_int_equal(uscc("91440300708461136T"), ONECARD_OK);
	assert_int_equal(uscc("91350100M000100220"), ONECARD_OK);
	assert_int_equal(uscc("12100000000000000F"), ONECARD_OK);
	assert_int_equal(uscc("Y1000000000000000X"), ONECARD_OK);
}

static void uscc_invalid(void **state)
{
	(void)state;
	/* Wrong check character, one off each way. */
	assert_int_equal(uscc("91350100M000100Y44"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100M000100Y42"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("911100001000013428"), ONECARD_ERR_INVALID_ARG);
	/* Length. */
	assert_int_equal(uscc(""), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100M000100Y4"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100M000100Y430"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc(NULL), ONECARD_ERR_INVALID_ARG);
	/* Characters GB 32100 leaves out (I O S V Z), lowercase, others. */
	assert_int_equal(uscc("91350100I000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100O000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100S000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100V000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100Z000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100m000100y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100-000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("91350100 000100Y43"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(uscc("9135010\xc3\xa9"
			      "000100Y43"),
			 ONECARD_ERR_INVALID_ARG);
}

static void person_id(void **state)
{
	char max[65], over[66];
	const char *why = NULL;

	(void)state;
	memset(max, 'a', 64);
	max[64] = '\0';
	memset(over, 'a', 65);
	over[65] = '\0';
	assert_int_equal(oc_check_person_id("p-001", &why), ONECARD_OK);
	assert_int_equal(oc_check_person_id("A.b_c-9", &why), ONECARD_OK);
	assert_int_equal(oc_check_person_id(max, &why), ONECARD_OK);
	assert_int_equal(oc_check_person_id(over, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id("", &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id(NULL, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id("p 1", &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id("p/1", &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id("p,1", &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_person_id("张三", &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(why);
}

static void text(void **state)
{
	char max[129], over[130];
	const char *why = NULL;

	(void)state;
	memset(max, 'x', 128);
	max[128] = '\0';
	memset(over, 'x', 129);
	over[129] = '\0';
	assert_int_equal(oc_check_text("厦门测试贸易有限公司", 128, &why), ONECARD_OK);
	assert_int_equal(oc_check_text("Zhang San", 128, &why), ONECARD_OK);
	assert_int_equal(oc_check_text("\xf0\x9f\x98\x80", 128, &why), ONECARD_OK); /* U+1F600 */
	assert_int_equal(oc_check_text(max, 128, &why), ONECARD_OK);
	assert_int_equal(oc_check_text(over, 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text(NULL, 128, &why), ONECARD_ERR_INVALID_ARG);
	/* Not UTF-8: overlong, surrogate, past U+10FFFF, truncated, stray
	 * continuation, invalid lead bytes. */
	assert_int_equal(oc_check_text("\xc0\xaf", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\xe0\x80\xaf", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\xed\xa0\x80", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\xf4\x90\x80\x80", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\xe5\x8e", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\x80", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("\xff", 128, &why), ONECARD_ERR_INVALID_ARG);
	/* Control characters: C0, DEL, C1 (U+0085). */
	assert_int_equal(oc_check_text("a\tb", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("a\nb", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("a\x7f", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_check_text("a\xc2\x85", 128, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uscc_valid),
		cmocka_unit_test(uscc_invalid),
		cmocka_unit_test(person_id),
		cmocka_unit_test(text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
