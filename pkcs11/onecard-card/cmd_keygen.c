/* onecard-card keygen: a key pair made on the card; the public key out. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <onecard/error.h>

#include "cli.h"

static const struct option longopts[] = {
	{"card", required_argument, NULL, 'c'},
	{"id", required_argument, NULL, 'i'},
	{"label", required_argument, NULL, 'l'},
	{"alg", required_argument, NULL, 'a'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

static int parse_alg(const char *name, enum oc_card_key_alg *alg)
{
	if (strcmp(name, "ec-p256") == 0) {
		*alg = OC_CARD_KEY_EC_P256;
	} else if (strcmp(name, "rsa-2048") == 0) {
		*alg = OC_CARD_KEY_RSA_2048;
	} else if (strcmp(name, "rsa-3072") == 0) {
		*alg = OC_CARD_KEY_RSA_3072;
	} else {
		return -1;
	}
	return 0;
}

int cmd_keygen(int argc, char *argv[], const struct cli_global *g)
{
	struct cli_card cc = {NULL, NULL, NULL};
	struct oc_card_session *s = NULL;
	const char *module = g->module, *card_uri = NULL, *id_arg = NULL, *label = NULL;
	const char *alg_arg = NULL, *pin_file = NULL;
	enum oc_card_key_alg alg = OC_CARD_KEY_EC_P256;
	uint8_t id[OC_CARD_ID_MAX];
	EVP_PKEY *pub = NULL;
	size_t id_len = 0;
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
		case 'l':
			label = optarg;
			break;
		case 'a':
			alg_arg = optarg;
			break;
		case 'p':
			pin_file = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		default:
			return cli_option_error("keygen");
		}
	}
	if (optind != argc || id_arg == NULL || label == NULL || alg_arg == NULL) {
		return cli_option_error("keygen");
	}
	if (parse_alg(alg_arg, &alg) != 0) {
		cli_error("keygen: --alg must be ec-p256, rsa-2048 or rsa-3072");
		return CLI_EXIT_USAGE;
	}
	if (label[0] == '\0' || strlen(label) > OC_CARD_OBJ_LABEL_MAX) {
		cli_error("keygen: --label must be 1 to %u bytes", OC_CARD_OBJ_LABEL_MAX);
		return CLI_EXIT_USAGE;
	}
	r = cli_parse_id("keygen", id_arg, id, &id_len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_open_card("keygen", module, card_uri, &cc);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_login("keygen", &cc, pin_file, &s);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_card_keygen(s, alg, id, id_len, label, &pub);
	oc_card_session_close(s);
	s = NULL;
	if (r == ONECARD_ERR_EXISTS) {
		cli_error("keygen: the card already has an object under this id");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	if (r != ONECARD_OK) {
		r = cli_fail("keygen", "the card did not generate the key", r);
		goto out;
	}
	if (PEM_write_PUBKEY(stdout, pub) != 1) {
		ERR_clear_error();
		cli_error("keygen: cannot write the public key");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	r = cli_finish_output("keygen");
out:
	EVP_PKEY_free(pub);
	oc_card_session_close(s);
	cli_close_card(&cc);
	return r;
}
