/* onecard-ca show --serial HEX: details of one certificate, then PEM. */
#include <stdio.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_SERIAL = OPT_COMMAND };

static int print_cert(void *arg, const struct oc_cert_row *row)
{
	char nb[32], na[32], issued[32], revoked[32];
	int n = 0;

	(void)arg;
	cli_time_text(row->not_before, nb);
	cli_time_text(row->not_after, na);
	cli_time_text(row->issued_at, issued);
	n |= printf("serial:      %s\n", row->serial) < 0;
	n |= printf("profile:     %s\n", row->profile) < 0;
	n |= printf("status:      %s\n", row->status) < 0;
	n |= printf("subject:     %s\n", row->subject) < 0;
	n |= printf("issuer:      %s\n", row->issuer) < 0;
	n |= printf("not before:  %s\n", nb) < 0;
	n |= printf("not after:   %s\n", na) < 0;
	n |= printf("issued at:   %s\n", issued) < 0;
	n |= printf("sha256:      %s\n", row->sha256) < 0;
	if (row->label != NULL) {
		n |= printf("label:       %s\n", row->label) < 0;
	}
	if (row->card_id != NULL) {
		n |= printf("card:        %s\n", row->card_id) < 0;
	}
	if (row->reason != NULL) {
		cli_time_text(row->revoked_at, revoked);
		n |= printf("revoked at:  %s\n", revoked) < 0;
		n |= printf("reason:      %s\n", row->reason) < 0;
	}
	n |= printf("%s", row->pem != NULL ? row->pem : "") < 0;
	return n ? ONECARD_ERR_IO : ONECARD_OK;
}

int cmd_show(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"serial", required_argument, NULL, OPT_SERIAL},
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	const char *serial = NULL;
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
		case OPT_HELP:
			return cli_help();
		default:
			return cli_option_error("show", c, longopts, argv);
		}
	}
	r = cli_no_operands("show", argc, argv);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (serial == NULL) {
		return cli_missing("show", "--serial HEX");
	}
	r = cli_ca_args("show", g, 1, &args);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "show", 0, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_show(ca, serial, print_cert, NULL, &diag);
	}
	oc_ca_free(ca);
	if (r == ONECARD_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		r = ONECARD_ERR_IO;
	}
	if (r != ONECARD_OK) {
		return cli_fail("show", r, &diag);
	}
	return CLI_EXIT_OK;
}
