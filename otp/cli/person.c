/*
 * Is a person in the directory, and active? One call to the directory
 * library's person lookup (oc_dir_find_person): the entry with exactly
 * that uid, and its status.
 */
#include <string.h>

#include <onecard/error.h>

#include "cli.h"
#include "directory.h"

int cli_person_status(struct oc_dir *dir, const char *person_id, enum oc_dir_status *status)
{
	struct oc_dir_pw_owner who;
	int r;

	if (status != NULL) {
		*status = OC_DIR_STATUS_UNKNOWN;
	}
	if (dir == NULL || status == NULL || !oc_otp_person_ok(person_id)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_dir_find_person(dir, person_id, &who);
	if (r == ONECARD_OK) {
		*status = who.person.status;
	}
	return r;
}
