/*
 * The directory library against the real slapd of the ctest fixture
 * "services" (schema and overlays of ldap/): enroll, find, show, suspend
 * and activate; every refusal of enroll leaving the directory as it was;
 * rollback after a failure at each write (faults injected by
 * ldap_faults.c), including the sha256 uniqueness overlay; lost replies;
 * hostile lookup values.
 *
 * Run under tests/services/fixture.sh exec (ONECARD_LDAP_* set). Every
 * id carries this process's tag, so suites sharing the fixture may run
 * in parallel.
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
#include "ldap_faults.h"

#define N_AGENCIES 4

static const char *const agencies[N_AGENCIES] = {"customs", "inspection-quarantine", "maritime",
						 "border"};

static struct oc_dir *dir;  /* the handle under test */
static struct oc_dir *dir2; /* another client, for concurrent writes */
static struct tca ca;

/* ---- helpers -------------------------------------------------------------- */

/* One enrollment's values, with fresh ids and certificates. */
struct enr {
	char uscc[OC_DIR_USCC_LEN + 1];
	char person_id[OC_DIR_PERSON_ID_MAX + 1];
	char card_id[OC_DIR_CARD_ID_MAX + 1];
	struct oc_dir_enterprise ent;
	struct oc_dir_person person;
	struct oc_dir_card card;
	struct oc_dir_cert certs[OC_DIR_CERTS_MAX];
	size_t n;
};

static void enr_certs(struct enr *e, size_t n)
{
	struct tleaf spec;
	size_t i;

	for (i = 0; i < e->n; i++) {
		oc_dir_cert_clear(&e->certs[i]);
	}
	memset(&spec, 0, sizeof(spec));
	spec.uid = e->person_id;
	spec.org_id = e->uscc;
	spec.org = e->ent.name[0] != '\0' ? e->ent.name : NULL;
	spec.cn = e->person.name[0] != '\0' ? e->person.name : "x";
	for (i = 0; i < n; i++) {
		spec.ou = agencies[i % N_AGENCIES];
		tleaf_cert(&ca, &spec, &e->certs[i]);
	}
	e->n = n;
}

static void enr_new(struct enr *e, const char *ent_name, const char *person_name)
{
	memset(e, 0, sizeof(*e));
	tuscc(e->uscc);
	tunique("p", e->person_id, sizeof(e->person_id));
	tunique("card", e->card_id, sizeof(e->card_id));
	tfill(&e->ent, e->uscc, ent_name, &e->person, e->person_id, person_name, &e->card,
	      e->card_id);
	enr_certs(e, N_AGENCIES);
}

static void enr_free(struct enr *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		oc_dir_cert_clear(&e->certs[i]);
	}
	e->n = 0;
}

static int enroll(struct oc_dir *d, struct enr *e, enum oc_dir_refusal *why)
{
	return oc_dir_enroll(d, &e->ent, &e->person, &e->card, e->certs, e->n, why);
}

static void enroll_ok(struct enr *e)
{
	enum oc_dir_refusal why = OC_DIR_REFUSED_BY_DIRECTORY;

	assert_int_equal(enroll(dir, e, &why), ONECARD_OK);
	assert_int_equal(why, OC_DIR_REFUSED_NONE);
}

/* Entries at or under dn (0 when dn does not exist). */
static size_t count_under(const char *dn)
{
	static const char *const attrs[] = {"1.1"};
	struct dir_entries res = {0, NULL};
	size_t n;
	int r;

	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_SUB, "(objectClass=*)", attrs, 1,
			    DIR_ENTRIES_MAX, &res);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return 0;
	}
	assert_int_equal(r, ONECARD_OK);
	n = res.n;
	dir_entries_free(&res);
	return n;
}

/* Entries under ou=cards that belong to this test run: the cards whose
 * id carries the tag, and everything under them. */
static size_t count_ours_under_cards(void)
{
	static const char *const attrs[] = {"1.1"};
	struct dir_entries res = {0, NULL};
	char filter[128];
	size_t i, n = 0;

	(void)snprintf(filter, sizeof(filter), "(onecardCardId=*-%s-*)", ttag());
	assert_int_equal(dir_ldap_search(dir->conn, dir->cards, DIR_SCOPE_ONE, filter, attrs, 1,
					 DIR_ENTRIES_MAX, &res),
			 ONECARD_OK);
	for (i = 0; i < res.n; i++) {
		n += count_under(res.e[i].dn);
	}
	dir_entries_free(&res);
	return n;
}

static int exists_enterprise(const char *uscc)
{
	char dn[DIR_DN_MAX];

	assert_int_equal(dir_enterprise_dn(dir, uscc, dn, sizeof(dn)), ONECARD_OK);
	return count_under(dn) > 0;
}

static int exists_person(const char *id)
{
	char dn[DIR_DN_MAX];

	assert_int_equal(dir_person_dn(dir, id, dn, sizeof(dn)), ONECARD_OK);
	return count_under(dn) > 0;
}

static size_t card_entries(const char *card_id)
{
	char dn[DIR_DN_MAX];

	assert_int_equal(dir_card_dn(dir, card_id, dn, sizeof(dn)), ONECARD_OK);
	return count_under(dn);
}

/* The card a certificate is on ("" when none). */
static void cert_card(const struct oc_dir_cert *c, char out[OC_DIR_CARD_ID_MAX + 1])
{
	struct oc_dir_found f;
	int r;

	r = oc_dir_find_by_sha256(dir, c->sha256, &f);
	if (r == ONECARD_ERR_NOT_FOUND) {
		out[0] = '\0';
		return;
	}
	assert_int_equal(r, ONECARD_OK);
	memcpy(out, f.card.id, sizeof(f.card.id));
	oc_dir_found_clear(&f);
}

/* What an enrollment of e could have touched, to compare before/after. */
struct snap {
	int ent, person;
	size_t card, ours;
	char cert_card[OC_DIR_CERTS_MAX][OC_DIR_CARD_ID_MAX + 1];
};

static void snapshot(const struct enr *e, struct snap *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->ent = exists_enterprise(e->uscc);
	s->person = exists_person(e->person_id);
	s->card = card_entries(e->card_id);
	s->ours = count_ours_under_cards();
	for (i = 0; i < e->n; i++) {
		cert_card(&e->certs[i], s->cert_card[i]);
	}
}

static void assert_unchanged(const struct enr *e, const struct snap *before)
{
	struct snap after;

	snapshot(e, &after);
	assert_memory_equal(&after, before, sizeof(after));
}

/* ---- enroll and find ------------------------------------------------------ */

static void check_found(const struct oc_dir_found *f, const struct enr *e,
			const struct oc_dir_cert *c)
{
	assert_string_equal(f->cert.serial, c->serial);
	assert_string_equal(f->cert.issuer, c->issuer);
	assert_string_equal(f->cert.agency, c->agency);
	assert_string_equal(f->cert.sha256, c->sha256);
	assert_int_equal(f->cert.der_len, c->der_len);
	assert_memory_equal(f->cert.der, c->der, c->der_len);
	assert_string_equal(f->card.id, e->card_id);
	assert_string_equal(f->card.holder, e->person_id);
	assert_string_equal(f->person.id, e->person_id);
	assert_string_equal(f->person.name, e->person.name);
	assert_string_equal(f->person.enterprise_uscc, e->uscc);
	assert_string_equal(f->enterprise.uscc, e->uscc);
	assert_string_equal(f->enterprise.name, e->ent.name);
}

static void ping(void **state)
{
	(void)state;
	assert_int_equal(oc_dir_ping(dir), ONECARD_OK);
	assert_string_equal(oc_dir_diagnostic(dir), "");
}

static void enroll_then_find_each_certificate(void **state)
{
	struct enr e;
	struct oc_dir_found f;
	struct oc_dir_card_info *info = NULL;
	size_t i, ours;

	(void)state;
	enr_new(&e, "Shanghai Trade Co., Ltd.", "张三");
	ours = count_ours_under_cards();
	enroll_ok(&e);
	assert_int_equal(count_ours_under_cards(), ours + 1 + N_AGENCIES);
	assert_int_equal(card_entries(e.card_id), 1 + N_AGENCIES);

	for (i = 0; i < e.n; i++) {
		assert_int_equal(oc_dir_find_by_cert(dir, e.certs[i].issuer, e.certs[i].serial, &f),
				 ONECARD_OK);
		check_found(&f, &e, &e.certs[i]);
		assert_string_equal(f.cert.agency, agencies[i]);
		assert_int_equal(f.card.status, OC_DIR_STATUS_ACTIVE);
		assert_int_equal(f.person.status, OC_DIR_STATUS_ACTIVE);
		assert_int_equal(f.enterprise.status, OC_DIR_STATUS_ACTIVE);
		assert_string_equal(f.card.suspended_reason, "");
		assert_true(oc_dir_found_active(&f));
		oc_dir_found_clear(&f);
		assert_int_equal(oc_dir_find_by_sha256(dir, e.certs[i].sha256, &f), ONECARD_OK);
		check_found(&f, &e, &e.certs[i]);
		oc_dir_found_clear(&f);
	}

	assert_int_equal(oc_dir_get_card(dir, e.card_id, &info), ONECARD_OK);
	assert_string_equal(info->card.id, e.card_id);
	assert_string_equal(info->person.name, "张三");
	assert_string_equal(info->enterprise.name, "Shanghai Trade Co., Ltd.");
	assert_int_equal(info->n_certs, N_AGENCIES);
	/* Sorted by agency. */
	assert_string_equal(info->certs[0].agency, "border");
	assert_string_equal(info->certs[1].agency, "customs");
	assert_string_equal(info->certs[2].agency, "inspection-quarantine");
	assert_string_equal(info->certs[3].agency, "maritime");
	assert_non_null(info->certs[0].der);
	oc_dir_card_info_free(info);
	enr_free(&e);
}

static void chinese_enterprise_name(void **state)
{
	struct enr e;
	struct oc_dir_card_info *info = NULL;

	(void)state;
	enr_new(&e, "上海外贸有限公司", "李四");
	enroll_ok(&e);
	assert_int_equal(oc_dir_get_card(dir, e.card_id, &info), ONECARD_OK);
	assert_string_equal(info->enterprise.name, "上海外贸有限公司");
	assert_string_equal(info->person.name, "李四");
	assert_string_equal(info->person.enterprise_uscc, e.uscc);
	oc_dir_card_info_free(info);
	enr_free(&e);
}

static void second_card_for_a_registered_person(void **state)
{
	struct enr e;
	struct oc_dir_card_info *info = NULL;

	(void)state;
	enr_new(&e, "Ningbo Port Logistics Co., Ltd.", "王五");
	enroll_ok(&e);
	/* Same enterprise and person, names left empty: taken as they are. */
	tunique("card", e.card_id, sizeof(e.card_id));
	memcpy(e.card.id, e.card_id, sizeof(e.card_id));
	e.ent.name[0] = '\0';
	e.person.name[0] = '\0';
	e.person.enterprise_uscc[0] = '\0';
	e.card.holder[0] = '\0';
	enr_certs(&e, 2);
	enroll_ok(&e);
	assert_int_equal(oc_dir_get_card(dir, e.card_id, &info), ONECARD_OK);
	assert_string_equal(info->person.name, "王五");
	assert_string_equal(info->enterprise.name, "Ningbo Port Logistics Co., Ltd.");
	assert_int_equal(info->n_certs, 2);
	oc_dir_card_info_free(info);
	enr_free(&e);
}

/* ---- status ---------------------------------------------------------------- */

static void find_first(const struct enr *e, struct oc_dir_found *f)
{
	assert_int_equal(oc_dir_find_by_cert(dir, e->certs[0].issuer, e->certs[0].serial, f),
			 ONECARD_OK);
}

static void suspend_and_activate(void **state)
{
	struct enr e;
	struct oc_dir_found f;
	char other[OC_DIR_USCC_LEN + 1];

	(void)state;
	enr_new(&e, "Suzhou Import Co., Ltd.", "赵六");
	enroll_ok(&e);

	assert_int_equal(oc_dir_suspend_card(dir, e.card_id, "lost, reported 2024-05-01"),
			 ONECARD_OK);
	find_first(&e, &f);
	assert_int_equal(f.card.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(f.card.suspended_reason, "lost, reported 2024-05-01");
	assert_int_equal(f.person.status, OC_DIR_STATUS_ACTIVE);
	assert_false(oc_dir_found_active(&f));
	oc_dir_found_clear(&f);
	assert_int_equal(oc_dir_activate_card(dir, e.card_id), ONECARD_OK);
	assert_int_equal(oc_dir_activate_card(dir, e.card_id), ONECARD_OK); /* again: fine */
	find_first(&e, &f);
	assert_int_equal(f.card.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(f.card.suspended_reason, "");
	assert_true(oc_dir_found_active(&f));
	oc_dir_found_clear(&f);

	assert_int_equal(oc_dir_suspend_person(dir, e.person_id, NULL), ONECARD_OK);
	find_first(&e, &f);
	assert_int_equal(f.person.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(f.person.suspended_reason, "");
	assert_int_equal(f.card.status, OC_DIR_STATUS_ACTIVE);
	assert_false(oc_dir_found_active(&f));
	oc_dir_found_clear(&f);
	assert_int_equal(oc_dir_suspend_person(dir, e.person_id, "left the company"), ONECARD_OK);
	find_first(&e, &f);
	assert_string_equal(f.person.suspended_reason, "left the company");
	oc_dir_found_clear(&f);
	assert_int_equal(oc_dir_activate_person(dir, e.person_id), ONECARD_OK);

	assert_int_equal(oc_dir_suspend_enterprise(dir, e.uscc, "licence revoked"), ONECARD_OK);
	find_first(&e, &f);
	assert_int_equal(f.enterprise.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(f.enterprise.suspended_reason, "licence revoked");
	assert_int_equal(f.person.status, OC_DIR_STATUS_ACTIVE);
	assert_false(oc_dir_found_active(&f));
	oc_dir_found_clear(&f);
	assert_int_equal(oc_dir_activate_enterprise(dir, e.uscc), ONECARD_OK);
	find_first(&e, &f);
	assert_true(oc_dir_found_active(&f));
	assert_string_equal(f.enterprise.suspended_reason, "");
	oc_dir_found_clear(&f);

	/* Unknown entries, in valid forms. */
	tuscc(other);
	assert_int_equal(oc_dir_suspend_card(dir, "no-such-card", "x"), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_activate_card(dir, "no-such-card"), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_suspend_person(dir, "no-such-person", NULL), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_activate_person(dir, "no-such-person"), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_suspend_enterprise(dir, other, NULL), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_activate_enterprise(dir, other), ONECARD_ERR_NOT_FOUND);
	/* A card id that is a person id: the kinds do not mix. */
	assert_int_equal(oc_dir_suspend_card(dir, e.person_id, NULL), ONECARD_ERR_NOT_FOUND);
	/* Values not in their form. */
	assert_int_equal(oc_dir_suspend_card(dir, "card*", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_suspend_card(dir, "a,b", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_suspend_person(dir, "", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_suspend_enterprise(dir, "*", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_suspend_card(dir, e.card_id, "line\nbreak"),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_suspend_card(NULL, e.card_id, NULL), ONECARD_ERR_INVALID_ARG);
	enr_free(&e);
}

/* ---- the login lookup (oc_dir_find_login) ---------------------------------- */

static const struct oc_dir_login zero_login;

/* The hashes of e's certificates in the order order[0..n) (NULL: as enrolled). */
static void login_hashes(const struct enr *e, const size_t *order, size_t n,
			 const char *out[OC_DIR_CERTS_MAX])
{
	size_t i;

	assert_true(n <= OC_DIR_CERTS_MAX);
	for (i = 0; i < n; i++) {
		out[i] = e->certs[order != NULL ? order[i] : i].sha256;
	}
}

/* oc_dir_find_login() into *l (filled with garbage first, to see it cleared). */
static int find_login(const char *const *hashes, size_t n, struct oc_dir_login *l, size_t *missing)
{
	memset(l, 0x55, sizeof(*l));
	*missing = 99;
	return oc_dir_find_login(dir, hashes, n, l, missing);
}

/* A failed lookup: *l zeroed (fails closed: nothing is active). */
static void assert_login_cleared(const struct oc_dir_login *l)
{
	assert_memory_equal(l, &zero_login, sizeof(*l));
	assert_false(oc_dir_login_active(l));
}

/* Card, holder and enterprise are e's, all active; agencies past n empty. */
static void check_login(const struct oc_dir_login *l, const struct enr *e, size_t n)
{
	size_t i;

	assert_string_equal(l->card.id, e->card_id);
	assert_string_equal(l->card.holder, e->person_id);
	assert_int_equal(l->card.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(l->person.id, e->person_id);
	assert_string_equal(l->person.name, e->person.name);
	assert_string_equal(l->person.enterprise_uscc, e->uscc);
	assert_int_equal(l->person.status, OC_DIR_STATUS_ACTIVE);
	assert_string_equal(l->enterprise.uscc, e->uscc);
	assert_string_equal(l->enterprise.name, e->ent.name);
	assert_int_equal(l->enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_true(oc_dir_login_active(l));
	for (i = n; i < OC_DIR_CERTS_MAX; i++) {
		assert_string_equal(l->agency[i], "");
	}
}

static void login_one_certificate(void **state)
{
	struct enr e;
	struct oc_dir_login l;
	const char *h[OC_DIR_CERTS_MAX];
	size_t missing;

	(void)state;
	enr_new(&e, "Login One Co., Ltd.", "陈一");
	enr_certs(&e, 1);
	enroll_ok(&e);
	login_hashes(&e, NULL, 1, h);
	assert_int_equal(find_login(h, 1, &l, &missing), ONECARD_OK);
	check_login(&l, &e, 1);
	assert_string_equal(l.agency[0], "customs");
	assert_int_equal(missing, 0);
	enr_free(&e);
}

static void login_four_certificates_of_one_card(void **state)
{
	static const size_t order[N_AGENCIES] = {2, 0, 3, 1};
	static const size_t two[2] = {3, 1};
	struct enr e;
	struct oc_dir_login l;
	const char *h[OC_DIR_CERTS_MAX];
	size_t i, missing;

	(void)state;
	enr_new(&e, "Login Four Co., Ltd.", "陈四");
	enroll_ok(&e);
	/* Agencies come back at the index of their hash, whatever the order. */
	login_hashes(&e, order, N_AGENCIES, h);
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_OK);
	check_login(&l, &e, N_AGENCIES);
	for (i = 0; i < N_AGENCIES; i++) {
		assert_string_equal(l.agency[i], agencies[order[i]]);
		assert_string_equal(l.agency[i], e.certs[order[i]].agency);
	}
	/* Some of a card's certificates are a login too. */
	login_hashes(&e, two, 2, h);
	assert_int_equal(find_login(h, 2, &l, &missing), ONECARD_OK);
	check_login(&l, &e, 2);
	assert_string_equal(l.agency[0], "border");
	assert_string_equal(l.agency[1], "inspection-quarantine");
	enr_free(&e);
}

/* OC_DIR_CERTS_MAX certificates on one card: the most one lookup takes. */
static void login_most_certificates(void **state)
{
	char names[OC_DIR_CERTS_MAX][16];
	struct enr e;
	struct oc_dir_login l;
	struct tleaf spec;
	const char *h[OC_DIR_CERTS_MAX];
	size_t i, missing;

	(void)state;
	enr_new(&e, "Login Sixteen Co., Ltd.", "陈十六");
	enr_free(&e);
	memset(&spec, 0, sizeof(spec));
	spec.uid = e.person_id;
	spec.org_id = e.uscc;
	spec.cn = "陈十六";
	for (i = 0; i < OC_DIR_CERTS_MAX; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "agency-%zu", i + 1);
		spec.ou = names[i];
		tleaf_cert(&ca, &spec, &e.certs[i]);
	}
	e.n = OC_DIR_CERTS_MAX;
	enroll_ok(&e);
	login_hashes(&e, NULL, OC_DIR_CERTS_MAX, h);
	assert_int_equal(find_login(h, OC_DIR_CERTS_MAX, &l, &missing), ONECARD_OK);
	check_login(&l, &e, OC_DIR_CERTS_MAX);
	for (i = 0; i < OC_DIR_CERTS_MAX; i++) {
		assert_string_equal(l.agency[i], names[i]);
	}
	enr_free(&e);
}

static void login_certificate_on_no_card(void **state)
{
	struct enr e;
	struct oc_dir_cert stray;
	struct oc_dir_login l;
	struct tleaf spec = {NULL, 0, "tax", NULL, NULL, NULL, NULL, "x"};
	const char *h[OC_DIR_CERTS_MAX];
	size_t missing;

	(void)state;
	enr_new(&e, "Login Missing Co., Ltd.", "陈缺");
	enroll_ok(&e);
	tleaf_cert(&ca, &spec, &stray); /* issued, never enrolled */
	login_hashes(&e, NULL, N_AGENCIES, h);
	h[2] = stray.sha256;
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(missing, 2);
	assert_login_cleared(&l);
	/* First, last, alone. */
	login_hashes(&e, NULL, N_AGENCIES, h);
	h[0] = stray.sha256;
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(missing, 0);
	login_hashes(&e, NULL, N_AGENCIES, h);
	h[N_AGENCIES] = stray.sha256;
	assert_int_equal(find_login(h, N_AGENCIES + 1, &l, &missing), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(missing, N_AGENCIES);
	assert_login_cleared(&l);
	h[0] = stray.sha256;
	assert_int_equal(find_login(h, 1, &l, &missing), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(missing, 0);
	assert_login_cleared(&l);
	oc_dir_cert_clear(&stray);
	enr_free(&e);
}

static void login_certificates_of_two_cards(void **state)
{
	struct enr a, b, a2;
	struct oc_dir_login l;
	const char *h[OC_DIR_CERTS_MAX];
	size_t missing;

	(void)state;
	enr_new(&a, "Login Card A Co., Ltd.", "陈甲");
	enroll_ok(&a);
	enr_new(&b, "Login Card B Co., Ltd.", "陈乙");
	enroll_ok(&b);
	h[0] = a.certs[0].sha256;
	h[1] = b.certs[1].sha256;
	assert_int_equal(find_login(h, 2, &l, &missing), ONECARD_ERR_MISMATCH);
	assert_int_equal(missing, 0);
	assert_login_cleared(&l);
	/* Two cards of one person are still two cards. */
	memset(&a2, 0, sizeof(a2));
	memcpy(a2.uscc, a.uscc, sizeof(a.uscc));
	memcpy(a2.person_id, a.person_id, sizeof(a.person_id));
	tunique("card", a2.card_id, sizeof(a2.card_id));
	tfill(&a2.ent, a2.uscc, "", &a2.person, a2.person_id, "", &a2.card, a2.card_id);
	enr_certs(&a2, 2);
	enroll_ok(&a2);
	h[0] = a.certs[2].sha256;
	h[1] = a2.certs[1].sha256;
	assert_int_equal(find_login(h, 2, &l, &missing), ONECARD_ERR_MISMATCH);
	assert_login_cleared(&l);
	/* Each card alone is a login of the same person. */
	assert_int_equal(find_login(&h[1], 1, &l, &missing), ONECARD_OK);
	assert_string_equal(l.card.id, a2.card_id);
	assert_string_equal(l.person.id, a.person_id);
	enr_free(&a2);
	enr_free(&b);
	enr_free(&a);
}

static void login_refused_arguments(void **state)
{
	static const char inject[] = ")(objectClass=*";
	struct enr e;
	struct oc_dir_login l;
	const char *h[OC_DIR_CERTS_MAX + 1];
	char bad[OC_DIR_SHA256_HEX_LEN + 2];
	char many[OC_DIR_CERTS_MAX + 1][OC_DIR_SHA256_HEX_LEN + 1];
	size_t i, missing;

	(void)state;
	enr_new(&e, "Login Arguments Co., Ltd.", "陈参");
	enroll_ok(&e);
#define REFUSED(n)                                                                           \
	do {                                                                                 \
		assert_int_equal(find_login(h, (n), &l, &missing), ONECARD_ERR_INVALID_ARG); \
		assert_int_equal(missing, 0);                                                \
		assert_login_cleared(&l);                                                    \
	} while (0)

	/* The same hash twice, next to each other or apart. */
	login_hashes(&e, NULL, N_AGENCIES, h);
	h[3] = h[0];
	REFUSED(N_AGENCIES);
	h[3] = e.certs[3].sha256;
	h[2] = h[1];
	REFUSED(N_AGENCIES);
	/* Malformed hashes: upper case, one short, one long, not hex, a
	 * filter wildcard, an injection, empty, NULL. */
	login_hashes(&e, NULL, N_AGENCIES, h);
	h[1] = bad;
	memcpy(bad, e.certs[1].sha256, sizeof(e.certs[1].sha256));
	for (i = 0; i < OC_DIR_SHA256_HEX_LEN; i++) {
		if (bad[i] >= 'a' && bad[i] <= 'f') {
			bad[i] = (char)(bad[i] - 'a' + 'A');
			break;
		}
	}
	assert_true(i < OC_DIR_SHA256_HEX_LEN);
	REFUSED(N_AGENCIES);
	memcpy(bad, e.certs[1].sha256, sizeof(e.certs[1].sha256));
	bad[OC_DIR_SHA256_HEX_LEN - 1] = '\0';
	REFUSED(N_AGENCIES);
	memcpy(bad, e.certs[1].sha256, sizeof(e.certs[1].sha256));
	bad[OC_DIR_SHA256_HEX_LEN] = '0';
	bad[OC_DIR_SHA256_HEX_LEN + 1] = '\0';
	REFUSED(N_AGENCIES);
	memcpy(bad, e.certs[1].sha256, sizeof(e.certs[1].sha256));
	bad[10] = 'g';
	REFUSED(N_AGENCIES);
	bad[10] = '*';
	REFUSED(N_AGENCIES);
	(void)snprintf(bad, sizeof(bad), "%.*s%s", (int)(OC_DIR_SHA256_HEX_LEN - strlen(inject)),
		       e.certs[1].sha256, inject);
	assert_int_equal(strlen(bad), OC_DIR_SHA256_HEX_LEN);
	REFUSED(N_AGENCIES);
	bad[0] = '\0';
	REFUSED(N_AGENCIES);
	h[1] = NULL;
	REFUSED(N_AGENCIES);
	/* No hash; one more than a card holds (all distinct and well formed). */
	login_hashes(&e, NULL, N_AGENCIES, h);
	REFUSED(0);
	for (i = 0; i < OC_DIR_CERTS_MAX + 1; i++) {
		(void)snprintf(many[i], sizeof(many[i]), "%0*zx", (int)OC_DIR_SHA256_HEX_LEN, i);
		h[i] = many[i];
	}
	REFUSED(OC_DIR_CERTS_MAX + 1);
	/* ...while OC_DIR_CERTS_MAX of them is a lookup (on no card). */
	assert_int_equal(find_login(h, OC_DIR_CERTS_MAX, &l, &missing), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(missing, 0);
#undef REFUSED
	/* NULL arguments. */
	login_hashes(&e, NULL, 1, h);
	assert_int_equal(oc_dir_find_login(NULL, h, 1, &l, &missing), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_find_login(dir, NULL, 1, &l, &missing), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_find_login(dir, h, 1, NULL, &missing), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_find_login(dir, h, 1, &l, NULL), ONECARD_ERR_INVALID_ARG);
	assert_false(oc_dir_login_active(NULL));
	/* And the card is still found. */
	assert_int_equal(find_login(h, 1, &l, &missing), ONECARD_OK);
	check_login(&l, &e, 1);
	enr_free(&e);
}

/* Statuses are the directory's at the time of the lookup, never cached. */
static void login_suspensions(void **state)
{
	struct enr e;
	struct oc_dir_login l;
	const char *h[OC_DIR_CERTS_MAX];
	size_t missing;

	(void)state;
	enr_new(&e, "Login Status Co., Ltd.", "陈停");
	enroll_ok(&e);
	login_hashes(&e, NULL, N_AGENCIES, h);

	assert_int_equal(oc_dir_suspend_card(dir, e.card_id, "reported stolen"), ONECARD_OK);
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_OK);
	assert_int_equal(l.card.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(l.card.suspended_reason, "reported stolen");
	assert_int_equal(l.person.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(l.enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_false(oc_dir_login_active(&l));
	assert_int_equal(oc_dir_activate_card(dir, e.card_id), ONECARD_OK);

	assert_int_equal(oc_dir_suspend_person(dir, e.person_id, "on leave"), ONECARD_OK);
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_OK);
	assert_int_equal(l.card.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(l.person.status, OC_DIR_STATUS_SUSPENDED);
	assert_string_equal(l.person.suspended_reason, "on leave");
	assert_int_equal(l.enterprise.status, OC_DIR_STATUS_ACTIVE);
	assert_false(oc_dir_login_active(&l));
	assert_int_equal(oc_dir_activate_person(dir, e.person_id), ONECARD_OK);

	assert_int_equal(oc_dir_suspend_enterprise(dir, e.uscc, NULL), ONECARD_OK);
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_OK);
	assert_int_equal(l.card.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(l.person.status, OC_DIR_STATUS_ACTIVE);
	assert_int_equal(l.enterprise.status, OC_DIR_STATUS_SUSPENDED);
	assert_false(oc_dir_login_active(&l));
	assert_int_equal(oc_dir_activate_enterprise(dir, e.uscc), ONECARD_OK);

	/* All active again: the login is too. */
	assert_int_equal(find_login(h, N_AGENCIES, &l, &missing), ONECARD_OK);
	check_login(&l, &e, N_AGENCIES);
	assert_string_equal(l.card.suspended_reason, "");
	assert_string_equal(l.person.suspended_reason, "");
	enr_free(&e);
}

/* ---- refusals leave the directory as it was --------------------------------- */

static void same_card_id_again(void **state)
{
	struct enr first, again;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	struct oc_dir_card_info *info = NULL;

	(void)state;
	enr_new(&first, "Hangzhou Silk Trading Co., Ltd.", "孙七");
	enroll_ok(&first);
	/* Another enterprise and person, fresh certificates, the same card. */
	enr_new(&again, "Another Co., Ltd.", "周八");
	memcpy(again.card_id, first.card_id, sizeof(first.card_id));
	memcpy(again.card.id, first.card_id, sizeof(first.card_id));
	snapshot(&again, &before);
	assert_int_equal(before.card, 1 + N_AGENCIES);
	assert_false(before.ent);
	assert_false(before.person);
	assert_int_equal(enroll(dir, &again, &why), ONECARD_ERR_EXISTS);
	assert_int_equal(why, OC_DIR_REFUSED_CARD_EXISTS);
	assert_unchanged(&again, &before);
	/* And the card is still the first one's. */
	assert_int_equal(oc_dir_get_card(dir, first.card_id, &info), ONECARD_OK);
	assert_string_equal(info->person.id, first.person_id);
	assert_int_equal(info->n_certs, N_AGENCIES);
	oc_dir_card_info_free(info);
	enr_free(&again);
	enr_free(&first);
}

static void person_of_another_enterprise(void **state)
{
	struct enr first, other;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;

	(void)state;
	enr_new(&first, "Xiamen Tea Export Co., Ltd.", "吴九");
	enroll_ok(&first);
	/* The same person, now claimed for a new enterprise. */
	enr_new(&other, "Fuzhou Other Co., Ltd.", "吴九");
	memcpy(other.person_id, first.person_id, sizeof(first.person_id));
	memcpy(other.person.id, first.person_id, sizeof(first.person_id));
	memcpy(other.card.holder, first.person_id, sizeof(first.person_id));
	enr_certs(&other, 2);
	snapshot(&other, &before);
	assert_int_equal(enroll(dir, &other, &why), ONECARD_ERR_EXISTS);
	assert_int_equal(why, OC_DIR_REFUSED_PERSON_ENTERPRISE);
	assert_unchanged(&other, &before);
	assert_false(exists_enterprise(other.uscc));
	enr_free(&other);
	enr_free(&first);
}

static void refused_by_registered_entries(void **state)
{
	struct enr e, next;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;

	(void)state;
	enr_new(&e, "Qingdao Harbour Co., Ltd.", "郑十");
	enroll_ok(&e);
	next = e;
	memset(next.certs, 0, sizeof(next.certs));
	next.n = 0;
	tunique("card", next.card_id, sizeof(next.card_id));
	memcpy(next.card.id, next.card_id, sizeof(next.card_id));
	enr_certs(&next, 1);

	/* The enterprise under another name (a mistyped USCC, likely). */
	memcpy(next.ent.name, "Qingdao Harbor Co., Ltd.", sizeof("Qingdao Harbor Co., Ltd."));
	snapshot(&next, &before);
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_EXISTS);
	assert_int_equal(why, OC_DIR_REFUSED_ENTERPRISE_NAME);
	assert_unchanged(&next, &before);
	next.ent = e.ent;

	/* The person under another name. */
	memcpy(next.person.name, "Zheng Shi", sizeof("Zheng Shi"));
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_EXISTS);
	assert_int_equal(why, OC_DIR_REFUSED_PERSON_NAME);
	assert_unchanged(&next, &before);
	next.person = e.person;

	/* A suspended enterprise, then a suspended person. */
	assert_int_equal(oc_dir_suspend_enterprise(dir, e.uscc, NULL), ONECARD_OK);
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, OC_DIR_REFUSED_ENTERPRISE_SUSPENDED);
	assert_int_equal(oc_dir_activate_enterprise(dir, e.uscc), ONECARD_OK);
	assert_int_equal(oc_dir_suspend_person(dir, e.person_id, NULL), ONECARD_OK);
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, OC_DIR_REFUSED_PERSON_SUSPENDED);
	assert_int_equal(oc_dir_activate_person(dir, e.person_id), ONECARD_OK);
	assert_unchanged(&next, &before);

	/* Unregistered, and no name to register with. */
	tuscc(next.uscc);
	memcpy(next.ent.uscc, next.uscc, sizeof(next.uscc));
	memcpy(next.person.enterprise_uscc, next.uscc, sizeof(next.uscc));
	next.ent.name[0] = '\0';
	snapshot(&next, &before);
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(why, OC_DIR_REFUSED_ENTERPRISE_UNKNOWN);
	assert_unchanged(&next, &before);
	next.ent = e.ent;
	memcpy(next.person.enterprise_uscc, e.uscc, sizeof(e.uscc));
	tunique("p", next.person_id, sizeof(next.person_id));
	memcpy(next.person.id, next.person_id, sizeof(next.person_id));
	memcpy(next.card.holder, next.person_id, sizeof(next.person_id));
	next.person.name[0] = '\0';
	snapshot(&next, &before);
	assert_int_equal(enroll(dir, &next, &why), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(why, OC_DIR_REFUSED_PERSON_UNKNOWN);
	assert_unchanged(&next, &before);
	enr_free(&next);
	enr_free(&e);
}

static void refused_inputs(void **state)
{
	struct enr e;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	struct oc_dir_cert saved, orig2;

	(void)state;
	enr_new(&e, "Input Rules Co., Ltd.", "钱一");
	orig2 = e.certs[2];
	snapshot(&e, &before);
#define REFUSED(code, reason)                                    \
	do {                                                     \
		assert_int_equal(enroll(dir, &e, &why), (code)); \
		assert_int_equal(why, (reason));                 \
	} while (0)

	e.ent.uscc[17] = e.ent.uscc[17] == '0' ? '1' : '0'; /* check character */
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_USCC);
	memcpy(e.ent.uscc, e.uscc, sizeof(e.uscc));
	memcpy(e.card.id, "card 1", sizeof("card 1"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_CARD_ID);
	memcpy(e.card.id, e.card_id, sizeof(e.card_id));
	memcpy(e.person.id, "p,1", sizeof("p,1"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_PERSON_ID);
	memcpy(e.person.id, e.person_id, sizeof(e.person_id));
	memcpy(e.ent.name, " padded", sizeof(" padded"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_ENTERPRISE_NAME);
	memcpy(e.ent.name, "Input Rules Co., Ltd.", sizeof("Input Rules Co., Ltd."));
	memcpy(e.person.name, "bell\a", sizeof("bell\a"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_PERSON_NAME);
	memcpy(e.person.name, "钱一", sizeof("钱一"));
	memcpy(e.card.holder, "someone-else", sizeof("someone-else"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_MISMATCHED_REFS);
	memcpy(e.card.holder, e.person_id, sizeof(e.person_id));

	assert_int_equal(oc_dir_enroll(dir, &e.ent, &e.person, &e.card, e.certs, 0, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, OC_DIR_REFUSED_NO_CERTS);
	assert_int_equal(
		oc_dir_enroll(dir, &e.ent, &e.person, &e.card, e.certs, OC_DIR_CERTS_MAX + 1, &why),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(why, OC_DIR_REFUSED_TOO_MANY_CERTS);

	/* A serial that is not the DER's own. */
	saved = e.certs[1];
	e.certs[1].serial[0] = e.certs[1].serial[0] == '1' ? '2' : '1';
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_CERT);
	e.certs[1] = saved;
	memcpy(e.certs[1].agency, "Customs", sizeof("Customs"));
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_BAD_AGENCY);
	e.certs[1] = saved;
	/* The same certificate twice; two for one agency. */
	e.certs[2] = e.certs[0];
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_DUPLICATE_CERT);
	e.certs[2] = saved; /* certs[1] again at index 2 */
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_DUPLICATE_CERT);
	memset(&e.certs[2], 0, sizeof(e.certs[2]));
	{
		struct tleaf spec = {NULL, 0, "customs", NULL, NULL, NULL, NULL, "x"};

		tleaf_cert(&ca, &spec, &e.certs[2]);
	}
	REFUSED(ONECARD_ERR_INVALID_ARG, OC_DIR_REFUSED_DUPLICATE_AGENCY);
#undef REFUSED
	assert_unchanged(&e, &before);
	enr_free(&e);
	oc_dir_cert_clear(&orig2);
}

static void certificate_on_another_card(void **state)
{
	struct enr owner, e;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	struct oc_dir_cert taken;

	(void)state;
	enr_new(&owner, "First Owner Co., Ltd.", "甲");
	enroll_ok(&owner);
	enr_new(&e, "Second Claimant Co., Ltd.", "乙");
	/* The third certificate (maritime) is on owner's card already. */
	oc_dir_cert_clear(&e.certs[2]);
	assert_int_equal(
		oc_dir_cert_from_der(owner.certs[2].der, owner.certs[2].der_len, &taken, NULL),
		ONECARD_OK);
	e.certs[2] = taken;
	snapshot(&e, &before);
	assert_string_equal(before.cert_card[2], owner.card_id);
	assert_int_equal(enroll(dir, &e, &why), ONECARD_ERR_EXISTS);
	assert_int_equal(why, OC_DIR_REFUSED_CERT_EXISTS);
	assert_unchanged(&e, &before);
	enr_free(&e);
	enr_free(&owner);
}

/* ---- failures in the middle: everything added is removed -------------------- */

static void rollback_at_every_write(void **state)
{
	struct enr e;
	struct snap before;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	const int writes = 3 + N_AGENCIES; /* enterprise, person, card, certificates */
	int k;

	(void)state;
	enr_new(&e, "Rollback Test Co., Ltd.", "丙");
	snapshot(&e, &before);
	assert_false(before.ent);
	for (k = 1; k <= writes; k++) {
		fault_arm(k, FAULT_REFUSE, NULL, NULL);
		assert_int_equal(enroll(dir, &e, &why), ONECARD_ERR_INVALID_ARG);
		assert_int_equal(why, OC_DIR_REFUSED_BY_DIRECTORY);
		assert_int_equal(fault_reset(), k); /* it stopped at the refused add */
		/* The server's reason, not the undo's. */
		assert_non_null(strstr(oc_dir_diagnostic(dir), "add"));
		assert_unchanged(&e, &before);
	}
	/* With nothing left behind, the same enrollment goes through. */
	fault_reset();
	enroll_ok(&e);

	/* A second card for the now registered person: only the card and
	 * its certificates are this call's, and only they are undone. */
	tunique("card", e.card_id, sizeof(e.card_id));
	memcpy(e.card.id, e.card_id, sizeof(e.card_id));
	enr_certs(&e, N_AGENCIES);
	snapshot(&e, &before);
	assert_true(before.ent);
	assert_true(before.person);
	for (k = 1; k <= 1 + N_AGENCIES; k++) {
		fault_arm(k, FAULT_REFUSE, NULL, NULL);
		assert_int_equal(enroll(dir, &e, &why), ONECARD_ERR_INVALID_ARG);
		assert_int_equal(why, OC_DIR_REFUSED_BY_DIRECTORY);
		assert_int_equal(fault_reset(), k);
		assert_unchanged(&e, &before);
	}
	fault_reset();
	enr_free(&e);
}

/* Run from inside the fault wrapper, just before our third certificate
 * is added: another client enrolls a card carrying that certificate. */
struct race {
	struct enr *rival;
	int result;
};

static void rival_enrolls(void *arg)
{
	struct race *race = arg;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;

	race->result = enroll(dir2, race->rival, &why);
}

static void rollback_when_the_uniqueness_overlay_refuses(void **state)
{
	struct enr e, rival;
	struct snap before;
	struct race race;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	char on[OC_DIR_CARD_ID_MAX + 1];

	(void)state;
	enr_new(&e, "Overlay Race Co., Ltd.", "丁");
	enr_new(&rival, "Rival Co., Ltd.", "戊");
	enr_certs(&rival, 1);
	oc_dir_cert_clear(&rival.certs[0]);
	assert_int_equal(
		oc_dir_cert_from_der(e.certs[2].der, e.certs[2].der_len, &rival.certs[0], NULL),
		ONECARD_OK);
	snapshot(&e, &before);
	race.rival = &rival;
	race.result = ONECARD_ERR_INTERNAL;
	/* Adds: enterprise 1, person 2, card 3, certificates 4, 5, 6... */
	fault_arm(6, FAULT_CALLBACK, rival_enrolls, &race);
	assert_int_equal(enroll(dir, &e, &why), ONECARD_ERR_EXISTS);
	fault_reset();
	assert_int_equal(race.result, ONECARD_OK);
	assert_int_equal(why, OC_DIR_REFUSED_CERT_EXISTS);
	/* slapo-unique refused it; everything of ours is gone... */
	assert_false(exists_enterprise(e.uscc));
	assert_false(exists_person(e.person_id));
	assert_int_equal(card_entries(e.card_id), 0);
	cert_card(&e.certs[0], on);
	assert_string_equal(on, "");
	/* ...and the rival's card, which won, is whole. */
	cert_card(&e.certs[2], on);
	assert_string_equal(on, rival.card_id);
	assert_int_equal(card_entries(rival.card_id), 2);
	assert_int_equal(count_ours_under_cards(), before.ours + 2);
	enr_free(&rival);
	enr_free(&e);
}

/* ---- the connection lost around a write ------------------------------------ */

static void lost_replies_are_retried(void **state)
{
	struct enr e;
	struct oc_dir_card_info *info = NULL;

	(void)state;
	/* The card's add done but its answer lost: the retry finds the
	 * card there, which is ours. */
	enr_new(&e, "Lost Reply Co., Ltd.", "己");
	fault_arm(3, FAULT_DOWN_AFTER, NULL, NULL);
	enroll_ok(&e);
	assert_int_equal(fault_reset(), 3 + 1 + N_AGENCIES); /* one retry */
	assert_int_equal(oc_dir_get_card(dir, e.card_id, &info), ONECARD_OK);
	assert_int_equal(info->n_certs, N_AGENCIES);
	oc_dir_card_info_free(info);
	enr_free(&e);

	/* The connection found dead before a certificate's add. */
	enr_new(&e, "Dead Link Co., Ltd.", "庚");
	fault_arm(5, FAULT_DOWN_BEFORE, NULL, NULL);
	enroll_ok(&e);
	assert_int_equal(fault_reset(), 3 + 1 + N_AGENCIES);
	assert_int_equal(card_entries(e.card_id), 1 + N_AGENCIES);
	enr_free(&e);

	/* The enterprise's answer lost: the retry finds it, checks it, goes on. */
	enr_new(&e, "Lost Enterprise Reply Co., Ltd.", "辛");
	fault_arm(1, FAULT_DOWN_AFTER, NULL, NULL);
	enroll_ok(&e);
	fault_reset();
	assert_true(exists_enterprise(e.uscc));
	assert_int_equal(card_entries(e.card_id), 1 + N_AGENCIES);
	enr_free(&e);
}

/* ---- hostile lookups ---------------------------------------------------- */

static void hostile_lookups_match_nothing(void **state)
{
	struct tca odd;
	struct enr e;
	struct oc_dir_found f;
	struct tleaf spec;
	char issuer[OC_DIR_ISSUER_MAX + 64], half[OC_DIR_ISSUER_MAX + 1];
	size_t i, len;
	static const char *const bad_serials[] = {
		"*", "**", "1*", "*)(objectClass=*", ")(|(onecardCertSerial=*", "\\2a", "\\",
		"(", ")",  "0",
	};

	(void)state;
	/* A CA whose name holds every filter special: its issuer string
	 * must go into filters escaped and still match exactly. */
	tca_new("Odd (CA) * \\ 上海 \"q\" +;<>", &odd);
	enr_new(&e, "Hostile Lookup Co., Ltd.", "壬");
	memset(&spec, 0, sizeof(spec));
	spec.uid = e.person_id;
	spec.cn = "壬";
	for (i = 0; i < e.n; i++) {
		oc_dir_cert_clear(&e.certs[i]);
		spec.ou = agencies[i];
		tleaf_cert(&odd, &spec, &e.certs[i]);
	}
	enroll_ok(&e);
	assert_non_null(strchr(e.certs[0].issuer, '('));
	assert_non_null(strchr(e.certs[0].issuer, '*'));
	assert_int_equal(oc_dir_find_by_cert(dir, e.certs[0].issuer, e.certs[0].serial, &f),
			 ONECARD_OK);
	assert_string_equal(f.card.id, e.card_id);
	oc_dir_found_clear(&f);

	for (i = 0; i < sizeof(bad_serials) / sizeof(bad_serials[0]); i++) {
		memset(&f, 0x55, sizeof(f));
		assert_int_equal(oc_dir_find_by_cert(dir, e.certs[0].issuer, bad_serials[i], &f),
				 ONECARD_ERR_NOT_FOUND);
		assert_int_equal(f.card.status, OC_DIR_STATUS_UNKNOWN);
		assert_null(f.cert.der);
	}
	/* Issuers: a wildcard, a prefix with a wildcard, injections. */
	assert_int_equal(oc_dir_find_by_cert(dir, "*", e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	len = strlen(e.certs[0].issuer) / 2;
	memcpy(half, e.certs[0].issuer, len);
	half[len] = '*';
	half[len + 1] = '\0';
	assert_int_equal(oc_dir_find_by_cert(dir, half, e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	(void)snprintf(issuer, sizeof(issuer), "%s)(objectClass=*", e.certs[0].issuer);
	assert_int_equal(oc_dir_find_by_cert(dir, issuer, e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, "*)(objectClass=*", "*", &f),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, "CN=上海*", "*", &f), ONECARD_ERR_NOT_FOUND);
	/* Values that cannot be stored: empty, too long, not UTF-8. */
	assert_int_equal(oc_dir_find_by_cert(dir, "", e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, e.certs[0].issuer, "", &f),
			 ONECARD_ERR_NOT_FOUND);
	memset(issuer, 'A', OC_DIR_ISSUER_MAX + 1);
	issuer[OC_DIR_ISSUER_MAX + 1] = '\0';
	assert_int_equal(oc_dir_find_by_cert(dir, issuer, e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, "CN=\xff", e.certs[0].serial, &f),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, NULL, NULL, &f), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_cert(dir, "CN=x", "1", NULL), ONECARD_ERR_INVALID_ARG);
	/* By SHA-256. */
	assert_int_equal(oc_dir_find_by_sha256(dir, "*", &f), ONECARD_ERR_NOT_FOUND);
	(void)snprintf(half, sizeof(half), "%.10s*", e.certs[0].sha256);
	assert_int_equal(oc_dir_find_by_sha256(dir, half, &f), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_dir_find_by_sha256(dir, "*)(objectClass=*", &f), ONECARD_ERR_NOT_FOUND);
	/* And the lookups still work. */
	assert_int_equal(oc_dir_find_by_sha256(dir, e.certs[3].sha256, &f), ONECARD_OK);
	assert_string_equal(f.cert.agency, "border");
	oc_dir_found_clear(&f);
	/* show: ids are checked, not searched. */
	{
		struct oc_dir_card_info *info = (struct oc_dir_card_info *)&info;

		assert_int_equal(oc_dir_get_card(dir, "*", &info), ONECARD_ERR_INVALID_ARG);
		assert_null(info);
		assert_int_equal(oc_dir_get_card(dir, "no-such-card", &info),
				 ONECARD_ERR_NOT_FOUND);
		assert_null(info);
	}
	enr_free(&e);
	tca_free(&odd);
}

static int setup(void **state)
{
	(void)state;
	dir = tdir_open();
	dir2 = tdir_open();
	tca_new("onecard Test Issuing CA", &ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tca_free(&ca);
	oc_dir_free(dir2);
	oc_dir_free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping),
		cmocka_unit_test(enroll_then_find_each_certificate),
		cmocka_unit_test(chinese_enterprise_name),
		cmocka_unit_test(second_card_for_a_registered_person),
		cmocka_unit_test(suspend_and_activate),
		cmocka_unit_test(login_one_certificate),
		cmocka_unit_test(login_four_certificates_of_one_card),
		cmocka_unit_test(login_most_certificates),
		cmocka_unit_test(login_certificate_on_no_card),
		cmocka_unit_test(login_certificates_of_two_cards),
		cmocka_unit_test(login_refused_arguments),
		cmocka_unit_test(login_suspensions),
		cmocka_unit_test(same_card_id_again),
		cmocka_unit_test(person_of_another_enterprise),
		cmocka_unit_test(refused_by_registered_entries),
		cmocka_unit_test(refused_inputs),
		cmocka_unit_test(certificate_on_another_card),
		cmocka_unit_test(rollback_at_every_write),
		cmocka_unit_test(rollback_when_the_uniqueness_overlay_refuses),
		cmocka_unit_test(lost_replies_are_retried),
		cmocka_unit_test(hostile_lookups_match_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
