/*
 * onecard-dir suspend-card, activate-card, suspend-person, activate-person,
 * suspend-enterprise, activate-enterprise: one status change on one entry.
 * The six share this file because they are one operation on three kinds
 * of entry; the table below is all that differs.
 */
#include <string.h>

#include <onecard/error.h>

#include "cli.h"

enum { OPT_CARD_ID = 'c', OPT_PERSON = 'p', OPT_ENTERPRISE = 'e', OPT_REASON = 'r' };

struct status_cmd {
	const char *name;
	const char *key_option; /* "--card-id" */
	int key_opt;		/* getopt code of that option */
	const char *what;	/* "card", for messages */
	int suspend;
	int reason_required;
	int (*suspend_fn)(struct oc_dir *dir, const char *key, const char *reason);
	int (*activate_fn)(struct oc_dir *dir, const char *key);
};

static const struct status_cmd status_cmds[] = {
	{"suspend-card", "--card-id", OPT_CARD_ID, "card", 1, 1, oc_dir_suspend_card, NULL},
	{"activate-card", "--card-id", OPT_CARD_ID, "card", 0, 0, NULL, oc_dir_activate_card},
	{"suspend-person", "--person", OPT_PERSON, "person", 1, 0, oc_dir_suspend_person, NULL},
	{"activate-person", "--person", OPT_PERSON, "person", 0, 0, NULL, oc_dir_activate_person},
	{"suspend-enterprise", "--enterprise", OPT_ENTERPRISE, "enterprise", 1, 0,
	 oc_dir_suspend_enterprise, NULL},
	{"activate-enterprise", "--enterprise", OPT_ENTERPRISE, "enterprise", 0, 0, NULL,
	 oc_dir_activate_enterprise},
};

static const struct option longopts[] = {
	{"card-id", required_argument, NULL, OPT_CARD_ID},
	{"person", required_argument, NULL, OPT_PERSON},
	{"enterprise", required_argument, NULL, OPT_ENTERPRISE},
	{"reason", required_argument, NULL, OPT_REASON},
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static int run_status(const struct status_cmd *sc, int argc, char *argv[],
		      const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct oc_dir *dir = NULL;
	const char *key = NULL, *reason = NULL;
	char clean[OC_DIR_REASON_MAX + 1];
	int c, r;

	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (cli_conn_option(&conn, c, optarg)) {
			continue;
		}
		if (c == sc->key_opt) {
			key = optarg;
		} else if (c == OPT_REASON && sc->suspend) {
			reason = optarg;
		} else {
			return cli_option_error(sc->name);
		}
	}
	if (optind != argc) {
		return cli_option_error(sc->name);
	}
	if (key == NULL) {
		cli_error("%s: %s is required", sc->name, sc->key_option);
		return CLI_EXIT_USAGE;
	}
	if (sc->reason_required && (reason == NULL || reason[0] == '\0')) {
		cli_error("%s: --reason is required", sc->name);
		return CLI_EXIT_USAGE;
	}
	r = cli_connect(sc->name, &conn, &dir);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (sc->suspend) {
		r = sc->suspend_fn(dir, key, reason);
	} else {
		r = sc->activate_fn(dir, key);
	}
	switch (r) {
	case ONECARD_OK:
		cli_sanitize(key, clean, sizeof(clean));
		printf("%s %s: %s\n", sc->what, clean, sc->suspend ? "suspended" : "active");
		r = cli_finish_output(sc->name);
		break;
	case ONECARD_ERR_INVALID_ARG:
		cli_error("%s: %s or --reason is not in its form (see docs/directory.md, Inputs)",
			  sc->name, sc->key_option);
		r = CLI_EXIT_USAGE;
		break;
	case ONECARD_ERR_NOT_FOUND:
		cli_error("%s: %s not found", sc->name, sc->what);
		r = CLI_EXIT_NOT_FOUND;
		break;
	default:
		r = cli_fail(sc->name, "the directory failed", r, dir);
		break;
	}
	oc_dir_free(dir);
	return r;
}

static int run_named(const char *name, int argc, char *argv[], const struct cli_conn *g)
{
	size_t i;

	for (i = 0; i < sizeof(status_cmds) / sizeof(status_cmds[0]); i++) {
		if (strcmp(status_cmds[i].name, name) == 0) {
			return run_status(&status_cmds[i], argc, argv, g);
		}
	}
	return CLI_EXIT_OTHER;
}

int cmd_suspend_card(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("suspend-card", argc, argv, g);
}

int cmd_activate_card(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("activate-card", argc, argv, g);
}

int cmd_suspend_person(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("suspend-person", argc, argv, g);
}

int cmd_activate_person(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("activate-person", argc, argv, g);
}

int cmd_suspend_enterprise(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("suspend-enterprise", argc, argv, g);
}

int cmd_activate_enterprise(int argc, char *argv[], const struct cli_conn *g)
{
	return run_named("activate-enterprise", argc, argv, g);
}
