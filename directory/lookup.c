/*
 * Lookups: a certificate to its card, holder and enterprise (what authd
 * asks at each login, docs/directory.md "Lookups authd makes at login"),
 * a card with everything on it (show), and a person with their
 * enterprise (the re-check of a password session).
 *
 * Every filter is built from escaped values (escape.c). A holder or an
 * enterprise that cannot be read leaves its fields empty and its status
 * UNKNOWN rather than failing the lookup: the caller sees the card and
 * fails closed on the status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

/* ---- reading entries ------------------------------------------------------- */

static const char *const cert_attrs[] = {
	"onecardCertSerial", "onecardCertIssuer",      "onecardCertSha256",
	"onecardAgency",     "userCertificate;binary",
};
#define CERT_NATTRS (sizeof(cert_attrs) / sizeof(cert_attrs[0]))

static int cert_from_entry(const struct dir_entry *e, struct oc_dir_cert *c)
{
	const struct dir_values *der = &e->attr[4];
	int r;

	memset(c, 0, sizeof(*c));
	r = dir_value_text(&e->attr[0], 0, c->serial, sizeof(c->serial));
	if (r == ONECARD_OK) {
		r = dir_value_text(&e->attr[1], 0, c->issuer, sizeof(c->issuer));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&e->attr[2], 0, c->sha256, sizeof(c->sha256));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&e->attr[3], 0, c->agency, sizeof(c->agency));
	}
	if (r != ONECARD_OK) {
		memset(c, 0, sizeof(*c));
		return r;
	}
	if (der->n > 1) {
		return ONECARD_ERR_DIRECTORY;
	}
	if (der->n == 1) {
		if (der->v[0].len == 0 || der->v[0].len > OC_DIR_CERT_DER_MAX) {
			return ONECARD_ERR_TOO_LARGE;
		}
		c->der = malloc(der->v[0].len);
		if (c->der == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		memcpy(c->der, der->v[0].data, der->v[0].len);
		c->der_len = der->v[0].len;
	}
	return ONECARD_OK;
}

/* Reads the card at dn; its holder's DN into holder_dn. NOT_FOUND when
 * there is no card there. */
static int read_card(struct oc_dir *dir, const char *dn, struct oc_dir_card *card,
		     char holder_dn[DIR_DN_MAX])
{
	static const char *const attrs[] = {"onecardCardId", "onecardHolder", "onecardStatus",
					    "onecardSuspendedReason"};
	struct dir_entries res = {0, NULL};
	int r;

	memset(card, 0, sizeof(*card));
	holder_dn[0] = '\0';
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, "(objectClass=onecardCard)", attrs, 4, 1,
			    &res);
	if (r == ONECARD_OK && res.n != 1) {
		r = ONECARD_ERR_NOT_FOUND;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_value_text(&res.e[0].attr[0], 0, card->id, sizeof(card->id));
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[1], 0, holder_dn, DIR_DN_MAX);
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[3], DIR_TEXT_OPTIONAL, card->suspended_reason,
				   sizeof(card->suspended_reason));
	}
	card->status = dir_status_parse(&res.e[0].attr[2]);
out:
	if (r != ONECARD_OK) {
		memset(card, 0, sizeof(*card));
		holder_dn[0] = '\0';
	}
	dir_entries_free(&res);
	return r;
}

/* Reads the person at dn; the enterprise's DN into ent_dn. A person who
 * is not there (or not a person) is no error: *p stays zeroed, status
 * UNKNOWN. */
static int read_person(struct oc_dir *dir, const char *dn, struct oc_dir_person *p,
		       char ent_dn[DIR_DN_MAX])
{
	static const char *const attrs[] = {"uid", "cn", "onecardStatus", "onecardSuspendedReason",
					    "onecardEnterpriseRef"};
	struct dir_entries res = {0, NULL};
	int r;

	memset(p, 0, sizeof(*p));
	ent_dn[0] = '\0';
	if (dn[0] == '\0') {
		return ONECARD_OK;
	}
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, "(objectClass=onecardPerson)", attrs, 5,
			    1, &res);
	if (r == ONECARD_ERR_NOT_FOUND || (r == ONECARD_OK && res.n != 1)) {
		r = ONECARD_OK;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	/* uid is the token's sub: exactly one value, or the entry is not
	 * one this library wrote. */
	r = dir_value_text(&res.e[0].attr[0], 0, p->id, sizeof(p->id));
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[1], DIR_TEXT_FIRST | DIR_TEXT_OPTIONAL, p->name,
				   sizeof(p->name));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[3], DIR_TEXT_OPTIONAL, p->suspended_reason,
				   sizeof(p->suspended_reason));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[4], DIR_TEXT_OPTIONAL, ent_dn, DIR_DN_MAX);
	}
	p->status = dir_status_parse(&res.e[0].attr[2]);
out:
	if (r != ONECARD_OK) {
		memset(p, 0, sizeof(*p));
		ent_dn[0] = '\0';
	}
	dir_entries_free(&res);
	return r;
}

/* Reads the enterprise at dn; one that is not there leaves *ent zeroed. */
static int read_enterprise(struct oc_dir *dir, const char *dn, struct oc_dir_enterprise *ent)
{
	static const char *const attrs[] = {"onecardUscc", "o", "onecardStatus",
					    "onecardSuspendedReason"};
	struct dir_entries res = {0, NULL};
	int r;

	memset(ent, 0, sizeof(*ent));
	if (dn[0] == '\0') {
		return ONECARD_OK;
	}
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, "(objectClass=onecardEnterprise)", attrs,
			    4, 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND || (r == ONECARD_OK && res.n != 1)) {
		r = ONECARD_OK;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_value_text(&res.e[0].attr[0], 0, ent->uscc, sizeof(ent->uscc));
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[1], DIR_TEXT_FIRST, ent->name, sizeof(ent->name));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[3], DIR_TEXT_OPTIONAL, ent->suspended_reason,
				   sizeof(ent->suspended_reason));
	}
	ent->status = dir_status_parse(&res.e[0].attr[2]);
out:
	if (r != ONECARD_OK) {
		memset(ent, 0, sizeof(*ent));
	}
	dir_entries_free(&res);
	return r;
}

int dir_read_enterprise(struct oc_dir *dir, const char *dn, struct oc_dir_enterprise *ent)
{
	return read_enterprise(dir, dn, ent);
}

/* The card at card_dn, its holder and the holder's enterprise. */
int dir_read_owner(struct oc_dir *dir, const char *card_dn, struct oc_dir_card *card,
		   struct oc_dir_person *person, struct oc_dir_enterprise *ent)
{
	char holder_dn[DIR_DN_MAX], ent_dn[DIR_DN_MAX];
	int r;

	r = read_card(dir, card_dn, card, holder_dn);
	if (r != ONECARD_OK) {
		return r;
	}
	r = read_person(dir, holder_dn, person, ent_dn);
	if (r != ONECARD_OK) {
		return r;
	}
	r = read_enterprise(dir, ent_dn, ent);
	if (r != ONECARD_OK) {
		return r;
	}
	/* The references, in ids. */
	memcpy(card->holder, person->id, sizeof(card->holder));
	memcpy(person->enterprise_uscc, ent->uscc, sizeof(person->enterprise_uscc));
	return ONECARD_OK;
}

/* ---- a person and their enterprise ------------------------------------------ */

int oc_dir_find_person(struct oc_dir *dir, const char *person_id, struct oc_dir_pw_owner *out)
{
	struct oc_dir_pw_owner o;
	char dn[DIR_DN_MAX], ent_dn[DIR_DN_MAX];
	int r = ONECARD_ERR_INTERNAL;

	memset(&o, 0, sizeof(o));
	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(out, 0, sizeof(*out));
	if (dir == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!dir_valid_id(person_id, OC_DIR_PERSON_ID_MAX)) {
		dir_conn_set_diag(dir->conn, "not a person id");
		return ONECARD_ERR_INVALID_ARG;
	}
	r = dir_person_dn(dir, person_id, dn, sizeof(dn));
	if (r != ONECARD_OK) {
		goto out;
	}
	/* A person who is not there (or an entry that is not a person)
	 * comes back zeroed. */
	r = read_person(dir, dn, &o.person, ent_dn);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* The DN matched without regard to case; the id must be exact. */
	if (o.person.id[0] == '\0' || strcmp(o.person.id, person_id) != 0) {
		dir_conn_set_diag(dir->conn, "");
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = read_enterprise(dir, ent_dn, &o.enterprise);
	if (r != ONECARD_OK) {
		goto out;
	}
	memcpy(o.person.enterprise_uscc, o.enterprise.uscc, sizeof(o.person.enterprise_uscc));
	*out = o;
	r = ONECARD_OK;
out:
	if (r == ONECARD_ERR_TOO_LARGE) {
		/* A value over its maximum, or too many: not an entry this
		 * library wrote. */
		dir_conn_set_diag(dir->conn, "the person's or the enterprise's entry breaks the "
					     "schema (a value too long or repeated)");
		r = ONECARD_ERR_DIRECTORY;
	}
	return r;
}

int oc_dir_owner_active(const struct oc_dir_pw_owner *owner)
{
	return owner != NULL && owner->person.status == OC_DIR_STATUS_ACTIVE &&
	       owner->enterprise.status == OC_DIR_STATUS_ACTIVE;
}

/* ---- find by certificate --------------------------------------------------- */

/* A value that could be stored: 1..max bytes of UTF-8. */
static int could_match(const char *s, size_t max)
{
	size_t len = s == NULL ? 0 : strnlen(s, max + 1);

	return len > 0 && len <= max && dir_valid_utf8((const unsigned char *)s, len);
}

static int find(struct oc_dir *dir, const char *filter, struct oc_dir_found *found)
{
	struct dir_entries res = {0, NULL};
	char card_dn[DIR_DN_MAX];
	struct oc_dir_found f;
	int r;

	memset(&f, 0, sizeof(f));
	r = dir_ldap_search(dir->conn, dir->cards, DIR_SCOPE_SUB, filter, cert_attrs, CERT_NATTRS,
			    2, &res);
	if (r == ONECARD_ERR_TOO_LARGE || (r == ONECARD_OK && res.n > 1)) {
		/* slapo-unique keeps sha256 unique and enroll keeps issuer
		 * and serial unique; two entries mean someone wrote around
		 * both. Fail closed. */
		dir_conn_set_diag(dir->conn, "more than one entry for one certificate");
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	if (r == ONECARD_ERR_NOT_FOUND) {
		/* ou=cards itself is missing: a broken tree, not a miss. */
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (res.n == 0) {
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = cert_from_entry(&res.e[0], &f.cert);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_ldap_dn_parent(res.e[0].dn, card_dn, sizeof(card_dn));
	if (r != ONECARD_OK) {
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	r = dir_read_owner(dir, card_dn, &f.card, &f.person, &f.enterprise);
	if (r == ONECARD_ERR_NOT_FOUND) {
		dir_conn_set_diag(dir->conn, "a certificate entry that is not under a card");
		r = ONECARD_ERR_DIRECTORY;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*found = f;
	memset(&f, 0, sizeof(f));
	r = ONECARD_OK;
out:
	oc_dir_found_clear(&f);
	dir_entries_free(&res);
	return r;
}

int oc_dir_find_by_cert(struct oc_dir *dir, const char *issuer_dn, const char *serial_hex,
			struct oc_dir_found *found)
{
	char serial[DIR_FILTER_MAX], issuer[DIR_FILTER_MAX], filter[DIR_FILTER_MAX];
	int n;

	if (found == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(found, 0, sizeof(*found));
	if (dir == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!could_match(issuer_dn, OC_DIR_ISSUER_MAX) ||
	    !could_match(serial_hex, OC_DIR_SERIAL_HEX_MAX)) {
		dir_conn_set_diag(dir->conn, "");
		return ONECARD_ERR_NOT_FOUND;
	}
	if (dir_filter_eq(serial, sizeof(serial), "onecardCertSerial", serial_hex) != ONECARD_OK ||
	    dir_filter_eq(issuer, sizeof(issuer), "onecardCertIssuer", issuer_dn) != ONECARD_OK) {
		return ONECARD_ERR_TOO_LARGE;
	}
	n = snprintf(filter, sizeof(filter), "(&(objectClass=onecardCertificate)%s%s)", serial,
		     issuer);
	if (n < 0 || (size_t)n >= sizeof(filter)) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return find(dir, filter, found);
}

int oc_dir_find_by_sha256(struct oc_dir *dir, const char *sha256_hex, struct oc_dir_found *found)
{
	char sha[DIR_FILTER_MAX], filter[DIR_FILTER_MAX];
	int n;

	if (found == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(found, 0, sizeof(*found));
	if (dir == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!could_match(sha256_hex, OC_DIR_SHA256_HEX_LEN)) {
		dir_conn_set_diag(dir->conn, "");
		return ONECARD_ERR_NOT_FOUND;
	}
	if (dir_filter_eq(sha, sizeof(sha), "onecardCertSha256", sha256_hex) != ONECARD_OK) {
		return ONECARD_ERR_TOO_LARGE;
	}
	n = snprintf(filter, sizeof(filter), "(&(objectClass=onecardCertificate)%s)", sha);
	if (n < 0 || (size_t)n >= sizeof(filter)) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return find(dir, filter, found);
}

int oc_dir_found_active(const struct oc_dir_found *found)
{
	return found != NULL && found->card.status == OC_DIR_STATUS_ACTIVE &&
	       found->person.status == OC_DIR_STATUS_ACTIVE &&
	       found->enterprise.status == OC_DIR_STATUS_ACTIVE;
}

void oc_dir_found_clear(struct oc_dir_found *found)
{
	if (found == NULL) {
		return;
	}
	oc_dir_cert_clear(&found->cert);
	memset(found, 0, sizeof(*found));
}

/* ---- a card with everything on it ------------------------------------------ */

static int by_agency(const void *a, const void *b)
{
	const struct oc_dir_cert *x = a, *y = b;

	return strcmp(x->agency, y->agency);
}

int oc_dir_get_card(struct oc_dir *dir, const char *card_id, struct oc_dir_card_info **out)
{
	struct oc_dir_card_info *info = NULL;
	struct dir_entries res = {0, NULL};
	char card_dn[DIR_DN_MAX];
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (dir == NULL || !dir_valid_id(card_id, OC_DIR_CARD_ID_MAX)) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = dir_card_dn(dir, card_id, card_dn, sizeof(card_dn));
	if (r != ONECARD_OK) {
		goto out;
	}
	info = calloc(1, sizeof(*info));
	if (info == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = dir_read_owner(dir, card_dn, &info->card, &info->person, &info->enterprise);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_ldap_search(dir->conn, card_dn, DIR_SCOPE_ONE, "(objectClass=onecardCertificate)",
			    cert_attrs, CERT_NATTRS, OC_DIR_CERTS_MAX, &res);
	if (r != ONECARD_OK) {
		goto out; /* NOT_FOUND: deleted meanwhile */
	}
	for (i = 0; i < res.n; i++) {
		r = cert_from_entry(&res.e[i], &info->certs[i]);
		info->n_certs = i + 1;
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	qsort(info->certs, info->n_certs, sizeof(info->certs[0]), by_agency);
	*out = info;
	info = NULL;
	r = ONECARD_OK;
out:
	oc_dir_card_info_free(info);
	dir_entries_free(&res);
	return r;
}

void oc_dir_card_info_free(struct oc_dir_card_info *info)
{
	size_t i;

	if (info == NULL) {
		return;
	}
	for (i = 0; i < info->n_certs && i < OC_DIR_CERTS_MAX; i++) {
		oc_dir_cert_clear(&info->certs[i]);
	}
	free(info);
}
