/*
 * Is a person in the directory, and active? The directory library's
 * public API (directory.h) has lookups by certificate and by card, none
 * by person yet; this file reads the person's entry through the
 * library's own adapter (dir_int.h), so that libldap is still called
 * only from directory/dir_ldap.c. When directory.h gains a person lookup
 * (the password login needs one too), this file becomes one call to it.
 */
#include <string.h>

#include <onecard/error.h>

#include "cli.h"
#include "dir_int.h"

int cli_person_status(struct oc_dir *dir, const char *person_id, enum oc_dir_status *status)
{
	static const char *const attrs[] = {"uid", "onecardStatus"};
	struct dir_entries res = {0, NULL};
	char dn[DIR_DN_MAX];
	char uid[OC_DIR_PERSON_ID_MAX + 1];
	int r;

	if (status != NULL) {
		*status = OC_DIR_STATUS_UNKNOWN;
	}
	if (dir == NULL || status == NULL || !oc_otp_person_ok(person_id)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = dir_person_dn(dir, person_id, dn, sizeof(dn));
	if (r != ONECARD_OK) {
		return r;
	}
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, "(objectClass=onecardPerson)", attrs, 2,
			    1, &res);
	if (r == ONECARD_ERR_NOT_FOUND || (r == ONECARD_OK && res.n == 0)) {
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	/* The entry named by the id must carry that id as its one uid. */
	r = dir_value_text(&res.e[0].attr[0], 0, uid, sizeof(uid));
	if (r != ONECARD_OK || strcmp(uid, person_id) != 0) {
		dir_conn_set_diag(dir->conn, "the person's entry does not carry its uid");
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	*status = dir_status_parse(&res.e[0].attr[1]);
	r = ONECARD_OK;
out:
	dir_entries_free(&res);
	return r;
}
