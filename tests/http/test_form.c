/* The form body parser (authd/http/form.c): what it accepts and each
 * rule it refuses with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "http.h"

static json_t *parse_ok(const char *body)
{
	const char *why = "unset";
	json_t *form = NULL;

	assert_int_equal(oc_http_form_parse((const unsigned char *)body, strlen(body), &form, &why),
			 ONECARD_OK);
	assert_null(why);
	assert_non_null(form);
	return form;
}

static void parse_bad(const char *body, size_t len, const char *word)
{
	const char *why = NULL;
	json_t *form = (json_t *)1;

	assert_int_equal(oc_http_form_parse((const unsigned char *)body, len, &form, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_null(form);
	assert_non_null(why);
	if (strstr(why, word) == NULL) {
		print_error("body \"%s\": reason \"%s\" lacks \"%s\"\n", body, why, word);
	}
	assert_non_null(strstr(why, word));
}

static void test_accepts(void **state)
{
	json_t *f;

	(void)state;
	f = parse_ok(
		"grant_type=refresh_token&refresh_token=ocs1_abc-_DEF&audience=city-a-customs");
	assert_int_equal(json_object_size(f), 3);
	assert_string_equal(json_string_value(json_object_get(f, "grant_type")), "refresh_token");
	assert_string_equal(json_string_value(json_object_get(f, "refresh_token")),
			    "ocs1_abc-_DEF");
	json_decref(f);

	/* Escapes, in either case, and '+' as a space. */
	f = parse_ok("grant_type=urn%3aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&x=a+b");
	assert_string_equal(json_string_value(json_object_get(f, "grant_type")),
			    "urn:ietf:params:oauth:grant-type:token-exchange");
	assert_string_equal(json_string_value(json_object_get(f, "x")), "a b");
	json_decref(f);

	/* A parameter without a value is omitted (RFC 6749 §3.1). */
	f = parse_ok("a=&b&c=1");
	assert_int_equal(json_object_size(f), 1);
	assert_null(json_object_get(f, "a"));
	assert_null(json_object_get(f, "b"));
	json_decref(f);

	/* An empty body is an empty form; '=' inside a value is kept. */
	f = parse_ok("");
	assert_int_equal(json_object_size(f), 0);
	json_decref(f);
	f = parse_ok("a=b=c");
	assert_string_equal(json_string_value(json_object_get(f, "a")), "b=c");
	json_decref(f);
}

static void test_refuses(void **state)
{
	char big[3 * OC_HTTP_FORM_VALUE_MAX + 16];
	char many[512];
	size_t i, used = 0;

	(void)state;
	parse_bad("a=1&a=2", 7, "given twice");
	parse_bad("a=&a=2", 6, "given twice");
	parse_bad("a=%zz", 5, "%XX");
	parse_bad("a=%4", 4, "%XX");
	parse_bad("a=%", 3, "%XX");
	parse_bad("a=%00", 5, "printable ASCII");
	parse_bad("a=%0a", 5, "printable ASCII");
	parse_bad("a=%c3%a9", 8, "printable ASCII");
	parse_bad("a=b c", 5, "must be escaped");
	parse_bad("a=b\nc", 5, "must be escaped");
	parse_bad("a=b\0c", 5, "must be escaped");
	parse_bad("a=\xc3\xa9", 4, "must be escaped");
	parse_bad("&&", 2, "empty parameter");
	parse_bad("a=1&", 4, "ends with '&'");
	parse_bad("=1", 2, "no name");
	parse_bad("a%20b=1", 7, "outside [A-Za-z0-9_.-]");
	parse_bad("a b=1", 5, "outside [A-Za-z0-9_.-]");

	memset(big, 'n', OC_HTTP_FORM_NAME_MAX + 1);
	memcpy(big + OC_HTTP_FORM_NAME_MAX + 1, "=1", 2);
	parse_bad(big, OC_HTTP_FORM_NAME_MAX + 3, "name is too long");

	memcpy(big, "a=", 2);
	memset(big + 2, 'v', OC_HTTP_FORM_VALUE_MAX + 1);
	parse_bad(big, OC_HTTP_FORM_VALUE_MAX + 3, "too long");
	memset(big + 2, 'v', OC_HTTP_FORM_VALUE_MAX);
	{
		json_t *f = NULL;

		assert_int_equal(oc_http_form_parse((const unsigned char *)big,
						    OC_HTTP_FORM_VALUE_MAX + 2, &f, NULL),
				 ONECARD_OK);
		json_decref(f);
	}

	for (i = 0; i <= OC_HTTP_FORM_FIELDS_MAX; i++) {
		used += (size_t)snprintf(many + used, sizeof(many) - used, "%sp%zu=1",
					 i > 0 ? "&" : "", i);
	}
	parse_bad(many, used, "too many parameters");
}

static void test_invalid_args(void **state)
{
	json_t *f = NULL;

	(void)state;
	assert_int_equal(oc_http_form_parse((const unsigned char *)"a=1", 3, NULL, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_http_form_parse(NULL, 3, &f, NULL), ONECARD_ERR_INVALID_ARG);
	assert_null(f);
	assert_int_equal(oc_http_request_form(NULL, &f, NULL), ONECARD_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_invalid_args),
	};

	return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
