/*
 * onecard-token sign --key KEYFILE [--lifetime SECONDS] [--typ TYP]
 * Reads a JSON object of claims on stdin and prints a signed token.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include <onecard/token.h>

#include "cli.h"

#define CMD		 "sign"
#define LIFETIME_DEFAULT 300
#define LIFETIME_MAX	 86400 /* the most onecard_signer_issue() accepts */

enum {
	OPT_KEY = 256,
	OPT_LIFETIME,
	OPT_TYP,
};

static const struct option options[] = {
	{"key", required_argument, NULL, OPT_KEY},
	{"lifetime", required_argument, NULL, OPT_LIFETIME},
	{"typ", required_argument, NULL, OPT_TYP},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Reads the private key and builds the signer; the file's bytes are
 * wiped before this returns. Returns an exit status. */
static int load_signer(const char *path, onecard_signer **out)
{
	char *text = NULL;
	size_t len = 0;
	int r;
	int ex = CLI_EXIT_OTHER;

	*out = NULL;
	r = cli_read_all(path, CLI_READ_MAX, &text, &len);
	if (r != ONECARD_OK) {
		cli_read_error(CMD, path, r);
		ex = cli_exit_for_key(r);
		goto out;
	}
	r = onecard_signer_new(text, len, out);
	if (r != ONECARD_OK) {
		cli_error(CMD ": '%s' is not a usable private key: %s (%s)", path,
			  onecard_err_code(r), onecard_strerror(r));
		ex = cli_exit_for_key(r);
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	cli_buffer_free(text, len);
	return ex;
}

int cmd_sign(int argc, char *argv[])
{
	const char *key_path = NULL, *typ = NULL;
	int64_t lifetime = LIFETIME_DEFAULT;
	onecard_signer *signer = NULL;
	char *claims = NULL, *token = NULL;
	size_t claims_len = 0;
	int c, r;
	int ex = CLI_EXIT_OTHER;

	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":h", options, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_KEY:
			key_path = optarg;
			break;
		case OPT_LIFETIME:
			if (cli_parse_uint(optarg, 1, LIFETIME_MAX, &lifetime) != ONECARD_OK) {
				cli_error(CMD ": --lifetime must be 1..%d seconds", LIFETIME_MAX);
				ex = CLI_EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_TYP:
			typ = optarg;
			break;
		case 'h':
			ex = cli_help();
			goto out;
		default:
			ex = cli_option_error(CMD, c, options, argv);
			goto out;
		}
	}
	if (optind != argc) {
		cli_error(CMD ": unexpected argument; the claims are read from stdin");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (key_path == NULL) {
		cli_error(CMD ": --key is required");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (typ != NULL && typ[0] == '\0') {
		cli_error(CMD ": --typ must not be empty");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	ex = load_signer(key_path, &signer);
	if (ex != CLI_EXIT_OK) {
		goto out;
	}
	r = cli_read_all("-", CLI_READ_MAX, &claims, &claims_len);
	if (r != ONECARD_OK) {
		cli_read_error(CMD, "-", r);
		ex = cli_exit_for(r);
		goto out;
	}
	r = onecard_signer_issue(signer, claims, claims_len, typ, 0, lifetime, &token);
	if (r == ONECARD_ERR_INVALID_ARG) {
		/* Key, claims and lifetime are checked above: typ is what remains. */
		cli_error(CMD ": --typ is too long");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (r != ONECARD_OK) {
		cli_error(CMD ": cannot issue a token: %s (%s)", onecard_err_code(r),
			  onecard_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	if (cli_write_line(token) != ONECARD_OK) {
		cli_error(CMD ": cannot write the token to stdout");
		ex = CLI_EXIT_OTHER;
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	/* A token is a bearer credential: wiped like a secret. */
	onecard_secret_string_free(token);
	cli_buffer_free(claims, claims_len);
	onecard_signer_free(signer);
	return ex;
}
