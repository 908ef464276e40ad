/*
 * onecard-dir — the command-line tool over the directory library
 * (directory.h): enroll a card, suspend and activate cards, people and
 * enterprises, show a card, find a certificate's owner, check the
 * connection, set a person's directory password.
 *
 * Each subcommand lives in a cmd_*.c reached from the table in main.c
 * (the six suspend/activate commands share cmd_status.c: one operation on
 * three kinds of entry); common.c holds what they share. Errors are one
 * line on stderr starting with "onecard-dir: ", logged once, never with
 * the password.
 *
 * Exit status (cli_exit_for() is the one mapping from library codes):
 *   0  ok
 *   1  any other error (a refusal by the directory's rules...)
 *   2  usage: bad or missing options, a value not in its form
 *   3  not found (not_found)
 *   4  exists: already registered, or registered otherwise (exists)
 *   5  directory unavailable: unreachable, bind refused (directory_error)
 *   6  refused by the password rules (set-password)
 */
#ifndef ONECARD_DIR_CLI_H
#define ONECARD_DIR_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "directory.h"

#define CLI_PROG	  "onecard-dir"
#define CLI_CERT_FILE_MAX (64u * 1024u) /* bytes of one certificate file */
#define CLI_LINE_MAX	  2048u		/* bytes of one printed value */

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_OTHER = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOT_FOUND = 3,
	CLI_EXIT_EXISTS = 4,
	CLI_EXIT_UNAVAILABLE = 5,
	CLI_EXIT_REFUSED = 6,
};

/* Where the directory is: options, else the environment. */
struct cli_conn {
	const char *uri;     /* --uri, ONECARD_LDAP_URI */
	const char *base;    /* --base, ONECARD_LDAP_BASE */
	const char *bind_dn; /* --bind-dn, ONECARD_LDAP_BIND_DN */
	const char *pw_file; /* --bind-pw-file, ONECARD_LDAP_BIND_PW_FILE */
};

/* getopt_long codes of the connection options, which every subcommand
 * takes (and main.c before the subcommand). */
enum cli_conn_opt {
	CLI_OPT_URI = 0x100,
	CLI_OPT_BASE,
	CLI_OPT_BIND_DN,
	CLI_OPT_BIND_PW_FILE,
};

/* clang-format off */
#define CLI_CONN_LONGOPTS \
	{"uri", required_argument, NULL, CLI_OPT_URI}, \
	{"base", required_argument, NULL, CLI_OPT_BASE}, \
	{"bind-dn", required_argument, NULL, CLI_OPT_BIND_DN}, \
	{"bind-pw-file", required_argument, NULL, CLI_OPT_BIND_PW_FILE}
/* clang-format on */

/* ---- subcommands (cmd_*.c): each returns an exit status ------------- */

int cmd_enroll(int argc, char *argv[], const struct cli_conn *g);
int cmd_suspend_card(int argc, char *argv[], const struct cli_conn *g);
int cmd_activate_card(int argc, char *argv[], const struct cli_conn *g);
int cmd_suspend_person(int argc, char *argv[], const struct cli_conn *g);
int cmd_activate_person(int argc, char *argv[], const struct cli_conn *g);
int cmd_suspend_enterprise(int argc, char *argv[], const struct cli_conn *g);
int cmd_activate_enterprise(int argc, char *argv[], const struct cli_conn *g);
int cmd_show_card(int argc, char *argv[], const struct cli_conn *g);
int cmd_find_cert(int argc, char *argv[], const struct cli_conn *g);
int cmd_ping(int argc, char *argv[], const struct cli_conn *g);
int cmd_set_password(int argc, char *argv[], const struct cli_conn *g);

/* ---- common.c -------------------------------------------------------- */

/* Prints "onecard-dir: <message>" on stderr, control characters
 * replaced so that it stays one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status for a library error code. */
int cli_exit_for(int err);

/* Reports a getopt_long() failure for cmd without echoing any value, and
 * returns CLI_EXIT_USAGE. */
int cli_option_error(const char *cmd);

/* Reports err for cmd ("cmd: what: <sentence>[: <diagnostic>]", the
 * diagnostic from dir when dir is not NULL) and returns its exit. */
int cli_fail(const char *cmd, const char *what, int err, const struct oc_dir *dir);

/* Takes a connection option (c from getopt_long) into *conn: 1 when c
 * was one, else 0. */
int cli_conn_option(struct cli_conn *conn, int c, const char *arg);

/* Fills what *conn lacks from the environment, reads the password file
 * and prepares the handle (no I/O yet: the first operation connects).
 * Reports any failure and returns its exit; CLI_EXIT_OK with *dir. */
int cli_connect(const char *cmd, const struct cli_conn *conn, struct oc_dir **dir);

/* Reads all of path, at most max bytes, into a new buffer (free()).
 * Reports failures; returns the exit. */
int cli_read_file(const char *cmd, const char *path, size_t max, unsigned char **buf, size_t *len);

/* Copies text (from the directory or a certificate: untrusted) into
 * out[cap] with control characters (C0, DEL, C1) replaced by '?'. */
void cli_sanitize(const char *text, char *out, size_t cap);

/* Prints "name: value" with value sanitized; nothing when value is ""
 * and optional. */
void cli_print_field(const char *name, const char *value, int optional);

/* Prints the card, its holder and the enterprise, as show-card does. */
void cli_print_owner(const struct oc_dir_card *card, const struct oc_dir_person *person,
		     const struct oc_dir_enterprise *ent);

/* Prints one certificate block (agency, serial, issuer, sha256). */
void cli_print_cert(const struct oc_dir_cert *cert);

/* Flushes stdout; CLI_EXIT_OTHER (reported) when the output failed. */
int cli_finish_output(const char *cmd);

#endif /* ONECARD_DIR_CLI_H */
