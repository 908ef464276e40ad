/*
 * onecard-otp remove --person ID: deletes the person's TOTP secret (the
 * person may already be gone from the directory, so it is not asked).
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "cli.h"

#define CMD "remove"

int cmd_remove(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"person", required_argument, NULL, CLI_OPT_PERSON},
		{"db", required_argument, NULL, CLI_OPT_DB},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	oc_otp_store *st = NULL;
	int c, r, rc;

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
	rc = cli_check_person(CMD, &o);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = cli_open_store(CMD, &o, &st);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	r = oc_otp_store_remove(st, o.person);
	if (r == ONECARD_ERR_NOT_FOUND) {
		cli_error("%s: no secret is enrolled for %s", CMD, o.person);
		rc = CLI_EXIT_NOT_FOUND;
	} else if (r != ONECARD_OK) {
		cli_error("%s: the secret could not be removed: %s", CMD,
			  oc_otp_store_diagnostic());
		rc = cli_exit_for(r);
	} else {
		fprintf(stderr, CLI_PROG ": " CMD ": removed the secret of %s\n", o.person);
		rc = CLI_EXIT_OK;
	}
	oc_otp_store_free(st);
	return rc;
}
