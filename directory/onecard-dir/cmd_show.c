/*
 * onecard-dir show-card: a card, its holder, the enterprise, their
 * statuses and the card's certificates, as "name: value" lines; each
 * certificate is a block after an empty line.
 */
#include <onecard/error.h>

#include "cli.h"

enum { OPT_CARD_ID = 'c' };

static const struct option longopts[] = {
	{"card-id", required_argument, NULL, OPT_CARD_ID},
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

int cmd_show_card(int argc, char *argv[], const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct oc_dir *dir = NULL;
	struct oc_dir_card_info *info = NULL;
	const char *card_id = NULL;
	size_t i;
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
		if (c != OPT_CARD_ID) {
			return cli_option_error("show-card");
		}
		card_id = optarg;
	}
	if (optind != argc) {
		return cli_option_error("show-card");
	}
	if (card_id == NULL) {
		cli_error("show-card: --card-id is required");
		return CLI_EXIT_USAGE;
	}
	r = cli_connect("show-card", &conn, &dir);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_dir_get_card(dir, card_id, &info);
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_INVALID_ARG:
		cli_error("show-card: --card-id must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
		r = CLI_EXIT_USAGE;
		goto out;
	case ONECARD_ERR_NOT_FOUND:
		cli_error("show-card: card not found");
		r = CLI_EXIT_NOT_FOUND;
		goto out;
	default:
		r = cli_fail("show-card", "cannot read the card", r, dir);
		goto out;
	}
	cli_print_owner(&info->card, &info->person, &info->enterprise);
	printf("certificates: %zu\n", info->n_certs);
	for (i = 0; i < info->n_certs; i++) {
		printf("\n");
		cli_print_cert(&info->certs[i]);
	}
	r = cli_finish_output("show-card");
out:
	oc_dir_card_info_free(info);
	oc_dir_free(dir);
	return r;
}
