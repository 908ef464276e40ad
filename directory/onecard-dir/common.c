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

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"
#include "cli_line.h"
#include "pw_file.h"

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

static const char *option_or_env(const char *value, const char *env)
{
	const char *v = value != NULL ? value : getenv(env);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

int cli_connect(const char *cmd, const struct cli_conn *conn, struct oc_dir **dir)
{
	char pw[OC_DIR_PASSWORD_MAX + 2];
	const char *uri, *base, *bind_dn, *pw_file;
	size_t pw_len = 0;
	int r, saved;

	*dir = NULL;
	uri = option_or_env(conn->uri, "ONECARD_LDAP_URI");
	base = option_or_env(conn->base, "ONECARD_LDAP_BASE");
	bind_dn = option_or_env(conn->bind_dn, "ONECARD_LDAP_BIND_DN");
	pw_file = option_or_env(conn->pw_file, OC_DIR_PW_ENV);
	if (uri == NULL || base == NULL || bind_dn == NULL || pw_file == NULL) {
		cli_error("%s: the directory is not named: give --uri, --base, --bind-dn and "
			  "--bind-pw-file, or set ONECARD_LDAP_URI, ONECARD_LDAP_BASE, "
			  "ONECARD_LDAP_BIND_DN and ONECARD_LDAP_BIND_PW_FILE",
			  cmd);
		return CLI_EXIT_USAGE;
	}
	r = oc_dir_pw_from_file(pw_file, pw, sizeof(pw), &pw_len);
	saved = errno;
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_INVALID_ARG:
		cli_error("%s: the bind password file is refused: not a regular file, or group or "
			  "others may access it (chmod 600 it)",
			  cmd);
		return CLI_EXIT_USAGE;
	case ONECARD_ERR_IO:
		cli_error("%s: cannot read the bind password file: %s", cmd, strerror(saved));
		return CLI_EXIT_OTHER;
	case ONECARD_ERR_TOO_LARGE:
		cli_error("%s: the bind password is longer than %u bytes", cmd,
			  OC_DIR_PASSWORD_MAX);
		return CLI_EXIT_USAGE;
	default:
		cli_error("%s: the bind password file is empty or holds a NUL byte", cmd);
		return CLI_EXIT_USAGE;
	}
	r = oc_dir_new(uri, base, bind_dn, pw, pw_len, dir);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r == ONECARD_ERR_INVALID_ARG || r == ONECARD_ERR_TOO_LARGE) {
		cli_error(
			"%s: the directory URI, base or bind DN is not usable (URIs: all ldapi://, "
			"or ldap:// and ldaps://)",
			cmd);
		return CLI_EXIT_USAGE;
	}
	if (r != ONECARD_OK) {
		return cli_fail(cmd, "cannot prepare the connection", r, NULL);
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
