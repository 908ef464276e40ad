/* onecard-card delete: every object under an id destroyed. */
#include <onecard/error.h>

#include "cli.h"

static const struct option longopts[] = {
	{"card", required_argument, NULL, 'c'},
	{"id", required_argument, NULL, 'i'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

int cmd_delete(int argc, char *argv[], const struct cli_global *g)
{
	struct cli_card cc = {NULL, NULL, NULL};
	struct oc_card_session *s = NULL;
	const char *module = g->module, *card_uri = NULL, *id_arg = NULL, *pin_file = NULL;
	uint8_t id[OC_CARD_ID_MAX];
	size_t id_len = 0, deleted = 0;
	int c, r;

	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case 'c':
			card_uri = optarg;
			break;
		case 'i':
			id_arg = optarg;
			break;
		case 'p':
			pin_file = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		default:
			return cli_option_error("delete");
		}
	}
	if (optind != argc || id_arg == NULL) {
		return cli_option_error("delete");
	}
	r = cli_parse_id("delete", id_arg, id, &id_len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_open_card("delete", module, card_uri, &cc);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_login("delete", &cc, pin_file, &s);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_card_delete(s, id, id_len, &deleted);
	oc_card_session_close(s);
	s = NULL;
	if (r != ONECARD_OK) {
		r = cli_fail("delete", "the card did not delete the objects", r);
		goto out;
	}
	if (deleted == 0) {
		cli_error("delete: the card has no object under this id");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	printf("deleted %zu object%s\n", deleted, deleted == 1 ? "" : "s");
	r = cli_finish_output("delete");
out:
	oc_card_session_close(s);
	cli_close_card(&cc);
	return r;
}
