/* onecard-card write-cert: a certificate stored beside its key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <onecard/error.h>

#include "cli.h"

static const struct option longopts[] = {
	{"card", required_argument, NULL, 'c'},
	{"id", required_argument, NULL, 'i'},
	{"label", required_argument, NULL, 'l'},
	{"cert", required_argument, NULL, 'C'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

/* Reads one PEM certificate from path. */
static int read_cert(const char *path, X509 **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	r = cli_read_file("write-cert", path, CLI_CERT_FILE_MAX, &buf, &len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL) {
		*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	free(buf);
	ERR_clear_error();
	if (*out == NULL) {
		cli_error("write-cert: --cert holds no PEM certificate");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cmd_write_cert(int argc, char *argv[], const struct cli_global *g)
{
	struct cli_card cc = {NULL, NULL, NULL};
	struct oc_card_session *s = NULL;
	const char *module = g->module, *card_uri = NULL, *id_arg = NULL, *label = NULL;
	const char *cert_path = NULL, *pin_file = NULL;
	uint8_t id[OC_CARD_ID_MAX];
	X509 *cert = NULL;
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
		case 'C':
			cert_path = optarg;
			break;
		case 'p':
			pin_file = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		default:
			return cli_option_error("write-cert");
		}
	}
	if (optind != argc || id_arg == NULL || label == NULL || cert_path == NULL) {
		return cli_option_error("write-cert");
	}
	if (label[0] == '\0' || strlen(label) > OC_CARD_OBJ_LABEL_MAX) {
		cli_error("write-cert: --label must be 1 to %u bytes", OC_CARD_OBJ_LABEL_MAX);
		return CLI_EXIT_USAGE;
	}
	r = cli_parse_id("write-cert", id_arg, id, &id_len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = read_cert(cert_path, &cert);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_open_card("write-cert", module, card_uri, &cc);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = cli_login("write-cert", &cc, pin_file, &s);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_card_write_cert(s, cert, id, id_len, label);
	oc_card_session_close(s);
	s = NULL;
	if (r == ONECARD_ERR_KEY_MISSING) {
		cli_error("write-cert: the card has no private key under this id that is the "
			  "certificate's key");
		r = CLI_EXIT_KEY_MISSING;
		goto out;
	}
	if (r == ONECARD_ERR_EXISTS) {
		cli_error("write-cert: the card already has a certificate under this id");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	if (r != ONECARD_OK) {
		r = cli_fail("write-cert", "the card did not store the certificate", r);
		goto out;
	}
	r = CLI_EXIT_OK;
out:
	X509_free(cert);
	oc_card_session_close(s);
	cli_close_card(&cc);
	return r;
}
