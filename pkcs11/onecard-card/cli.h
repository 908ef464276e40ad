/*
 * onecard-card — the command-line tool over the card library (card.h):
 * list cards and their certificates, sign with a card, and provision one
 * (generate a key on it, write a certificate, delete by id).
 *
 * Each subcommand lives in its own cmd_*.c, reached from the table in
 * main.c; common.c holds what they share. Errors are one line on stderr
 * starting with "onecard-card: ", logged once, and never show a PIN.
 *
 * Exit status (cli_exit_for() is the one mapping from library codes):
 *   0  ok
 *   1  any other error
 *   2  usage error (bad or missing options, a refused URI)
 *   3  card absent: no card matches (card_absent)
 *   4  PIN incorrect (pin_incorrect); the message says when the card
 *      reports few or one try left
 *   5  PIN locked (pin_locked)
 *   6  private key missing, or not the certificate's key (key_missing)
 */
#ifndef ONECARD_CARD_CLI_H
#define ONECARD_CARD_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card.h"

#define CLI_PROG	  "onecard-card"
#define CLI_INPUT_MAX	  (1024u * 1024u) /* bytes `sign` reads */
#define CLI_CERT_FILE_MAX (64u * 1024u)	  /* bytes of a PEM certificate file */
#define CLI_LINE_MAX	  1024u		  /* bytes of one printed value */

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_OTHER = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_CARD_ABSENT = 3,
	CLI_EXIT_PIN_INCORRECT = 4,
	CLI_EXIT_PIN_LOCKED = 5,
	CLI_EXIT_KEY_MISSING = 6,
};

/* Options given before the subcommand. */
struct cli_global {
	const char *module; /* --module PATH, or NULL */
};

/* What most subcommands open: the module, the card, the parsed --card. */
struct cli_card {
	struct oc_card_ctx *ctx;
	struct oc_card *card;
	struct oc_p11_uri *uri;
};

/* ---- subcommands (cmd_*.c): each returns an exit status ------------- */

int cmd_tokens(int argc, char *argv[], const struct cli_global *g);
int cmd_list(int argc, char *argv[], const struct cli_global *g);
int cmd_sign(int argc, char *argv[], const struct cli_global *g);
int cmd_keygen(int argc, char *argv[], const struct cli_global *g);
int cmd_write_cert(int argc, char *argv[], const struct cli_global *g);
int cmd_delete(int argc, char *argv[], const struct cli_global *g);

/* ---- common.c -------------------------------------------------------- */

/* Prints "onecard-card: <message>" on stderr, control characters
 * replaced so that it stays one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status for a library error code. */
int cli_exit_for(int err);

/* Reports a getopt_long() failure for cmd without echoing any value, and
 * returns CLI_EXIT_USAGE. */
int cli_option_error(const char *cmd);

/* Reports err for cmd ("cmd: what: <sentence>") and returns its exit. */
int cli_fail(const char *cmd, const char *what, int err);

/* Loads the module (module may be NULL: the library's default). Reports
 * any failure and returns its exit status; CLI_EXIT_OK with *ctx new. */
int cli_open_ctx(const char *cmd, const char *module, struct oc_card_ctx **ctx);

/* Loads the module (module may be NULL: the library's default) and
 * selects the card card_uri names (NULL: the only card). Reports any
 * failure and returns its exit status; CLI_EXIT_OK with *cc filled. */
int cli_open_card(const char *cmd, const char *module, const char *card_uri, struct cli_card *cc);

/* Frees what cli_open_card() opened; a zeroed *cc is fine. */
void cli_close_card(struct cli_card *cc);

/* Gets the PIN (--pin-file, the URI's pin-source, ONECARD_PIN or a
 * prompt) and logs in. Reports any failure and returns its exit status;
 * CLI_EXIT_OK with *s open. The PIN is wiped before this returns. */
int cli_login(const char *cmd, struct cli_card *cc, const char *pin_file,
	      struct oc_card_session **s);

/* Parses an id given as hex ("01", "a0ff"): 1..OC_CARD_ID_MAX bytes.
 * Reports a bad one and returns CLI_EXIT_USAGE; CLI_EXIT_OK otherwise. */
int cli_parse_id(const char *cmd, const char *hex, uint8_t id[OC_CARD_ID_MAX], size_t *len);

/* Writes bytes as lowercase hex into out[cap] (NUL-terminated). */
void cli_hex(const uint8_t *bytes, size_t len, char *out, size_t cap);

/* Reads all of path ("-": stdin), at most max bytes, into a new buffer
 * with a NUL after it (free()). Reports failures; returns the exit. */
int cli_read_file(const char *cmd, const char *path, size_t max, uint8_t **buf, size_t *len);

/* Copies text (from the card or a certificate: untrusted) into out[cap]
 * with control characters (C0, DEL, C1) replaced by '?', cut to fit. */
void cli_sanitize(const char *text, char *out, size_t cap);

/* Flushes stdout; CLI_EXIT_OTHER (reported) when the output failed. */
int cli_finish_output(const char *cmd);

#endif /* ONECARD_CARD_CLI_H */
