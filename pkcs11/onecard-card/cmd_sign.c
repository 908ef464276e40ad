/*
 * onecard-card sign: signs the input with the key behind a certificate
 * and prints the signature in base64 (ECDSA in DER). The input is read
 * and the certificate found before the PIN is asked for, so that a typo
 * never costs a PIN try.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "cli.h"

#define URI_BYTES (16u + 3u * OC_CARD_OBJ_LABEL_MAX)
#define B64_BYTES (4u * ((OC_CARD_SIG_MAX + 2u) / 3u) + 1u)

static const struct option longopts[] = {
	{"card", required_argument, NULL, 'c'},
	{"cert", required_argument, NULL, 'C'},
	{"mech", required_argument, NULL, 'M'},
	{"in", required_argument, NULL, 'i'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

static int parse_mech(const char *name, enum oc_card_mech *mech)
{
	if (strcmp(name, "ecdsa") == 0) {
		*mech = OC_CARD_ECDSA_SHA256;
	} else if (strcmp(name, "rsa-pkcs") == 0) {
		*mech = OC_CARD_RSA_PKCS1_SHA256;
	} else if (strcmp(name, "rsa-pss") == 0) {
		*mech = OC_CARD_RSA_PSS_SHA256;
	} else {
		return -1;
	}
	return 0;
}

/* --cert is a PKCS#11 URI, or a label that becomes "pkcs11:object=...". */
static int cert_selector(const char *arg, struct oc_p11_uri **uri)
{
	static char text[URI_BYTES];
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_NONE;
	size_t pos = 0;
	int r;

	*uri = NULL;
	if (strncmp(arg, "pkcs11:", 7) == 0) {
		r = oc_p11_uri_parse(arg, strlen(arg), uri, &why);
	} else {
		r = oc_p11_uri_append(text, sizeof(text), &pos, "object", (const uint8_t *)arg,
				      strlen(arg));
		if (r == ONECARD_OK) {
			r = oc_p11_uri_parse(text, pos, uri, &why);
		}
	}
	if (r != ONECARD_OK) {
		cli_error("sign: --cert: %s", why != OC_P11_URI_REFUSED_NONE
						      ? oc_p11_uri_refusal_str(why)
						      : "not a URI or a label");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cmd_sign(int argc, char *argv[], const struct cli_global *g)
{
	struct cli_card cc = {NULL, NULL, NULL};
	struct oc_card_session *s = NULL;
	struct oc_card_certs *certs = NULL;
	struct oc_p11_uri *sel = NULL;
	const struct oc_card_cert *cert = NULL;
	const char *module = g->module, *card_uri = NULL, *cert_arg = NULL, *mech_arg = NULL;
	const char *in_path = "-", *pin_file = NULL;
	enum oc_card_mech mech = OC_CARD_ECDSA_SHA256;
	uint8_t sig[OC_CARD_SIG_MAX];
	unsigned char b64[B64_BYTES];
	uint8_t *msg = NULL;
	size_t msg_len = 0, sig_len = 0;
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
		case 'C':
			cert_arg = optarg;
			break;
		case 'M':
			mech_arg = optarg;
			break;
		case 'i':
			in_path = optarg;
			break;
		case 'p':
			pin_file = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		default:
			return cli_option_error("sign");
		}
	}
	if (optind != argc || cert_arg == NULL || mech_arg == NULL) {
		return cli_option_error("sign");
	}
	if (parse_mech(mech_arg, &mech) != 0) {
		cli_error("sign: --mech must be ecdsa, rsa-pkcs or rsa-pss");
		return CLI_EXIT_USAGE;
	}
	r = cert_selector(cert_arg, &sel);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = cli_read_file("sign", in_path, CLI_INPUT_MAX, &msg, &msg_len);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = cli_open_card("sign", module, card_uri, &cc);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_card_certs_read(cc.card, NULL, &certs);
	if (r != ONECARD_OK) {
		r = cli_fail("sign", "cannot read the certificates", r);
		goto out;
	}
	r = oc_card_certs_find(certs, sel, &cert);
	if (r == ONECARD_ERR_NOT_FOUND) {
		cli_error("sign: no certificate on the card matches --cert");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	if (r != ONECARD_OK) {
		cli_error("sign: --cert matches more than one certificate; name it by id");
		r = CLI_EXIT_USAGE;
		goto out;
	}
	/* Refused before the PIN is asked for. */
	if (oc_card_cert_fits(cert, mech) != ONECARD_OK) {
		cli_error("sign: --mech does not fit the certificate's key (ecdsa needs P-256, "
			  "rsa-* RSA of 2048 to 4096 bits)");
		r = CLI_EXIT_USAGE;
		goto out;
	}
	r = cli_login("sign", &cc, pin_file, &s);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_card_sign(s, cert, mech, msg, msg_len, sig, &sig_len);
	oc_card_session_close(s); /* one signature, one login */
	s = NULL;
	if (r == ONECARD_ERR_KEY_MISSING) {
		cli_error("sign: the private key of this certificate is not on the card (or "
			  "is not the certificate's key)");
		r = CLI_EXIT_KEY_MISSING;
		goto out;
	}
	if (r != ONECARD_OK) {
		r = cli_fail("sign", "the card did not sign", r);
		goto out;
	}
	(void)EVP_EncodeBlock(b64, sig, (int)sig_len);
	printf("%s\n", (const char *)b64);
	r = cli_finish_output("sign");
out:
	OPENSSL_cleanse(sig, sizeof(sig));
	oc_card_session_close(s);
	oc_card_certs_free(certs);
	oc_p11_uri_free(sel);
	cli_close_card(&cc);
	free(msg);
	return r;
}
