/* onecard-bench: dispatches to one subcommand per file (see bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct subcommand subcommands[] = {
	{"verify", bench_verify,
	 "token verifications per second through the library vs raw OpenSSL EVP"},
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: onecard-bench SUBCOMMAND [OPTIONS]\n\nsubcommands:\n");
	for (i = 0; i < N_SUBCOMMANDS; i++) {
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].help);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < N_SUBCOMMANDS; i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0) {
			return subcommands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "onecard-bench: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
