/* Subject templates (ca/subject.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "subject.h"

static const struct oc_subject_values values = {
	.enterprise_name = "厦门测试贸易有限公司",
	.uscc = "91350100M000100Y43",
	.person_id = "p-001",
	.person_name = "张三",
	.agency = "customs",
};

static int fill(const char *tmpl, const struct oc_subject_values *v, char *out, size_t size)
{
	const char *why = "unset";
	int r = oc_subject_fill(tmpl, v, out, size, &why);

	if (r == ONECARD_OK) {
		assert_null(why);
	} else {
		assert_non_null(why);
		assert_string_equal(out, "");
	}
	return r;
}

static void fills_every_placeholder(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(fill("${enterprise_name}", &values, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "厦门测试贸易有限公司");
	assert_int_equal(fill("${uscc}", &values, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "91350100M000100Y43");
	assert_int_equal(
		fill("${person_name} (${person_id}) at ${agency}", &values, out, sizeof(out)),
		ONECARD_OK);
	assert_string_equal(out, "张三 (p-001) at customs");
	assert_int_equal(fill("CN", &values, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "CN");
}

static void literal_dollars(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(fill("$5 and $", &values, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "$5 and $");
	assert_int_equal(fill("a$b{c}", &values, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "a$b{c}");
}

static void values_are_not_rescanned(void **state)
{
	struct oc_subject_values v = values;
	char out[64];

	(void)state;
	v.person_name = "${uscc}";
	assert_int_equal(fill("${person_name}", &v, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "${uscc}");
}

static void template_faults(void **state)
{
	struct oc_subject_values v = values;
	char out[64];

	(void)state;
	assert_int_equal(fill("${uscc", &values, out, sizeof(out)), ONECARD_ERR_POLICY);
	assert_int_equal(fill("${unknown}", &values, out, sizeof(out)), ONECARD_ERR_POLICY);
	assert_int_equal(fill("${}", &values, out, sizeof(out)), ONECARD_ERR_POLICY);
	assert_int_equal(fill("${USCC}", &values, out, sizeof(out)), ONECARD_ERR_POLICY);
	assert_int_equal(fill("${ uscc}", &values, out, sizeof(out)), ONECARD_ERR_POLICY);
	v.uscc = NULL;
	assert_int_equal(fill("${uscc}", &v, out, sizeof(out)), ONECARD_ERR_POLICY);
}

static void bounds(void **state)
{
	struct oc_subject_values v = values;
	char out[8];

	(void)state;
	assert_int_equal(fill("1234567", &values, out, sizeof(out)), ONECARD_OK);
	assert_int_equal(fill("12345678", &values, out, sizeof(out)), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(fill("${uscc}", &values, out, sizeof(out)), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(fill("", &values, out, sizeof(out)), ONECARD_ERR_INVALID_ARG);
	v.person_id = "";
	assert_int_equal(fill("${person_id}", &v, out, sizeof(out)), ONECARD_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fills_every_placeholder),
		cmocka_unit_test(literal_dollars),
		cmocka_unit_test(values_are_not_rescanned),
		cmocka_unit_test(template_faults),
		cmocka_unit_test(bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
