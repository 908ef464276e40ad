/* DIR/ca.conf (ca/home.c): the strict parser and its writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "home.h"

static int parse(const char *text, struct oc_ca_conf *c, unsigned *line)
{
	const char *why = "unset";
	int r = oc_conf_parse(text, strlen(text), c, line, &why);

	if (r == ONECARD_OK) {
		assert_null(why);
	} else {
		assert_int_equal(r, ONECARD_ERR_POLICY);
		assert_non_null(why);
		assert_string_equal(c->name, "");
	}
	return r;
}

static void good(void **state)
{
	struct oc_ca_conf c;
	unsigned line = 99;

	(void)state;
	assert_int_equal(parse("# comment\n\nversion=1\nname=Trade Window CA 单一窗口\nalg=sm2\n"
			       "policy=/etc/onecard/onecard.conf\n",
			       &c, &line),
			 ONECARD_OK);
	assert_int_equal(line, 0);
	assert_int_equal(c.version, 1);
	assert_string_equal(c.name, "Trade Window CA 单一窗口");
	assert_int_equal(c.alg, OC_ALG_SM2);
	assert_string_equal(c.policy, "/etc/onecard/onecard.conf");
	/* No final newline, no policy. */
	assert_int_equal(parse("alg=rsa\nname=X\nversion=1", &c, &line), ONECARD_OK);
	assert_int_equal(c.alg, OC_ALG_RSA);
	assert_string_equal(c.policy, "");
}

static void bad(void **state)
{
	struct oc_ca_conf c;
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse("", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\nname=X\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=2\nname=X\nalg=ec\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(line, 1);
	assert_int_equal(parse("version=1\nname=X\nalg=dsa\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(line, 3);
	assert_int_equal(parse("version=1\nname=X\nalg=ec\nalg=ec\n", &c, &line),
			 ONECARD_ERR_POLICY);
	assert_int_equal(line, 4);
	assert_int_equal(parse("version=1\nname=X\nalg=ec\ncolor=red\n", &c, &line),
			 ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\nname=X\nalg=ec\npolicy=relative.conf\n", &c, &line),
			 ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\nname =X\nalg=ec\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\nname=X\r\nalg=ec\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\nname=\nalg=ec\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(parse("version=1\njust words\nalg=ec\n", &c, &line), ONECARD_ERR_POLICY);
	assert_int_equal(line, 2);
	/* A NUL byte anywhere. */
	assert_int_equal(oc_conf_parse("version=1\0\nname=X\nalg=ec\n", 23, &c, &line,
				       &(const char *){NULL}),
			 ONECARD_ERR_POLICY);
}

static void round_trip(void **state)
{
	struct oc_ca_conf c, back;
	char text[OC_CA_CONF_MAX];
	unsigned line = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.version = OC_HOME_VERSION;
	c.alg = OC_ALG_EC;
	(void)snprintf(c.name, sizeof(c.name), "%s", "厦门 CA");
	assert_int_equal(oc_conf_format(&c, text, sizeof(text)), ONECARD_OK);
	assert_int_equal(parse(text, &back, &line), ONECARD_OK);
	assert_memory_equal(&c, &back, sizeof(c));
	(void)snprintf(c.policy, sizeof(c.policy), "%s", "/x/onecard.conf");
	assert_int_equal(oc_conf_format(&c, text, sizeof(text)), ONECARD_OK);
	assert_int_equal(parse(text, &back, &line), ONECARD_OK);
	assert_memory_equal(&c, &back, sizeof(c));
	/* What would not parse back is not written. */
	(void)snprintf(c.name, sizeof(c.name), "%s", "two\nlines");
	assert_int_equal(oc_conf_format(&c, text, sizeof(text)), ONECARD_ERR_INVALID_ARG);
	(void)snprintf(c.name, sizeof(c.name), "%s", "ok");
	(void)snprintf(c.policy, sizeof(c.policy), "%s", "relative");
	assert_int_equal(oc_conf_format(&c, text, sizeof(text)), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_conf_format(&back, text, 16), ONECARD_ERR_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
