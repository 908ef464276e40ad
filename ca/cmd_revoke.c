/*
 * onecard-ca revoke (--serial HEX | --card-id ID) --reason R
 * With --card-id every valid certificate of the card is revoked in one
 * transaction, and their serials are printed once it committed.
 */
#include <stdio.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_SERIAL = OPT_COMMAND, OPT_CARD_ID, OPT_REASON };

static int print_serials(const struct oc_serial_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		if (printf("%s\n", list->serial[i]) < 0) {
			return ONECARD_ERR_IO;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		return ONECARD_ERR_IO;
	}
	return ONECARD_OK;
}

int cmd_revoke(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"serial", required_argument, NULL, OPT_SERIAL},
		{"card-id", required_argument, NULL, OPT_CARD_ID},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_serial_list revoked = {0, NULL};
	struct oc_ca_args args;
	const char *serial = NULL, *card_id = NULL, *reason = NULL;
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
		case OPT_CARD_ID:
			card_id = optarg;
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
	if (serial != NULL && card_id != NULL) {
		cli_error("revoke: give --serial or --card-id, not both");
		return CLI_EXIT_USAGE;
	}
	if (serial == NULL && card_id == NULL) {
		return cli_missing("revoke", "--serial HEX or --card-id ID");
	}
	if (reason == NULL) {
		return cli_missing("revoke", "--reason R");
	}
	r = cli_ca_args("revoke", g, 1, &args);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "revoke", 0, &ca, &diag);
	if (r == ONECARD_OK && serial != NULL) {
		r = oc_ca_revoke(ca, serial, reason, &diag);
	} else if (r == ONECARD_OK) {
		r = oc_ca_revoke_card(ca, card_id, reason, &revoked, &diag);
		if (r == ONECARD_OK) {
			r = print_serials(&revoked);
		}
	}
	oc_serial_list_clear(&revoked);
	oc_ca_free(ca);
	if (r != ONECARD_OK) {
		return cli_fail("revoke", r, &diag);
	}
	return CLI_EXIT_OK;
}
