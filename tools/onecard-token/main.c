/*
 * onecard-token: generate keys, publish a JWKS, sign and verify tokens.
 * main() only picks the subcommand from the table below; see cli.h for
 * the exit status of each failure class.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/token.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char *argv[]);
};

static const struct command commands[] = {
	{"keygen", cmd_keygen},
	{"jwks", cmd_jwks},
	{"sign", cmd_sign},
	{"verify", cmd_verify},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " CLI_PROG " <command> [options]\n"
		"\n"
		"Commands:\n"
		"  keygen --alg EdDSA|ES256 --kid KID\n"
		"      Generate a key pair and print it as a private JWK on stdout.\n"
		"  jwks KEYFILE...\n"
		"      Print the public JWKS of the given JWKs (private members dropped).\n"
		"  sign --key KEYFILE [--lifetime SECONDS] [--typ TYP]\n"
		"      Read a JSON object of claims on stdin and print a signed token.\n"
		"      iat, nbf, exp and jti are set by the signer. Lifetime 1..86400\n"
		"      seconds (default 300); typ defaults to " ONECARD_TYP_ACCESS ".\n"
		"  verify --jwks FILE --iss ISS --aud AUD [--leeway S] [--typ TYP]\n"
		"         [--now UNIXTIME] [TOKEN | -]\n"
		"      Verify a token and print its claims as JSON. The token is read\n"
		"      from stdin when TOKEN is '-' or absent (one trailing newline is\n"
		"      dropped). Prefer stdin: an argument is visible to other local\n"
		"      users. Leeway 0..%u seconds (default %u); typ defaults to\n"
		"      " ONECARD_TYP_ACCESS "; --now pins the time of the check.\n"
		"  help, --help, -h\n"
		"      Print this help.\n"
		"\n"
		"Inputs are limited to %u bytes. Errors are one line on stderr.\n"
		"\n",
		ONECARD_LEEWAY_MAX, ONECARD_LEEWAY_DEFAULT, CLI_READ_MAX);
	cli_print_exit_codes(out);
}

int cli_help(void)
{
	usage(stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the help");
		return CLI_EXIT_OTHER;
	}
	return CLI_EXIT_OK;
}

int main(int argc, char *argv[])
{
	const char *name;
	size_t i;

	/* keygen and sign hold private JWK text in jansson's buffers. */
	onecard_json_wipe_on_free();
	if (argc < 2) {
		cli_error("no command given; try '" CLI_PROG " --help'");
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		return cli_help();
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			/* The subcommand sees its own name as argv[0]. */
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	/* Not echoed: a mistyped command line may hold a token in this place. */
	cli_error("unknown command or option; try '" CLI_PROG " --help'");
	return CLI_EXIT_USAGE;
}
