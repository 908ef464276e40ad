/*
 * The directory handle of a program (onecard-dir, onecard-otp) from its
 * options, else the environment, and the bind password file (pw_file.h):
 * one place for the four names, their fallbacks and the password's
 * lifetime. For programs, like pw_file.h: it reports in a reason, never
 * prints.
 */
#ifndef ONECARD_DIR_ENV_H
#define ONECARD_DIR_ENV_H

#include <stddef.h>

#include "directory.h"

#define OC_DIR_URI_ENV	   "ONECARD_LDAP_URI"
#define OC_DIR_BASE_ENV	   "ONECARD_LDAP_BASE"
#define OC_DIR_BIND_DN_ENV "ONECARD_LDAP_BIND_DN"

#define OC_DIR_ENV_WHY_MAX 256u /* bytes of a reason, NUL included */

/* Where the directory is: each member the option's value, else (NULL)
 * the environment variable named beside it; an empty one is missing. */
struct oc_dir_env {
	const char *uri;     /* --uri, ONECARD_LDAP_URI */
	const char *base;    /* --base, ONECARD_LDAP_BASE */
	const char *bind_dn; /* --bind-dn, ONECARD_LDAP_BIND_DN */
	const char *pw_file; /* --bind-pw-file, ONECARD_LDAP_BIND_PW_FILE */
};

/* What oc_dir_env_new() failed at, for a program that words one of
 * them its own way. */
enum oc_dir_env_fail {
	OC_DIR_ENV_OK = 0,
	OC_DIR_ENV_UNNAMED,	  /* a name in neither option nor environment */
	OC_DIR_ENV_PW_REFUSED,	  /* not a regular file, or open to others */
	OC_DIR_ENV_PW_UNREADABLE, /* cannot be opened or read */
	OC_DIR_ENV_PW_TOO_LONG,	  /* over OC_DIR_PASSWORD_MAX bytes */
	OC_DIR_ENV_PW_FORM,	  /* empty, or holds a NUL byte */
	OC_DIR_ENV_NAMES_FORM,	  /* oc_dir_new() refused the URI, base or DN */
	OC_DIR_ENV_HANDLE,	  /* oc_dir_new() failed otherwise */
};

/*
 * Prepares the directory handle (oc_dir_new(): nothing is sent yet) from
 * env, reading the bind password from its file and wiping it after.
 * Success: ONECARD_OK, *dir a new handle (oc_dir_free), *fail
 * OC_DIR_ENV_OK, why "".
 * Failure: *dir NULL, *fail what failed and why[cap] one sentence for the
 * operator (never the password), and
 *  - ONECARD_ERR_INVALID_ARG for what the operator gives wrong: a name
 *    missing, a password file refused or not in its form, a URI, base or
 *    bind DN that oc_dir_new() refuses (a usage error);
 *  - ONECARD_ERR_IO: the password file cannot be read (errno kept);
 *  - oc_dir_new()'s other codes (ONECARD_ERR_NOMEM).
 */
int oc_dir_env_new(const struct oc_dir_env *env, struct oc_dir **dir, enum oc_dir_env_fail *fail,
		   char *why, size_t cap) OC_DIR_WARN_UNUSED;

#endif /* ONECARD_DIR_ENV_H */
