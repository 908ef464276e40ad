/*
 * Suspending and activating cards, people and enterprises: a replace of
 * onecardStatus (and onecardSuspendedReason) on one entry. A replace is
 * idempotent, so the adapter's retry after a reconnect is harmless.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

enum kind {
	KIND_CARD,
	KIND_PERSON,
	KIND_ENTERPRISE,
};

/* The entry's DN, or INVALID_ARG when the key is not in its form. */
static int entry_dn(const struct oc_dir *dir, enum kind kind, const char *key, char *dn, size_t cap)
{
	switch (kind) {
	case KIND_CARD:
		if (!dir_valid_id(key, OC_DIR_CARD_ID_MAX)) {
			return ONECARD_ERR_INVALID_ARG;
		}
		return dir_card_dn(dir, key, dn, cap);
	case KIND_PERSON:
		if (!dir_valid_id(key, OC_DIR_PERSON_ID_MAX)) {
			return ONECARD_ERR_INVALID_ARG;
		}
		return dir_person_dn(dir, key, dn, cap);
	case KIND_ENTERPRISE:
	default:
		/* The format only: an enterprise registered before the check
		 * character was enforced can still be suspended. */
		if (!dir_valid_uscc_format(key)) {
			return ONECARD_ERR_INVALID_ARG;
		}
		return dir_enterprise_dn(dir, key, dn, cap);
	}
}

static int set_status(struct oc_dir *dir, enum kind kind, const char *key, int suspend,
		      const char *reason)
{
	static const char *const classes[] = {"onecardCard", "onecardPerson", "onecardEnterprise"};
	static const char *const attrs[] = {"1.1"};
	char dn[DIR_DN_MAX], filter[64];
	struct dir_entries res = {0, NULL};
	struct dir_mod m[2];
	int r;

	if (dir == NULL || key == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (reason != NULL && reason[0] != '\0' && !dir_valid_text(reason, 1, OC_DIR_REASON_MAX)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = entry_dn(dir, kind, key, dn, sizeof(dn));
	if (r != ONECARD_OK) {
		return r;
	}
	/* The entry must be of its class: a modify alone would also "find"
	 * an entry of another kind at that DN. */
	if (snprintf(filter, sizeof(filter), "(objectClass=%s)", classes[kind]) < 0) {
		return ONECARD_ERR_INTERNAL;
	}
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, filter, attrs, 1, 1, &res);
	if (r == ONECARD_OK && res.n != 1) {
		r = ONECARD_ERR_NOT_FOUND;
	}
	dir_entries_free(&res);
	if (r != ONECARD_OK) {
		return r;
	}
	memset(m, 0, sizeof(m));
	m[0].op = DIR_MOD_REPLACE;
	m[0].attr = "onecardStatus";
	m[0].vals[0].data = suspend ? "suspended" : "active";
	m[0].vals[0].len = strlen(m[0].vals[0].data);
	m[0].n = 1;
	m[1].op = DIR_MOD_REPLACE;
	m[1].attr = "onecardSuspendedReason";
	if (suspend && reason != NULL && reason[0] != '\0') {
		m[1].vals[0].data = reason;
		m[1].vals[0].len = strlen(reason);
		m[1].n = 1;
	} /* else n == 0: the reason is removed */
	return dir_ldap_modify(dir->conn, dn, m, 2);
}

int oc_dir_suspend_card(struct oc_dir *dir, const char *card_id, const char *reason)
{
	return set_status(dir, KIND_CARD, card_id, 1, reason);
}

int oc_dir_activate_card(struct oc_dir *dir, const char *card_id)
{
	return set_status(dir, KIND_CARD, card_id, 0, NULL);
}

int oc_dir_suspend_person(struct oc_dir *dir, const char *person_id, const char *reason)
{
	return set_status(dir, KIND_PERSON, person_id, 1, reason);
}

int oc_dir_activate_person(struct oc_dir *dir, const char *person_id)
{
	return set_status(dir, KIND_PERSON, person_id, 0, NULL);
}

int oc_dir_suspend_enterprise(struct oc_dir *dir, const char *uscc, const char *reason)
{
	return set_status(dir, KIND_ENTERPRISE, uscc, 1, reason);
}

int oc_dir_activate_enterprise(struct oc_dir *dir, const char *uscc)
{
	return set_status(dir, KIND_ENTERPRISE, uscc, 0, NULL);
}
