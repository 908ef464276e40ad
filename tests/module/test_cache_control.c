/* Cache-Control header fields as the module verifier's JWKS cache reads
 * them (lib/cache_control.c; RFC 9111 §5.2, §4.2.1, §1.2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cache_control.h"

/* The lifetime after feeding the given header lines, in order. */
static int64_t lifetime_of(const char *const *lines, size_t n)
{
	struct oc_cache_control cc;
	size_t i;

	oc_cache_control_reset(&cc);
	for (i = 0; i < n; i++) {
		oc_cache_control_feed(&cc, lines[i], strlen(lines[i]));
	}
	return oc_cache_control_lifetime(&cc);
}

static int64_t one(const char *line)
{
	return lifetime_of(&line, 1);
}

static void authd_header(void **state)
{
	(void)state;
	/* What authd sends with GET /.well-known/jwks.json (docs/authd.md). */
	assert_int_equal(one("Cache-Control: public, max-age=60\r\n"), 60);
	assert_int_equal(one("Cache-Control: public, max-age=60"), 60);
}

static void spelling(void **state)
{
	(void)state;
	assert_int_equal(one("cache-control:max-age=300\r\n"), 300);
	assert_int_equal(one("CACHE-CONTROL: MAX-AGE=7"), 7);
	assert_int_equal(one("Cache-Control: \t max-age=5 \t, public"), 5);
	assert_int_equal(one("Cache-Control: max-age=\"42\""), 42); /* quoted form, §5.2 */
	assert_int_equal(one("Cache-Control: must-revalidate,max-age=9,s-maxage=1000"), 9);
}

static void absent(void **state)
{
	(void)state;
	assert_int_equal(one("Content-Type: application/json\r\n"), -1);
	assert_int_equal(one("Cache-Control: public\r\n"), -1);
	assert_int_equal(one("Cache-Control:"), -1);
	assert_int_equal(one("Cache-Control-X: max-age=5"), -1);
	assert_int_equal(one("X-Cache-Control: max-age=5"), -1);
	assert_int_equal(one("Cache-Control: s-maxage=50"), -1);     /* shared caches only */
	assert_int_equal(one("Cache-Control: x=\"max-age=5\""), -1); /* inside a quoted string */
	assert_int_equal(one(""), -1);
}

static void no_cache(void **state)
{
	(void)state;
	assert_int_equal(one("Cache-Control: no-store"), 0);
	assert_int_equal(one("Cache-Control: max-age=600, no-cache"), 0);
	assert_int_equal(one("Cache-Control: No-Cache=\"Set-Cookie\", max-age=600"), 0);
}

static void invalid_is_stale(void **state)
{
	(void)state;
	/* §4.2.1: an invalid max-age makes the answer stale. */
	assert_int_equal(one("Cache-Control: max-age=abc"), 0);
	assert_int_equal(one("Cache-Control: max-age=-5"), 0);
	assert_int_equal(one("Cache-Control: max-age="), 0);
	assert_int_equal(one("Cache-Control: max-age"), 0);
	assert_int_equal(one("Cache-Control: max-age=1 0"), 0);
	assert_int_equal(one("Cache-Control: max-age=0x10"), 0);
	assert_int_equal(one("Cache-Control: max-age=\"\""), 0);
}

static void huge_is_capped(void **state)
{
	(void)state;
	/* §1.2.2: larger than 2^31 means 2^31; never an overflow. */
	assert_int_equal(one("Cache-Control: max-age=2147483648"), OC_CACHE_CONTROL_AGE_CAP);
	assert_int_equal(one("Cache-Control: max-age=99999999999999999999999999999999"),
			 OC_CACHE_CONTROL_AGE_CAP);
	assert_int_equal(one("Cache-Control: max-age=2147483647"), 2147483647);
}

static void several_fields_smallest_wins(void **state)
{
	static const char *const lines[] = {"Cache-Control: max-age=600\r\n",
					    "Content-Type: application/json\r\n",
					    "Cache-Control: public, max-age=30\r\n"};
	static const char *const twice[] = {"Cache-Control: max-age=30, max-age=600"};

	(void)state;
	assert_int_equal(lifetime_of(lines, 3), 30);
	assert_int_equal(lifetime_of(twice, 1), 30);
}

static void reset_forgets(void **state)
{
	struct oc_cache_control cc;
	static const char line[] = "Cache-Control: no-store";

	(void)state;
	oc_cache_control_reset(&cc);
	oc_cache_control_feed(&cc, line, strlen(line));
	assert_int_equal(oc_cache_control_lifetime(&cc), 0);
	oc_cache_control_reset(&cc); /* a final answer after an interim one */
	assert_int_equal(oc_cache_control_lifetime(&cc), -1);
}

static void not_nul_terminated(void **state)
{
	/* libcurl hands header lines without a NUL: only len bytes count. */
	static const char buf[] = "Cache-Control: max-age=12345";

	(void)state;
	{
		struct oc_cache_control cc;

		oc_cache_control_reset(&cc);
		oc_cache_control_feed(&cc, buf, strlen(buf) - 3u); /* "max-age=12" */
		assert_int_equal(oc_cache_control_lifetime(&cc), 12);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(authd_header),
		cmocka_unit_test(spelling),
		cmocka_unit_test(absent),
		cmocka_unit_test(no_cache),
		cmocka_unit_test(invalid_is_stale),
		cmocka_unit_test(huge_is_capped),
		cmocka_unit_test(several_fields_smallest_wins),
		cmocka_unit_test(reset_forgets),
		cmocka_unit_test(not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
