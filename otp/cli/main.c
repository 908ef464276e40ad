/*
 * onecard-otp: the TOTP enrolment tool (cli.h, docs/otp.md). main()
 * picks the subcommand from the table; each returns its exit status.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char *argv[]);
};

static const struct command commands[] = {
	{"keygen", cmd_keygen},
	{"enroll", cmd_enroll},
	{"remove", cmd_remove},
	{"verify", cmd_verify},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: " CLI_PROG " <command> [options]\n"
		     "\n"
		     "Commands:\n"
		     "  keygen --key-file FILE\n"
		     "      Write a new key for sealing TOTP secrets (mode 0600). An existing\n"
		     "      file is never replaced.\n"
		     "  enroll --person ID [--policy FILE | --algorithm sha1|sha256 --digits 6|8]\n"
		     "         [--no-qr] [--invert]\n"
		     "      Check that the person is active in the directory, make a new TOTP\n"
		     "      secret (RFC 6238, 30 s; algorithm and digits from the policy's totp\n"
		     "      group, else the flags, else sha1 and 6 digits), store it sealed\n"
		     "      (replacing an earlier one), and print its otpauth:// URI and QR code\n"
		     "      for an authenticator app. --invert: QR for a light terminal.\n"
		     "  remove --person ID\n"
		     "      Delete the person's secret.\n"
		     "  verify --person ID\n"
		     "      Read a code from standard input and check it as a login does\n"
		     "      (window +-1 step; a code is accepted once).\n"
		     "  help, --help, -h\n"
		     "      Print this help.\n"
		     "\n"
		     "Options, else the environment:\n"
		     "  --key-file FILE      " CLI_KEY_ENV " (enroll, verify)\n"
		     "  --db CONNINFO        " CLI_DB_ENV " (enroll, remove, verify); a password\n"
		     "                       belongs in the environment or ~/.pgpass, not here\n"
		     "  --uri, --base, --bind-dn, --bind-pw-file (enroll)\n"
		     "                       ONECARD_LDAP_URI, ONECARD_LDAP_BASE,\n"
		     "                       ONECARD_LDAP_BIND_DN, ONECARD_LDAP_BIND_PW_FILE\n"
		     "\n"
		     "Exit status: 0 ok, 1 other error, 2 usage, 3 not found (person or\n"
		     "secret), 4 person not active, 5 directory unavailable, 6 database\n"
		     "unavailable, 7 key file refused, 8 stored secret cannot be opened,\n"
		     "9 code refused, 10 code used already, 11 key file exists.\n");
}

int main(int argc, char *argv[])
{
	size_t i;

	/* stdout closed early must end with a write error, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* getopt_long reports nothing itself: its messages would echo the
	 * option, and each command reports once (cli_option_error). */
	opterr = 0;
	if (argc < 2) {
		cli_error("no command given; try '" CLI_PROG " --help'");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OTHER;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			/* The subcommand sees its name as argv[0]. */
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	cli_error("unknown command; try '" CLI_PROG " --help'");
	return CLI_EXIT_USAGE;
}
