/*
 * Fuzz target for the policy loader: the input is the text of a policy
 * file, loaded through pol_load_text(), the same path oc_policy_load()
 * takes after reading the file. Besides memory errors (sanitizers) it
 * checks the loader's promises and aborts when one breaks:
 *   - failure: no policy, a NUL-terminated message that starts with the
 *     file name, only the documented codes;
 *   - success: every entry is found again by its id, every reference
 *     points into the same policy, every value is in its range.
 */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "fuzz_entry.h"
#include "policy_int.h"

#define FUZZ_FILE_NAME "fuzz.conf"

/*
 * libconfig 1.5 (Debian 12) leaks a string token when a syntax error
 * follows it (libconfig issue #142, fixed upstream in 1.7.3 by PR #155):
 * a few bytes per failed load, inside libconfig. LeakSanitizer reads
 * this hook at start-up; the suppression names only libconfig, so a
 * leak of ours still fails the run. corpus/libconfig-leak.conf holds
 * the smallest input that shows it.
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static int agency_in(const oc_policy *p, const char *id)
{
	const oc_agency *a = oc_policy_agency(p, id);

	return a != NULL && a->id == id;
}

static void check_policy(const oc_policy *p)
{
	size_t i;
	size_t j;

	for (i = 0; i < oc_policy_agency_count(p); i++) {
		const oc_agency *a = oc_policy_agency_at(p, i);

		if (a == NULL || oc_policy_agency(p, a->id) != a || pol_id_problem(a->id) != NULL ||
		    pol_oid_problem(a->policy_oid) != NULL || a->name[0] == '\0') {
			abort();
		}
	}
	for (i = 0; i < oc_policy_profile_count(p); i++) {
		const oc_profile *pr = oc_policy_profile_at(p, i);

		if (pr == NULL || oc_policy_profile(p, pr->id) != pr ||
		    oc_policy_agency(p, pr->agency->id) != pr->agency || pr->subject_len == 0 ||
		    pr->subject_len > OC_POLICY_RDNS_MAX || pr->key_types == 0 ||
		    pr->key_usage == 0 || pr->lifetime_days < OC_POLICY_LIFETIME_DAYS_MIN ||
		    pr->lifetime_days > OC_POLICY_LIFETIME_DAYS_MAX) {
			abort();
		}
		for (j = 0; j < pr->subject_len; j++) {
			if (strlen(pr->subject[j].attr) >= OC_POLICY_STR_MAX ||
			    strlen(pr->subject[j].value) >= OC_POLICY_STR_MAX) {
				abort();
			}
		}
	}
	for (i = 0; i < oc_policy_module_count(p); i++) {
		const oc_module *m = oc_policy_module_at(p, i);

		if (m == NULL || oc_policy_module(p, m->id) != m || m->acr == 0 ||
		    m->token_lifetime < OC_POLICY_TOKEN_LIFETIME_MIN ||
		    m->token_lifetime > OC_POLICY_TOKEN_LIFETIME_MAX) {
			abort();
		}
		for (j = 0; j < m->agencies_len; j++) {
			if (!agency_in(p, m->agencies[j])) {
				abort();
			}
		}
	}
	if (oc_policy_agency_at(p, oc_policy_agency_count(p)) != NULL ||
	    oc_policy_profile_at(p, oc_policy_profile_count(p)) != NULL ||
	    oc_policy_module_at(p, oc_policy_module_count(p)) != NULL) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = NULL;
	int r;

	r = pol_load_text((const char *)data, size, FUZZ_FILE_NAME, &p, err);
	if (r == 0) {
		if (p == NULL || err[0] != '\0') {
			abort();
		}
		check_policy(p);
	} else {
		if (p != NULL || (r != ONECARD_ERR_POLICY && r != ONECARD_ERR_NOMEM) ||
		    memchr(err, '\0', sizeof(err)) == NULL ||
		    strncmp(err, FUZZ_FILE_NAME ":", strlen(FUZZ_FILE_NAME ":")) != 0) {
			abort();
		}
	}
	oc_policy_free(p);
	return 0;
}
