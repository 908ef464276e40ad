/*
 * onecard-dir: the directory's enrollment and status tool. main() takes
 * the connection options given before the command and picks the
 * subcommand from the table; see cli.h for the exit status of each
 * failure class.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char *argv[], const struct cli_conn *g);
};

static const struct command commands[] = {
	{"enroll", cmd_enroll},
	{"suspend-card", cmd_suspend_card},
	{"activate-card", cmd_activate_card},
	{"suspend-person", cmd_suspend_person},
	{"activate-person", cmd_activate_person},
	{"suspend-enterprise", cmd_suspend_enterprise},
	{"activate-enterprise", cmd_activate_enterprise},
	{"show-card", cmd_show_card},
	{"find-cert", cmd_find_cert},
	{"ping", cmd_ping},
	{"set-password", cmd_set_password},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " CLI_PROG " [connection options] <command> [options]\n"
		"\n"
		"Commands:\n"
		"  enroll --card-id ID --person ID [--name NAME] --enterprise USCC\n"
		"         [--enterprise-name NAME] CERT...\n"
		"      Register a card, its holder and the holder's enterprise, with one\n"
		"      certificate per agency (PEM or DER files). Serial, issuer and SHA-256\n"
		"      are computed from each certificate; its agency is the subject's OU.\n"
		"      A certificate whose subject carries a UID or organizationIdentifier\n"
		"      must carry --person and --enterprise there. The enterprise and the\n"
		"      person are created when absent (then --enterprise-name and --name\n"
		"      are required); when present their names must match, they must be\n"
		"      active, and the person must act for that enterprise. All or\n"
		"      nothing: a failure removes what the command added.\n"
		"  suspend-card --card-id ID --reason TEXT      activate-card --card-id ID\n"
		"  suspend-person --person ID [--reason TEXT]   activate-person --person ID\n"
		"  suspend-enterprise --enterprise USCC [--reason TEXT]\n"
		"  activate-enterprise --enterprise USCC\n"
		"      Set the status (a login needs card, person and enterprise active).\n"
		"  show-card --card-id ID\n"
		"      The card, its holder, the enterprise, their statuses, and each\n"
		"      certificate: agency, serial, issuer, sha256.\n"
		"  find-cert --issuer DN --serial HEX\n"
		"      The card, holder and enterprise of a certificate, as authd sees them\n"
		"      at login (issuer as RFC 4514, serial lowercase hex).\n"
		"  ping\n"
		"      Connect, bind and read the suffix.\n"
		"  set-password --person ID\n"
		"      Set the person's directory password (the password-and-code login),\n"
		"      read from stdin: typed twice without echo on a terminal, else one\n"
		"      line. Rules: 12 characters or more, 256 bytes at most, UTF-8\n"
		"      without control characters, not the person id, and neither the\n"
		"      current password nor one of the 5 before it.\n"
		"  help, --help, -h\n"
		"      Print this help.\n"
		"\n"
		"Connection options (before or after the command), else the environment:\n"
		"  --uri URI            ONECARD_LDAP_URI (ldapi://, or ldap:// with StartTLS,\n"
		"                       or ldaps://)\n"
		"  --base DN            ONECARD_LDAP_BASE (the suffix)\n"
		"  --bind-dn DN         ONECARD_LDAP_BIND_DN\n"
		"  --bind-pw-file FILE  ONECARD_LDAP_BIND_PW_FILE (the password; mode 0600 or\n"
		"                       stricter; one trailing newline ignored)\n"
		"The password is never taken on the command line.\n"
		"\n"
		"Exit status: 0 ok, 1 other error, 2 usage (or a value not in its form),\n"
		"3 not found, 4 exists (already registered, or registered otherwise),\n"
		"5 directory unavailable (unreachable, timed out, bind refused),\n"
		"6 password refused by the password rules.\n");
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {CLI_CONN_LONGOPTS, {NULL, 0, NULL, 0}};
	struct cli_conn g = {NULL, NULL, NULL, NULL};
	const char *name;
	int first = 1, c, matched;
	size_t i, j, len;

	/* stdout closed early (| head) must end with a write error, not a
	 * signal; the library blocks SIGPIPE itself around its own I/O. */
	(void)signal(SIGPIPE, SIG_IGN);

	/* Connection options before the command: "--opt value" or
	 * "--opt=value". */
	while (first < argc && strncmp(argv[first], "--", 2) == 0 && argv[first][2] != '\0') {
		matched = 0;
		for (j = 0; longopts[j].name != NULL; j++) {
			len = strlen(longopts[j].name);
			if (strncmp(argv[first] + 2, longopts[j].name, len) != 0) {
				continue;
			}
			c = longopts[j].val;
			if (argv[first][2 + len] == '\0' && first + 1 < argc) {
				(void)cli_conn_option(&g, c, argv[first + 1]);
				first += 2;
				matched = 1;
			} else if (argv[first][2 + len] == '=') {
				(void)cli_conn_option(&g, c, argv[first] + 2 + len + 1);
				first++;
				matched = 1;
			}
			break;
		}
		if (!matched) {
			break;
		}
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
