/*
 * onecard-card: cards, their certificates, signing and provisioning.
 * main() reads the global options and picks the subcommand from the
 * table; see cli.h for the exit status of each failure class.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char *argv[], const struct cli_global *g);
};

static const struct command commands[] = {
	{"tokens", cmd_tokens},
	{"list", cmd_list},
	{"sign", cmd_sign},
	{"keygen", cmd_keygen},
	{"write-cert", cmd_write_cert},
	{"delete", cmd_delete},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: " CLI_PROG " [--module PATH] <command> [options]\n"
		     "\n"
		     "Commands:\n"
		     "  tokens\n"
		     "      List the cards present, one line each: label, serial, model,\n"
		     "      PIN state and the card's PKCS#11 URI.\n"
		     "  list [--card URI] [--login [--pin-file FILE]]\n"
		     "      Print each certificate on the card: label, id, agency (the\n"
		     "      subject's first OU, else the label), subject, issuer, serial,\n"
		     "      validity and whether its private key is on the card. Without\n"
		     "      --login only public objects are looked at.\n"
		     "  sign --card URI --cert URI|LABEL --mech ecdsa|rsa-pkcs|rsa-pss\n"
		     "       [--in FILE] [--pin-file FILE]\n"
		     "      Sign FILE (default stdin; SHA-256) and print the signature in\n"
		     "      base64 (ECDSA in DER). It is verified against the certificate\n"
		     "      before it is printed.\n"
		     "  keygen --card URI --id HEX --label LABEL --alg ec-p256|rsa-2048|rsa-3072\n"
		     "       [--pin-file FILE]\n"
		     "      Generate a key pair on the card; print the public key (PEM).\n"
		     "  write-cert --card URI --id HEX --label LABEL --cert FILE.pem\n"
		     "       [--pin-file FILE]\n"
		     "      Store a certificate beside its key (which must be on the card).\n"
		     "  delete --card URI --id HEX [--pin-file FILE]\n"
		     "      Destroy every object under the id.\n"
		     "  help, --help, -h\n"
		     "      Print this help.\n"
		     "\n"
		     "The module is --module PATH (absolute), else $ONECARD_PKCS11_MODULE,\n"
		     "else p11-kit's proxy. --module may also follow the command.\n"
		     "The PIN comes from --pin-file (first line; the file must be mode 0600\n"
		     "or stricter), else the card URI's pin-source, else $ONECARD_PIN, else\n"
		     "a prompt on the terminal. A PIN is never accepted in a URI or on the\n"
		     "command line.\n"
		     "\n"
		     "Exit status: 0 ok, 1 other error, 2 usage, 3 card absent, 4 PIN\n"
		     "incorrect, 5 PIN locked, 6 private key missing.\n");
}

int main(int argc, char *argv[])
{
	struct cli_global g = {NULL};
	const char *name;
	int first = 1;
	size_t i;

	/* The one global option, before the command. */
	if (argc > first && strcmp(argv[first], "--module") == 0) {
		if (argc <= first + 1) {
			cli_error("option '--module' needs a value");
			return CLI_EXIT_USAGE;
		}
		g.module = argv[first + 1];
		first += 2;
	} else if (argc > first && strncmp(argv[first], "--module=", 9) == 0) {
		g.module = argv[first] + 9;
		first++;
	}
	if (argc <= first) {
		cli_error("no command given; try '" CLI_PROG " --help'");
		return CLI_EXIT_USAGE;
	}
	name = argv[first];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return cli_finish_output("help");
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			/* The subcommand sees its own name as argv[0]. */
			return commands[i].run(argc - first, argv + first, &g);
		}
	}
	cli_error("unknown command; try '" CLI_PROG " --help'");
	return CLI_EXIT_USAGE;
}
