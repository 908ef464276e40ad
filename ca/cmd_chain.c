/* onecard-ca chain: the card CA and root certificates, PEM. */
#include <stdlib.h>

#include <onecard/error.h>

#include "cli.h"

int cmd_chain(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	char *pem = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		if (c == OPT_HELP) {
			return cli_help();
		}
		return cli_option_error("chain", c, longopts, argv);
	}
	r = cli_no_operands("chain", argc, argv);
	if (r == CLI_EXIT_OK) {
		r = cli_ca_args("chain", g, 0, &args);
	}
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_chain(args.home, &pem, &diag);
	if (r != ONECARD_OK) {
		return cli_fail("chain", r, &diag);
	}
	r = cli_write("chain", pem);
	free(pem);
	return r;
}
