/*
 * onecard-otp — the administrators' tool over the TOTP library (otp.h,
 * docs/otp.md): make the key file, enrol a person (the otpauth:// URI and
 * a QR code in the terminal), remove an enrolment, check a code.
 *
 * Each subcommand lives in a cmd_*.c reached from the table in main.c;
 * common.c holds what they share, qr.c is the only file calling
 * libqrencode, person.c the directory check. Errors are one line on
 * stderr starting with "onecard-otp: ", logged once, never holding a
 * secret, a code or a password. Secrets and codes never come from argv.
 *
 * Exit status (cli_exit_for() maps library codes):
 *   0  ok
 *   1  any other error
 *   2  usage: bad or missing options, a value not in its form
 *   3  not found: no such person in the directory, or no secret enrolled
 *   4  the person is not active in the directory
 *   5  the directory is unavailable
 *   6  the database is unavailable or refused
 *   7  the key file is missing, open to others, or not a key
 *   8  the stored secret cannot be opened: another key, altered, or not
 *      this person's
 *   9  the code is refused: wrong, outside the window, not digits
 *  10  the code was used already (replay)
 *  11  exists: keygen would replace a key file
 */
#ifndef ONECARD_OTP_CLI_H
#define ONECARD_OTP_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "dir_env.h"
#include "directory.h"
#include "otp.h"

#define CLI_PROG "onecard-otp"

#define CLI_KEY_ENV	   "ONECARD_OTP_KEY_FILE"
#define CLI_DB_ENV	   "ONECARD_PG"
#define CLI_CODE_LINE_MAX  32u /* bytes of the line a code is read from */
#define CLI_DEFAULT_DIGITS 6u

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_OTHER = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOT_FOUND = 3,
	CLI_EXIT_INACTIVE = 4,
	CLI_EXIT_DIRECTORY = 5,
	CLI_EXIT_DATABASE = 6,
	CLI_EXIT_KEY = 7,
	CLI_EXIT_SEALED = 8,
	CLI_EXIT_CODE = 9,
	CLI_EXIT_REPLAY = 10,
	CLI_EXIT_EXISTS = 11,
};

/* Options every subcommand may take, else the environment. */
struct cli_opts {
	const char *person;    /* --person */
	const char *key_file;  /* --key-file, ONECARD_OTP_KEY_FILE */
	const char *db;	       /* --db, ONECARD_PG */
	struct oc_dir_env dir; /* --uri, --base, --bind-dn, --bind-pw-file (dir_env.h) */
};

enum cli_opt {
	CLI_OPT_PERSON = 0x100,
	CLI_OPT_KEY_FILE,
	CLI_OPT_DB,
	CLI_OPT_URI,
	CLI_OPT_BASE,
	CLI_OPT_BIND_DN,
	CLI_OPT_BIND_PW_FILE,
	CLI_OPT_ALGORITHM,
	CLI_OPT_DIGITS,
	CLI_OPT_NO_QR,
	CLI_OPT_INVERT,
	CLI_OPT_POLICY,
	CLI_OPT_HELP,
};

/* ---- subcommands (cmd_*.c): each returns an exit status ---------------- */

int cmd_keygen(int argc, char *argv[]);
int cmd_enroll(int argc, char *argv[]);
int cmd_remove(int argc, char *argv[]);
int cmd_verify(int argc, char *argv[]);

/* ---- common.c ------------------------------------------------------------ */

/* Prints "onecard-otp: <message>" on stderr, sanitized to one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status for a library error code. */
int cli_exit_for(int err);

/* Reports a getopt_long() failure for cmd without echoing the value. */
int cli_option_error(const char *cmd);

/* Takes an option common to the subcommands into *o: 1 if c was one. */
int cli_common_option(struct cli_opts *o, int c, const char *arg);

/* Checks --person (given, in its form); reports and returns the exit. */
int cli_check_person(const char *cmd, const struct cli_opts *o);

/* Loads the key file (option, else environment). Reports failures;
 * returns the exit, CLI_EXIT_OK with *key. */
int cli_load_key(const char *cmd, const struct cli_opts *o, oc_otp_key **key);

/* Opens the store (option, else environment; one connection) and
 * applies the migrations. Reports failures; returns the exit. */
int cli_open_store(const char *cmd, const struct cli_opts *o, oc_otp_store **st);

/* Prepares the directory handle (options, else environment) and checks
 * that the person exists and is active (person.c). Reports failures;
 * returns the exit. */
int cli_check_directory(const char *cmd, const struct cli_opts *o);

/* Writes all of buf[0..len) to standard output, unbuffered (no stdio
 * copy of a secret is left behind). 0 or -1. */
int cli_write_out(const char *buf, size_t len);

/* ---- qr.c: the only file calling libqrencode ----------------------------- */

#define CLI_QR_QUIET 4u /* modules of quiet zone on each side (ISO/IEC 18004) */

/*
 * Renders text as a QR code (error correction M, version as needed) with
 * a quiet zone of CLI_QR_QUIET modules, two module rows per text line in
 * UTF-8 half blocks (U+2580, U+2584, U+2588, space). Light modules are
 * drawn as blocks (a terminal with light text on dark), or, with invert,
 * dark ones (dark text on light). *out is a new NUL-terminated buffer of
 * *len bytes; it encodes the text, so wipe it before freeing
 * (cli_qr_free). 0 on success, -1 on failure.
 */
int cli_qr_render(const char *text, int invert, char **out, size_t *len);
void cli_qr_free(char *buf, size_t len);

/* ---- person.c ------------------------------------------------------------ */

/*
 * The status of the person person_id in the directory: ONECARD_OK and
 * *status; ONECARD_ERR_NOT_FOUND (no such person), ONECARD_ERR_DIRECTORY,
 * ONECARD_ERR_INVALID_ARG, ONECARD_ERR_TOO_LARGE, NOMEM.
 */
int cli_person_status(struct oc_dir *dir, const char *person_id, enum oc_dir_status *status);

#endif /* ONECARD_OTP_CLI_H */
