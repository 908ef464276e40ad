/*
 * Enrollment: enterprise, person, card and its certificates, as one call.
 *
 * LDAP has no transactions, so this is a saga: every entry this call
 * adds is recorded, and when a later step fails they are deleted again,
 * newest first (certificates, card, person, enterprise), so that the
 * directory is left as it was. Reads and checks come first, so that the
 * common refusals (card taken, certificate taken, person of another
 * enterprise) never write at all; the writes then still handle the
 * server refusing (a concurrent enrollment, the overlays of
 * ldap/overlays.ldif) by undoing.
 *
 * An add whose connection was cut off and that, retried after the
 * reconnect, finds its entry already there may have succeeded the first
 * time. For the card and its certificates, which this call checked were
 * absent just before, the entry is taken as this call's own (and undone
 * with the rest); an enterprise or person is taken as someone else's and
 * re-checked, so that undoing never deletes what another enrollment
 * made (at worst an unused enterprise or person is left behind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

#define ADDED_MAX (3u + OC_DIR_CERTS_MAX)

struct enroll {
	struct oc_dir *dir;
	const struct oc_dir_enterprise *ent;
	const struct oc_dir_person *person;
	const struct oc_dir_card *card;
	const struct oc_dir_cert *certs;
	size_t n;
	char ent_dn[DIR_DN_MAX];
	char person_dn[DIR_DN_MAX];
	char card_dn[DIR_DN_MAX];
	int ent_present;
	int person_present;
	char added[ADDED_MAX][DIR_DN_MAX]; /* in the order added */
	size_t n_added;
};

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void mod_text(struct dir_mod *m, const char *attr, const char *value)
{
	memset(m, 0, sizeof(*m));
	m->op = DIR_MOD_REPLACE;
	m->attr = attr;
	m->vals[0].data = value;
	m->vals[0].len = strlen(value);
	m->n = 1;
}

/* ---- checks without the server --------------------------------------------- */

static int same_cert(const struct oc_dir_cert *a, const struct oc_dir_cert *b)
{
	/* One serial under one card names one entry, whatever the issuer. */
	return strcmp(a->sha256, b->sha256) == 0 || strcmp(a->serial, b->serial) == 0;
}

static int check_certs(const struct oc_dir_cert *certs, size_t n, enum oc_dir_refusal *why)
{
	size_t i, j;
	const struct oc_dir_cert *c;

	if (n == 0) {
		*why = OC_DIR_REFUSED_NO_CERTS;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (n > OC_DIR_CERTS_MAX) {
		*why = OC_DIR_REFUSED_TOO_MANY_CERTS;
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < n; i++) {
		c = &certs[i];
		if (!terminated(c->serial, sizeof(c->serial)) ||
		    !terminated(c->issuer, sizeof(c->issuer)) ||
		    !terminated(c->sha256, sizeof(c->sha256)) || !dir_valid_serial(c->serial) ||
		    !dir_valid_sha256(c->sha256) || c->issuer[0] == '\0' ||
		    !dir_valid_utf8((const unsigned char *)c->issuer, strlen(c->issuer)) ||
		    !dir_cert_matches_der(c)) {
			*why = OC_DIR_REFUSED_BAD_CERT;
			return ONECARD_ERR_INVALID_ARG;
		}
		if (!terminated(c->agency, sizeof(c->agency)) || !dir_valid_agency(c->agency)) {
			*why = OC_DIR_REFUSED_BAD_AGENCY;
			return ONECARD_ERR_INVALID_ARG;
		}
		for (j = 0; j < i; j++) {
			if (same_cert(&certs[j], c)) {
				*why = OC_DIR_REFUSED_DUPLICATE_CERT;
				return ONECARD_ERR_INVALID_ARG;
			}
			if (strcmp(certs[j].agency, c->agency) == 0) {
				*why = OC_DIR_REFUSED_DUPLICATE_AGENCY;
				return ONECARD_ERR_INVALID_ARG;
			}
		}
	}
	return ONECARD_OK;
}

static int check_inputs(const struct enroll *e, enum oc_dir_refusal *why)
{
	const struct oc_dir_enterprise *ent = e->ent;
	const struct oc_dir_person *p = e->person;
	const struct oc_dir_card *card = e->card;

	if (!terminated(ent->uscc, sizeof(ent->uscc)) || !dir_valid_uscc(ent->uscc)) {
		*why = OC_DIR_REFUSED_BAD_USCC;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!terminated(ent->name, sizeof(ent->name)) ||
	    (ent->name[0] != '\0' && !dir_valid_text(ent->name, 1, OC_DIR_NAME_MAX))) {
		*why = OC_DIR_REFUSED_BAD_ENTERPRISE_NAME;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!terminated(p->id, sizeof(p->id)) || !dir_valid_id(p->id, OC_DIR_PERSON_ID_MAX)) {
		*why = OC_DIR_REFUSED_BAD_PERSON_ID;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!terminated(p->name, sizeof(p->name)) ||
	    (p->name[0] != '\0' && !dir_valid_text(p->name, 1, OC_DIR_NAME_MAX))) {
		*why = OC_DIR_REFUSED_BAD_PERSON_NAME;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!terminated(card->id, sizeof(card->id)) ||
	    !dir_valid_id(card->id, OC_DIR_CARD_ID_MAX)) {
		*why = OC_DIR_REFUSED_BAD_CARD_ID;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!terminated(p->enterprise_uscc, sizeof(p->enterprise_uscc)) ||
	    !terminated(card->holder, sizeof(card->holder)) ||
	    (p->enterprise_uscc[0] != '\0' && strcmp(p->enterprise_uscc, ent->uscc) != 0) ||
	    (card->holder[0] != '\0' && strcmp(card->holder, p->id) != 0)) {
		*why = OC_DIR_REFUSED_MISMATCHED_REFS;
		return ONECARD_ERR_INVALID_ARG;
	}
	return check_certs(e->certs, e->n, why);
}

/* ---- reads ----------------------------------------------------------------- */

/* Reads the enterprise; *present 0 when there is none. A present one is
 * held to the rules: same name when one is given, active. */
static int read_enterprise(struct enroll *e, int *present, enum oc_dir_refusal *why)
{
	static const char *const attrs[] = {"o", "onecardStatus"};
	struct dir_entries res = {0, NULL};
	char name[OC_DIR_NAME_MAX + 1];
	int r;

	*present = 0;
	r = dir_ldap_search(e->dir->conn, e->ent_dn, DIR_SCOPE_BASE,
			    "(objectClass=onecardEnterprise)", attrs, 2, 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND) {
		r = ONECARD_OK;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (res.n != 1) {
		dir_conn_set_diag(e->dir->conn,
				  "the enterprise's entry is not an onecardEnterprise");
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	*present = 1;
	r = dir_value_text(&res.e[0].attr[0], DIR_TEXT_FIRST, name, sizeof(name));
	if (r != ONECARD_OK) {
		goto out;
	}
	if (e->ent->name[0] != '\0' && strcmp(name, e->ent->name) != 0) {
		*why = OC_DIR_REFUSED_ENTERPRISE_NAME;
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	if (dir_status_parse(&res.e[0].attr[1]) != OC_DIR_STATUS_ACTIVE) {
		*why = OC_DIR_REFUSED_ENTERPRISE_SUSPENDED;
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = ONECARD_OK;
out:
	dir_entries_free(&res);
	return r;
}

/* Reads the person; *present 0 when there is none. A present one must
 * act for this enterprise, carry the name given (if any), be active. */
static int read_person(struct enroll *e, int *present, enum oc_dir_refusal *why)
{
	static const char *const attrs[] = {"cn", "onecardStatus"};
	char filter[DIR_FILTER_MAX], ref[DIR_FILTER_MAX];
	struct dir_entries res = {0, NULL}, same = {0, NULL};
	char name[OC_DIR_NAME_MAX + 1];
	int r, len;

	*present = 0;
	r = dir_ldap_search(e->dir->conn, e->person_dn, DIR_SCOPE_BASE,
			    "(objectClass=onecardPerson)", attrs, 2, 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND) {
		r = ONECARD_OK;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (res.n != 1) {
		dir_conn_set_diag(e->dir->conn, "the person's entry is not an onecardPerson");
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	*present = 1;
	/* The server compares the reference (distinguishedNameMatch), so
	 * spelling differences in the stored DN do not matter. */
	r = dir_filter_eq(ref, sizeof(ref), "onecardEnterpriseRef", e->ent_dn);
	if (r != ONECARD_OK) {
		goto out;
	}
	len = snprintf(filter, sizeof(filter), "(&(objectClass=onecardPerson)%s)", ref);
	if (len < 0 || (size_t)len >= sizeof(filter)) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = dir_ldap_search(e->dir->conn, e->person_dn, DIR_SCOPE_BASE, filter, attrs, 1, 1, &same);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (same.n != 1) {
		*why = OC_DIR_REFUSED_PERSON_ENTERPRISE;
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	r = dir_value_text(&res.e[0].attr[0], DIR_TEXT_FIRST, name, sizeof(name));
	if (r != ONECARD_OK) {
		goto out;
	}
	if (e->person->name[0] != '\0' && strcmp(name, e->person->name) != 0) {
		*why = OC_DIR_REFUSED_PERSON_NAME;
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	if (dir_status_parse(&res.e[0].attr[1]) != OC_DIR_STATUS_ACTIVE) {
		*why = OC_DIR_REFUSED_PERSON_SUSPENDED;
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = ONECARD_OK;
out:
	dir_entries_free(&same);
	dir_entries_free(&res);
	return r;
}

/* ONECARD_OK when dn does not exist, EXISTS when it does. */
static int check_absent(struct enroll *e, const char *dn)
{
	static const char *const attrs[] = {"1.1"};
	struct dir_entries res = {0, NULL};
	int r;

	r = dir_ldap_search(e->dir->conn, dn, DIR_SCOPE_BASE, "(objectClass=*)", attrs, 1, 1, &res);
	dir_entries_free(&res);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return ONECARD_OK;
	}
	return r == ONECARD_OK ? ONECARD_ERR_EXISTS : r;
}

/* EXISTS when a certificate with c's sha256, or c's issuer and serial,
 * is on any card; ONECARD_OK when none is. */
static int check_cert_unregistered(struct enroll *e, const struct oc_dir_cert *c)
{
	static const char *const attrs[] = {"1.1"};
	char sha[DIR_FILTER_MAX], serial[DIR_FILTER_MAX], issuer[DIR_FILTER_MAX];
	char filter[DIR_FILTER_MAX];
	struct dir_entries res = {0, NULL};
	int r, n;

	if (dir_filter_eq(sha, sizeof(sha), "onecardCertSha256", c->sha256) != ONECARD_OK ||
	    dir_filter_eq(serial, sizeof(serial), "onecardCertSerial", c->serial) != ONECARD_OK ||
	    dir_filter_eq(issuer, sizeof(issuer), "onecardCertIssuer", c->issuer) != ONECARD_OK) {
		return ONECARD_ERR_TOO_LARGE;
	}
	n = snprintf(filter, sizeof(filter), "(&(objectClass=onecardCertificate)(|%s(&%s%s)))", sha,
		     serial, issuer);
	if (n < 0 || (size_t)n >= sizeof(filter)) {
		return ONECARD_ERR_TOO_LARGE;
	}
	r = dir_ldap_search(e->dir->conn, e->dir->cards, DIR_SCOPE_SUB, filter, attrs, 1, 1, &res);
	if (r == ONECARD_OK && res.n > 0) {
		r = ONECARD_ERR_EXISTS;
	} else if (r == ONECARD_ERR_TOO_LARGE) {
		r = ONECARD_ERR_EXISTS; /* more than one: certainly taken */
	}
	dir_entries_free(&res);
	return r;
}

/* ---- writes ---------------------------------------------------------------- */

static int record(struct enroll *e, const char *dn)
{
	size_t len = strlen(dn);

	if (e->n_added >= ADDED_MAX || len >= DIR_DN_MAX) {
		return ONECARD_ERR_INTERNAL;
	}
	memcpy(e->added[e->n_added], dn, len + 1);
	e->n_added++;
	return ONECARD_OK;
}

static int add_enterprise(struct enroll *e, enum oc_dir_refusal *why)
{
	struct dir_mod m[4];
	struct dir_write_info info;
	int r, present = 0;

	mod_text(&m[0], "objectClass", "onecardEnterprise");
	mod_text(&m[1], "o", e->ent->name);
	mod_text(&m[2], "onecardUscc", e->ent->uscc);
	mod_text(&m[3], "onecardStatus", "active");
	r = dir_ldap_add(e->dir->conn, e->ent_dn, m, 4, &info);
	if (r == ONECARD_OK) {
		return record(e, e->ent_dn);
	}
	if (r == ONECARD_ERR_EXISTS) {
		/* Made meanwhile (by another enrollment, or by our own first
		 * attempt): not ours to undo; held to the same rules. */
		r = read_enterprise(e, &present, why);
		if (r == ONECARD_OK && !present) {
			r = ONECARD_ERR_DIRECTORY;
		}
	}
	return r;
}

static int add_person(struct enroll *e, enum oc_dir_refusal *why)
{
	struct dir_mod m[6];
	struct dir_write_info info;
	int r, present = 0;

	mod_text(&m[0], "objectClass", "inetOrgPerson");
	m[0].vals[1].data = "onecardPerson";
	m[0].vals[1].len = strlen("onecardPerson");
	m[0].n = 2;
	mod_text(&m[1], "uid", e->person->id);
	mod_text(&m[2], "cn", e->person->name);
	/* inetOrgPerson needs a surname; a full name cannot be split
	 * reliably (Chinese names, "Co., Ltd."), so sn repeats cn. */
	mod_text(&m[3], "sn", e->person->name);
	mod_text(&m[4], "onecardStatus", "active");
	mod_text(&m[5], "onecardEnterpriseRef", e->ent_dn);
	r = dir_ldap_add(e->dir->conn, e->person_dn, m, 6, &info);
	if (r == ONECARD_OK) {
		return record(e, e->person_dn);
	}
	if (r == ONECARD_ERR_EXISTS) {
		r = read_person(e, &present, why);
		if (r == ONECARD_OK && !present) {
			r = ONECARD_ERR_DIRECTORY;
		}
	}
	return r;
}

static int add_card(struct enroll *e, enum oc_dir_refusal *why)
{
	struct dir_mod m[4];
	struct dir_write_info info;
	int r;

	mod_text(&m[0], "objectClass", "onecardCard");
	mod_text(&m[1], "onecardCardId", e->card->id);
	mod_text(&m[2], "onecardHolder", e->person_dn);
	mod_text(&m[3], "onecardStatus", "active");
	r = dir_ldap_add(e->dir->conn, e->card_dn, m, 4, &info);
	if (r == ONECARD_ERR_EXISTS && info.retried) {
		r = ONECARD_OK; /* our first attempt (see the top of the file) */
	}
	if (r == ONECARD_ERR_EXISTS) {
		*why = OC_DIR_REFUSED_CARD_EXISTS;
		return r;
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return record(e, e->card_dn);
}

static int add_cert(struct enroll *e, const struct oc_dir_cert *c, enum oc_dir_refusal *why)
{
	char dn[DIR_DN_MAX], diag[OC_DIR_DIAG_MAX + 1];
	struct dir_mod m[6];
	struct dir_write_info info;
	int r, taken;

	r = dir_dn_child(dn, sizeof(dn), "onecardCertSerial", c->serial, e->card_dn);
	if (r != ONECARD_OK) {
		return r;
	}
	mod_text(&m[0], "objectClass", "onecardCertificate");
	mod_text(&m[1], "onecardCertSerial", c->serial);
	mod_text(&m[2], "onecardCertIssuer", c->issuer);
	mod_text(&m[3], "onecardAgency", c->agency);
	mod_text(&m[4], "onecardCertSha256", c->sha256);
	memset(&m[5], 0, sizeof(m[5]));
	m[5].attr = "userCertificate;binary";
	m[5].vals[0].data = c->der;
	m[5].vals[0].len = c->der_len;
	m[5].n = 1;
	r = dir_ldap_add(e->dir->conn, dn, m, 6, &info);
	if (r == ONECARD_ERR_EXISTS && info.retried) {
		r = ONECARD_OK;
	}
	if (r == ONECARD_ERR_INVALID_ARG) {
		/* slapo-unique (sha256 on another card, added meanwhile) or
		 * a value the schema refused: tell them apart, keeping the
		 * server's reason as the diagnostic. */
		if (snprintf(diag, sizeof(diag), "%s", oc_dir_diagnostic(e->dir)) < 0) {
			diag[0] = '\0';
		}
		taken = check_cert_unregistered(e, c);
		dir_conn_set_diag(e->dir->conn, diag);
		if (taken == ONECARD_ERR_EXISTS) {
			*why = OC_DIR_REFUSED_CERT_EXISTS;
			return ONECARD_ERR_EXISTS;
		}
		*why = OC_DIR_REFUSED_BY_DIRECTORY;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (r == ONECARD_ERR_EXISTS) {
		*why = OC_DIR_REFUSED_CERT_EXISTS;
		return r;
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return record(e, dn);
}

/* Deletes what this call added, newest first. ONECARD_OK when all of it
 * is gone (an entry already gone counts); else the first failure, with
 * the diagnostic naming the entry left. */
static int rollback(struct enroll *e)
{
	char diag[OC_DIR_DIAG_MAX + 1];
	size_t i;
	int r, first = ONECARD_OK;

	diag[0] = '\0';
	for (i = e->n_added; i > 0; i--) {
		r = dir_ldap_delete(e->dir->conn, e->added[i - 1]);
		if (r == ONECARD_OK || r == ONECARD_ERR_NOT_FOUND) {
			continue;
		}
		if (first == ONECARD_OK) {
			first = r;
			if (snprintf(diag, sizeof(diag), "left behind: %s (%s)", e->added[i - 1],
				     oc_dir_diagnostic(e->dir)) < 0) {
				diag[0] = '\0';
			}
		}
	}
	if (first != ONECARD_OK) {
		dir_conn_set_diag(e->dir->conn, diag);
	}
	e->n_added = 0;
	return first;
}

static int write_entries(struct enroll *e, enum oc_dir_refusal *why)
{
	size_t i;
	int r;

	if (!e->ent_present) {
		r = add_enterprise(e, why);
		if (r != ONECARD_OK) {
			return r;
		}
	}
	if (!e->person_present) {
		r = add_person(e, why);
		if (r != ONECARD_OK) {
			return r;
		}
	}
	r = add_card(e, why);
	if (r != ONECARD_OK) {
		return r;
	}
	for (i = 0; i < e->n; i++) {
		r = add_cert(e, &e->certs[i], why);
		if (r != ONECARD_OK) {
			return r;
		}
	}
	return ONECARD_OK;
}

static int write_all(struct enroll *e, enum oc_dir_refusal *why)
{
	int r;

	r = write_entries(e, why);
	if (r == ONECARD_ERR_INVALID_ARG && *why == OC_DIR_REFUSED_NONE) {
		*why = OC_DIR_REFUSED_BY_DIRECTORY; /* the server refused a value */
	}
	if (r == ONECARD_ERR_NOT_FOUND) {
		/* A parent missing (ou=cards...): a broken tree, not an
		 * answer about the caller's entries. */
		r = ONECARD_ERR_DIRECTORY;
	}
	return r;
}

int oc_dir_enroll(struct oc_dir *dir, const struct oc_dir_enterprise *enterprise,
		  const struct oc_dir_person *person, const struct oc_dir_card *card,
		  const struct oc_dir_cert *certs, size_t n, enum oc_dir_refusal *why)
{
	enum oc_dir_refusal reason = OC_DIR_REFUSED_NONE;
	char diag[OC_DIR_DIAG_MAX + 1];
	struct enroll *e = NULL;
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	if (why != NULL) {
		*why = OC_DIR_REFUSED_NONE;
	}
	if (dir == NULL || enterprise == NULL || person == NULL || card == NULL ||
	    (certs == NULL && n > 0)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	e->dir = dir;
	e->ent = enterprise;
	e->person = person;
	e->card = card;
	e->certs = certs;
	e->n = n;
	dir_conn_set_diag(dir->conn, "");
	r = check_inputs(e, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (dir_enterprise_dn(dir, enterprise->uscc, e->ent_dn, sizeof(e->ent_dn)) != ONECARD_OK ||
	    dir_person_dn(dir, person->id, e->person_dn, sizeof(e->person_dn)) != ONECARD_OK ||
	    dir_card_dn(dir, card->id, e->card_dn, sizeof(e->card_dn)) != ONECARD_OK) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}

	/* Reads: refuse what can be refused before anything is written. */
	r = read_enterprise(e, &e->ent_present, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!e->ent_present && enterprise->name[0] == '\0') {
		reason = OC_DIR_REFUSED_ENTERPRISE_UNKNOWN;
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = read_person(e, &e->person_present, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!e->person_present && person->name[0] == '\0') {
		reason = OC_DIR_REFUSED_PERSON_UNKNOWN;
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = check_absent(e, e->card_dn);
	if (r == ONECARD_ERR_EXISTS) {
		reason = OC_DIR_REFUSED_CARD_EXISTS;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		r = check_cert_unregistered(e, &certs[i]);
		if (r == ONECARD_ERR_EXISTS) {
			reason = OC_DIR_REFUSED_CERT_EXISTS;
		}
		if (r != ONECARD_OK) {
			goto out;
		}
	}

	/* Writes, undone as a whole when one fails. */
	r = write_all(e, &reason);
	if (r != ONECARD_OK && e->n_added > 0) {
		/* Keep the first failure's diagnostic, not the undo's. */
		if (snprintf(diag, sizeof(diag), "%s", oc_dir_diagnostic(dir)) < 0) {
			diag[0] = '\0';
		}
		if (rollback(e) != ONECARD_OK) {
			reason = OC_DIR_REFUSED_ROLLBACK_INCOMPLETE;
			r = ONECARD_ERR_DIRECTORY;
			goto out;
		}
		dir_conn_set_diag(dir->conn, diag);
	}
out:
	if (r == ONECARD_ERR_DIRECTORY && reason == OC_DIR_REFUSED_NONE) {
		reason = OC_DIR_REFUSED_UNAVAILABLE;
	}
	if (why != NULL) {
		*why = r == ONECARD_OK ? OC_DIR_REFUSED_NONE : reason;
	}
	free(e);
	return r;
}
