/*
 * Every policy shipped in policies/ loads with oc_policy_load and keeps
 * the promises the rest of onecard relies on:
 *
 *   - the agencies are those of policies/onecard.conf, with the same
 *     policy OIDs (issued certificates carry them: an OID never changes
 *     meaning between policies), and each has its profile, named after it;
 *   - every module admits a card login: authd issues challenges only for
 *     such modules, and GET /v1/modules lists "card" for every module
 *     (docs/discovery.md), so a shipped module without it would be
 *     listed as open to something authd refuses;
 *   - provincial-portal, the module the dev scripts and the quickstart
 *     log in to, is open to every active card holder.
 *
 * Then policies/province-example.conf holds exactly the modules its
 * comments describe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <onecard/error.h>

#include "policy.h"

#define TEST_PATH_MAX 1024u
#define UUID_ARC      "2.25.212070221869409038959537807226447327349."

static oc_policy *load(const char *path)
{
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = NULL;
	int r;

	r = oc_policy_load(path, &p, err);
	if (r != 0) {
		print_error("%s\n", err);
	}
	assert_int_equal(r, 0);
	assert_non_null(p);
	return p;
}

/* The promises of the file comment, for one shipped policy. */
static void check_shipped(const char *path, const oc_policy *p, const oc_policy *reference)
{
	const oc_agency *a, *ref;
	const oc_profile *pr;
	const oc_module *m;
	size_t i;

	assert_true(oc_policy_agency_count(p) > 0);
	for (i = 0; i < oc_policy_agency_count(p); i++) {
		a = oc_policy_agency_at(p, i);
		ref = oc_policy_agency(reference, a->id);
		if (ref == NULL || strcmp(ref->policy_oid, a->policy_oid) != 0 ||
		    strcmp(ref->name, a->name) != 0) {
			print_error("%s: agency %s differs from policies/onecard.conf\n", path,
				    a->id);
		}
		assert_non_null(ref);
		assert_string_equal(a->policy_oid, ref->policy_oid);
		assert_string_equal(a->name, ref->name);
		assert_true(strncmp(a->policy_oid, UUID_ARC, strlen(UUID_ARC)) == 0);
		pr = oc_policy_profile(p, a->id);
		assert_non_null(pr);
		assert_ptr_equal(pr->agency, a);
	}
	for (i = 0; i < oc_policy_module_count(p); i++) {
		m = oc_policy_module_at(p, i);
		if ((m->acr & OC_ACR_CARD) == 0) {
			print_error("%s: module %s admits no card login\n", path, m->id);
		}
		assert_true((m->acr & OC_ACR_CARD) != 0);
	}
	m = oc_policy_module(p, "provincial-portal");
	assert_non_null(m);
	assert_string_equal(m->platform, "province");
	assert_true((m->acr & OC_ACR_CARD) != 0);
	assert_int_equal(m->agencies_len, 0);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static void test_every_shipped_policy_loads(void **state)
{
	char path[TEST_PATH_MAX];
	oc_policy *reference = NULL, *p = NULL;
	struct dirent *e;
	struct stat st;
	DIR *dir = NULL;
	int seen_onecard = 0, seen_province = 0, w;

	(void)state;
	reference = load(POLICIES_DIR "/onecard.conf");
	dir = opendir(POLICIES_DIR);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		if (!has_suffix(e->d_name, ".conf")) {
			continue;
		}
		w = snprintf(path, sizeof(path), "%s/%s", POLICIES_DIR, e->d_name);
		assert_true(w > 0 && (size_t)w < sizeof(path));
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		p = load(path);
		check_shipped(path, p, reference);
		oc_policy_free(p);
		p = NULL;
		seen_onecard |= strcmp(e->d_name, "onecard.conf") == 0;
		seen_province |= strcmp(e->d_name, "province-example.conf") == 0;
	}
	assert_int_equal(closedir(dir), 0);
	/* A policy renamed or removed is noticed here, not by its users. */
	assert_true(seen_onecard);
	assert_true(seen_province);
	oc_policy_free(reference);
}

struct want_module {
	const char *id;
	const char *platform;
	unsigned acr;
	const char *agencies[3]; /* NULL-terminated, in policy order */
	int token_lifetime;
};

#define CARD	OC_ACR_CARD
#define PWD_OTP OC_ACR_PWD_OTP

/* In file order: the portal, then the province and each city with the
 * same five agency services, each city with its own information
 * service open to pwd-otp as well. */
static const struct want_module province_modules[] = {
	{"provincial-portal", "province", CARD, {NULL}, 300},
	{"province-customs-declaration", "province", CARD, {"customs", NULL}, 300},
	{"province-inspection", "province", CARD, {"inspection-quarantine", NULL}, 300},
	{"province-maritime", "province", CARD, {"maritime", NULL}, 300},
	{"province-border", "province", CARD, {"border", NULL}, 300},
	{"province-tax-refund", "province", CARD, {"customs", "tax", NULL}, 180},
	{"city-a-customs-declaration", "city-a", CARD, {"customs", NULL}, 300},
	{"city-a-inspection", "city-a", CARD, {"inspection-quarantine", NULL}, 300},
	{"city-a-maritime", "city-a", CARD, {"maritime", NULL}, 300},
	{"city-a-border", "city-a", CARD, {"border", NULL}, 300},
	{"city-a-tax-refund", "city-a", CARD, {"customs", "tax", NULL}, 180},
	{"city-a-info", "city-a", CARD | PWD_OTP, {NULL}, 600},
	{"city-b-customs-declaration", "city-b", CARD, {"customs", NULL}, 300},
	{"city-b-inspection", "city-b", CARD, {"inspection-quarantine", NULL}, 300},
	{"city-b-maritime", "city-b", CARD, {"maritime", NULL}, 300},
	{"city-b-border", "city-b", CARD, {"border", NULL}, 300},
	{"city-b-tax-refund", "city-b", CARD, {"customs", "tax", NULL}, 180},
	{"city-b-info", "city-b", CARD | PWD_OTP, {NULL}, 600},
	{"city-c-customs-declaration", "city-c", CARD, {"customs", NULL}, 300},
	{"city-c-inspection", "city-c", CARD, {"inspection-quarantine", NULL}, 300},
	{"city-c-maritime", "city-c", CARD, {"maritime", NULL}, 300},
	{"city-c-border", "city-c", CARD, {"border", NULL}, 300},
	{"city-c-tax-refund", "city-c", CARD, {"customs", "tax", NULL}, 180},
	{"city-c-info", "city-c", CARD | PWD_OTP, {NULL}, 600},
};

static void test_province_example(void **state)
{
	const size_t n = sizeof(province_modules) / sizeof(province_modules[0]);
	const struct want_module *want;
	const oc_module *m;
	oc_policy *p = NULL;
	size_t i, j;

	(void)state;
	p = load(POLICIES_DIR "/province-example.conf");
	assert_int_equal(oc_policy_agency_count(p), 5);
	assert_int_equal(oc_policy_profile_count(p), 5);
	assert_int_equal(oc_policy_module_count(p), n);
	for (i = 0; i < n; i++) {
		want = &province_modules[i];
		m = oc_policy_module_at(p, i);
		assert_non_null(m);
		assert_string_equal(m->id, want->id);
		assert_string_equal(m->platform, want->platform);
		assert_int_equal(m->acr, want->acr);
		assert_int_equal(m->token_lifetime, want->token_lifetime);
		for (j = 0; want->agencies[j] != NULL; j++) {
			assert_true(j < m->agencies_len);
			assert_string_equal(m->agencies[j], want->agencies[j]);
		}
		assert_int_equal(m->agencies_len, j);
	}
	oc_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_shipped_policy_loads),
		cmocka_unit_test(test_province_example),
	};

	return cmocka_run_group_tests_name("shipped_policies", tests, NULL, NULL);
}
