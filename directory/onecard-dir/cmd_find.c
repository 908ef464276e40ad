/*
 * onecard-dir find-cert: what authd finds for a certificate at login —
 * the certificate's entry, its card, the holder and the enterprise, with
 * their statuses and the verdict "login-allowed" (all three active).
 * Any issuer or serial is accepted and matches only itself: a `*` is a
 * star, not a wildcard.
 */
#include <string.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_ISSUER = 'i', OPT_SERIAL = 's' };

static const struct option longopts[] = {
	{"issuer", required_argument, NULL, OPT_ISSUER},
	{"serial", required_argument, NULL, OPT_SERIAL},
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

int cmd_find_cert(int argc, char *argv[], const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct oc_dir *dir = NULL;
	struct oc_dir_found found;
	const char *issuer = NULL, *serial = NULL;
	int c, r;

	memset(&found, 0, sizeof(found));
	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (cli_conn_option(&conn, c, optarg)) {
			continue;
		}
		switch (c) {
		case OPT_ISSUER:
			issuer = optarg;
			break;
		case OPT_SERIAL:
			serial = optarg;
			break;
		default:
			return cli_option_error("find-cert");
		}
	}
	if (optind != argc) {
		return cli_option_error("find-cert");
	}
	if (issuer == NULL || serial == NULL) {
		cli_error("find-cert: --issuer and --serial are required");
		return CLI_EXIT_USAGE;
	}
	r = cli_connect("find-cert", &conn, &dir);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_dir_find_by_cert(dir, issuer, serial, &found);
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_NOT_FOUND:
		cli_error("find-cert: certificate not found");
		r = CLI_EXIT_NOT_FOUND;
		goto out;
	default:
		r = cli_fail("find-cert", "cannot look the certificate up", r, dir);
		goto out;
	}
	cli_print_cert(&found.cert);
	cli_print_owner(&found.card, &found.person, &found.enterprise);
	printf("login-allowed: %s\n", oc_dir_found_active(&found) ? "yes" : "no");
	r = cli_finish_output("find-cert");
out:
	oc_dir_found_clear(&found);
	oc_dir_free(dir);
	return r;
}
