/* onecard-ca crl [--next-update-hours H] */
#include <stdlib.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_HOURS = OPT_COMMAND };

int cmd_crl(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"next-update-hours", required_argument, NULL, OPT_HOURS},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	uint64_t hours = OC_CA_CRL_HOURS_DEFAULT;
	oc_ca *ca = NULL;
	char *pem = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		switch (c) {
		case OPT_HOURS:
			if (cli_parse_uint(optarg, 1, OC_CA_CRL_HOURS_MAX, &hours) != ONECARD_OK) {
				cli_error("crl: --next-update-hours must be 1 to %u",
					  OC_CA_CRL_HOURS_MAX);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_HELP:
			return cli_help();
		default:
			return cli_option_error("crl", c, longopts, argv);
		}
	}
	r = cli_no_operands("crl", argc, argv);
	if (r == CLI_EXIT_OK) {
		r = cli_ca_args("crl", g, 1, &args);
	}
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "crl", 0, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_crl(ca, (unsigned)hours, &pem, &diag);
	}
	oc_ca_free(ca);
	if (r != ONECARD_OK) {
		return cli_fail("crl", r, &diag);
	}
	r = cli_write("crl", pem);
	free(pem);
	return r;
}
