/*
 * onecard-otp keygen --key-file FILE: a new key file for sealing TOTP
 * secrets (32 random bytes, base64url, mode 0600). An existing file is
 * never replaced: the secrets sealed under it would be lost.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "cli.h"

#define CMD "keygen"

int cmd_keygen(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"key-file", required_argument, NULL, CLI_OPT_KEY_FILE},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	const char *why = "";
	int c, r;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (!cli_common_option(&o, c, optarg)) {
			return cli_option_error(CMD);
		}
	}
	if (optind != argc) {
		cli_error("%s: unexpected argument; try '" CLI_PROG " --help'", CMD);
		return CLI_EXIT_USAGE;
	}
	if (o.key_file == NULL || o.key_file[0] == '\0') {
		cli_error("%s: missing --key-file", CMD);
		return CLI_EXIT_USAGE;
	}
	r = oc_otp_key_generate_file(o.key_file, &why);
	if (r == ONECARD_ERR_EXISTS) {
		cli_error("%s: %s: %s", CMD, o.key_file, why);
		return CLI_EXIT_EXISTS;
	}
	if (r != ONECARD_OK) {
		cli_error("%s: %s: %s", CMD, o.key_file, why);
		return CLI_EXIT_OTHER;
	}
	fprintf(stderr, CLI_PROG ": " CMD ": wrote a new key to the file given (mode 0600)\n");
	return CLI_EXIT_OK;
}
