/*
 * onecard-otp verify --person ID: reads one code from standard input (a
 * line; never from argv) and checks it as a login would: within the
 * window, and never a step already used. An accepted code is used up.
 * For administrators and tests; prints "accepted step N" on success.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"

#define CMD "verify"

/* Reads one line of at most CLI_CODE_LINE_MAX bytes from stdin into
 * buf[cap] without its "\n" or "\r\n". 0, or -1 (unreadable), -2 (too
 * long), -3 (empty). */
static int read_code(char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	ssize_t got;
	char ch;

	*len = 0;
	for (;;) {
		got = read(STDIN_FILENO, &ch, 1);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			return -1;
		}
		if (got == 0 || ch == '\n') {
			break;
		}
		if (n + 1 >= cap) {
			return -2;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r') {
		n--;
	}
	buf[n] = '\0';
	if (n == 0) {
		return -3;
	}
	*len = n;
	return 0;
}

int cmd_verify(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"person", required_argument, NULL, CLI_OPT_PERSON},
		{"key-file", required_argument, NULL, CLI_OPT_KEY_FILE},
		{"db", required_argument, NULL, CLI_OPT_DB},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	char code[CLI_CODE_LINE_MAX + 1];
	oc_otp_key *key = NULL;
	oc_otp_store *st = NULL;
	const char *why = "";
	uint64_t step = 0;
	size_t code_len = 0;
	int c, r, rc;

	memset(&o, 0, sizeof(o));
	memset(code, 0, sizeof(code));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (!cli_common_option(&o, c, optarg)) {
			return cli_option_error(CMD);
		}
	}
	if (optind != argc) {
		cli_error("%s: unexpected argument (the code is read from standard input)", CMD);
		return CLI_EXIT_USAGE;
	}
	rc = cli_check_person(CMD, &o);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	r = read_code(code, sizeof(code), &code_len);
	if (r == -1) {
		cli_error("%s: cannot read the code from standard input", CMD);
		rc = CLI_EXIT_OTHER;
		goto out;
	}
	if (r == -2 || r == -3) {
		cli_error("%s: the code refused: %s", CMD,
			  r == -2 ? "longer than a code" : "no code on standard input");
		rc = CLI_EXIT_CODE;
		goto out;
	}
	rc = cli_load_key(CMD, &o, &key);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	rc = cli_open_store(CMD, &o, &st);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_otp_verify(st, key, o.person, code, code_len, (int64_t)time(NULL), &step, &why);
	switch (r) {
	case ONECARD_OK:
		printf("accepted step %" PRIu64 "\n", step);
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OTHER;
		break;
	case ONECARD_ERR_NOT_FOUND:
		cli_error("%s: no secret is enrolled for %s", CMD, o.person);
		rc = CLI_EXIT_NOT_FOUND;
		break;
	case ONECARD_ERR_BAD_FORMAT:
	case ONECARD_ERR_BAD_SIGNATURE:
	case ONECARD_ERR_EXISTS:
		cli_error("%s: the code refused: %s", CMD, why);
		rc = cli_exit_for(r);
		break;
	case ONECARD_ERR_BAD_KEY:
	case ONECARD_ERR_MISMATCH:
		cli_error("%s: the stored secret of %s cannot be opened: %s", CMD, o.person, why);
		rc = CLI_EXIT_SEALED;
		break;
	default:
		cli_error("%s: the code could not be checked: %s (%s)", CMD, why,
			  oc_otp_store_diagnostic());
		rc = r == ONECARD_ERR_DATABASE ? CLI_EXIT_DATABASE : CLI_EXIT_OTHER;
		break;
	}
out:
	OPENSSL_cleanse(code, sizeof(code));
	oc_otp_store_free(st);
	oc_otp_key_free(key);
	return rc;
}
