/*
 * The lookup authd makes at each card login: every presented
 * certificate (by SHA-256) in one search, all of them on one card, then
 * that card, its holder and the holder's enterprise. Four searches per
 * login whatever the number of certificates (docs/directory.md).
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

static const char *const login_attrs[] = {"onecardCertSha256", "onecardAgency"};
#define LOGIN_NATTRS (sizeof(login_attrs) / sizeof(login_attrs[0]))

/* "(&(objectClass=onecardCertificate)(|(onecardCertSha256=..)...))" */
static int login_filter(const char *const *sha256_hex, size_t n, char *out, size_t cap)
{
	char one[DIR_FILTER_MAX];
	size_t used;
	size_t i;
	int w;

	w = snprintf(out, cap, "(&(objectClass=onecardCertificate)(|");
	if (w < 0 || (size_t)w >= cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	used = (size_t)w;
	for (i = 0; i < n; i++) {
		if (dir_filter_eq(one, sizeof(one), "onecardCertSha256", sha256_hex[i]) !=
		    ONECARD_OK) {
			return ONECARD_ERR_TOO_LARGE;
		}
		w = snprintf(out + used, cap - used, "%s", one);
		if (w < 0 || (size_t)w >= cap - used) {
			return ONECARD_ERR_TOO_LARGE;
		}
		used += (size_t)w;
	}
	w = snprintf(out + used, cap - used, "))");
	if (w < 0 || (size_t)w >= cap - used) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

/* The index of the input hash an entry's onecardCertSha256 names, or n. */
static size_t entry_index(const struct dir_entry *e, const char *const *sha256_hex, size_t n)
{
	char sha[OC_DIR_SHA256_HEX_LEN + 1];
	size_t i;

	if (dir_value_text(&e->attr[0], 0, sha, sizeof(sha)) != ONECARD_OK) {
		return n;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(sha, sha256_hex[i]) == 0) {
			return i;
		}
	}
	return n;
}

int oc_dir_find_login(struct oc_dir *dir, const char *const *sha256_hex, size_t n,
		      struct oc_dir_login *out, size_t *missing)
{
	struct dir_entries res = {0, NULL};
	char filter[DIR_FILTER_MAX], card_dn[DIR_DN_MAX], dn[DIR_DN_MAX];
	int seen[OC_DIR_CERTS_MAX] = {0};
	struct oc_dir_login l;
	size_t i, k;
	int r;

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (missing != NULL) {
		*missing = 0;
	}
	if (dir == NULL || sha256_hex == NULL || out == NULL || missing == NULL || n == 0 ||
	    n > OC_DIR_CERTS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(&l, 0, sizeof(l));
	for (i = 0; i < n; i++) {
		if (sha256_hex[i] == NULL || !dir_valid_sha256(sha256_hex[i])) {
			return ONECARD_ERR_INVALID_ARG;
		}
		for (k = 0; k < i; k++) {
			if (strcmp(sha256_hex[k], sha256_hex[i]) == 0) {
				return ONECARD_ERR_INVALID_ARG;
			}
		}
	}
	r = login_filter(sha256_hex, n, filter, sizeof(filter));
	if (r != ONECARD_OK) {
		return r;
	}
	/* One more entry than asked for shows a duplicate (fail closed). */
	r = dir_ldap_search(dir->conn, dir->cards, DIR_SCOPE_SUB, filter, login_attrs, LOGIN_NATTRS,
			    n + 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND || r == ONECARD_ERR_TOO_LARGE ||
	    (r == ONECARD_OK && res.n > n)) {
		dir_conn_set_diag(dir->conn,
				  "more than one entry for one certificate, or no ou=cards");
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	card_dn[0] = '\0';
	for (i = 0; i < res.n; i++) {
		k = entry_index(&res.e[i], sha256_hex, n);
		if (k == n || seen[k]) {
			dir_conn_set_diag(dir->conn, "an unexpected certificate entry");
			r = ONECARD_ERR_DIRECTORY;
			goto out;
		}
		seen[k] = 1;
		r = dir_value_text(&res.e[i].attr[1], 0, l.agency[k], sizeof(l.agency[k]));
		if (r != ONECARD_OK) {
			goto out;
		}
		r = dir_ldap_dn_parent(res.e[i].dn, dn, sizeof(dn));
		if (r != ONECARD_OK) {
			r = ONECARD_ERR_DIRECTORY;
			goto out;
		}
		if (card_dn[0] == '\0') {
			memcpy(card_dn, dn, sizeof(card_dn));
		} else if (strcmp(card_dn, dn) != 0) {
			r = ONECARD_ERR_MISMATCH;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (!seen[i]) {
			*missing = i;
			r = ONECARD_ERR_NOT_FOUND;
			goto out;
		}
	}
	r = dir_read_owner(dir, card_dn, &l.card, &l.person, &l.enterprise);
	if (r == ONECARD_ERR_NOT_FOUND) {
		dir_conn_set_diag(dir->conn, "a certificate entry that is not under a card");
		r = ONECARD_ERR_DIRECTORY;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = l;
	r = ONECARD_OK;
out:
	dir_entries_free(&res);
	return r;
}

int oc_dir_login_active(const struct oc_dir_login *l)
{
	return l != NULL && l->card.status == OC_DIR_STATUS_ACTIVE &&
	       l->person.status == OC_DIR_STATUS_ACTIVE &&
	       l->enterprise.status == OC_DIR_STATUS_ACTIVE;
}
