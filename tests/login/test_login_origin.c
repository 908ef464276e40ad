/*
 * The authd URL and its origin (pkcs11/login/origin.c): every accepted
 * form gives exactly one origin (docs/authd.md: scheme://host[:port],
 * lower case, default port left out, no path), and every form another
 * parser could read differently is refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "login.h"

struct good {
	const char *url;
	const char *origin;
	const char *base;
	bool loopback;
	unsigned port;
};

static void accepted(void **state)
{
	static const struct good cases[] = {
		{"https://authd.example", "https://authd.example", "https://authd.example", false,
		 443},
		{"https://authd.example/", "https://authd.example", "https://authd.example", false,
		 443},
		{"HTTPS://Authd.Example:443/", "https://authd.example", "https://authd.example",
		 false, 443},
		{"https://authd.example:8443", "https://authd.example:8443",
		 "https://authd.example:8443", false, 8443},
		/* 80 is not https's default port: it stays. */
		{"https://authd.example:80", "https://authd.example:80", "https://authd.example:80",
		 false, 80},
		{"http://127.0.0.1:8443", "http://127.0.0.1:8443", "http://127.0.0.1:8443", true,
		 8443},
		{"http://127.0.0.1:80/", "http://127.0.0.1", "http://127.0.0.1", true, 80},
		{"http://127.255.255.254", "http://127.255.255.254", "http://127.255.255.254", true,
		 80},
		{"HtTp://LocalHost:8080", "http://localhost:8080", "http://localhost:8080", true,
		 8080},
		{"http://[::1]:8443", "http://[::1]:8443", "http://[::1]:8443", true, 8443},
		{"http://[0:0:0:0:0:0:0:1]/", "http://[::1]", "http://[::1]", true, 80},
		{"https://[2001:DB8:0:0::1]:443", "https://[2001:db8::1]", "https://[2001:db8::1]",
		 false, 443},
		{"https://10.0.0.1", "https://10.0.0.1", "https://10.0.0.1", false, 443},
		{"https://0.0.0.0:1", "https://0.0.0.0:1", "https://0.0.0.0:1", false, 1},
		{"https://authd.example:65535", "https://authd.example:65535",
		 "https://authd.example:65535", false, 65535},
		{"https://gw.example/authd/", "https://gw.example", "https://gw.example/authd",
		 false, 443},
		{"https://gw.example/a%2Fb/c-d_e.f~g", "https://gw.example",
		 "https://gw.example/a%2Fb/c-d_e.f~g", false, 443},
		{"https://xn--fiqs8s.example", "https://xn--fiqs8s.example",
		 "https://xn--fiqs8s.example", false, 443},
		{"https://a-b.c-d.example", "https://a-b.c-d.example", "https://a-b.c-d.example",
		 false, 443},
		/* Digits are fine in any label but the last. */
		{"https://1.example", "https://1.example", "https://1.example", false, 443},
		{"https://x.123abc", "https://x.123abc", "https://x.123abc", false, 443},
		{"https://a.example/...x/.y", "https://a.example", "https://a.example/...x/.y",
		 false, 443},
	};
	struct oc_login_url u;
	const char *why = "x";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].url);
		assert_int_equal(oc_login_url_parse(cases[i].url, &u, &why), ONECARD_OK);
		assert_string_equal(why, "");
		assert_string_equal(u.origin, cases[i].origin);
		assert_string_equal(u.base, cases[i].base);
		assert_int_equal(u.loopback, cases[i].loopback);
		assert_int_equal(u.port, cases[i].port);
	}
	/* why may be NULL. */
	assert_int_equal(oc_login_url_parse("https://a.example", &u, NULL), ONECARD_OK);
}

static void refused(void **state)
{
	static const char *const cases[] = {
		"",
		"ftp://authd.example",
		"file:///etc/passwd",
		"authd.example",
		"//authd.example",
		"https:/authd.example",
		"https:authd.example",
		"httpx://authd.example",
		/* plain http only for loopback */
		"http://authd.example",
		"http://10.0.0.1:8443",
		"http://127.0.0.1.nip.io",
		"http://localhost.example",
		"http://[::ffff:127.0.0.1]",
		"http://[2001:db8::1]",
		/* user information */
		"https://user@authd.example",
		"https://user:pw@authd.example",
		"https://@authd.example",
		"http://authd.example@127.0.0.1",
		"http://127.0.0.1@authd.example",
		/* query and fragment */
		"https://authd.example?x=1",
		"https://authd.example/?",
		"https://authd.example/#frag",
		"https://authd.example/p?q",
		/* ports */
		"https://authd.example:0",
		"https://authd.example:65536",
		"https://authd.example:08443",
		"https://authd.example:",
		"https://authd.example:abc",
		"https://authd.example:-1",
		"https://authd.example:+443",
		"https://authd.example:443:443",
		"https://authd.example:1000000",
		/* host names */
		"https://",
		"https://:443",
		"https:///path",
		"https://authd.example.",
		"https://.authd.example",
		"https://authd..example",
		"https://-authd.example",
		"https://authd-.example",
		"https://authd_example",
		"https://authd%2eexample",
		"https://au\tthd.example",
		"https://au thd.example",
		"https://authd.example\\@evil.example",
		"https://authd.example/\\x",
		"https://\xc3\xbcnicode.example",
		"https://authd.example\x7f",
		/* numeric hosts other than a dotted quad */
		"https://127.1",
		"http://127.1",
		"http://0x7f.0.0.1",
		"http://0x7f000001",
		"http://2130706433",
		"http://127.0.0.01",
		"https://256.0.0.1",
		"https://1.2.3.4.5",
		"https://1.2.3",
		"https://example.123",
		"https://example.0x10",
		/* IPv6 */
		"https://[::1",
		"https://[::1]x",
		"https://[::1]:",
		"https://[]",
		"https://[not-v6]",
		"https://[fe80::1%25eth0]",
		"https://[fe80::1%eth0]",
		"https://::1",
		"https://[[::1]]",
		/* paths */
		"https://a.example//x",
		"https://a.example/x//",
		"https://a.example//",
		"https://a.example/./x",
		"https://a.example/../x",
		"https://a.example/a/..",
		"https://a.example/a/./",
		"https://a.example/%zz",
		"https://a.example/%2",
		"https://a.example/x%",
		"https://a.example/a;b",
		"https://a.example/a=b",
		"https://a.example/a'b",
	};
	struct oc_login_url u;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i]);
		memset(&u, 0x55, sizeof(u));
		why = NULL;
		assert_int_not_equal(oc_login_url_parse(cases[i], &u, &why), ONECARD_OK);
		/* Each refusal says why; the output stays cleared. */
		assert_non_null(why);
		assert_true(strlen(why) > 10);
		assert_string_equal(u.origin, "");
		assert_string_equal(u.base, "");
	}
	assert_int_equal(oc_login_url_parse(NULL, &u, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_login_url_parse("https://a.example", NULL, &why),
			 ONECARD_ERR_INVALID_ARG);
}

/* The reasons the operator sees for the common mistakes. */
static void reasons(void **state)
{
	struct oc_login_url u;
	const char *why = NULL;

	(void)state;
	assert_int_equal(oc_login_url_parse("http://authd.example", &u, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(why, "loopback"));
	assert_int_equal(oc_login_url_parse("https://me:pw@authd.example", &u, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(why, "user name or password"));
	assert_int_equal(oc_login_url_parse("https://authd.example/?a", &u, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(why, "query or fragment"));
	assert_int_equal(oc_login_url_parse("ftp://authd.example", &u, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(why, "https://"));
}

static void lengths(void **state)
{
	char url[OC_LOGIN_URL_MAX + 64], label[OC_LOGIN_LABEL_MAX + 2];
	struct oc_login_url u;
	const char *why = NULL;
	size_t n;

	(void)state;
	/* A label of 63 bytes is fine, 64 is not. */
	memset(label, 'a', OC_LOGIN_LABEL_MAX);
	label[OC_LOGIN_LABEL_MAX] = '\0';
	(void)snprintf(url, sizeof(url), "https://%s.example", label);
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_OK);
	memset(label, 'a', OC_LOGIN_LABEL_MAX + 1);
	label[OC_LOGIN_LABEL_MAX + 1] = '\0';
	(void)snprintf(url, sizeof(url), "https://%s.example", label);
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_ERR_BAD_FORMAT);

	/* A 253-byte host name with a port makes an origin over 255 bytes. */
	(void)snprintf(url, sizeof(url), "https://%.63s.%.63s.%.63s.%.61s:65535", label, label,
		       label, label);
	assert_int_equal(strlen(url) - strlen("https://") - strlen(":65535"), 253);
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_ERR_TOO_LARGE);
	/* 254 bytes is no host name at all. */
	(void)snprintf(url, sizeof(url), "https://%.63s.%.63s.%.63s.%.62s", label, label, label,
		       label);
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_ERR_BAD_FORMAT);

	/* The whole URL: at most OC_LOGIN_URL_MAX bytes, with room for the routes. */
	memcpy(url, "https://a.example/", 18);
	for (n = 18; n < OC_LOGIN_URL_MAX + 1; n++) {
		url[n] = (n % 10 == 0) ? '/' : 'p';
	}
	url[OC_LOGIN_URL_MAX + 1] = '\0';
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_ERR_TOO_LARGE);
	url[OC_LOGIN_URL_MAX - OC_LOGIN_ROUTE_MAX - 8] = '\0';
	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_OK);
}

static void audiences(void **state)
{
	char long_aud[OC_LOGIN_AUDIENCE_MAX + 2];

	(void)state;
	assert_true(oc_login_audience_ok("provincial-portal"));
	assert_true(oc_login_audience_ok("a"));
	assert_true(oc_login_audience_ok("city-b-info-2"));
	memset(long_aud, 'a', OC_LOGIN_AUDIENCE_MAX);
	long_aud[OC_LOGIN_AUDIENCE_MAX] = '\0';
	assert_true(oc_login_audience_ok(long_aud));
	long_aud[OC_LOGIN_AUDIENCE_MAX] = 'a';
	long_aud[OC_LOGIN_AUDIENCE_MAX + 1] = '\0';
	assert_false(oc_login_audience_ok(long_aud));
	assert_false(oc_login_audience_ok(NULL));
	assert_false(oc_login_audience_ok(""));
	assert_false(oc_login_audience_ok("Portal"));
	assert_false(oc_login_audience_ok("a_b"));
	assert_false(oc_login_audience_ok("a b"));
	assert_false(oc_login_audience_ok("a.b"));
	assert_false(oc_login_audience_ok("a/b"));
	assert_false(oc_login_audience_ok("\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted), cmocka_unit_test(refused),	 cmocka_unit_test(reasons),
		cmocka_unit_test(lengths),  cmocka_unit_test(audiences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
