/*
 * What the subcommands share: the one error printer and exit table,
 * opening the module and the card, logging in, and bounded input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"
#include "cli_line.h"
#include "pin_source.h"

#define PROMPT_BYTES (OC_CARD_LABEL_LEN + 32u)

/* Library error code -> exit status; everything else is CLI_EXIT_OTHER. */
static const struct exit_row {
	int err;
	int exit_code;
} exit_table[] = {
	{ONECARD_OK, CLI_EXIT_OK},
	{ONECARD_ERR_CARD_ABSENT, CLI_EXIT_CARD_ABSENT},
	{ONECARD_ERR_PIN_INCORRECT, CLI_EXIT_PIN_INCORRECT},
	{ONECARD_ERR_PIN_LOCKED, CLI_EXIT_PIN_LOCKED},
	{ONECARD_ERR_KEY_MISSING, CLI_EXIT_KEY_MISSING},
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
	/* Not echoed: the mistyped word may be a value, and values may be
	 * paths or labels someone would rather not see in a log. */
	cli_error("%s: bad or missing option value; try '" CLI_PROG " --help'", cmd);
	return CLI_EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *what, int err)
{
	cli_error("%s: %s: %s", cmd, what, onecard_strerror(err));
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

void cli_close_card(struct cli_card *cc)
{
	oc_card_free(cc->card);
	oc_card_ctx_free(cc->ctx);
	oc_p11_uri_free(cc->uri);
	memset(cc, 0, sizeof(*cc));
}

int cli_open_ctx(const char *cmd, const char *module, struct oc_card_ctx **ctx)
{
	int r = oc_card_ctx_new(module, ctx);

	switch (r) {
	case ONECARD_OK:
		return CLI_EXIT_OK;
	case ONECARD_ERR_NOT_FOUND:
		cli_error("%s: no PKCS#11 module: give --module PATH or set ONECARD_PKCS11_MODULE",
			  cmd);
		return CLI_EXIT_OTHER;
	case ONECARD_ERR_INVALID_ARG:
		cli_error("%s: the PKCS#11 module must be given by an absolute path", cmd);
		return CLI_EXIT_USAGE;
	default:
		return cli_fail(cmd, "cannot load the PKCS#11 module", r);
	}
}

int cli_open_card(const char *cmd, const char *module, const char *card_uri, struct cli_card *cc)
{
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_NONE;
	int r;

	memset(cc, 0, sizeof(*cc));
	if (card_uri != NULL) {
		r = oc_p11_uri_parse(card_uri, strlen(card_uri), &cc->uri, &why);
		if (r != ONECARD_OK) {
			cli_error("%s: --card: %s", cmd, oc_p11_uri_refusal_str(why));
			return CLI_EXIT_USAGE;
		}
	}
	r = cli_open_ctx(cmd, module, &cc->ctx);
	if (r != CLI_EXIT_OK) {
		cli_close_card(cc);
		return r;
	}
	r = oc_card_open(cc->ctx, cc->uri, &cc->card);
	if (r == ONECARD_ERR_CARD_ABSENT) {
		cli_error("%s: no card present matches %s", cmd,
			  card_uri != NULL ? "the card URI" : "(no card present)");
		cli_close_card(cc);
		return CLI_EXIT_CARD_ABSENT;
	}
	if (r == ONECARD_ERR_INVALID_ARG) {
		cli_error("%s: the card URI matches more than one card, or its module-path is "
			  "not the module loaded; see '" CLI_PROG " tokens'",
			  cmd);
		cli_close_card(cc);
		return CLI_EXIT_USAGE;
	}
	if (r != ONECARD_OK) {
		r = cli_fail(cmd, "cannot open the card", r);
		cli_close_card(cc);
		return r;
	}
	return CLI_EXIT_OK;
}

/* Reports a failure to get the PIN from the source named from. */
static int pin_source_error(const char *cmd, const char *from, int err, int saved_errno)
{
	switch (err) {
	case ONECARD_ERR_INVALID_ARG:
		cli_error("%s: %s refused: not a regular file, or readable or writable by group "
			  "or others (chmod 600 it); a pin-source must be a file path",
			  cmd, from);
		return CLI_EXIT_USAGE;
	case ONECARD_ERR_IO:
		cli_error("%s: cannot read the %s: %s", cmd, from, strerror(saved_errno));
		return CLI_EXIT_OTHER;
	case ONECARD_ERR_CANCELLED:
		cli_error("%s: no PIN given (no terminal to ask on, or cancelled); use --pin-file "
			  "or ONECARD_PIN",
			  cmd);
		return CLI_EXIT_OTHER;
	case ONECARD_ERR_BAD_FORMAT:
		cli_error("%s: the PIN from the %s is empty or holds a NUL byte", cmd, from);
		return CLI_EXIT_USAGE;
	case ONECARD_ERR_TOO_LARGE:
		cli_error("%s: the PIN from the %s is longer than %u bytes", cmd, from,
			  OC_CARD_PIN_MAX);
		return CLI_EXIT_USAGE;
	default:
		return cli_fail(cmd, "cannot get the PIN", err);
	}
}

/* What the card says about its remaining tries, for the message. */
static const char *tries_left(struct oc_card *card)
{
	struct oc_card_info info;

	if (oc_card_get_info(card, &info) != ONECARD_OK) {
		return "";
	}
	if ((info.pin_flags & OC_CARD_PIN_FINAL_TRY) != 0) {
		return " (final try left)";
	}
	if ((info.pin_flags & OC_CARD_PIN_COUNT_LOW) != 0) {
		return " (the card reports its retry count low)";
	}
	return "";
}

int cli_login(const char *cmd, struct cli_card *cc, const char *pin_file,
	      struct oc_card_session **s)
{
	char pin[OC_CARD_PIN_MAX + 1];
	char prompt[PROMPT_BYTES], label[OC_CARD_LABEL_LEN + 1];
	struct oc_card_info info;
	const char *from = "";
	size_t len = 0;
	int r, saved_errno;

	*s = NULL;
	if (oc_card_get_info(cc->card, &info) != ONECARD_OK) {
		memset(&info, 0, sizeof(info));
	}
	if ((info.pin_flags & OC_CARD_PIN_LOCKED) != 0) {
		cli_error("%s: PIN locked: the card refuses every PIN until it is unblocked", cmd);
		return CLI_EXIT_PIN_LOCKED;
	}
	cli_sanitize(info.label, label, sizeof(label));
	(void)snprintf(prompt, sizeof(prompt), "PIN for card '%s': ", label);
	r = oc_pin_obtain(pin_file, oc_p11_uri_get(cc->uri, OC_P11_URI_PIN_SOURCE), prompt, pin,
			  sizeof(pin), &len, &from);
	saved_errno = errno;
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return pin_source_error(cmd, from, r, saved_errno);
	}
	r = oc_card_session_open(cc->card, pin, len, s);
	OPENSSL_cleanse(pin, sizeof(pin)); /* done by the library; kept as a rule */
	switch (r) {
	case ONECARD_OK:
		return CLI_EXIT_OK;
	case ONECARD_ERR_PIN_INCORRECT:
		cli_error("%s: PIN incorrect%s", cmd, tries_left(cc->card));
		break;
	case ONECARD_ERR_PIN_LOCKED:
		cli_error("%s: PIN locked: the card refuses every PIN until it is unblocked", cmd);
		break;
	case ONECARD_ERR_CARD_ABSENT:
		cli_error("%s: the card was removed", cmd);
		break;
	default:
		cli_fail(cmd, "cannot log in to the card", r);
		break;
	}
	return cli_exit_for(r);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int cli_parse_id(const char *cmd, const char *hex, uint8_t id[OC_CARD_ID_MAX], size_t *len)
{
	size_t n = strlen(hex), i;
	int hi, lo;

	*len = 0;
	if (n == 0 || n % 2 != 0 || n / 2 > OC_CARD_ID_MAX) {
		cli_error("%s: --id must be 1 to %u bytes in hex (such as 01)", cmd,
			  OC_CARD_ID_MAX);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < n / 2; i++) {
		hi = hex_digit(hex[2 * i]);
		lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			cli_error("%s: --id must be hex digits", cmd);
			return CLI_EXIT_USAGE;
		}
		id[i] = (uint8_t)(hi * 16 + lo);
	}
	*len = n / 2;
	return CLI_EXIT_OK;
}

void cli_hex(const uint8_t *bytes, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (cap == 0) {
		return;
	}
	for (i = 0; i < len && 2 * i + 2 < cap; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0x0f];
	}
	out[2 * i] = '\0';
}

int cli_read_file(const char *cmd, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	uint8_t *b = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1;

	*buf = NULL;
	*len = 0;
	b = malloc(max + 1);
	if (b == NULL) {
		cli_error("%s: out of memory", cmd);
		return CLI_EXIT_OTHER;
	}
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		goto io_error;
	}
	/* One byte more than allowed, so that too much is seen. */
	while (got <= max) {
		n = read(fd, b + got, max + 1 - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			goto io_error;
		}
		if (n == 0) {
			break;
		}
		got += (size_t)n;
	}
	if (fd != STDIN_FILENO) {
		(void)close(fd);
	}
	if (got > max) {
		free(b);
		cli_error("%s: the input is larger than %zu bytes", cmd, max);
		return CLI_EXIT_USAGE;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return CLI_EXIT_OK;
io_error:
	cli_error("%s: cannot read %s: %s", cmd, strcmp(path, "-") == 0 ? "stdin" : path,
		  strerror(errno));
	if (fd >= 0 && fd != STDIN_FILENO) {
		(void)close(fd);
	}
	free(b);
	return CLI_EXIT_OTHER;
}
