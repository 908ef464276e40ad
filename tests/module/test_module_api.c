/*
 * The module verifier's API without authd (include/onecard/module.h):
 * every configuration rule has its refusal, the JWKS URL rules (https,
 * or http to loopback only), arguments and outputs, and what a module
 * does when the JWKS cannot be fetched at all (fails closed, backs off).
 * Linked against libonecard.so, as a module would be. The fetching,
 * caching and demands against a real onecard-authd are in
 * test_module_authd.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/module.h>

/* Nothing listens on port 1 of the loopback: connections are refused at once. */
#define DEAD_URL "http://127.0.0.1:1/.well-known/jwks.json"
#define TOKEN	 "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"

static const char *const card_only[] = {"card"};
static const char *const customs[] = {"customs"};

static void base(struct onecard_module_config *cfg)
{
	onecard_module_config_init(cfg);
	cfg->issuer = "http://127.0.0.1:8443";
	cfg->jwks_url = DEAD_URL;
	cfg->audience = "provincial-portal";
	cfg->acr = card_only;
	cfg->acr_count = 1;
	cfg->agencies = customs;
	cfg->agency_count = 1;
}

/* onecard_module_new's result for cfg; frees the module it made. */
static int make(const struct onecard_module_config *cfg)
{
	onecard_module *m = (onecard_module *)&m; /* not NULL: must be cleared */
	int r = onecard_module_new(cfg, &m);

	if (r != ONECARD_OK) {
		assert_null(m);
	} else {
		assert_non_null(m);
	}
	onecard_module_free(m);
	return r;
}

static int make_url(const char *url)
{
	struct onecard_module_config cfg;

	base(&cfg);
	cfg.jwks_url = url;
	return make(&cfg);
}

static void config_init_defaults(void **state)
{
	struct onecard_module_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	onecard_module_config_init(&cfg);
	assert_null(cfg.issuer);
	assert_null(cfg.jwks_url);
	assert_null(cfg.acr);
	assert_int_equal(cfg.acr_count, 0);
	assert_int_equal(cfg.agency_count, 0);
	assert_null(cfg.ca_file);
	assert_int_equal(cfg.leeway_s, ONECARD_LEEWAY_DEFAULT);
	assert_int_equal(cfg.refetch_interval_s, ONECARD_MODULE_REFETCH_DEFAULT);
	assert_int_equal(cfg.cache_max_s, ONECARD_MODULE_MAX_AGE_MAX);
	assert_int_equal(cfg.stale_max_s, ONECARD_MODULE_STALE_DEFAULT);
	assert_int_equal(cfg.timeout_s, ONECARD_MODULE_TIMEOUT_DEFAULT);
	onecard_module_config_init(NULL);
}

static void new_arguments(void **state)
{
	struct onecard_module_config cfg;
	onecard_module *m = (onecard_module *)&m;

	(void)state;
	base(&cfg);
	assert_int_equal(make(&cfg), ONECARD_OK);
	assert_int_equal(onecard_module_new(&cfg, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_new(NULL, &m), ONECARD_ERR_INVALID_ARG);
	assert_null(m);
	/* A config never passed through _init is refused, not half-used. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = "i";
	cfg.jwks_url = DEAD_URL;
	cfg.audience = "a";
	cfg.acr = card_only;
	cfg.acr_count = 1;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	onecard_module_free(NULL);
}

static void names(void **state)
{
	struct onecard_module_config cfg;
	char longer[ONECARD_MODULE_NAME_MAX + 2];

	(void)state;
	memset(longer, 'a', sizeof(longer) - 1u);
	longer[sizeof(longer) - 1u] = '\0';
	base(&cfg);
	cfg.issuer = NULL;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.issuer = "";
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.issuer = "http://authd\n";
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.issuer = longer;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	longer[ONECARD_MODULE_NAME_MAX] = '\0'; /* exactly the maximum */
	assert_int_equal(make(&cfg), ONECARD_OK);
	base(&cfg);
	cfg.audience = NULL;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.audience = "";
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.audience = "portal\x7f";
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
}

static void demands(void **state)
{
	static const char *const two_acr[] = {"card", "pwd-otp"};
	static const char *const dup_acr[] = {"card", "card"};
	static const char *const space[] = {"card login"};
	static const char *const quote[] = {"customs\""};
	static const char *const empty[] = {""};
	static const char *const null_one[] = {NULL};
	static const char *const nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
	static const char *const seventeen[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
						"j", "k", "l", "m", "n", "o", "p", "q"};
	char long_id[ONECARD_MODULE_VALUE_MAX + 2];
	const char *long_list[1] = {long_id};
	struct onecard_module_config cfg;

	(void)state;
	memset(long_id, 'x', sizeof(long_id) - 1u);
	long_id[sizeof(long_id) - 1u] = '\0';
	base(&cfg);
	cfg.acr = two_acr;
	cfg.acr_count = 2;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.acr_count = 0; /* a module must name what it admits: fail closed */
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = NULL;
	cfg.acr_count = 1;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = dup_acr;
	cfg.acr_count = 2;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = space;
	cfg.acr_count = 1;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = empty;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = null_one;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.acr = nine;
	cfg.acr_count = ONECARD_MODULE_ACR_MAX;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.acr_count = ONECARD_MODULE_ACR_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);

	base(&cfg);
	cfg.agency_count = 0;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.agencies = NULL;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.agency_count = 1;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.agencies = quote;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.agencies = seventeen;
	cfg.agency_count = ONECARD_MODULE_AGENCIES_MAX;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.agency_count = ONECARD_MODULE_AGENCIES_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.agencies = long_list;
	cfg.agency_count = 1;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	long_id[ONECARD_MODULE_VALUE_MAX] = '\0';
	assert_int_equal(make(&cfg), ONECARD_OK);
}

static void numbers(void **state)
{
	struct onecard_module_config cfg;

	(void)state;
	base(&cfg);
	cfg.leeway_s = 0;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.leeway_s = ONECARD_LEEWAY_MAX;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.leeway_s = ONECARD_LEEWAY_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.refetch_interval_s = 0;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.refetch_interval_s = ONECARD_MODULE_REFETCH_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.refetch_interval_s = 1;
	assert_int_equal(make(&cfg), ONECARD_OK);
	base(&cfg);
	cfg.cache_max_s = ONECARD_MODULE_MAX_AGE_MIN - 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.cache_max_s = ONECARD_MODULE_MAX_AGE_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.cache_max_s = ONECARD_MODULE_MAX_AGE_MIN;
	assert_int_equal(make(&cfg), ONECARD_OK);
	base(&cfg);
	cfg.stale_max_s = 0;
	assert_int_equal(make(&cfg), ONECARD_OK);
	cfg.stale_max_s = ONECARD_MODULE_STALE_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.timeout_s = 0;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.timeout_s = ONECARD_MODULE_TIMEOUT_MAX + 1u;
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.ca_file = "";
	assert_int_equal(make(&cfg), ONECARD_ERR_INVALID_ARG);
	cfg.ca_file = "/etc/ssl/certs/ca-certificates.crt";
	assert_int_equal(make(&cfg), ONECARD_OK);
}

static void urls(void **state)
{
	char longer[ONECARD_MODULE_URL_MAX + 2];

	(void)state;
	assert_int_equal(make_url("https://authd.example/.well-known/jwks.json"), ONECARD_OK);
	assert_int_equal(make_url("HTTPS://authd.example:8443/jwks"), ONECARD_OK);
	assert_int_equal(make_url("http://127.0.0.1:8443/.well-known/jwks.json"), ONECARD_OK);
	assert_int_equal(make_url("http://127.9.8.7/jwks"), ONECARD_OK);
	assert_int_equal(make_url("http://[::1]:8443/jwks"), ONECARD_OK);
	assert_int_equal(make_url("http://localhost:8443/jwks"), ONECARD_OK);
	assert_int_equal(make_url("http://LocalHost/jwks"), ONECARD_OK);
	/* http anywhere but loopback: a key set in the clear could be anyone's. */
	assert_int_equal(make_url("http://authd.example/.well-known/jwks.json"),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://10.0.0.1/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://128.0.0.1/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://127.0.0.1.evil.example/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://localhost.evil.example/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://[::2]/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("http://[::ffff:10.0.0.1]/jwks"), ONECARD_ERR_INVALID_ARG);
	/* Other schemes, no scheme, credentials, fragments, bad bytes. */
	assert_int_equal(make_url("ftp://127.0.0.1/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("file:///etc/jwks.json"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("127.0.0.1/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("//127.0.0.1/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://user:pw@authd.example/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://user@authd.example/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://authd.example/jwks#x"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://authd.example/jw ks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://authd.example/jwks\r\n"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url("https://authd.\xc3\xa9xample/jwks"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url(""), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make_url(NULL), ONECARD_ERR_INVALID_ARG);
	memcpy(longer, "https://a/", 10);
	memset(longer + 10, 'x', sizeof(longer) - 11u);
	longer[sizeof(longer) - 1u] = '\0';
	assert_int_equal(make_url(longer), ONECARD_ERR_INVALID_ARG);
	longer[ONECARD_MODULE_URL_MAX] = '\0';
	assert_int_equal(make_url(longer), ONECARD_OK);
}

static void verify_arguments(void **state)
{
	struct onecard_module_config cfg;
	struct onecard_module_stats st;
	onecard_module *m = NULL;
	onecard_claims *claims = (onecard_claims *)&claims;
	const char *reason = NULL;

	(void)state;
	base(&cfg);
	assert_int_equal(onecard_module_new(&cfg, &m), ONECARD_OK);
	assert_int_equal(onecard_module_verify(NULL, TOKEN, strlen(TOKEN), &claims, &reason),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(claims);
	assert_non_null(reason);
	claims = (onecard_claims *)&claims;
	reason = NULL;
	assert_int_equal(onecard_module_verify(m, NULL, 0, &claims, &reason),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(claims);
	assert_non_null(reason);
	assert_int_equal(onecard_module_verify(m, TOKEN, strlen(TOKEN), NULL, NULL),
			 ONECARD_ERR_INVALID_ARG);
	/* None of that fetched anything. */
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 0);
	assert_int_equal(st.keys, 0);
	assert_non_null(st.last_fetch_reason);
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(onecard_module_stats(NULL, &st), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(st.fetches, 0);
	assert_non_null(st.last_fetch_reason);
	assert_int_equal(onecard_module_stats(m, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_refresh(NULL, &reason), ONECARD_ERR_INVALID_ARG);
	onecard_module_free(m);
}

static void unreachable_fails_closed(void **state)
{
	struct onecard_module_config cfg;
	struct onecard_module_stats st;
	onecard_module *m = NULL;
	onecard_claims *claims = (onecard_claims *)&claims;
	const char *reason = NULL;

	(void)state;
	base(&cfg);
	assert_int_equal(onecard_module_new(&cfg, &m), ONECARD_OK);
	/* First use: the fetch fails; no keys, so nothing verifies. */
	assert_int_equal(onecard_module_verify(m, TOKEN, strlen(TOKEN), &claims, &reason),
			 ONECARD_ERR_KEYS_UNAVAILABLE);
	assert_null(claims);
	assert_non_null(strstr(reason, "keys could not be fetched"));
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 1);
	assert_int_equal(st.fetch_failures, 1);
	assert_int_equal(st.last_fetch_error, ONECARD_ERR_IO);
	assert_string_equal(st.last_fetch_reason, "cannot connect to the JWKS URL");
	assert_int_equal(st.keys, 0);
	/* Right after a failure the retry waits (backoff): no second fetch. */
	assert_int_equal(onecard_module_verify(m, TOKEN, strlen(TOKEN), &claims, &reason),
			 ONECARD_ERR_KEYS_UNAVAILABLE);
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 1);
	/* An explicit refresh does not wait, and says why it failed. */
	assert_int_equal(onecard_module_refresh(m, &reason), ONECARD_ERR_IO);
	assert_string_equal(reason, "cannot connect to the JWKS URL");
	assert_int_equal(onecard_module_stats(m, &st), ONECARD_OK);
	assert_int_equal(st.fetches, 2);
	assert_int_equal(st.fetch_failures, 2);
	onecard_module_free(m);
}

static void error_codes(void **state)
{
	(void)state;
	/* Appended to the one table (error.h); published, so fixed. */
	assert_int_equal(ONECARD_ERR_ACR_NOT_ALLOWED, -38);
	assert_int_equal(ONECARD_ERR_AGENCY_MISSING, -39);
	assert_int_equal(ONECARD_ERR_KEYS_UNAVAILABLE, -40);
	assert_string_equal(onecard_err_code(ONECARD_ERR_ACR_NOT_ALLOWED), "acr_not_allowed");
	assert_string_equal(onecard_err_code(ONECARD_ERR_AGENCY_MISSING), "agency_missing");
	assert_string_equal(onecard_err_code(ONECARD_ERR_KEYS_UNAVAILABLE), "keys_unavailable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_init_defaults),
		cmocka_unit_test(new_arguments),
		cmocka_unit_test(names),
		cmocka_unit_test(demands),
		cmocka_unit_test(numbers),
		cmocka_unit_test(urls),
		cmocka_unit_test(verify_arguments),
		cmocka_unit_test(unreachable_fails_closed),
		cmocka_unit_test(error_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
