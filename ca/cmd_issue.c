/*
 * onecard-ca issue --profile P (--csr FILE | --card URI [--pin-file FILE])
 *                  --enterprise-name N --uscc USCC --person-id ID
 *                  --person-name NAME [--label L]
 */
#include <stdlib.h>

#include <onecard/error.h>

#include "cli.h"

enum {
	OPT_PROFILE = OPT_COMMAND,
	OPT_CSR,
	OPT_ENTERPRISE_NAME,
	OPT_USCC,
	OPT_PERSON_ID,
	OPT_PERSON_NAME,
	OPT_LABEL,
	OPT_CARD,
	OPT_PIN_FILE,
};

int cmd_issue(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"csr", required_argument, NULL, OPT_CSR},
		{"enterprise-name", required_argument, NULL, OPT_ENTERPRISE_NAME},
		{"uscc", required_argument, NULL, OPT_USCC},
		{"person-id", required_argument, NULL, OPT_PERSON_ID},
		{"person-name", required_argument, NULL, OPT_PERSON_NAME},
		{"label", required_argument, NULL, OPT_LABEL},
		{"card", required_argument, NULL, OPT_CARD},
		{"pin-file", required_argument, NULL, OPT_PIN_FILE},
		{NULL, 0, NULL, 0},
	};
	struct oc_issue_req req = {NULL, NULL, NULL, NULL, NULL, NULL};
	struct oc_ca_diag diag = {{0}};
	struct oc_key_source *src = NULL;
	struct oc_ca_args args;
	const char *csr = NULL, *card = NULL, *pin_file = NULL;
	oc_ca *ca = NULL;
	char *pem = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		switch (c) {
		case OPT_PROFILE:
			req.profile = optarg;
			break;
		case OPT_CSR:
			csr = optarg;
			break;
		case OPT_ENTERPRISE_NAME:
			req.enterprise_name = optarg;
			break;
		case OPT_USCC:
			req.uscc = optarg;
			break;
		case OPT_PERSON_ID:
			req.person_id = optarg;
			break;
		case OPT_PERSON_NAME:
			req.person_name = optarg;
			break;
		case OPT_LABEL:
			req.label = optarg;
			break;
		case OPT_CARD:
			card = optarg;
			break;
		case OPT_PIN_FILE:
			pin_file = optarg;
			break;
		case OPT_HELP:
			return cli_help();
		default:
			return cli_option_error("issue", c, longopts, argv);
		}
	}
	r = cli_no_operands("issue", argc, argv);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (req.profile == NULL) {
		return cli_missing("issue", "--profile P");
	}
	if ((csr == NULL) == (card == NULL)) {
		cli_error("issue: give one of --csr FILE and --card URI");
		return CLI_EXIT_USAGE;
	}
	if (pin_file != NULL && card == NULL) {
		cli_error("issue: --pin-file goes with --card");
		return CLI_EXIT_USAGE;
	}
	if (req.enterprise_name == NULL) {
		return cli_missing("issue", "--enterprise-name N");
	}
	if (req.uscc == NULL) {
		return cli_missing("issue", "--uscc USCC");
	}
	if (req.person_id == NULL) {
		return cli_missing("issue", "--person-id ID");
	}
	if (req.person_name == NULL) {
		return cli_missing("issue", "--person-name NAME");
	}
	r = cli_ca_args("issue", g, 1, &args);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (csr != NULL) {
		r = oc_csr_source_new(csr, &src);
	} else {
		/* The card objects are labelled with the profile (the agency). */
		r = oc_card_source_new(card, pin_file, req.profile, &src);
	}
	if (r != ONECARD_OK) {
		cli_error(
			"issue: the CSR path, card URI, PIN file or profile is empty or too long");
		return CLI_EXIT_USAGE;
	}
	r = oc_ca_open(&args, "issue", OC_CA_NEED_POLICY, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_issue(ca, &req, src, &pem, &diag);
	}
	oc_ca_free(ca);
	oc_key_source_free(src);
	if (r != ONECARD_OK) {
		return cli_fail("issue", r, &diag);
	}
	/* Printed only now: the certificate is committed to the inventory. */
	r = cli_write("issue", pem);
	free(pem);
	return r;
}
