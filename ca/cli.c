/*
 * What every command of onecard-ca shares: global options, the one
 * table from error codes to exit status, error lines and output.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onecard/error.h>

#include "cli.h"
#include "cli_line.h"

#define OPTION_ECHO_MAX 40 /* characters of an unknown option's name */

static const struct exit_row {
	int err;
	int exit_code;
} exit_table[] = {
	{ONECARD_ERR_INVALID_ARG, CLI_EXIT_INPUT},
	{ONECARD_ERR_BAD_FORMAT, CLI_EXIT_INPUT},
	{ONECARD_ERR_TOO_LARGE, CLI_EXIT_INPUT},
	{ONECARD_ERR_BAD_CSR, CLI_EXIT_INPUT},
	{ONECARD_ERR_KEY_FORBIDDEN, CLI_EXIT_POLICY},
	{ONECARD_ERR_UNKNOWN_PROFILE, CLI_EXIT_POLICY},
	{ONECARD_ERR_POLICY, CLI_EXIT_POLICY},
	{ONECARD_ERR_NOT_FOUND, CLI_EXIT_NOT_FOUND},
	{ONECARD_ERR_ALREADY_REVOKED, CLI_EXIT_CONFLICT},
	{ONECARD_ERR_EXISTS, CLI_EXIT_CONFLICT},
	{ONECARD_ERR_DATABASE, CLI_EXIT_DATABASE},
	{ONECARD_ERR_PASSPHRASE, CLI_EXIT_PASSPHRASE},
	{ONECARD_ERR_CARD_ABSENT, CLI_EXIT_CARD},
	{ONECARD_ERR_PIN_INCORRECT, CLI_EXIT_CARD},
	{ONECARD_ERR_PIN_LOCKED, CLI_EXIT_CARD},
	{ONECARD_ERR_CARD, CLI_EXIT_CARD},
	{ONECARD_ERR_KEY_MISSING, CLI_EXIT_CARD},
	{ONECARD_ERR_CANCELLED, CLI_EXIT_CARD},
};

static const char *const exit_meaning[CLI_EXIT_COUNT] = {
	[CLI_EXIT_OK] = "ok",
	[CLI_EXIT_OTHER] = "internal, I/O, crypto or other error",
	[CLI_EXIT_USAGE] = "usage error (bad or missing options)",
	[CLI_EXIT_INPUT] = "invalid input",
	[CLI_EXIT_POLICY] = "refused by policy",
	[CLI_EXIT_NOT_FOUND] = "not found",
	[CLI_EXIT_CONFLICT] = "conflict with what exists",
	[CLI_EXIT_DATABASE] = "database unavailable or failed",
	[CLI_EXIT_PASSPHRASE] = "passphrase wrong or missing",
	[CLI_EXIT_CARD] = "card or PIN",
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

void cli_print_exit_codes(FILE *out)
{
	size_t i;
	int code, first;

	fprintf(out, "Exit status:\n");
	for (code = 0; code < CLI_EXIT_COUNT; code++) {
		fprintf(out, "  %d  %s", code, exit_meaning[code]);
		first = 1;
		for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
			if (exit_table[i].exit_code == code) {
				fprintf(out, "%s%s", first ? ": " : ", ",
					onecard_err_code(exit_table[i].err));
				first = 0;
			}
		}
		fprintf(out, "\n");
	}
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oc_cli_verror(CLI_PROG, fmt, ap);
	va_end(ap);
}

int cli_fail(const char *cmd, int err, const struct oc_ca_diag *diag)
{
	if (diag != NULL && diag->detail[0] != '\0') {
		cli_error("%s: %s: %s", cmd, onecard_strerror(err), diag->detail);
	} else {
		cli_error("%s: %s", cmd, onecard_strerror(err));
	}
	return cli_exit_for(err);
}

int cli_global_option(int c, const char *arg, struct cli_globals *g)
{
	switch (c) {
	case OPT_HOME:
		g->home = arg;
		return 1;
	case OPT_DB:
		g->db = arg;
		return 1;
	case OPT_POLICY:
		g->policy = arg;
		return 1;
	case OPT_PASS_FILE:
		g->pass_file = arg;
		return 1;
	default:
		return 0;
	}
}

int cli_ca_args(const char *cmd, const struct cli_globals *g, int need_db, struct oc_ca_args *out)
{
	memset(out, 0, sizeof(*out));
	if (g->home == NULL || g->home[0] == '\0') {
		return cli_missing(cmd, "--home DIR");
	}
	out->home = g->home;
	out->policy = g->policy;
	out->pass_file = g->pass_file;
	out->conninfo = g->db != NULL ? g->db : getenv(OC_CA_ENV_DB);
	if (need_db && (out->conninfo == NULL || out->conninfo[0] == '\0')) {
		cli_error("%s: no database: give --db CONNINFO or set " OC_CA_ENV_DB, cmd);
		return CLI_EXIT_USAGE;
	}
	if (out->conninfo != NULL &&
	    strnlen(out->conninfo, OC_CA_CONNINFO_MAX) >= OC_CA_CONNINFO_MAX) {
		cli_error("%s: the database connection string is longer than %u bytes", cmd,
			  OC_CA_CONNINFO_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	if (strnlen(out->home, OC_CA_PATH_MAX) >= OC_CA_PATH_MAX) {
		cli_error("%s: the home path is longer than %u bytes", cmd, OC_CA_PATH_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
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
	if (arg == NULL || arg[0] != '-') {
		cli_error("%s: unknown option; try '" CLI_PROG " --help'", cmd);
		return CLI_EXIT_USAGE;
	}
	/* The name only: whatever follows '=' is not echoed. */
	name_len = (int)strcspn(arg, "=");
	if (name_len > OPTION_ECHO_MAX) {
		name_len = OPTION_ECHO_MAX;
	}
	cli_error("%s: unknown option '%.*s'; try '" CLI_PROG " --help'", cmd, name_len, arg);
	return CLI_EXIT_USAGE;
}

int cli_no_operands(const char *cmd, int argc, char *const argv[])
{
	(void)argv;
	if (optind < argc) {
		cli_error("%s: unexpected argument (options only); try '" CLI_PROG " --help'", cmd);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_missing(const char *cmd, const char *option)
{
	cli_error("%s: missing %s; try '" CLI_PROG " --help'", cmd, option);
	return CLI_EXIT_USAGE;
}

int cli_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	size_t i;

	*out = 0;
	if (text == NULL || text[0] == '\0' || strlen(text) > 20) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = (uint64_t)v;
	return ONECARD_OK;
}

int cli_write(const char *cmd, const char *text)
{
	size_t len = strlen(text), done = 0;
	ssize_t n;

	while (done < len) {
		n = write(STDOUT_FILENO, text + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			cli_error("%s: cannot write the output: %s", cmd,
				  n < 0 ? strerror(errno) : "short write");
			return CLI_EXIT_OTHER;
		}
		done += (size_t)n;
	}
	return CLI_EXIT_OK;
}

void cli_time_text(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		(void)snprintf(out, 32, "@%lld", (long long)t);
	}
}
