/*
 * The example city module's parts without a server (examples/city-module):
 * page.c escapes everything it echoes (a token's sub and ent, the module's
 * names, the library's sentences) and never sends a page cut short;
 * guard.c maps an Authorization header to RFC 6750's answers: none or
 * another scheme 401 without an error code, a malformed bearer header
 * 400, and a well-formed token the module cannot check because it has no
 * keys (a JWKS URL nothing listens at) 503 with the library's reason.
 * The answers to real tokens are in test_city_module.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/module.h>

#include "guard.h"
#include "page.h"

static const char *const card[] = {"card"};
static const char *const customs[] = {"customs", "tax"};

static const struct city_module_info info = {
	"city-a-customs-declaration", "city-a", card, 1, customs, 2,
};

static struct city_page page;

static void escapes_markup(void **state)
{
	(void)state;
	memset(&page, 0, sizeof(page));
	city_page_escaped(&page, "<script>alert(\"x\" & 'y')</script>");
	assert_false(page.overflow);
	assert_string_equal(page.buf, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/"
				      "script&gt;");
	/* Control characters (not tab or newline) become U+FFFD; UTF-8 stays. */
	memset(&page, 0, sizeof(page));
	city_page_escaped(&page, "a\x01"
				 "b\x1b[31m\tc\n\x7f\xe2\x80\x94");
	assert_string_equal(page.buf, "a\xef\xbf\xbd"
				      "b\xef\xbf\xbd[31m\tc\n\xef\xbf\xbd\xe2\x80\x94");
}

static void welcome_escapes_claims(void **state)
{
	(void)state;
	city_page_welcome(&page, &info, "<img src=x onerror=alert(1)>", "\"ent\"&co");
	assert_false(page.overflow);
	assert_non_null(strstr(page.buf, "<h1>Welcome, &lt;img src=x onerror=alert(1)&gt; of "
					 "&quot;ent&quot;&amp;co \xe2\x80\x94 "
					 "city-a-customs-declaration</h1>"));
	assert_null(strstr(page.buf, "<img"));
	assert_non_null(strstr(page.buf, "the agencies: customs, tax."));
	/* Missing claims are named, not skipped. */
	city_page_welcome(&page, &info, NULL, NULL);
	assert_non_null(strstr(page.buf, "<h1>Welcome, (none) of (none) \xe2\x80\x94 "));
}

static void refusal_says_why(void **state)
{
	(void)state;
	city_page_refusal(&page, &info, 403, "Access refused",
			  "this module requires the certificate of agency tax, which the token "
			  "does not carry",
			  ONECARD_ERR_AGENCY_MISSING);
	assert_false(page.overflow);
	assert_non_null(strstr(page.buf,
			       "<p id=\"why\">this module requires the certificate of agency tax, "
			       "which the token does not carry (the token lacks an agency "
			       "certificate the module requires)</p>"));
	assert_non_null(
		strstr(page.buf, "<p>HTTP status 403, error <code>agency_missing</code>.</p>"));
	/* Our own refusals have no library code: no "(...)" and no code. */
	city_page_refusal(&page, &info, 401, "Login required", "no <bearer> token", 0);
	assert_non_null(strstr(page.buf, "<p id=\"why\">no &lt;bearer&gt; token</p>"));
	assert_non_null(strstr(page.buf, "<p>HTTP status 401.</p>"));
}

/* A value that does not fit marks the page: it is never sent cut short. */
static void overflow_marked(void **state)
{
	char *big = malloc(CITY_PAGE_MAX + 1u);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', CITY_PAGE_MAX);
	big[CITY_PAGE_MAX] = '\0';
	city_page_welcome(&page, &info, big, "ent");
	assert_true(page.overflow);
	/* Escaping makes a value grow: 4000 '<' are 16000 bytes. */
	memset(big, '<', 4000);
	big[4000] = '\0';
	city_page_welcome(&page, &info, big, "ent");
	assert_true(page.overflow);
	/* The next page starts afresh. */
	city_page_welcome(&page, &info, "p-1", "ent");
	assert_false(page.overflow);
	free(big);
}

/* ---- guard.c ---------------------------------------------------------------------- */

static onecard_module *dead_module(void)
{
	struct onecard_module_config cfg;
	onecard_module *m = NULL;

	onecard_module_config_init(&cfg);
	cfg.issuer = "http://127.0.0.1:1";
	cfg.jwks_url = "http://127.0.0.1:1/.well-known/jwks.json";
	cfg.audience = info.id;
	cfg.acr = card;
	cfg.acr_count = 1;
	assert_int_equal(onecard_module_new(&cfg, &m), ONECARD_OK);
	return m;
}

static void expect_outcome(onecard_module *m, const char *header, unsigned status,
			   const char *error)
{
	struct city_outcome o;

	city_guard(m, header, &o);
	assert_int_equal(o.status, status);
	if (error == NULL) {
		assert_null(o.error);
	} else {
		assert_non_null(o.error);
		assert_string_equal(o.error, error);
	}
	assert_non_null(o.summary);
	assert_non_null(o.reason);
	assert_true(o.reason[0] != '\0');
	assert_null(o.claims);
	city_outcome_clear(&o);
}

static void guard_answers(void **state)
{
	onecard_module *m = dead_module();
	struct onecard_module_stats st;

	(void)state;
	/* No credentials for Bearer: 401 without an error code, nothing
	 * checked (no fetch). */
	expect_outcome(m, NULL, 401, NULL);
	expect_outcome(m, "Basic dXNlcjpwYXNz", 401, NULL);
	expect_outcome(m, "Bearerx a.b.c", 401, NULL);
	expect_outcome(m, "", 401, NULL);
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 0);
	/* Malformed bearer credentials: 400 invalid_request, nothing fetched. */
	expect_outcome(m, "Bearer", 400, "invalid_request");
	expect_outcome(m, "Bearer ", 400, "invalid_request");
	expect_outcome(m, "Bearer a.b.c d.e.f", 400, "invalid_request");
	expect_outcome(m, "Bearer a.b.c\t", 400, "invalid_request");
	expect_outcome(m, "Bearer a=b", 400, "invalid_request");
	expect_outcome(m, "Bearer =", 400, "invalid_request");
	expect_outcome(m, "Bearer a\"b", 400, "invalid_request");
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 0);
	/* Well-formed (b64token, trailing '=' allowed, any case of the
	 * scheme): the verifier is asked, and without keys the module cannot
	 * check anything: 503, the library's reason. */
	expect_outcome(m, "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln", 503, NULL);
	expect_outcome(m, "bEaReR   a.b.c==", 503, NULL);
	{
		struct city_outcome o;

		city_guard(m, "Bearer a.b.c", &o);
		assert_int_equal(o.code, ONECARD_ERR_KEYS_UNAVAILABLE);
		assert_string_equal(o.reason,
				    "the issuer's keys could not be fetched, and none are cached");
		city_outcome_clear(&o);
	}
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_true(st.fetches >= 1);
	city_outcome_clear(NULL);
	onecard_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_markup),   cmocka_unit_test(welcome_escapes_claims),
		cmocka_unit_test(refusal_says_why), cmocka_unit_test(overflow_marked),
		cmocka_unit_test(guard_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
