/* onecard-ca list [--card-id ID]: one line per certificate,
 * "serial profile status notAfter card subject" (card "-" for none). */
#include <stdio.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_CARD_ID = OPT_COMMAND };

static int print_row(void *arg, const struct oc_cert_row *row)
{
	char not_after[32];

	(void)arg;
	cli_time_text(row->not_after, not_after);
	if (printf("%s %s %s %s %s %s\n", row->serial, row->profile, row->status, not_after,
		   row->card_id != NULL ? row->card_id : "-", row->subject) < 0) {
		return ONECARD_ERR_IO;
	}
	return ONECARD_OK;
}

int cmd_list(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"card-id", required_argument, NULL, OPT_CARD_ID},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	const char *card_id = NULL;
	oc_ca *ca = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		if (c == OPT_CARD_ID) {
			card_id = optarg;
			continue;
		}
		if (c == OPT_HELP) {
			return cli_help();
		}
		return cli_option_error("list", c, longopts, argv);
	}
	r = cli_no_operands("list", argc, argv);
	if (r == CLI_EXIT_OK) {
		r = cli_ca_args("list", g, 1, &args);
	}
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "list", 0, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_list(ca, card_id, print_row, NULL, &diag);
	}
	oc_ca_free(ca);
	if (r == ONECARD_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		r = ONECARD_ERR_IO;
	}
	if (r != ONECARD_OK) {
		return cli_fail("list", r, &diag);
	}
	return CLI_EXIT_OK;
}
