/*
 * Error reporting and exit codes: the one table from library error
 * codes to exit status, and the one function that prints an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "cli.h"
#include "cli_line.h"

#define OPTION_ECHO_MAX 40  /* characters of an unknown option's name */
#define HELP_WIDTH	78u /* columns of the error-code lists in --help */
#define HELP_INDENT	"       "

/*
 * Library error code -> exit status. Codes not listed (internal, nomem,
 * invalid_argument, io_error, crypto_error and any later addition) mean
 * CLI_EXIT_OTHER. Documented in cli.h and printed by --help from here.
 */
static const struct exit_row {
	int err;
	int exit_code;
} exit_table[] = {
	{ONECARD_ERR_BAD_FORMAT, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_TOO_LARGE, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_ALG_NOT_ALLOWED, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_CRIT_UNSUPPORTED, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_HEADER_NOT_ALLOWED, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_BAD_CLAIM, CLI_EXIT_MALFORMED},
	{ONECARD_ERR_BAD_SIGNATURE, CLI_EXIT_BAD_SIGNATURE},
	{ONECARD_ERR_EXPIRED, CLI_EXIT_TIME},
	{ONECARD_ERR_NOT_YET_VALID, CLI_EXIT_TIME},
	{ONECARD_ERR_WRONG_AUDIENCE, CLI_EXIT_WRONG_PARTY},
	{ONECARD_ERR_WRONG_ISSUER, CLI_EXIT_WRONG_PARTY},
	{ONECARD_ERR_WRONG_TYPE, CLI_EXIT_WRONG_PARTY},
	{ONECARD_ERR_UNKNOWN_KID, CLI_EXIT_UNKNOWN_KEY},
	{ONECARD_ERR_BAD_KEY, CLI_EXIT_BAD_KEY},
	{ONECARD_ERR_BAD_KEYSET, CLI_EXIT_BAD_KEY},
};

/* What each exit status means, for --help. */
static const char *const exit_meaning[CLI_EXIT_COUNT] = {
	[CLI_EXIT_OK] = "ok",
	[CLI_EXIT_OTHER] = "internal, I/O or other error",
	[CLI_EXIT_USAGE] = "usage error (bad or missing options)",
	[CLI_EXIT_MALFORMED] = "malformed token or input",
	[CLI_EXIT_BAD_SIGNATURE] = "bad signature",
	[CLI_EXIT_TIME] = "expired or not yet valid",
	[CLI_EXIT_WRONG_PARTY] = "wrong audience, issuer or type",
	[CLI_EXIT_UNKNOWN_KEY] = "unknown key",
	[CLI_EXIT_BAD_KEY] = "bad key or key set, or a key file that holds no usable key",
};

int cli_exit_for(int err)
{
	size_t i;

	if (err == ONECARD_OK) {
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
		if (exit_table[i].err == err) {
			return exit_table[i].exit_code;
		}
	}
	return CLI_EXIT_OTHER;
}

int cli_exit_for_key(int err)
{
	if (err == ONECARD_OK || err == ONECARD_ERR_NOMEM || err == ONECARD_ERR_IO ||
	    err == ONECARD_ERR_INTERNAL || err == ONECARD_ERR_CRYPTO) {
		return cli_exit_for(err);
	}
	return CLI_EXIT_BAD_KEY;
}

void cli_print_exit_codes(FILE *out)
{
	size_t i, col;
	int code;
	const char *name;

	fprintf(out, "Exit status:\n");
	for (code = 0; code < CLI_EXIT_COUNT; code++) {
		fprintf(out, "  %d  %s\n", code, exit_meaning[code]);
		col = 0;
		for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
			if (exit_table[i].exit_code != code) {
				continue;
			}
			name = onecard_err_code(exit_table[i].err);
			if (col == 0) {
				fprintf(out, "%s%s", HELP_INDENT, name);
				col = strlen(HELP_INDENT) + strlen(name);
			} else if (col + 2 + strlen(name) > HELP_WIDTH) {
				fprintf(out, ",\n%s%s", HELP_INDENT, name);
				col = strlen(HELP_INDENT) + strlen(name);
			} else {
				fprintf(out, ", %s", name);
				col += 2 + strlen(name);
			}
		}
		if (col > 0) {
			fprintf(out, "\n");
		}
	}
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oc_cli_verror(CLI_PROG, fmt, ap);
	va_end(ap);
}

/* The long option whose val is val, or NULL. */
static const struct option *find_long(const struct option *longopts, int val)
{
	size_t i;

	for (i = 0; longopts[i].name != NULL; i++) {
		if (longopts[i].val == val) {
			return &longopts[i];
		}
	}
	return NULL;
}

int cli_option_error(const char *cmd, int c, const struct option *longopts, char *const argv[])
{
	const struct option *opt = find_long(longopts, optopt);
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	int name_len;

	if (c == ':') {
		if (opt != NULL) {
			cli_error("%s: option '--%s' needs a value", cmd, opt->name);
		} else {
			cli_error("%s: an option needs a value", cmd);
		}
		return CLI_EXIT_USAGE;
	}
	if (opt != NULL && opt->has_arg == no_argument) {
		cli_error("%s: option '--%s' takes no value", cmd, opt->name);
		return CLI_EXIT_USAGE;
	}
	if (optopt > 0x20 && optopt < 0x7f) {
		cli_error("%s: unknown option '-%c'", cmd, optopt);
		return CLI_EXIT_USAGE;
	}
	if (arg == NULL || arg[0] != '-') {
		cli_error("%s: unknown option", cmd);
		return CLI_EXIT_USAGE;
	}
	/* The name only: whatever follows '=' may be a secret. */
	name_len = (int)strcspn(arg, "=");
	if (name_len > OPTION_ECHO_MAX) {
		name_len = OPTION_ECHO_MAX;
	}
	cli_error("%s: unknown option '%.*s'", cmd, name_len, arg);
	return CLI_EXIT_USAGE;
}

void cli_read_error(const char *cmd, const char *path, int err)
{
	int saved_errno = errno;
	const char *quote = strcmp(path, "-") == 0 ? "" : "'";
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;

	if (err == ONECARD_ERR_IO) {
		cli_error("%s: cannot read %s%s%s: %s", cmd, quote, name, quote,
			  strerror(saved_errno));
	} else if (err == ONECARD_ERR_TOO_LARGE) {
		cli_error("%s: %s%s%s is larger than %u bytes", cmd, quote, name, quote,
			  CLI_READ_MAX);
	} else {
		cli_error("%s: cannot read %s%s%s: %s", cmd, quote, name, quote,
			  onecard_strerror(err));
	}
}
