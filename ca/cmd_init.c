/* onecard-ca init --name NAME [--alg ec|rsa|sm2] */
#include <onecard/error.h>

#include "cli.h"

enum { OPT_NAME = OPT_COMMAND, OPT_ALG };

int cmd_init(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"name", required_argument, NULL, OPT_NAME},
		{"alg", required_argument, NULL, OPT_ALG},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	const char *name = NULL, *alg_name = "ec";
	enum oc_ca_alg alg = OC_ALG_EC;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		switch (c) {
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_ALG:
			alg_name = optarg;
			break;
		case OPT_HELP:
			return cli_help();
		default:
			return cli_option_error("init", c, longopts, argv);
		}
	}
	r = cli_no_operands("init", argc, argv);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (name == NULL) {
		return cli_missing("init", "--name NAME");
	}
	if (oc_alg_parse(alg_name, &alg) != ONECARD_OK) {
		cli_error("init: --alg must be ec, rsa or sm2");
		return CLI_EXIT_USAGE;
	}
	r = cli_ca_args("init", g, 1, &args);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_init(&args, name, alg, &diag);
	if (r != ONECARD_OK) {
		return cli_fail("init", r, &diag);
	}
	return CLI_EXIT_OK;
}
