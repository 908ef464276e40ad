/*
 * onecard-token keygen --alg EdDSA|ES256 --kid KID
 * Generates a key pair and prints it as a private JWK, one line on stdout.
 */
#include <getopt.h>
#include <stddef.h>

#include <onecard/token.h>

#include "cli.h"

#define CMD "keygen"

enum {
	OPT_ALG = 256,
	OPT_KID,
};

static const struct option options[] = {
	{"alg", required_argument, NULL, OPT_ALG},
	{"kid", required_argument, NULL, OPT_KID},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_keygen(int argc, char *argv[])
{
	const char *alg_name = NULL, *kid = NULL;
	char *jwk = NULL;
	int alg, c, r;
	int ex = CLI_EXIT_OTHER;

	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":h", options, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_ALG:
			alg_name = optarg;
			break;
		case OPT_KID:
			kid = optarg;
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
		cli_error(CMD ": unexpected argument; try '" CLI_PROG " --help'");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (alg_name == NULL || kid == NULL) {
		cli_error(CMD ": --alg and --kid are required");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	alg = onecard_alg_from_name(alg_name);
	if (alg < 0) {
		cli_error(CMD ": --alg must be EdDSA or ES256");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	r = onecard_key_generate(alg, kid, &jwk);
	if (r == ONECARD_ERR_INVALID_ARG) {
		/* alg is known good here, so the kid is what was refused. */
		cli_error(CMD ": --kid must be 1..%u printable ASCII characters, no spaces",
			  ONECARD_KID_MAX_LEN);
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (r != ONECARD_OK) {
		cli_error(CMD ": cannot generate a key: %s (%s)", onecard_err_code(r),
			  onecard_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	if (cli_write_line(jwk) != ONECARD_OK) {
		cli_error(CMD ": cannot write the key to stdout");
		ex = CLI_EXIT_OTHER;
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	onecard_secret_string_free(jwk);
	return ex;
}
