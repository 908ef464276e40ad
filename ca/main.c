/*
 * onecard-ca: the certificate authority of onecard (docs/ca.md).
 * main() reads the global options that come before the command, then
 * hands the rest to the command from the table below; see cli.h for
 * the exit status of each failure class.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(struct cli_globals *g, int argc, char *argv[]);
};

/* clang-format off */
static const struct command commands[] = {
	{"init", cmd_init},
	{"chain", cmd_chain},
	{"issue", cmd_issue},
	{"revoke", cmd_revoke},
	{"crl", cmd_crl},
	{"list", cmd_list},
	{"show", cmd_show},
	{"profiles", cmd_profiles},
};
/* clang-format on */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " CLI_PROG " [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
		"\n"
		"Global options (also accepted after the command):\n"
		"  --home DIR         the CA home (required)\n"
		"  --db CONNINFO      PostgreSQL connection string (default: $ONECARD_PG)\n"
		"  --policy FILE      policy file (default: the one recorded at init, else\n"
		"                     $ONECARD_POLICY)\n"
		"  --pass-file FILE   file holding the CA key passphrase (default:\n"
		"                     $ONECARD_CA_PASS); at least 12 bytes; the file must not\n"
		"                     be readable by group or others. Never on the command line.\n"
		"\n"
		"Commands:\n"
		"  init --name NAME [--alg ec|rsa|sm2]\n"
		"      Create a root CA (20 years) and a card-issuing CA under it (10 years)\n"
		"      in DIR (created 0700; refused if it exists and is not empty), keys\n"
		"      encrypted with the passphrase; apply the database schema and record\n"
		"      both. ec: P-256/SHA-256 (default); rsa: 3072/SHA-256; sm2: SM2/SM3.\n"
		"  chain\n"
		"      Print the chain, card CA then root, as PEM. Needs no database.\n"
		"  issue --profile P (--csr FILE | --card URI [--pin-file FILE])\n"
		"        --enterprise-name N --uscc USCC --person-id ID --person-name NAME\n"
		"        [--label L]\n"
		"      Certify, under profile P of the policy, the key of a PKCS#10 request\n"
		"      (PEM or DER, at most 64 KiB; its subject is ignored), or a key made on\n"
		"      the card the PKCS#11 URI names (module: $ONECARD_PKCS11_MODULE; PIN\n"
		"      from --pin-file, the URI's pin-source, $ONECARD_PIN or a prompt), then\n"
		"      written back to it. Prints the certificate as PEM. The subject is the\n"
		"      profile's, filled with the values given. USCC: GB 32100 (18\n"
		"      characters, check character verified); ID: [A-Za-z0-9._-]{1,64};\n"
		"      names: UTF-8, 1..128 bytes.\n"
		"  revoke (--serial HEX | --card-id ID) --reason R\n"
		"      Revoke a certificate, or every valid certificate issued for the card\n"
		"      (its token serial) in one transaction, printing their serials.\n"
		"      R: unspecified, keyCompromise, affiliationChanged, superseded,\n"
		"      cessationOfOperation, privilegeWithdrawn.\n"
		"  crl [--next-update-hours H]\n"
		"      Issue, store and print the next CRL (PEM); nextUpdate H hours away\n"
		"      (1..%u, default %u).\n"
		"  list [--card-id ID]\n"
		"      One line per certificate (only the card's with --card-id):\n"
		"      serial profile status notAfter card subject (card '-' when none).\n"
		"  profiles\n"
		"      One line per profile of the policy: profile agency key_types.\n"
		"  show --serial HEX\n"
		"      Details of one certificate, then its PEM.\n"
		"  help, --help, -h\n"
		"      Print this help.\n"
		"\n"
		"Errors are one line on stderr: '" CLI_PROG ": COMMAND: REASON: DETAIL'.\n"
		"\n",
		OC_CA_CRL_HOURS_MAX, OC_CA_CRL_HOURS_DEFAULT);
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

static int is_help(const char *s)
{
	return strcmp(s, "help") == 0 || strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct cli_globals g = {NULL, NULL, NULL, NULL};
	size_t i;
	int c;

	/* "+": stop at the command name; its options are its own. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, &g)) {
			continue;
		}
		if (c == OPT_HELP || c == 'h') {
			return cli_help();
		}
		return cli_option_error("options", c, longopts, argv);
	}
	if (optind >= argc) {
		cli_error("no command given; try '" CLI_PROG " --help'");
		return CLI_EXIT_USAGE;
	}
	if (is_help(argv[optind])) {
		return cli_help();
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			/* The command sees its own name as argv[0]. */
			return commands[i].run(&g, argc - optind, argv + optind);
		}
	}
	cli_error("unknown command; try '" CLI_PROG " --help'");
	return CLI_EXIT_USAGE;
}
