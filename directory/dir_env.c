/*
 * The directory handle from options and environment (dir_env.h). The
 * password lives only in this function's buffer, wiped on every path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "dir_env.h"
#include "pw_file.h"

static const char *option_or_env(const char *value, const char *env)
{
	const char *v = value != NULL ? value : getenv(env);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Records what failed in *fail and why[cap]; returns r. */
static int failed(enum oc_dir_env_fail *fail, enum oc_dir_env_fail what, char *why, size_t cap,
		  int r, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int failed(enum oc_dir_env_fail *fail, enum oc_dir_env_fail what, char *why, size_t cap,
		  int r, const char *fmt, ...)
{
	va_list ap;

	*fail = what;
	va_start(ap, fmt);
	(void)vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return r;
}

int oc_dir_env_new(const struct oc_dir_env *env, struct oc_dir **dir, enum oc_dir_env_fail *fail,
		   char *why, size_t cap)
{
	char pw[OC_DIR_PASSWORD_MAX + 2];
	const char *uri, *base, *bind_dn, *pw_file;
	size_t pw_len = 0;
	int r = ONECARD_ERR_INTERNAL, saved = 0;

	*dir = NULL;
	*fail = OC_DIR_ENV_OK;
	if (cap > 0) {
		why[0] = '\0';
	}
	uri = option_or_env(env->uri, OC_DIR_URI_ENV);
	base = option_or_env(env->base, OC_DIR_BASE_ENV);
	bind_dn = option_or_env(env->bind_dn, OC_DIR_BIND_DN_ENV);
	pw_file = option_or_env(env->pw_file, OC_DIR_PW_ENV);
	if (uri == NULL || base == NULL || bind_dn == NULL || pw_file == NULL) {
		r = failed(fail, OC_DIR_ENV_UNNAMED, why, cap, ONECARD_ERR_INVALID_ARG,
			   "the directory is not named: give --uri, --base, --bind-dn and "
			   "--bind-pw-file, or set " OC_DIR_URI_ENV ", " OC_DIR_BASE_ENV
			   ", " OC_DIR_BIND_DN_ENV " and " OC_DIR_PW_ENV);
		goto out;
	}
	r = oc_dir_pw_from_file(pw_file, pw, sizeof(pw), &pw_len);
	saved = errno;
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_INVALID_ARG:
		r = failed(fail, OC_DIR_ENV_PW_REFUSED, why, cap, r,
			   "the bind password file is refused: not a regular file, or group or "
			   "others may access it (chmod 600 it)");
		goto out;
	case ONECARD_ERR_IO:
		r = failed(fail, OC_DIR_ENV_PW_UNREADABLE, why, cap, r,
			   "cannot read the bind password file: %s", strerror(saved));
		goto out;
	case ONECARD_ERR_TOO_LARGE:
		r = failed(fail, OC_DIR_ENV_PW_TOO_LONG, why, cap, ONECARD_ERR_INVALID_ARG,
			   "the bind password is longer than %u bytes", OC_DIR_PASSWORD_MAX);
		goto out;
	default:
		r = failed(fail, OC_DIR_ENV_PW_FORM, why, cap, ONECARD_ERR_INVALID_ARG,
			   "the bind password file is empty or holds a NUL byte");
		goto out;
	}
	r = oc_dir_new(uri, base, bind_dn, pw, pw_len, dir);
	if (r == ONECARD_ERR_INVALID_ARG || r == ONECARD_ERR_TOO_LARGE) {
		r = failed(fail, OC_DIR_ENV_NAMES_FORM, why, cap, ONECARD_ERR_INVALID_ARG,
			   "the directory URI, base or bind DN is not usable (URIs: all "
			   "ldapi://, or ldap:// and ldaps://)");
		goto out;
	}
	if (r != ONECARD_OK) {
		r = failed(fail, OC_DIR_ENV_HANDLE, why, cap, r,
			   "cannot prepare the connection: %s", onecard_strerror(r));
		goto out;
	}
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r == ONECARD_ERR_IO) {
		errno = saved;
	}
	return r;
}
