/*
 * onecard-dir enroll: register a card with its certificates, its holder
 * and the holder's enterprise (oc_dir_enroll: all or nothing).
 *
 * Each certificate file holds one certificate, PEM ("CERTIFICATE") or
 * DER. Serial, issuer and SHA-256 come from the bytes as given (the PEM
 * body decoded, never re-encoded), the agency from the subject's first
 * OU: onecard's certificate profiles (policies/) put the agency id
 * there, the person id in UID and the USCC in organizationIdentifier.
 * A certificate whose subject names another person or enterprise than
 * the options is refused: it is not this card's.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "cli.h"

enum {
	OPT_CARD_ID = 'c',
	OPT_PERSON = 'p',
	OPT_NAME = 'n',
	OPT_ENTERPRISE = 'e',
	OPT_ENTERPRISE_NAME = 'E',
};

static const struct option longopts[] = {
	{"card-id", required_argument, NULL, OPT_CARD_ID},
	{"person", required_argument, NULL, OPT_PERSON},
	{"name", required_argument, NULL, OPT_NAME},
	{"enterprise", required_argument, NULL, OPT_ENTERPRISE},
	{"enterprise-name", required_argument, NULL, OPT_ENTERPRISE_NAME},
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

struct enroll_args {
	const char *card_id;
	const char *person;
	const char *name;
	const char *enterprise;
	const char *enterprise_name;
};

/* Copies an option value into a fixed field; a usage error when it is
 * longer than the field holds. */
static int copy_field(const char *option, const char *value, char *out, size_t cap)
{
	size_t len = strlen(value);

	if (len >= cap) {
		cli_error("enroll: %s is longer than %zu bytes", option, cap - 1);
		return CLI_EXIT_USAGE;
	}
	memcpy(out, value, len + 1);
	return CLI_EXIT_OK;
}

/* 1 when needle occurs in buf[0..len). */
static int contains(const unsigned char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++) {
		if (memcmp(buf + i, needle, n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The file's certificate as DER: the PEM body decoded, or the file. */
static int file_der(const char *path, unsigned char **der, size_t *der_len)
{
	unsigned char *buf = NULL, *data = NULL, *more = NULL;
	char *name = NULL, *header = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	long data_len = 0, more_len = 0;
	int r;

	*der = NULL;
	*der_len = 0;
	r = cli_read_file("enroll", path, CLI_CERT_FILE_MAX, &buf, &len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	if (!contains(buf, len, "-----BEGIN ")) {
		*der = buf;
		*der_len = len;
		return CLI_EXIT_OK;
	}
	r = CLI_EXIT_USAGE;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		r = CLI_EXIT_OTHER;
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &data, &data_len) != 1 ||
	    strcmp(name, PEM_STRING_X509) != 0 || data_len <= 0) {
		cli_error("enroll: %s: not one PEM CERTIFICATE", path);
		goto out;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	name = NULL;
	header = NULL;
	if (PEM_read_bio(bio, &name, &header, &more, &more_len) == 1) {
		cli_error("enroll: %s: more than one PEM block; give one certificate per file",
			  path);
		goto out;
	}
	*der = malloc((size_t)data_len);
	if (*der == NULL) {
		cli_error("enroll: out of memory");
		r = CLI_EXIT_OTHER;
		goto out;
	}
	memcpy(*der, data, (size_t)data_len);
	*der_len = (size_t)data_len;
	r = CLI_EXIT_OK;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	OPENSSL_free(more);
	BIO_free(bio);
	free(buf);
	ERR_clear_error();
	return r;
}

/* 1 when the subject has no entry nid, or every entry nid equals want. */
static int subject_agrees(const X509 *x, int nid, const char *want)
{
	const X509_NAME *name = X509_get_subject_name(x);
	unsigned char *utf8 = NULL;
	int i = -1, len, ok = 1;

	for (;;) {
		i = X509_NAME_get_index_by_NID(name, nid, i);
		if (i < 0) {
			break;
		}
		len = ASN1_STRING_to_UTF8(&utf8,
					  X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (len < 0 || strlen(want) != (size_t)len ||
		    memcmp(utf8, want, (size_t)len) != 0) {
			ok = 0;
		}
		OPENSSL_free(utf8);
		utf8 = NULL;
	}
	ERR_clear_error();
	return ok;
}

/* Loads one certificate file into *cert, with its checks. */
static int load_cert(const char *path, const struct enroll_args *a, struct oc_dir_cert *cert)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	const char *why = NULL;
	X509 *x = NULL;
	size_t len = 0;
	int r;

	r = file_der(path, &der, &len);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_dir_cert_from_der(der, len, cert, &why);
	if (r != ONECARD_OK) {
		cli_error("enroll: %s: %s", path, why != NULL ? why : onecard_strerror(r));
		r = CLI_EXIT_USAGE;
		goto out;
	}
	p = der;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL) {
		r = CLI_EXIT_OTHER;
		goto out;
	}
	if (!subject_agrees(x, NID_userId, a->person)) {
		cli_error("enroll: %s: the certificate's subject UID is not --person", path);
		r = CLI_EXIT_USAGE;
		goto out;
	}
	if (!subject_agrees(x, NID_organizationIdentifier, a->enterprise)) {
		cli_error("enroll: %s: the certificate's subject organizationIdentifier is not "
			  "--enterprise",
			  path);
		r = CLI_EXIT_USAGE;
		goto out;
	}
	r = CLI_EXIT_OK;
out:
	if (r != CLI_EXIT_OK) {
		oc_dir_cert_clear(cert);
	}
	X509_free(x);
	ERR_clear_error();
	free(der);
	return r;
}

/* The exit status of a refusal: values not in their form are usage
 * errors; the rest follows the error code. */
static int refusal_exit(int err, enum oc_dir_refusal why)
{
	switch (why) {
	case OC_DIR_REFUSED_ENTERPRISE_SUSPENDED:
	case OC_DIR_REFUSED_PERSON_SUSPENDED:
	case OC_DIR_REFUSED_BY_DIRECTORY:
		return CLI_EXIT_OTHER;
	default:
		return cli_exit_for(err);
	}
}

static int report(int err, enum oc_dir_refusal why, const struct oc_dir *dir)
{
	const char *diag = oc_dir_diagnostic(dir);

	switch (why) {
	case OC_DIR_REFUSED_NONE:
		return cli_fail("enroll", "failed", err, dir);
	case OC_DIR_REFUSED_UNAVAILABLE:
	case OC_DIR_REFUSED_ROLLBACK_INCOMPLETE:
	case OC_DIR_REFUSED_BY_DIRECTORY:
		if (diag[0] != '\0') {
			cli_error("enroll: %s (%s)", oc_dir_refusal_str(why), diag);
			break;
		}
		/* fall through */
	default:
		cli_error("enroll: refused: %s", oc_dir_refusal_str(why));
		break;
	}
	return refusal_exit(err, why);
}

int cmd_enroll(int argc, char *argv[], const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct enroll_args a = {NULL, NULL, "", NULL, ""};
	struct oc_dir_enterprise ent;
	struct oc_dir_person person;
	struct oc_dir_card card;
	struct oc_dir_cert *certs = NULL;
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	struct oc_dir *dir = NULL;
	size_t n = 0, i;
	int c, r;

	memset(&ent, 0, sizeof(ent));
	memset(&person, 0, sizeof(person));
	memset(&card, 0, sizeof(card));
	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (cli_conn_option(&conn, c, optarg)) {
			continue;
		}
		switch (c) {
		case OPT_CARD_ID:
			a.card_id = optarg;
			break;
		case OPT_PERSON:
			a.person = optarg;
			break;
		case OPT_NAME:
			a.name = optarg;
			break;
		case OPT_ENTERPRISE:
			a.enterprise = optarg;
			break;
		case OPT_ENTERPRISE_NAME:
			a.enterprise_name = optarg;
			break;
		default:
			return cli_option_error("enroll");
		}
	}
	if (a.card_id == NULL || a.person == NULL || a.enterprise == NULL) {
		cli_error("enroll: --card-id, --person and --enterprise are required");
		return CLI_EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_error("enroll: no certificate file given");
		return CLI_EXIT_USAGE;
	}
	if ((size_t)(argc - optind) > OC_DIR_CERTS_MAX) {
		cli_error("enroll: more than %u certificates for one card", OC_DIR_CERTS_MAX);
		return CLI_EXIT_USAGE;
	}
	if (copy_field("--card-id", a.card_id, card.id, sizeof(card.id)) != CLI_EXIT_OK ||
	    copy_field("--person", a.person, person.id, sizeof(person.id)) != CLI_EXIT_OK ||
	    copy_field("--name", a.name, person.name, sizeof(person.name)) != CLI_EXIT_OK ||
	    copy_field("--enterprise", a.enterprise, ent.uscc, sizeof(ent.uscc)) != CLI_EXIT_OK ||
	    copy_field("--enterprise-name", a.enterprise_name, ent.name, sizeof(ent.name)) !=
		    CLI_EXIT_OK) {
		return CLI_EXIT_USAGE;
	}
	memcpy(person.enterprise_uscc, ent.uscc, sizeof(ent.uscc));
	memcpy(card.holder, person.id, sizeof(person.id));

	certs = calloc((size_t)(argc - optind), sizeof(*certs));
	if (certs == NULL) {
		cli_error("enroll: out of memory");
		return CLI_EXIT_OTHER;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		r = load_cert(argv[i], &a, &certs[n]);
		if (r != CLI_EXIT_OK) {
			goto out;
		}
		n++;
	}
	r = cli_connect("enroll", &conn, &dir);
	if (r != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_dir_enroll(dir, &ent, &person, &card, certs, n, &why);
	if (r != ONECARD_OK) {
		r = report(r, why, dir);
		goto out;
	}
	cli_print_field("enrolled card", card.id, 0);
	cli_print_field("person", person.id, 0);
	cli_print_field("enterprise", ent.uscc, 0);
	for (i = 0; i < n; i++) {
		printf("%s %s\n", certs[i].agency, certs[i].serial);
	}
	r = cli_finish_output("enroll");
out:
	for (i = 0; i < n; i++) {
		oc_dir_cert_clear(&certs[i]);
	}
	free(certs);
	oc_dir_free(dir);
	return r;
}
