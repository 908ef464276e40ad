/*
 * onecard-ca, the command-line tool over the CA core (ca.h). main.c
 * picks the subcommand from its table; each lives in its own cmd_*.c.
 * The program reports each error once, as one line on stderr:
 *
 *   onecard-ca: <command>: <onecard_strerror()>: <detail>
 *
 * and never prints a passphrase or key material. Secrets never come
 * from the command line: the passphrase is read from --pass-file or
 * $ONECARD_CA_PASS.
 *
 * Exit status (the one table is in cli.c; --help prints it):
 *   0  ok
 *   1  internal, I/O, crypto or other error
 *   2  usage error (bad or missing options)
 *   3  invalid input: invalid_argument, bad_format, too_large, bad_csr
 *   4  refused by policy: key_forbidden, unknown_profile, policy_error
 *   5  not found: not_found
 *   6  conflict: already_revoked, already_exists
 *   7  database unavailable or failed: database_unavailable
 *   8  passphrase wrong or missing: bad_passphrase
 *   9  card: card_absent, pin_incorrect, pin_locked, card_error, key_missing,
 *      cancelled
 */
#ifndef ONECARD_CA_CLI_H
#define ONECARD_CA_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "ca.h"

#define CLI_PROG "onecard-ca"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_OTHER = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INPUT = 3,
	CLI_EXIT_POLICY = 4,
	CLI_EXIT_NOT_FOUND = 5,
	CLI_EXIT_CONFLICT = 6,
	CLI_EXIT_DATABASE = 7,
	CLI_EXIT_PASSPHRASE = 8,
	CLI_EXIT_CARD = 9,
	CLI_EXIT_COUNT = 10,
};

/* The options every command takes (before or after the command name). */
struct cli_globals {
	const char *home;
	const char *db;
	const char *policy;
	const char *pass_file;
};

enum cli_option {
	OPT_HOME = 0x100,
	OPT_DB,
	OPT_POLICY,
	OPT_PASS_FILE,
	OPT_HELP,
	OPT_COMMAND = 0x120, /* a command's own options start here */
};

/* clang-format off */
#define CLI_GLOBAL_OPTIONS \
	{"home", required_argument, NULL, OPT_HOME}, \
	{"db", required_argument, NULL, OPT_DB}, \
	{"policy", required_argument, NULL, OPT_POLICY}, \
	{"pass-file", required_argument, NULL, OPT_PASS_FILE}, \
	{"help", no_argument, NULL, OPT_HELP}
/* clang-format on */

/* ---- commands (cmd_*.c): each returns an exit status ----------------- */

int cmd_init(struct cli_globals *g, int argc, char *argv[]);
int cmd_chain(struct cli_globals *g, int argc, char *argv[]);
int cmd_issue(struct cli_globals *g, int argc, char *argv[]);
int cmd_revoke(struct cli_globals *g, int argc, char *argv[]);
int cmd_crl(struct cli_globals *g, int argc, char *argv[]);
int cmd_list(struct cli_globals *g, int argc, char *argv[]);
int cmd_show(struct cli_globals *g, int argc, char *argv[]);
int cmd_profiles(struct cli_globals *g, int argc, char *argv[]);

/* Prints the full usage and exit codes on stdout (main.c). */
int cli_help(void);

/* ---- shared (cli.c) ---------------------------------------------------- */

/* Stores a global option; 1 if c was one, else 0. */
int cli_global_option(int c, const char *arg, struct cli_globals *g);

/* The core's arguments from the globals and the environment ($ONECARD_PG
 * when --db is absent). Reports a missing --home or database and returns
 * CLI_EXIT_USAGE; CLI_EXIT_OK otherwise. */
int cli_ca_args(const char *cmd, const struct cli_globals *g, int need_db, struct oc_ca_args *out);

/* One line "onecard-ca: <message>" on stderr, control characters
 * replaced. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports a failed operation and returns its exit status. */
int cli_fail(const char *cmd, int err, const struct oc_ca_diag *diag);

/* The exit status for a library error code. */
int cli_exit_for(int err);

/* Prints the "Exit status" section of the usage. */
void cli_print_exit_codes(FILE *out);

/* Reports a getopt_long() failure and returns CLI_EXIT_USAGE. */
int cli_option_error(const char *cmd, int c, const struct option *longopts, char *const argv[]);

/* Refuses operands after the options (CLI_EXIT_USAGE); CLI_EXIT_OK if none. */
int cli_no_operands(const char *cmd, int argc, char *const argv[]);

/* Reports a missing required option and returns CLI_EXIT_USAGE. */
int cli_missing(const char *cmd, const char *option);

/* Parses decimal digits only, in [min, max]. ONECARD_ERR_INVALID_ARG. */
int cli_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Writes all of text to stdout with write(2). CLI_EXIT_OK or
 * CLI_EXIT_OTHER (reported). */
int cli_write(const char *cmd, const char *text);

/* "YYYY-MM-DDTHH:MM:SSZ" for a Unix time. */
void cli_time_text(int64_t t, char out[32]);

#endif /* ONECARD_CA_CLI_H */
