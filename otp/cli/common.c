/*
 * What onecard-otp's subcommands share: the one error printer and exit
 * table, the common options and their environment fallbacks, the key,
 * the store and the directory check, and unbuffered output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <onecard/error.h>

#include "cli.h"
#include "cli_line.h"
#include "dir_env.h"

/* Library error code -> exit status; everything else is CLI_EXIT_OTHER. */
static const struct exit_row {
	int err;
	int exit_code;
} exit_table[] = {
	{ONECARD_OK, CLI_EXIT_OK},
	{ONECARD_ERR_INVALID_ARG, CLI_EXIT_USAGE},
	{ONECARD_ERR_NOT_FOUND, CLI_EXIT_NOT_FOUND},
	{ONECARD_ERR_DIRECTORY, CLI_EXIT_DIRECTORY},
	{ONECARD_ERR_DATABASE, CLI_EXIT_DATABASE},
	{ONECARD_ERR_BAD_KEY, CLI_EXIT_SEALED},
	{ONECARD_ERR_MISMATCH, CLI_EXIT_SEALED},
	{ONECARD_ERR_BAD_FORMAT, CLI_EXIT_CODE},
	{ONECARD_ERR_BAD_SIGNATURE, CLI_EXIT_CODE},
	{ONECARD_ERR_EXISTS, CLI_EXIT_REPLAY},
};

int cli_exit_for(int err)
{
	size_t i;

	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
		if (exit_table[i].err == err) {
			return exit_table[i].exit_code;
		}
	}
	return CLI_EXIT_OTHER;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oc_cli_verror(CLI_PROG, fmt, ap);
	va_end(ap);
}

int cli_option_error(const char *cmd)
{
	/* Not echoed: the mistyped word may be a value someone would rather
	 * not see in a log. */
	cli_error("%s: bad or missing option value; try '" CLI_PROG " --help'", cmd);
	return CLI_EXIT_USAGE;
}

int cli_common_option(struct cli_opts *o, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_PERSON:
		o->person = arg;
		return 1;
	case CLI_OPT_KEY_FILE:
		o->key_file = arg;
		return 1;
	case CLI_OPT_DB:
		o->db = arg;
		return 1;
	case CLI_OPT_URI:
		o->dir.uri = arg;
		return 1;
	case CLI_OPT_BASE:
		o->dir.base = arg;
		return 1;
	case CLI_OPT_BIND_DN:
		o->dir.bind_dn = arg;
		return 1;
	case CLI_OPT_BIND_PW_FILE:
		o->dir.pw_file = arg;
		return 1;
	default:
		return 0;
	}
}

static const char *option_or_env(const char *value, const char *env)
{
	const char *v = value != NULL ? value : getenv(env);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

int cli_check_person(const char *cmd, const struct cli_opts *o)
{
	if (o->person == NULL) {
		cli_error("%s: missing --person", cmd);
		return CLI_EXIT_USAGE;
	}
	if (!oc_otp_person_ok(o->person)) {
		cli_error("%s: --person: not 1..%u of [A-Za-z0-9._-]", cmd, OC_OTP_PERSON_ID_MAX);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_load_key(const char *cmd, const struct cli_opts *o, oc_otp_key **key)
{
	const char *path = option_or_env(o->key_file, CLI_KEY_ENV);
	const char *why = "";
	int r;

	*key = NULL;
	if (path == NULL) {
		cli_error("%s: no key file: give --key-file or set " CLI_KEY_ENV, cmd);
		return CLI_EXIT_USAGE;
	}
	r = oc_otp_key_load(path, key, &why);
	if (r == ONECARD_ERR_NOMEM) {
		cli_error("%s: out of memory", cmd);
		return CLI_EXIT_OTHER;
	}
	if (r != ONECARD_OK) {
		cli_error("%s: %s: %s", cmd, path, why);
		return CLI_EXIT_KEY;
	}
	return CLI_EXIT_OK;
}

int cli_open_store(const char *cmd, const struct cli_opts *o, oc_otp_store **st)
{
	const char *db = option_or_env(o->db, CLI_DB_ENV);
	int r;

	*st = NULL;
	if (db == NULL) {
		cli_error("%s: no database: give --db or set " CLI_DB_ENV, cmd);
		return CLI_EXIT_USAGE;
	}
	r = oc_otp_store_new(db, 1, st);
	if (r != ONECARD_OK) {
		cli_error("%s: the database conninfo is not usable: %s", cmd,
			  oc_otp_store_diagnostic());
		return r == ONECARD_ERR_NOMEM ? CLI_EXIT_OTHER : CLI_EXIT_USAGE;
	}
	r = oc_otp_store_migrate(*st);
	if (r != ONECARD_OK) {
		cli_error("%s: the database cannot be used: %s", cmd, oc_otp_store_diagnostic());
		oc_otp_store_free(*st);
		*st = NULL;
		return CLI_EXIT_DATABASE;
	}
	return CLI_EXIT_OK;
}

/* The directory handle from the options, else the environment. Four
 * failures are worded here as onecard-otp always has (the rest as in
 * dir_env.c). */
static int connect_directory(const char *cmd, const struct cli_opts *o, struct oc_dir **dir)
{
	enum oc_dir_env_fail fail;
	char why[OC_DIR_ENV_WHY_MAX];
	int r;

	r = oc_dir_env_new(&o->dir, dir, &fail, why, sizeof(why));
	switch (fail) {
	case OC_DIR_ENV_OK:
		return CLI_EXIT_OK;
	case OC_DIR_ENV_PW_TOO_LONG:
	case OC_DIR_ENV_PW_FORM:
		cli_error("%s: the bind password file is empty, too long or holds a NUL byte", cmd);
		break;
	case OC_DIR_ENV_NAMES_FORM:
		cli_error("%s: the directory URI, base or bind DN is not usable", cmd);
		break;
	case OC_DIR_ENV_HANDLE:
		cli_error("%s: cannot prepare the directory connection: %s", cmd,
			  onecard_strerror(r));
		break;
	default:
		cli_error("%s: %s", cmd, why);
		break;
	}
	return r == ONECARD_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_OTHER;
}

int cli_check_directory(const char *cmd, const struct cli_opts *o)
{
	struct oc_dir *dir = NULL;
	enum oc_dir_status status = OC_DIR_STATUS_UNKNOWN;
	int r, rc;

	rc = connect_directory(cmd, o, &dir);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	r = cli_person_status(dir, o->person, &status);
	if (r == ONECARD_ERR_NOT_FOUND) {
		cli_error("%s: no person %s in the directory", cmd, o->person);
		rc = CLI_EXIT_NOT_FOUND;
	} else if (r == ONECARD_ERR_DIRECTORY) {
		cli_error("%s: the directory is unavailable: %s", cmd, oc_dir_diagnostic(dir));
		rc = CLI_EXIT_DIRECTORY;
	} else if (r != ONECARD_OK) {
		cli_error("%s: the directory could not be asked: %s", cmd, onecard_strerror(r));
		rc = CLI_EXIT_OTHER;
	} else if (status != OC_DIR_STATUS_ACTIVE) {
		cli_error("%s: person %s is %s in the directory, not active", cmd, o->person,
			  oc_dir_status_str(status));
		rc = CLI_EXIT_INACTIVE;
	} else {
		rc = CLI_EXIT_OK;
	}
	oc_dir_free(dir);
	return rc;
}

int cli_write_out(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
