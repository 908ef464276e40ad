/*
 * The handle: where the tree is (the suffix and its three branches), the
 * connection (dir_ldap.c), the health check, and the small helpers the
 * operations share (entry DNs, reading values, fixed sentences).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

int oc_dir_new(const char *uri, const char *base, const char *bind_dn, const char *password,
	       size_t pw_len, struct oc_dir **out)
{
	struct oc_dir *dir = NULL;
	size_t base_len;
	int r = ONECARD_ERR_INTERNAL, n1, n2, n3;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (base == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	base_len = strnlen(base, OC_DIR_BASE_MAX + 1);
	if (base_len > OC_DIR_BASE_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (base_len == 0 || dir_ldap_dn_check(base) != ONECARD_OK) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	dir = calloc(1, sizeof(*dir));
	if (dir == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(dir->base, base, base_len + 1);
	n1 = snprintf(dir->enterprises, sizeof(dir->enterprises), "ou=enterprises,%s", base);
	n2 = snprintf(dir->people, sizeof(dir->people), "ou=people,%s", base);
	n3 = snprintf(dir->cards, sizeof(dir->cards), "ou=cards,%s", base);
	if (n1 < 0 || n2 < 0 || n3 < 0 || (size_t)n1 >= sizeof(dir->enterprises) ||
	    (size_t)n2 >= sizeof(dir->people) || (size_t)n3 >= sizeof(dir->cards)) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = dir_conn_new(uri, bind_dn, password, pw_len, &dir->conn);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = dir;
	dir = NULL;
	r = ONECARD_OK;
out:
	oc_dir_free(dir);
	return r;
}

int oc_dir_open(const char *uri, const char *base, const char *bind_dn, const char *password,
		size_t pw_len, struct oc_dir **out)
{
	struct oc_dir *dir = NULL;
	int r;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	r = oc_dir_new(uri, base, bind_dn, password, pw_len, &dir);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_conn_connect(dir->conn);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = dir;
	dir = NULL;
out:
	oc_dir_free(dir);
	return r;
}

void oc_dir_free(struct oc_dir *dir)
{
	if (dir == NULL) {
		return;
	}
	dir_conn_free(dir->conn);
	free(dir);
}

void oc_dir_close(struct oc_dir *dir)
{
	oc_dir_free(dir);
}

const char *oc_dir_diagnostic(const struct oc_dir *dir)
{
	if (dir == NULL) {
		return "";
	}
	return dir_conn_diag(dir->conn);
}

int oc_dir_ping(struct oc_dir *dir)
{
	static const char *const attrs[] = {"1.1"};
	struct dir_entries res = {0, NULL};
	int r;

	if (dir == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = dir_ldap_search(dir->conn, dir->base, DIR_SCOPE_BASE, "(objectClass=*)", attrs, 1, 1,
			    &res);
	if (r == ONECARD_OK && res.n != 1) {
		r = ONECARD_ERR_NOT_FOUND;
	}
	dir_entries_free(&res);
	return r;
}

int dir_enterprise_dn(const struct oc_dir *dir, const char *uscc, char *out, size_t cap)
{
	return dir_dn_child(out, cap, "onecardUscc", uscc, dir->enterprises);
}

int dir_person_dn(const struct oc_dir *dir, const char *person_id, char *out, size_t cap)
{
	return dir_dn_child(out, cap, "uid", person_id, dir->people);
}

int dir_card_dn(const struct oc_dir *dir, const char *card_id, char *out, size_t cap)
{
	return dir_dn_child(out, cap, "onecardCardId", card_id, dir->cards);
}

enum oc_dir_status dir_status_parse(const struct dir_values *v)
{
	/* Exactly one value, exactly "active" or "suspended": anything else
	 * (none, two, "Active", "active ") is UNKNOWN, which is not active. */
	if (v->n != 1) {
		return OC_DIR_STATUS_UNKNOWN;
	}
	if (v->v[0].len == 6 && memcmp(v->v[0].data, "active", 6) == 0) {
		return OC_DIR_STATUS_ACTIVE;
	}
	if (v->v[0].len == 9 && memcmp(v->v[0].data, "suspended", 9) == 0) {
		return OC_DIR_STATUS_SUSPENDED;
	}
	return OC_DIR_STATUS_UNKNOWN;
}

int dir_value_text(const struct dir_values *v, unsigned flags, char *out, size_t cap)
{
	const struct dir_value *val;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	out[0] = '\0';
	if (v->n == 0) {
		return (flags & DIR_TEXT_OPTIONAL) != 0 ? ONECARD_OK : ONECARD_ERR_DIRECTORY;
	}
	if (v->n > 1 && (flags & DIR_TEXT_FIRST) == 0) {
		return ONECARD_ERR_DIRECTORY;
	}
	val = &v->v[0];
	if (memchr(val->data, '\0', val->len) != NULL || !dir_valid_utf8(val->data, val->len)) {
		return ONECARD_ERR_DIRECTORY;
	}
	if (val->len >= cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(out, val->data, val->len);
	out[val->len] = '\0';
	return ONECARD_OK;
}

const char *oc_dir_status_str(enum oc_dir_status status)
{
	switch (status) {
	case OC_DIR_STATUS_ACTIVE:
		return "active";
	case OC_DIR_STATUS_SUSPENDED:
		return "suspended";
	case OC_DIR_STATUS_UNKNOWN:
	default:
		return "unknown";
	}
}

const char *oc_dir_refusal_str(enum oc_dir_refusal why)
{
	switch (why) {
	case OC_DIR_REFUSED_NONE:
		return "not refused";
	case OC_DIR_REFUSED_BAD_USCC:
		return "the USCC is not 18 characters of 0-9 A-H J-N P Q R T U W X Y with a valid "
		       "GB 32100 check character";
	case OC_DIR_REFUSED_BAD_ENTERPRISE_NAME:
		return "the enterprise name must be 1 to 128 bytes of UTF-8 text without control "
		       "characters or spaces at either end";
	case OC_DIR_REFUSED_BAD_PERSON_ID:
		return "the person id must be 1 to 64 characters of A-Z a-z 0-9 . _ -";
	case OC_DIR_REFUSED_BAD_PERSON_NAME:
		return "the person name must be 1 to 128 bytes of UTF-8 text without control "
		       "characters or spaces at either end";
	case OC_DIR_REFUSED_BAD_CARD_ID:
		return "the card id must be 1 to 64 characters of A-Z a-z 0-9 . _ -";
	case OC_DIR_REFUSED_MISMATCHED_REFS:
		return "the person's enterprise or the card's holder names someone else";
	case OC_DIR_REFUSED_NO_CERTS:
		return "a card needs at least one certificate";
	case OC_DIR_REFUSED_TOO_MANY_CERTS:
		return "more than 16 certificates for one card";
	case OC_DIR_REFUSED_BAD_CERT:
		return "a certificate does not parse, or its serial, issuer or SHA-256 is not its "
		       "own";
	case OC_DIR_REFUSED_BAD_AGENCY:
		return "an agency is not an agency id (a-z 0-9 -, 1 to 63)";
	case OC_DIR_REFUSED_DUPLICATE_CERT:
		return "the same certificate is given twice";
	case OC_DIR_REFUSED_DUPLICATE_AGENCY:
		return "two certificates are for the same agency";
	case OC_DIR_REFUSED_ENTERPRISE_UNKNOWN:
		return "the enterprise is not registered (give its name to register it)";
	case OC_DIR_REFUSED_ENTERPRISE_NAME:
		return "the enterprise is registered under another name";
	case OC_DIR_REFUSED_ENTERPRISE_SUSPENDED:
		return "the enterprise is suspended";
	case OC_DIR_REFUSED_PERSON_UNKNOWN:
		return "the person is not registered (give a name to register them)";
	case OC_DIR_REFUSED_PERSON_NAME:
		return "the person is registered under another name";
	case OC_DIR_REFUSED_PERSON_ENTERPRISE:
		return "the person is registered for another enterprise";
	case OC_DIR_REFUSED_PERSON_SUSPENDED:
		return "the person is suspended";
	case OC_DIR_REFUSED_CARD_EXISTS:
		return "a card with this id is already registered";
	case OC_DIR_REFUSED_CERT_EXISTS:
		return "a certificate is already registered on a card";
	case OC_DIR_REFUSED_BY_DIRECTORY:
		return "the directory refused a value";
	case OC_DIR_REFUSED_UNAVAILABLE:
		return "the directory failed; nothing was changed";
	case OC_DIR_REFUSED_ROLLBACK_INCOMPLETE:
		return "the directory failed, and undoing the enrollment failed too: entries may "
		       "be "
		       "left";
	default:
		return "unknown refusal";
	}
}
