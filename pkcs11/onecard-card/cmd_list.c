/*
 * onecard-card list: each certificate on a card, as a block of
 * "name: value" lines, blocks separated by an empty line.
 *
 * The agency is the subject's first organizationalUnitName: onecard's
 * certificate profiles (policies/) put the agency there. A certificate
 * without an OU falls back to its CKA_LABEL, which onecard sets to the
 * agency's name when it writes the certificate.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "cli.h"

#define TIME_BYTES 32u
#define URI_BYTES  (1024u + 4u * OC_CARD_OBJ_LABEL_MAX)

static const struct option longopts[] = {
	{"card", required_argument, NULL, 'c'},
	{"login", no_argument, NULL, 'l'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

/* The subject (or issuer) in RFC 2253 form, UTF-8 kept as UTF-8. */
static void name_text(const X509_NAME *name, char *out, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	char raw[CLI_LINE_MAX];
	size_t n;

	out[0] = '\0';
	if (bio == NULL) {
		return;
	}
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(bio, &data);
		if (len > 0 && data != NULL) {
			n = (size_t)len < sizeof(raw) - 1 ? (size_t)len : sizeof(raw) - 1;
			memcpy(raw, data, n);
			raw[n] = '\0';
			cli_sanitize(raw, out, cap);
		}
	}
	BIO_free(bio);
	ERR_clear_error();
}

/* The first OU of the subject as UTF-8, or the label. */
static void agency(X509 *x, const char *label, char *out, size_t cap)
{
	const X509_NAME *name = X509_get_subject_name(x);
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	char raw[CLI_LINE_MAX];
	int i, len;

	cli_sanitize(label, out, cap);
	i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
	if (i < 0) {
		return;
	}
	e = X509_NAME_get_entry(name, i);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len > 0 && (size_t)len < sizeof(raw) && memchr(utf8, '\0', (size_t)len) == NULL) {
		memcpy(raw, utf8, (size_t)len);
		raw[len] = '\0';
		cli_sanitize(raw, out, cap);
	}
	OPENSSL_free(utf8);
	ERR_clear_error();
}

static void serial_hex(X509 *x, char *out, size_t cap)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;

	cli_sanitize(hex != NULL ? hex : "?", out, cap);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

static void time_text(const ASN1_TIME *t, char *out, size_t cap)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		cli_sanitize("?", out, cap);
	}
	ERR_clear_error();
}

static const char *key_text(enum oc_card_key_state state)
{
	switch (state) {
	case OC_CARD_KEY_PRESENT:
		return "present";
	case OC_CARD_KEY_MISMATCH:
		return "MISSING (the key under this id is not the certificate's key)";
	case OC_CARD_KEY_MISSING:
	default:
		return "MISSING";
	}
}

/* A URI naming this certificate on this card. */
static void cert_uri(struct oc_card *card, const struct oc_card_cert *c, char *out, size_t cap)
{
	struct oc_card_info info;
	const uint8_t *id;
	size_t pos = 0, id_len;
	const char *label = oc_card_cert_label(c);

	id = oc_card_cert_id(c, &id_len);
	if (oc_card_get_info(card, &info) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "token", (const uint8_t *)info.label,
			      strlen(info.label)) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "serial", (const uint8_t *)info.serial,
			      strlen(info.serial)) != ONECARD_OK ||
	    (label[0] != '\0' && oc_p11_uri_append(out, cap, &pos, "object", (const uint8_t *)label,
						   strlen(label)) != ONECARD_OK) ||
	    oc_p11_uri_append(out, cap, &pos, "id", id, id_len) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "type", (const uint8_t *)"cert", 4) != ONECARD_OK) {
		out[0] = '\0';
	}
}

static void print_cert(struct oc_card *card, const struct oc_card_cert *c)
{
	static char uri[URI_BYTES];
	char text[CLI_LINE_MAX], id_hex[2 * OC_CARD_ID_MAX + 1];
	X509 *x = oc_card_cert_get0_x509(c);
	const uint8_t *id;
	size_t id_len;

	cli_sanitize(oc_card_cert_label(c), text, sizeof(text));
	printf("label: %s\n", text);
	id = oc_card_cert_id(c, &id_len);
	cli_hex(id, id_len, id_hex, sizeof(id_hex));
	printf("id: %s\n", id_hex);
	agency(x, oc_card_cert_label(c), text, sizeof(text));
	printf("agency: %s\n", text);
	name_text(X509_get_subject_name(x), text, sizeof(text));
	printf("subject: %s\n", text);
	name_text(X509_get_issuer_name(x), text, sizeof(text));
	printf("issuer: %s\n", text);
	serial_hex(x, text, sizeof(text));
	printf("serial: %s\n", text);
	time_text(X509_get0_notBefore(x), text, sizeof(text));
	printf("notBefore: %s\n", text);
	time_text(X509_get0_notAfter(x), text, sizeof(text));
	printf("notAfter: %s\n", text);
	printf("key: %s\n", key_text(oc_card_cert_key_state(c)));
	cert_uri(card, c, uri, sizeof(uri));
	printf("uri: %s\n", uri);
}

int cmd_list(int argc, char *argv[], const struct cli_global *g)
{
	struct cli_card cc = {NULL, NULL, NULL};
	struct oc_card_session *s = NULL;
	struct oc_card_certs *certs = NULL;
	const char *module = g->module, *card_uri = NULL, *pin_file = NULL;
	int login = 0, c, r;
	size_t i, n;

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
		case 'l':
			login = 1;
			break;
		case 'p':
			pin_file = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		default:
			return cli_option_error("list");
		}
	}
	if (optind != argc || (pin_file != NULL && !login)) {
		return cli_option_error("list");
	}
	r = cli_open_card("list", module, card_uri, &cc);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (login) {
		r = cli_login("list", &cc, pin_file, &s);
		if (r != CLI_EXIT_OK) {
			goto out;
		}
	}
	r = oc_card_certs_read(cc.card, s, &certs);
	oc_card_session_close(s); /* log out as soon as the card is read */
	s = NULL;
	if (r != ONECARD_OK) {
		r = cli_fail("list", "cannot read the certificates", r);
		goto out;
	}
	n = oc_card_certs_count(certs);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			printf("\n");
		}
		print_cert(cc.card, oc_card_certs_get0(certs, i));
	}
	r = cli_finish_output("list");
out:
	oc_card_certs_free(certs);
	oc_card_session_close(s);
	cli_close_card(&cc);
	return r;
}
