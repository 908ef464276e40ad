/*
 * onecard-token — a thin command-line tool over the public token API
 * (<onecard/token.h>): generate keys, publish a JWKS, sign and verify.
 *
 * Each subcommand lives in its own cmd_*.c and is reached from the
 * table in main.c. The program logs each error exactly once, as one
 * line on stderr starting with "onecard-token: ", and never prints key
 * material or a token in an error.
 *
 * Exit status (the mapping from library error codes is the one table
 * in errors.c; `onecard-token --help` prints it from that table):
 *   0  ok
 *   1  internal, I/O or other error
 *   2  usage error (bad or missing options)
 *   3  malformed: bad_format, too_large, alg_not_allowed, crit_unsupported,
 *      header_not_allowed, bad_claim
 *   4  bad signature: bad_signature
 *   5  expired or not yet valid: expired, not_yet_valid
 *   6  wrong audience, issuer or type: wrong_audience, wrong_issuer, wrong_type
 *   7  unknown key: unknown_kid
 *   8  bad key or key set: bad_key, bad_keyset (and any key file that
 *      cannot be used as a key)
 */
#ifndef ONECARD_TOKEN_CLI_H
#define ONECARD_TOKEN_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_PROG "onecard-token"

/* The most any input (key file, JWKS, claims, token) may hold. */
#define CLI_READ_MAX (256u * 1024u)

/* Latest --now accepted: 9999-12-31T23:59:59Z. Keeps every sum the
 * library makes with it (now + leeway, now + lifetime) far from overflow. */
#define CLI_NOW_MAX INT64_C(253402300799)

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_OTHER = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_MALFORMED = 3,
	CLI_EXIT_BAD_SIGNATURE = 4,
	CLI_EXIT_TIME = 5,
	CLI_EXIT_WRONG_PARTY = 6,
	CLI_EXIT_UNKNOWN_KEY = 7,
	CLI_EXIT_BAD_KEY = 8,
	CLI_EXIT_COUNT = 9,
};

/* ---- subcommands (cmd_*.c): each returns an exit status ------------- */

int cmd_keygen(int argc, char *argv[]);
int cmd_jwks(int argc, char *argv[]);
int cmd_sign(int argc, char *argv[]);
int cmd_verify(int argc, char *argv[]);

/* Prints the full usage, exit codes included, on stdout (main.c).
 * Returns CLI_EXIT_OK, or CLI_EXIT_OTHER if stdout cannot be written. */
int cli_help(void);

/* ---- errors and exit codes (errors.c) -------------------------------- */

/* Prints one line "onecard-token: <message>" on stderr. Control
 * characters in the message are replaced so it stays one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status for a library error code (ONECARD_ERR_*). */
int cli_exit_for(int err);

/* The exit status for a failure to load a key or key set: anything but
 * a memory, I/O, internal or crypto failure means the key is unusable. */
int cli_exit_for_key(int err);

/* Reports a failed cli_read_all() of path ("-": stdin); call it right
 * after the read, while errno still holds the cause. */
void cli_read_error(const char *cmd, const char *path, int err);

/* Prints the "Exit status" section of the usage from the exit table. */
void cli_print_exit_codes(FILE *out);

/* Reports a getopt_long() failure ('?' or ':') for subcommand cmd and
 * returns CLI_EXIT_USAGE. Never echoes an option's value. */
int cli_option_error(const char *cmd, int c, const struct option *longopts, char *const argv[]);

/* ---- parsing (parse.c) ----------------------------------------------- */

/* Parses text made of decimal digits only (no sign, space or prefix) as
 * a number in [min, max]. Returns ONECARD_OK and sets *out, or
 * ONECARD_ERR_INVALID_ARG with *out 0. */
int cli_parse_uint(const char *text, int64_t min, int64_t max, int64_t *out);

/* ---- input and output (io.c) ----------------------------------------- */

/* Reads all of path ("-": stdin) into a new NUL-terminated buffer.
 * Fails with ONECARD_ERR_TOO_LARGE past max (at most CLI_READ_MAX)
 * bytes, or ONECARD_ERR_IO with errno set. The buffer is allocated
 * once at its maximum, so no realloc leaves stray copies of a secret.
 * Free it with cli_buffer_free(). */
int cli_read_all(const char *path, size_t max, char **out, size_t *len_out);

/* Wipes len bytes (and the NUL after them) and frees; NULL does nothing. */
void cli_buffer_free(char *buf, size_t len);

/* Writes text and a newline to stdout with write(2): no stdio buffer
 * keeps a copy of a private key after the program is done with it. */
int cli_write_line(const char *text);

#endif /* ONECARD_TOKEN_CLI_H */
