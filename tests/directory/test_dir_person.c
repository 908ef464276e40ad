/*
 * oc_dir_find_person() against the real slapd of the ctest fixture
 * "services" (ONECARD_LDAP_* set by tests/services/fixture.sh exec): a
 * person found with their enterprise and both statuses; an unknown
 * person; the id in another case (NOT_FOUND: one person, one id); a
 * suspended person, a suspended enterprise, then both active again; an
 * enterprise entry gone (UNKNOWN, not active); ids that are not person
 * ids; a directory that cannot be reached. Every id carries this
 * process's tag (dir_test.h), as tests share the fixture's slapd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "dir_int.h"
#include "dir_test.h"

static struct oc_dir *dir;
static struct tca ca;

static int setup(void **state)
{
	(void)state;
	dir = tdir_open();
	tca_new("Person Lookup Test CA", &ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_dir_free(dir);
	tca_free(&ca);
	return 0;
}

/* Enrolls a fresh person (with an enterprise and a card): their id, and
 * their enterprise's USCC. */
static void new_person(char id[OC_DIR_PERSON_ID_MAX + 1], char uscc[OC_DIR_USCC_LEN + 1])
{
	struct oc_dir_enterprise ent;
	struct oc_dir_person person;
	struct oc_dir_card card;
	struct oc_dir_cert cert;
	struct tleaf spec;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	char card_id[OC_DIR_CARD_ID_MAX + 1];

	tuscc(uscc);
	tunique("findp", id, OC_DIR_PERSON_ID_MAX + 1);
	tunique("findpcard", card_id, sizeof(card_id));
	tfill(&ent, uscc, "Person Lookup Co.", &person, id, "Zhao Liu", &card, card_id);
	memset(&spec, 0, sizeof(spec));
	spec.ou = "customs";
	spec.uid = id;
	spec.org_id = uscc;
	spec.cn = "Zhao Liu";
	tleaf_cert(&ca, &spec, &cert);
	assert_int_equal(oc_dir_enroll(dir, &ent, &person, &card, &cert, 1, &why), ONECARD_OK);
	oc_dir_cert_clear(&cert);
}

static struct oc_dir_pw_owner find_ok(const char *id)
{
	struct oc_dir_pw_owner o;

	memset(&o, 0x5a, sizeof(o));
	if (oc_dir_find_person(dir, id, &o) != ONECARD_OK) {
		fail_msg("find_person %s: %s", id, oc_dir_diagnostic(dir));
	}
	return o;
}

/* *o is all zero bytes. */
static void assert_zeroed(const struct oc_dir_pw_owner *o)
{
	static const struct oc_dir_pw_owner zero;

	assert_memory_equal(o, &zero, sizeof(zero));
}

static void found_with_enterprise(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1];

	(void)state;
	new_person(id, uscc);
	o = find_ok(id);
	assert_string_equal(o.person.id, id);
	assert_string_equal(o.person.name, "Zhao Liu");
	assert_string_equal(o.person.enterprise_uscc, uscc);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(o.person.suspended_reason, "");
	assert_string_equal(o.enterprise.uscc, uscc);
	assert_string_equal(o.enterprise.name, "Person Lookup Co.");
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(oc_dir_owner_active(&o), 1);
	assert_string_equal(oc_dir_diagnostic(dir), "");
}

static void unknown_person(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1];

	(void)state;
	tunique("nobody", id, sizeof(id));
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(oc_dir_find_person(dir, id, &o), ONECARD_ERR_NOT_FOUND);
	assert_zeroed(&o);
	assert_int_equal(oc_dir_owner_active(&o), 0);
}

/* LDAP finds the entry whatever the case; the id must be the one held. */
static void other_case_is_not_found(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1];
	char upper[OC_DIR_PERSON_ID_MAX + 1];
	size_t i;

	(void)state;
	new_person(id, uscc);
	memcpy(upper, id, sizeof(upper));
	for (i = 0; upper[i] != '\0'; i++) {
		if (upper[i] >= 'a' && upper[i] <= 'z') {
			upper[i] = (char)(upper[i] - 'a' + 'A');
		}
	}
	assert_string_not_equal(upper, id);
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(oc_dir_find_person(dir, upper, &o), ONECARD_ERR_NOT_FOUND);
	assert_zeroed(&o);
	o = find_ok(id);
	assert_string_equal(o.person.id, id);
}

static void suspended_person(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1];

	(void)state;
	new_person(id, uscc);
	assert_int_equal(oc_dir_suspend_person(dir, id, "left the company"), ONECARD_OK);
	o = find_ok(id);
	assert_int_equal(o.person.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(o.person.suspended_reason, "left the company");
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(oc_dir_owner_active(&o), 0);
	assert_int_equal(oc_dir_activate_person(dir, id), ONECARD_OK);
	o = find_ok(id);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(o.person.suspended_reason, "");
	assert_int_equal(oc_dir_owner_active(&o), 1);
}

static void suspended_enterprise(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1];

	(void)state;
	new_person(id, uscc);
	assert_int_equal(oc_dir_suspend_enterprise(dir, uscc, "licence withdrawn"), ONECARD_OK);
	o = find_ok(id);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(o.enterprise.suspended_reason, "licence withdrawn");
	assert_string_equal(o.enterprise.uscc, uscc);
	assert_int_equal(oc_dir_owner_active(&o), 0);
	assert_int_equal(oc_dir_activate_enterprise(dir, uscc), ONECARD_OK);
	o = find_ok(id);
	assert_int_equal(oc_dir_owner_active(&o), 1);
}

/* The person's enterprise entry deleted behind the library's back: the
 * person is found, the enterprise UNKNOWN, and nobody is active. */
static void enterprise_gone(void **state)
{
	struct oc_dir_pw_owner o;
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1], ent_dn[DIR_DN_MAX];

	(void)state;
	new_person(id, uscc);
	assert_int_equal(dir_enterprise_dn(dir, uscc, ent_dn, sizeof(ent_dn)), ONECARD_OK);
	assert_int_equal(dir_ldap_delete(dir->conn, ent_dn), ONECARD_OK);
	o = find_ok(id);
	assert_string_equal(o.person.id, id);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(o.person.enterprise_uscc, "");
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_UNKNOWN);
	assert_string_equal(o.enterprise.uscc, "");
	assert_int_equal(oc_dir_owner_active(&o), 0);
}

static void not_a_person_id(void **state)
{
	static const char *const bad[] = {
		"",
		"two words",
		"a,b",
		"uid=x",
		"x)(uid=*",
		"*",
		"\xc3\xa9t\xc3\xa9",
		"a\nb",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	};
	struct oc_dir_pw_owner o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&o, 0x5a, sizeof(o));
		if (oc_dir_find_person(dir, bad[i], &o) != ONECARD_ERR_INVALID_ARG) {
			fail_msg("\"%s\" was taken for a person id", bad[i]);
		}
		assert_zeroed(&o);
	}
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(oc_dir_find_person(dir, NULL, &o), ONECARD_ERR_INVALID_ARG);
	assert_zeroed(&o);
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(oc_dir_find_person(NULL, "p-1", &o), ONECARD_ERR_INVALID_ARG);
	assert_zeroed(&o);
	assert_int_equal(oc_dir_find_person(dir, "p-1", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_owner_active(NULL), 0);
	/* 64 characters is a person id: simply not there. */
	assert_int_equal(
		oc_dir_find_person(dir,
				   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				   "aaaaaaaa",
				   &o),
		ONECARD_ERR_NOT_FOUND);
}

/* A directory that cannot answer is DIRECTORY, never NOT_FOUND. */
static void directory_unreachable(void **state)
{
	struct oc_dir *gone = NULL;
	struct oc_dir_pw_owner o;

	(void)state;
	assert_int_equal(oc_dir_new("ldapi://%2Fnonexistent%2Fonecard-find-person",
				    getenv("ONECARD_LDAP_BASE"), "cn=admin,dc=onecard,dc=test",
				    "not-a-password", strlen("not-a-password"), &gone),
			 ONECARD_OK);
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(oc_dir_find_person(gone, "p-1", &o), ONECARD_ERR_DIRECTORY);
	assert_zeroed(&o);
	assert_string_not_equal(oc_dir_diagnostic(gone), "");
	oc_dir_free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found_with_enterprise),   cmocka_unit_test(unknown_person),
		cmocka_unit_test(other_case_is_not_found), cmocka_unit_test(suspended_person),
		cmocka_unit_test(suspended_enterprise),	   cmocka_unit_test(enterprise_gone),
		cmocka_unit_test(not_a_person_id),	   cmocka_unit_test(directory_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
