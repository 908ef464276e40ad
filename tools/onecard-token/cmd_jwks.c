/*
 * onecard-token jwks KEYFILE...
 * Prints the public JWKS of the given private or public JWKs.
 */
#include <getopt.h>
#include <stddef.h>
#include <string.h>

#include <onecard/token.h>

#include "cli.h"

#define CMD "jwks"

static const struct option options[] = {
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_jwks(int argc, char *argv[])
{
	char *texts[ONECARD_JWKS_MAX_KEYS] = {NULL};
	size_t lens[ONECARD_JWKS_MAX_KEYS] = {0};
	const char *views[ONECARD_JWKS_MAX_KEYS] = {NULL};
	char *jwks = NULL;
	const char *path;
	size_t count = 0, i;
	int c, r;
	int ex = CLI_EXIT_OTHER;

	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":h", options, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case 'h':
			ex = cli_help();
			goto out;
		default:
			ex = cli_option_error(CMD, c, options, argv);
			goto out;
		}
	}
	if (optind >= argc) {
		cli_error(CMD ": at least one KEYFILE is required");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if ((size_t)(argc - optind) > ONECARD_JWKS_MAX_KEYS) {
		cli_error(CMD ": at most %u key files", ONECARD_JWKS_MAX_KEYS);
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	for (i = 0; optind + (int)i < argc; i++) {
		path = argv[optind + (int)i];
		r = cli_read_all(path, CLI_READ_MAX, &texts[i], &lens[i]);
		if (r != ONECARD_OK) {
			cli_read_error(CMD, path, r);
			ex = cli_exit_for_key(r);
			goto out;
		}
		count = i + 1;
		/* The library takes C strings here; a NUL would cut the key short. */
		if (memchr(texts[i], '\0', lens[i]) != NULL) {
			cli_error(CMD ": '%s' holds a NUL byte", path);
			ex = CLI_EXIT_BAD_KEY;
			goto out;
		}
		views[i] = texts[i];
	}
	r = onecard_jwks_from_jwks_texts(views, count, &jwks);
	if (r != ONECARD_OK) {
		cli_error(CMD ": cannot build the key set: %s (%s)", onecard_err_code(r),
			  onecard_strerror(r));
		ex = cli_exit_for_key(r);
		goto out;
	}
	if (cli_write_line(jwks) != ONECARD_OK) {
		cli_error(CMD ": cannot write the key set to stdout");
		ex = CLI_EXIT_OTHER;
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	for (i = 0; i < count; i++) {
		cli_buffer_free(texts[i], lens[i]);
	}
	onecard_string_free(jwks);
	return ex;
}
