/* onecard-ca revoke --serial HEX --reason R */
#include <onecard/error.h>

#include "cli.h"

enum { OPT_SERIAL = OPT_COMMAND, OPT_REASON };

int cmd_revoke(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"serial", required_argument, NULL, OPT_SERIAL},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	const char *serial = NULL, *reason = NULL;
	oc_ca *ca = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		switch (c) {
		case OPT_SERIAL:
			serial = optarg;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_HELP:
			return cli_help();
		default:
			return cli_option_error("revoke", c, longopts, argv);
		}
	}
	r = cli_no_operands("revoke", argc, argv);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (serial == NULL) {
		return cli_missing("revoke", "--serial HEX");
	}
	if (reason == NULL) {
		return cli_missing("revoke", "--reason R");
	}
	r = cli_ca_args("revoke", g, 1, &args);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "revoke", 0, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_revoke(ca, serial, reason, &diag);
	}
	oc_ca_free(ca);
	if (r != ONECARD_OK) {
		return cli_fail("revoke", r, &diag);
	}
	return CLI_EXIT_OK;
}
