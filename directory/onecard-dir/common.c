/*
 * What the subcommands share: the one error printer and exit table, the
 * connection (options, environment, password file), bounded input and
 * the printing of entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	{ONECARD_ERR_NOT_FOUND, CLI_EXIT_NOT_FOUND},
	{ONECARD_ERR_EXISTS, CLI_EXIT_EXISTS},
	{ONECARD_ERR_DIRECTORY, CLI_EXIT_UNAVAILABLE},
	{ONECARD_ERR_INVALID_ARG, CLI_EXIT_USAGE},
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

void cli_sanitize(const char *text, char *out, size_t cap)
{
	oc_cli_sanitize(text, out, cap);
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

int cli_fail(const char *cmd, const char *what, int err, const struct oc_dir *dir)
{
	const char *diag = dir != NULL ? oc_dir_diagnostic(dir) : "";

	if (diag[0] != '\0') {
		cli_error("%s: %s: %s (%s)", cmd, what, onecard_strerror(err), diag);
	} else {
		cli_error("%s: %s: %s", cmd, what, onecard_strerror(err));
	}
	return cli_exit_for(err);
}

int cli_finish_output(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("%s: cannot write the output", cmd);
		return CLI_EXIT_OTHER;
	}
	return CLI_EXIT_OK;
}

int cli_conn_option(struct cli_conn *conn, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_URI:
		conn->uri = arg;
		return 1;
	case CLI_OPT_BASE:
		conn->base = arg;
		return 1;
	case CLI_OPT_BIND_DN:
		conn->bind_dn = arg;
		return 1;
	case CLI_OPT_BIND_PW_FILE:
		conn->pw_file = arg;
		return 1;
	default:
		return 0;
	}
}

int cli_connect(const char *cmd, const struct cli_conn *conn, struct oc_dir **dir)
{
	const struct oc_dir_env env = {conn->uri, conn->base, conn->bind_dn, conn->pw_file};
	enum oc_dir_env_fail fail;
	char why[OC_DIR_ENV_WHY_MAX];
	int r;

	r = oc_dir_env_new(&env, dir, &fail, why, sizeof(why));
	if (r != ONECARD_OK) {
		cli_error("%s: %s", cmd, why);
		return cli_exit_for(r);
	}
	return CLI_EXIT_OK;
}

int cli_read_file(const char *cmd, const char *path, size_t max, unsigned char **buf, size_t *len)
{
	unsigned char *data = NULL;
	size_t n = 0;
	ssize_t got;
	int fd = -1, r = CLI_EXIT_OTHER;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cli_error("%s: cannot open %s: %s", cmd, path, strerror(errno));
		goto out;
	}
	data = malloc(max + 1);
	if (data == NULL) {
		cli_error("%s: out of memory", cmd);
		goto out;
	}
	for (;;) {
		got = read(fd, data + n, max + 1 - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			cli_error("%s: cannot read %s: %s", cmd, path, strerror(errno));
			goto out;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
		if (n > max) {
			cli_error("%s: %s is larger than %zu bytes", cmd, path, max);
			r = CLI_EXIT_USAGE;
			goto out;
		}
	}
	*buf = data;
	*len = n;
	data = NULL;
	r = CLI_EXIT_OK;
out:
	free(data);
	if (fd >= 0) {
		(void)close(fd);
	}
	return r;
}

void cli_print_field(const char *name, const char *value, int optional)
{
	char clean[CLI_LINE_MAX];

	if (optional && value[0] == '\0') {
		return;
	}
	cli_sanitize(value, clean, sizeof(clean));
	printf("%s: %s\n", name, clean);
}

void cli_print_owner(const struct oc_dir_card *card, const struct oc_dir_person *person,
		     const struct oc_dir_enterprise *ent)
{
	cli_print_field("card", card->id, 0);
	cli_print_field("card-status", oc_dir_status_str(card->status), 0);
	cli_print_field("card-suspended-reason", card->suspended_reason, 1);
	cli_print_field("person", person->id, 0);
	cli_print_field("person-name", person->name, 0);
	cli_print_field("person-status", oc_dir_status_str(person->status), 0);
	cli_print_field("person-suspended-reason", person->suspended_reason, 1);
	cli_print_field("enterprise", ent->uscc, 0);
	cli_print_field("enterprise-name", ent->name, 0);
	cli_print_field("enterprise-status", oc_dir_status_str(ent->status), 0);
	cli_print_field("enterprise-suspended-reason", ent->suspended_reason, 1);
}

void cli_print_cert(const struct oc_dir_cert *cert)
{
	cli_print_field("agency", cert->agency, 0);
	cli_print_field("serial", cert->serial, 0);
	cli_print_field("issuer", cert->issuer, 0);
	cli_print_field("sha256", cert->sha256, 0);
}
