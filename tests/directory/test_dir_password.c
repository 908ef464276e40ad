/*
 * Directory passwords against the real slapd of the ctest fixture
 * "services" (ldap/ and scripts/dev-services: ppolicy, argon2, the ACLs
 * and the ou=system entries): set then check; a wrong password, an
 * unknown person, a person without a password and a malformed id give one
 * answer, each after a bind (as the stand-in for the unknown: every
 * ldap_sasl_bind() passes through the wrapper below, which records the
 * DN); a suspended person or enterprise is told only after the right
 * password; each rule of a new password, reuse of the current one and of
 * the 5 before it, the 6th before it allowed; who may read userPassword
 * and pwdHistory (nobody but the admin); the hashes slapd stores.
 *
 * Run under tests/services/fixture.sh exec (ONECARD_LDAP_* set). Every
 * id carries this process's tag, and every password the marker
 * "Pw-Marker-" followed by it, so that test_dir_password.sh can look for
 * them in logs and output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <ldap.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "dir_int.h"
#include "dir_test.h"
#include "pw_file.h"

#define BINDS_MAX 16
#define PW_MAX	  300

static struct oc_dir *dir;
static struct tca ca;

/* ---- every bind the process makes ---------------------------------------- */

int __real_ldap_sasl_bind(LDAP *ld, LDAP_CONST char *dn, LDAP_CONST char *mechanism,
			  struct berval *cred, LDAPControl **sctrls, LDAPControl **cctrls,
			  int *msgidp);
int __wrap_ldap_sasl_bind(LDAP *ld, LDAP_CONST char *dn, LDAP_CONST char *mechanism,
			  struct berval *cred, LDAPControl **sctrls, LDAPControl **cctrls,
			  int *msgidp);

static char bind_dns[BINDS_MAX][DIR_DN_MAX];
static size_t n_binds;

int __wrap_ldap_sasl_bind(LDAP *ld, LDAP_CONST char *dn, LDAP_CONST char *mechanism,
			  struct berval *cred, LDAPControl **sctrls, LDAPControl **cctrls,
			  int *msgidp)
{
	if (n_binds < BINDS_MAX) {
		(void)snprintf(bind_dns[n_binds], sizeof(bind_dns[n_binds]), "%s",
			       dn != NULL ? dn : "");
	}
	n_binds++;
	return __real_ldap_sasl_bind(ld, dn, mechanism, cred, sctrls, cctrls, msgidp);
}

static void binds_reset(void)
{
	n_binds = 0;
	memset(bind_dns, 0, sizeof(bind_dns));
}

/* ---- helpers --------------------------------------------------------------- */

static const char *base(void)
{
	return getenv("ONECARD_LDAP_BASE");
}

static void stand_in_dn(char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s,%s", OC_DIR_PW_STAND_IN_RDN, base());

	assert_true(n > 0 && (size_t)n < cap);
}

static void person_dn(const char *id, char *out, size_t cap)
{
	int n = snprintf(out, cap, "uid=%s,ou=people,%s", id, base());

	assert_true(n > 0 && (size_t)n < cap);
}

/* A password carrying the marker: "Pw-Marker-<tag>-<what>". */
static void mkpw(char *out, size_t cap, const char *what)
{
	int n = snprintf(out, cap, "Pw-Marker-%s-%s", ttag(), what);

	assert_true(n > 0 && (size_t)n < cap);
}

/* Enrolls a fresh person (with an enterprise and a card); their id into
 * id, their enterprise's USCC into uscc (may be NULL). */
static void new_person(char id[OC_DIR_PERSON_ID_MAX + 1], char *uscc)
{
	struct oc_dir_enterprise ent;
	struct oc_dir_person person;
	struct oc_dir_card card;
	struct oc_dir_cert cert;
	struct tleaf spec;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	char u[OC_DIR_USCC_LEN + 1], card_id[OC_DIR_CARD_ID_MAX + 1];

	tuscc(u);
	tunique("pw", id, OC_DIR_PERSON_ID_MAX + 1);
	tunique("pwcard", card_id, sizeof(card_id));
	tfill(&ent, u, "Password Test Co.", &person, id, "Wang Wu", &card, card_id);
	memset(&spec, 0, sizeof(spec));
	spec.ou = "customs";
	spec.uid = id;
	spec.org_id = u;
	spec.cn = "Wang Wu";
	tleaf_cert(&ca, &spec, &cert);
	assert_int_equal(oc_dir_enroll(dir, &ent, &person, &card, &cert, 1, &why), ONECARD_OK);
	oc_dir_cert_clear(&cert);
	if (uscc != NULL) {
		memcpy(uscc, u, sizeof(u));
	}
}

static int set_pw(const char *id, const char *pw, enum oc_dir_pw_refusal *why)
{
	return oc_dir_set_password(dir, id, pw, strlen(pw), why);
}

static enum oc_dir_pw_check check_pw(const char *id, const char *pw, struct oc_dir_pw_owner *o)
{
	return oc_dir_check_password(dir, id, pw, strlen(pw), o);
}

static void assert_owner_zero(const struct oc_dir_pw_owner *o)
{
	struct oc_dir_pw_owner zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(o, &zero, sizeof(zero));
}

/* A check that must answer WRONG after exactly one bind, as dn_want. */
static void assert_wrong_after_bind(const char *id, const char *pw, size_t len, const char *dn_want)
{
	struct oc_dir_pw_owner o;

	binds_reset();
	assert_int_equal(oc_dir_check_password(dir, id, pw, len, &o), OC_DIR_PW_WRONG);
	assert_owner_zero(&o);
	assert_int_equal(n_binds, 1);
	assert_string_equal(bind_dns[0], dn_want);
	assert_string_equal(oc_dir_diagnostic(dir), "");
}

/* A raw connection bound as dn (NULL: anonymous) over the fixture URI. */
static LDAP *raw_bind(const char *dn, const char *pw)
{
	LDAP *ld = NULL;
	struct berval cred;
	int version = LDAP_VERSION3;

	assert_int_equal(ldap_initialize(&ld, getenv("ONECARD_LDAP_URI")), LDAP_SUCCESS);
	assert_int_equal(ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version),
			 LDAP_OPT_SUCCESS);
	cred.bv_val = (char *)(pw != NULL ? pw : "");
	cred.bv_len = pw != NULL ? strlen(pw) : 0;
	assert_int_equal(ldap_sasl_bind_s(ld, dn != NULL ? dn : "", LDAP_SASL_SIMPLE, &cred, NULL,
					  NULL, NULL),
			 LDAP_SUCCESS);
	return ld;
}

/* The admin's raw connection. */
static LDAP *raw_admin(void)
{
	char pw[OC_DIR_PASSWORD_MAX + 2];
	size_t len = 0;
	LDAP *ld;

	assert_int_equal(
		oc_dir_pw_from_file(getenv("ONECARD_LDAP_BIND_PW_FILE"), pw, sizeof(pw), &len),
		ONECARD_OK);
	ld = raw_bind(getenv("ONECARD_LDAP_BIND_DN"), pw);
	OPENSSL_cleanse(pw, sizeof(pw));
	return ld;
}

/* The values of attr at dn that ld may read: how many, and the first
 * into first[cap] (may be NULL). A search refused or finding no entry
 * counts as none. */
static size_t read_attr(LDAP *ld, const char *dn, const char *attr, char *first, size_t cap)
{
	char *attrs[2] = {(char *)attr, NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **vals = NULL;
	size_t n = 0;
	int rc;

	if (first != NULL) {
		first[0] = '\0';
	}
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
			       NULL, 0, &res);
	if (rc == LDAP_SUCCESS && (e = ldap_first_entry(ld, res)) != NULL) {
		vals = ldap_get_values_len(ld, e, attr);
		n = (size_t)ldap_count_values_len(vals);
		if (n > 0 && first != NULL) {
			(void)snprintf(first, cap, "%.*s", (int)vals[0]->bv_len, vals[0]->bv_val);
		}
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return n;
}

/* "{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$" of a stored hash. */
static void hash_params(const char *stored, char *out, size_t cap)
{
	const char *p = stored;
	int dollars = 0;

	while (*p != '\0' && dollars < 4) {
		if (*p == '$') {
			dollars++;
		}
		p++;
	}
	assert_int_equal(dollars, 4);
	assert_true((size_t)(p - stored) < cap);
	memcpy(out, stored, (size_t)(p - stored));
	out[p - stored] = '\0';
}

/* A decimal number, all of s. */
static long decimal_value(const char *s)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	assert_true(end != s && *end == '\0');
	return v;
}

/* ---- setup ----------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	dir = tdir_open();
	tca_new("Password Test CA", &ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_dir_free(dir);
	tca_free(&ca);
	return 0;
}

/* ---- set and check ----------------------------------------------------------- */

static void set_then_check(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1], pw[PW_MAX], dn[DIR_DN_MAX];
	struct oc_dir_pw_owner o;
	enum oc_dir_pw_refusal why = OC_DIR_PW_REFUSED_TOO_SHORT;

	(void)state;
	new_person(id, uscc);
	mkpw(pw, sizeof(pw), "first");
	assert_int_equal(set_pw(id, pw, &why), ONECARD_OK);
	assert_int_equal(why, OC_DIR_PW_REFUSED_NONE);
	binds_reset();
	assert_int_equal(check_pw(id, pw, &o), OC_DIR_PW_OK);
	/* One bind, as the person, on a new connection. */
	person_dn(id, dn, sizeof(dn));
	assert_int_equal(n_binds, 1);
	assert_string_equal(bind_dns[0], dn);
	assert_string_equal(o.person.id, id);
	assert_string_equal(o.person.name, "Wang Wu");
	assert_string_equal(o.person.enterprise_uscc, uscc);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(o.enterprise.uscc, uscc);
	assert_string_equal(o.enterprise.name, "Password Test Co.");
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_ACTIVE);
	/* NULL owner is fine; the admin handle is still usable and bound. */
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_OK);
	assert_int_equal(oc_dir_ping(dir), ONECARD_OK);
	/* A UTF-8 password (12 characters, 36 bytes). */
	assert_int_equal(set_pw(id, "密码密码密码密码密码密码", &why), ONECARD_OK);
	assert_int_equal(check_pw(id, "密码密码密码密码密码密码", NULL), OC_DIR_PW_OK);
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_WRONG);
}

/* ---- one answer for every miss ------------------------------------------------ */

static void wrong_and_unknown_answer_alike(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], bare[OC_DIR_PERSON_ID_MAX + 1], ghost[64];
	char pw[PW_MAX], other[PW_MAX], dn[DIR_DN_MAX], stand_in[DIR_DN_MAX];
	char nul_pw[] = "Pw-Marker-with\0a-NUL-inside";
	char long_pw[OC_DIR_PASSWORD_MAX + 2];
	struct oc_dir_pw_owner o;

	(void)state;
	stand_in_dn(stand_in, sizeof(stand_in));
	new_person(id, NULL);
	new_person(bare, NULL); /* enrolled, never given a password */
	tunique("no-such-person", ghost, sizeof(ghost));
	mkpw(pw, sizeof(pw), "right");
	mkpw(other, sizeof(other), "wrong");
	assert_int_equal(set_pw(id, pw, NULL), ONECARD_OK);
	person_dn(id, dn, sizeof(dn));

	/* The wrong password: a bind as the person, refused. */
	assert_wrong_after_bind(id, other, strlen(other), dn);
	/* An unknown person, a person without a password, an id not in its
	 * form: the same answer, after one bind as the stand-in. */
	assert_wrong_after_bind(ghost, pw, strlen(pw), stand_in);
	assert_wrong_after_bind(bare, pw, strlen(pw), stand_in);
	assert_wrong_after_bind("not an id*)(uid=*", pw, strlen(pw), stand_in);
	assert_wrong_after_bind(NULL, pw, strlen(pw), stand_in);

	/* Passwords no one can have: WRONG without any bind (an empty one
	 * would be an unauthenticated bind, which slapd lets through). */
	memset(long_pw, 'a', sizeof(long_pw));
	binds_reset();
	assert_int_equal(oc_dir_check_password(dir, id, "", 0, &o), OC_DIR_PW_WRONG);
	assert_int_equal(oc_dir_check_password(dir, id, NULL, 5, &o), OC_DIR_PW_WRONG);
	assert_int_equal(oc_dir_check_password(dir, id, nul_pw, sizeof(nul_pw) - 1, &o),
			 OC_DIR_PW_WRONG);
	assert_int_equal(oc_dir_check_password(dir, id, long_pw, sizeof(long_pw), &o),
			 OC_DIR_PW_WRONG);
	assert_owner_zero(&o);
	assert_int_equal(n_binds, 0);
	/* The right one still works after all that. */
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_OK);
	/* No handle: UNAVAILABLE, never OK. */
	assert_int_equal(oc_dir_check_password(NULL, id, pw, strlen(pw), &o),
			 OC_DIR_PW_UNAVAILABLE);
}

/* Not an assertion on time (none is made): how long each kind of miss
 * takes, printed for a reader who wants to see it. */
static void timing_is_printed_not_asserted(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], ghost[64], pw[PW_MAX], other[PW_MAX];
	struct timespec t0, t1;
	double known = 0, unknown = 0;
	int i;

	(void)state;
	new_person(id, NULL);
	tunique("no-such-person", ghost, sizeof(ghost));
	mkpw(pw, sizeof(pw), "timing-right");
	mkpw(other, sizeof(other), "timing-wrong");
	assert_int_equal(set_pw(id, pw, NULL), ONECARD_OK);
	for (i = 0; i < 10; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(check_pw(id, other, NULL), OC_DIR_PW_WRONG);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		known += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(check_pw(ghost, other, NULL), OC_DIR_PW_WRONG);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		unknown +=
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	print_message("mean time of a miss: known person %.1f ms, unknown person %.1f ms\n",
		      known * 100.0, unknown * 100.0);
}

/* ---- suspended: told only after the right password ----------------------------- */

static void suspended_after_right_password_only(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], uscc[OC_DIR_USCC_LEN + 1], pw[PW_MAX], other[PW_MAX];
	struct oc_dir_pw_owner o;

	(void)state;
	new_person(id, uscc);
	mkpw(pw, sizeof(pw), "suspend-right");
	mkpw(other, sizeof(other), "suspend-wrong");
	assert_int_equal(set_pw(id, pw, NULL), ONECARD_OK);

	assert_int_equal(oc_dir_suspend_person(dir, id, "left the company"), ONECARD_OK);
	assert_int_equal(check_pw(id, pw, &o), OC_DIR_PW_SUSPENDED);
	assert_int_equal(o.person.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(o.person.suspended_reason, "left the company");
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(check_pw(id, other, &o), OC_DIR_PW_WRONG);
	assert_owner_zero(&o);
	assert_int_equal(oc_dir_activate_person(dir, id), ONECARD_OK);
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_OK);

	/* The enterprise suspended: the same. */
	assert_int_equal(oc_dir_suspend_enterprise(dir, uscc, "licence revoked"), ONECARD_OK);
	assert_int_equal(check_pw(id, pw, &o), OC_DIR_PW_SUSPENDED);
	assert_int_equal(o.person.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(o.enterprise.status, OC_DIR_STATUS_SUSPENDED);
	assert_int_equal(check_pw(id, other, &o), OC_DIR_PW_WRONG);
	assert_int_equal(oc_dir_activate_enterprise(dir, uscc), ONECARD_OK);
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_OK);
}

/* ---- the rules of a new password ------------------------------------------------ */

static void expect_refused(const char *id, const char *pw, size_t len, enum oc_dir_pw_refusal want)
{
	enum oc_dir_pw_refusal why = OC_DIR_PW_REFUSED_NONE;

	assert_int_equal(oc_dir_set_password(dir, id, pw, len, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, want);
	assert_string_not_equal(oc_dir_pw_refusal_str(why), "unknown refusal");
}

static void rules_refused_by_the_library(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], upper[OC_DIR_PERSON_ID_MAX + 1], pw[PW_MAX];
	char big[OC_DIR_PASSWORD_MAX + 1];
	const char ctl_tab[] = "Pw-Marker-tab\there";
	const char ctl_nl[] = "Pw-Marker-newline\n";
	const char ctl_del[] = "Pw-Marker-del\x7f-x";
	const char ctl_c1[] = "Pw-Marker-c1-\xc2\x85-x";
	const char ctl_nul[] = "Pw-Marker-nul-\0-x";
	const char bad_utf8[] = "Pw-Marker-\xc3\x28-bad";
	const char overlong[] = "Pw-Marker-\xc0\xaf-overlong";
	const char surrogate[] = "Pw-Marker-\xed\xa0\x80-surrogate";
	size_t i;

	(void)state;
	new_person(id, NULL);
	mkpw(pw, sizeof(pw), "rules");
	assert_int_equal(set_pw(id, pw, NULL), ONECARD_OK);

	expect_refused(id, "eleven char", 11, OC_DIR_PW_REFUSED_TOO_SHORT);
	expect_refused(id, "密码密码密码密码密码密", strlen("密码密码密码密码密码密"),
		       OC_DIR_PW_REFUSED_TOO_SHORT); /* 11 characters, 33 bytes */
	memset(big, 'b', sizeof(big));
	expect_refused(id, big, sizeof(big), OC_DIR_PW_REFUSED_TOO_LONG);
	expect_refused(id, ctl_tab, strlen(ctl_tab), OC_DIR_PW_REFUSED_CONTROL_CHAR);
	expect_refused(id, ctl_nl, strlen(ctl_nl), OC_DIR_PW_REFUSED_CONTROL_CHAR);
	expect_refused(id, ctl_del, strlen(ctl_del), OC_DIR_PW_REFUSED_CONTROL_CHAR);
	expect_refused(id, ctl_c1, strlen(ctl_c1), OC_DIR_PW_REFUSED_CONTROL_CHAR);
	expect_refused(id, ctl_nul, sizeof(ctl_nul) - 1, OC_DIR_PW_REFUSED_CONTROL_CHAR);
	expect_refused(id, bad_utf8, strlen(bad_utf8), OC_DIR_PW_REFUSED_NOT_UTF8);
	expect_refused(id, overlong, strlen(overlong), OC_DIR_PW_REFUSED_NOT_UTF8);
	expect_refused(id, surrogate, strlen(surrogate), OC_DIR_PW_REFUSED_NOT_UTF8);
	/* The person id itself, in any case (ids are 12+ characters here). */
	assert_true(strlen(id) >= OC_DIR_PW_MIN_CHARS);
	expect_refused(id, id, strlen(id), OC_DIR_PW_REFUSED_IS_PERSON_ID);
	for (i = 0; id[i] != '\0'; i++) {
		upper[i] = (id[i] >= 'a' && id[i] <= 'z') ? (char)(id[i] - 'a' + 'A') : id[i];
	}
	upper[i] = '\0';
	expect_refused(id, upper, strlen(upper), OC_DIR_PW_REFUSED_IS_PERSON_ID);
	/* None of them changed the password. */
	assert_int_equal(check_pw(id, pw, NULL), OC_DIR_PW_OK);

	/* The limits themselves are allowed: 12 characters, 256 bytes. */
	assert_int_equal(set_pw(id, "twelve chars", NULL), ONECARD_OK);
	assert_int_equal(check_pw(id, "twelve chars", NULL), OC_DIR_PW_OK);
	assert_int_equal(oc_dir_set_password(dir, id, big, OC_DIR_PASSWORD_MAX, NULL), ONECARD_OK);
	assert_int_equal(oc_dir_check_password(dir, id, big, OC_DIR_PASSWORD_MAX, NULL),
			 OC_DIR_PW_OK);

	/* Arguments. */
	assert_int_equal(set_pw("bad id", pw, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_set_password(NULL, id, pw, strlen(pw), NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_set_password(dir, id, NULL, 12, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(set_pw("no-such-person-x", pw, NULL), ONECARD_ERR_NOT_FOUND);
}

/* The current password and the 5 before it are refused; the one before
 * those is allowed. pwdHistory does it, in slapd. */
static void reuse_refused_for_the_last_five(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], pw[7][PW_MAX], what[16];
	enum oc_dir_pw_refusal why = OC_DIR_PW_REFUSED_NONE;
	int i;

	(void)state;
	new_person(id, NULL);
	for (i = 0; i < 7; i++) {
		(void)snprintf(what, sizeof(what), "gen-%d", i);
		mkpw(pw[i], sizeof(pw[i]), what);
		assert_int_equal(set_pw(id, pw[i], &why), ONECARD_OK);
	}
	/* Now pw[6] is current, pw[1..5] the history. */
	for (i = 6; i >= 1; i--) {
		why = OC_DIR_PW_REFUSED_NONE;
		assert_int_equal(set_pw(id, pw[i], &why), ONECARD_ERR_INVALID_ARG);
		assert_int_equal(why, OC_DIR_PW_REFUSED_REUSED);
	}
	assert_int_equal(check_pw(id, pw[6], NULL), OC_DIR_PW_OK);
	/* The 6th before the current one is out of the history. */
	assert_int_equal(set_pw(id, pw[0], &why), ONECARD_OK);
	assert_int_equal(check_pw(id, pw[0], NULL), OC_DIR_PW_OK);
	/* That pushed pw[1] out too; pw[2] is still in. */
	assert_int_equal(set_pw(id, pw[2], &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, OC_DIR_PW_REFUSED_REUSED);
	assert_int_equal(set_pw(id, pw[1], &why), ONECARD_OK);
}

/* ---- what is stored, and who may read it ----------------------------------------- */

static void hashes_and_access(void **state)
{
	char id[OC_DIR_PERSON_ID_MAX + 1], id2[OC_DIR_PERSON_ID_MAX + 1], pw[PW_MAX], pw2[PW_MAX],
		pw_next[PW_MAX];
	char dn[DIR_DN_MAX], dn2[DIR_DN_MAX], stand_in[DIR_DN_MAX], setter[DIR_DN_MAX];
	char stored[512], stand_in_stored[512], params[128], stand_in_params[128];
	char policy[DIR_DN_MAX], value[32];
	struct berval user, newpw, cred, generated;
	LDAP *admin, *self, *anon;
	LDAPMod mod, *mods[2];
	struct berval *vals[2], val;
	int rc, version = LDAP_VERSION3;

	(void)state;
	new_person(id, NULL);
	new_person(id2, NULL);
	mkpw(pw, sizeof(pw), "access-1");
	mkpw(pw2, sizeof(pw2), "access-2");
	mkpw(pw_next, sizeof(pw_next), "access-next");
	assert_int_equal(set_pw(id, pw, NULL), ONECARD_OK);
	assert_int_equal(set_pw(id2, pw2, NULL), ONECARD_OK);
	assert_int_equal(set_pw(id, pw_next, NULL), ONECARD_OK); /* a history entry */
	person_dn(id, dn, sizeof(dn));
	person_dn(id2, dn2, sizeof(dn2));
	stand_in_dn(stand_in, sizeof(stand_in));
	(void)snprintf(setter, sizeof(setter), "%s,%s", OC_DIR_PW_SETTER_RDN, base());

	/* The admin sees argon2 hashes, never the password; the stand-in's
	 * has the same parameters as a person's, so costs slapd the same. */
	admin = raw_admin();
	assert_int_equal(read_attr(admin, dn, "userPassword", stored, sizeof(stored)), 1);
	assert_int_equal(strncmp(stored, "{ARGON2}$argon2", 15), 0);
	assert_null(strstr(stored, "Pw-Marker"));
	assert_int_equal(read_attr(admin, dn, "pwdHistory", NULL, 0), 1);
	assert_int_equal(read_attr(admin, stand_in, "userPassword", stand_in_stored,
				   sizeof(stand_in_stored)),
			 1);
	hash_params(stored, params, sizeof(params));
	hash_params(stand_in_stored, stand_in_params, sizeof(stand_in_params));
	assert_string_equal(params, stand_in_params);
	/* The setter has no password: nobody binds as it. */
	assert_int_equal(read_attr(admin, setter, "userPassword", NULL, 0), 0);
	/* The policy slapd enforces is the one directory.h documents. */
	(void)snprintf(policy, sizeof(policy), "cn=password-policy,ou=system,%s", base());
	assert_int_equal(read_attr(admin, policy, "pwdInHistory", value, sizeof(value)), 1);
	assert_int_equal(decimal_value(value), OC_DIR_PW_HISTORY);
	assert_int_equal(read_attr(admin, policy, "pwdMaxLength", value, sizeof(value)), 1);
	assert_int_equal(decimal_value(value), OC_DIR_PASSWORD_MAX);
	assert_int_equal(read_attr(admin, policy, "pwdMinLength", value, sizeof(value)), 1);
	assert_true(decimal_value(value) <= (long)OC_DIR_PW_MIN_CHARS);
	ldap_unbind_ext_s(admin, NULL, NULL);

	/* A person sees neither their own password or history nor
	 * another's; anonymous sees nothing at all. */
	self = raw_bind(dn, pw_next);
	assert_int_equal(read_attr(self, dn, "uid", NULL, 0), 1); /* self read works */
	assert_int_equal(read_attr(self, dn, "userPassword", NULL, 0), 0);
	assert_int_equal(read_attr(self, dn, "pwdHistory", NULL, 0), 0);
	assert_int_equal(read_attr(self, dn2, "userPassword", NULL, 0), 0);
	assert_int_equal(read_attr(self, stand_in, "userPassword", NULL, 0), 0);
	/* Nor may they change it over LDAP (only the setter may). */
	user.bv_val = dn;
	user.bv_len = strlen(dn);
	newpw.bv_val = pw2;
	newpw.bv_len = strlen(pw2);
	memset(&generated, 0, sizeof(generated));
	rc = ldap_passwd_s(self, &user, NULL, &newpw, &generated, NULL, NULL);
	ber_memfree(generated.bv_val);
	assert_int_not_equal(rc, LDAP_SUCCESS);
	val.bv_val = pw2;
	val.bv_len = strlen(pw2);
	vals[0] = &val;
	vals[1] = NULL;
	mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
	mod.mod_type = "userPassword";
	mod.mod_bvalues = vals;
	mods[0] = &mod;
	mods[1] = NULL;
	assert_int_equal(ldap_modify_ext_s(self, dn, mods, NULL, NULL), LDAP_INSUFFICIENT_ACCESS);
	ldap_unbind_ext_s(self, NULL, NULL);
	assert_int_equal(check_pw(id, pw_next, NULL), OC_DIR_PW_OK);

	anon = raw_bind(NULL, NULL);
	assert_int_equal(read_attr(anon, dn, "userPassword", NULL, 0), 0);
	assert_int_equal(read_attr(anon, dn, "uid", NULL, 0), 0);
	ldap_unbind_ext_s(anon, NULL, NULL);

	/* The setter cannot be bound as (no userPassword). */
	assert_int_equal(ldap_initialize(&anon, getenv("ONECARD_LDAP_URI")), LDAP_SUCCESS);
	assert_int_equal(ldap_set_option(anon, LDAP_OPT_PROTOCOL_VERSION, &version),
			 LDAP_OPT_SUCCESS);
	cred.bv_val = pw;
	cred.bv_len = strlen(pw);
	rc = ldap_sasl_bind_s(anon, setter, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	assert_int_equal(rc, LDAP_INVALID_CREDENTIALS);
	ldap_unbind_ext_s(anon, NULL, NULL);
}

/* The stand-in missing (a directory set up without it): UNAVAILABLE,
 * not a fast WRONG that would tell unknown people apart. Simulated by a
 * handle on a suffix the stand-in is not under. */
static void stand_in_missing_is_unavailable(void **state)
{
	char pw[OC_DIR_PASSWORD_MAX + 2], id[OC_DIR_PERSON_ID_MAX + 1], ppw[PW_MAX];
	struct oc_dir *other = NULL;
	size_t len = 0;

	(void)state;
	new_person(id, NULL);
	mkpw(ppw, sizeof(ppw), "stand-in");
	assert_int_equal(set_pw(id, ppw, NULL), ONECARD_OK);
	assert_int_equal(
		oc_dir_pw_from_file(getenv("ONECARD_LDAP_BIND_PW_FILE"), pw, sizeof(pw), &len),
		ONECARD_OK);
	/* ou=people,<base> as the "suffix": its ou=system is not there. */
	{
		char b[DIR_DN_MAX];

		(void)snprintf(b, sizeof(b), "ou=people,%s", base());
		assert_int_equal(oc_dir_open(getenv("ONECARD_LDAP_URI"), b,
					     getenv("ONECARD_LDAP_BIND_DN"), pw, len, &other),
				 ONECARD_OK);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	binds_reset();
	assert_int_equal(oc_dir_check_password(other, id, ppw, strlen(ppw), NULL),
			 OC_DIR_PW_UNAVAILABLE);
	assert_int_equal(n_binds, 0);
	assert_non_null(strstr(oc_dir_diagnostic(other), "stand-in"));
	oc_dir_free(other);
}

/* The directory unreachable: UNAVAILABLE for check, DIRECTORY for set. */
static void unreachable(void **state)
{
	struct oc_dir *gone = NULL;

	(void)state;
	assert_int_equal(oc_dir_new("ldapi://%2Fnonexistent%2Fldapi", base(),
				    getenv("ONECARD_LDAP_BIND_DN"), "x", 1, &gone),
			 ONECARD_OK);
	assert_int_equal(oc_dir_check_password(gone, "someone", "Pw-Marker-unreachable", 21, NULL),
			 OC_DIR_PW_UNAVAILABLE);
	assert_string_not_equal(oc_dir_diagnostic(gone), "");
	assert_int_equal(oc_dir_set_password(gone, "someone", "Pw-Marker-unreachable", 21, NULL),
			 ONECARD_ERR_DIRECTORY);
	oc_dir_free(gone);
	assert_string_equal(oc_dir_pw_check_str(OC_DIR_PW_WRONG), "wrong person id or password");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_then_check),
		cmocka_unit_test(wrong_and_unknown_answer_alike),
		cmocka_unit_test(timing_is_printed_not_asserted),
		cmocka_unit_test(suspended_after_right_password_only),
		cmocka_unit_test(rules_refused_by_the_library),
		cmocka_unit_test(reuse_refused_for_the_last_five),
		cmocka_unit_test(hashes_and_access),
		cmocka_unit_test(stand_in_missing_is_unavailable),
		cmocka_unit_test(unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
