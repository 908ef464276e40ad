/*
 * onecard-dir ping: connect, bind, read the suffix (oc_dir_ping). For
 * health checks and for testing a configuration.
 */
#include <onecard/error.h>

#include "cli.h"

static const struct option longopts[] = {
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

int cmd_ping(int argc, char *argv[], const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct oc_dir *dir = NULL;
	int c, r;

	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (!cli_conn_option(&conn, c, optarg)) {
			return cli_option_error("ping");
		}
	}
	if (optind != argc) {
		return cli_option_error("ping");
	}
	r = cli_connect("ping", &conn, &dir);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_dir_ping(dir);
	if (r == ONECARD_ERR_NOT_FOUND) {
		cli_error("ping: the suffix is not found (or not visible to the bind DN)");
		r = CLI_EXIT_NOT_FOUND;
	} else if (r != ONECARD_OK) {
		r = cli_fail("ping", "the directory does not answer", r, dir);
	} else {
		printf("ok\n");
		r = cli_finish_output("ping");
	}
	oc_dir_free(dir);
	return r;
}
