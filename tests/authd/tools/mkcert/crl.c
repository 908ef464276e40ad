/*
 * mkcert crl: a v2 CRL of the CA as onecard-ca makes it (x509_crl.c:
 * AKI, cRLNumber, entries without a reason code), with the faults the
 * options ask for: thisUpdate and nextUpdate anywhere in time, no
 * nextUpdate at all (R4, R6), or another signer's key (R7).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "mkcert.h"
#include "serial.h"
#include "tool_util.h"
#include "x509.h"

#define REVOKED_MAX	       64u	   /* --revoke options in one CRL */
#define CRL_NUMBER_MAX	       1000000000u /* --number */
#define NEXT_UPDATE_DEFAULT    (7 * 86400) /* seconds, as onecard-ca's 168 hours */
#define CRL_REASON_UNSPECIFIED 0	   /* no reasonCode entry extension */

enum {
	OPT_CA_CERT = 0x100,
	OPT_CA_KEY,
	OPT_CA_PASS_FILE,
	OPT_OUT,
	OPT_REVOKE,
	OPT_THIS_UPDATE,
	OPT_NEXT_UPDATE,
	OPT_NO_NEXT_UPDATE,
	OPT_NUMBER,
	OPT_SIGN_WITH,
};

static const struct option longopts[] = {
	{"ca-cert", required_argument, NULL, OPT_CA_CERT},
	{"ca-key", required_argument, NULL, OPT_CA_KEY},
	{"ca-pass-file", required_argument, NULL, OPT_CA_PASS_FILE},
	{"out", required_argument, NULL, OPT_OUT},
	{"revoke", required_argument, NULL, OPT_REVOKE},
	{"this-update", required_argument, NULL, OPT_THIS_UPDATE},
	{"next-update", required_argument, NULL, OPT_NEXT_UPDATE},
	{"no-next-update", no_argument, NULL, OPT_NO_NEXT_UPDATE},
	{"number", required_argument, NULL, OPT_NUMBER},
	{"sign-with", required_argument, NULL, OPT_SIGN_WITH},
	{NULL, 0, NULL, 0},
};

struct crl_opts {
	const char *ca_cert, *ca_key, *ca_pass_file, *out, *sign_with;
	char revoked[REVOKED_MAX][OC_CA_SERIAL_HEX_MAX + 1]; /* canonical hex */
	size_t nrevoked;
	int64_t this_update, next_update; /* offsets from now, seconds */
	int no_next_update;
	uint64_t number;
};

static int set_time(X509_CRL *crl, time_t t, int next)
{
	ASN1_TIME *at = ASN1_TIME_set(NULL, t);
	int ok = 0;

	if (at != NULL) {
		ok = next ? X509_CRL_set1_nextUpdate(crl, at) : X509_CRL_set1_lastUpdate(crl, at);
	}
	ASN1_TIME_free(at);
	return ok == 1 ? ONECARD_OK : ONECARD_ERR_CRYPTO;
}

/* The CRL's header: version 2, issuer, times, AKI, cRLNumber. */
static int crl_header(X509_CRL *crl, X509 *issuer, const struct crl_opts *o, time_t now)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	int r = ONECARD_ERR_CRYPTO;

	if (akid == NULL || num == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (ski == NULL) {
		tool_error(MK_PROG, "crl: the CA certificate has no subject key identifier");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	akid->keyid = ASN1_OCTET_STRING_dup(ski);
	if (akid->keyid == NULL || X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
	    set_time(crl, (time_t)(now + o->this_update), 0) != ONECARD_OK ||
	    (!o->no_next_update &&
	     set_time(crl, (time_t)(now + o->next_update), 1) != ONECARD_OK) ||
	    ASN1_INTEGER_set_uint64(num, o->number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT) !=
		    1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT) != 1) {
		tool_error(MK_PROG, "crl: cannot fill in the CRL");
		goto out;
	}
	r = ONECARD_OK;
out:
	ERR_clear_error();
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(akid);
	return r;
}

static int make_crl(const struct crl_opts *o, const struct mk_ca *ca, EVP_PKEY *signer,
		    X509_CRL **out)
{
	X509_CRL *crl = X509_CRL_new();
	time_t now = time(NULL);
	size_t i;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (crl == NULL) {
		goto out;
	}
	r = crl_header(crl, ca->cert, o, now);
	for (i = 0; r == ONECARD_OK && i < o->nrevoked; i++) {
		r = oc_x509_crl_add(crl, o->revoked[i], (int64_t)now - MK_BACKDATE_SECONDS,
				    CRL_REASON_UNSPECIFIED);
		if (r != ONECARD_OK) {
			tool_error(MK_PROG, "crl: cannot add serial %s", o->revoked[i]);
		}
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (X509_CRL_sort(crl) != 1) {
		goto out;
	}
	r = oc_x509_sign_crl(crl, signer);
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "crl: signing failed (%s)", onecard_strerror(r));
		goto out;
	}
	*out = crl;
	crl = NULL;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	return r;
}

/* Stores one option; TOOL_EXIT_USAGE (reported) for a bad value. */
static int take_option(int c, const char *arg, struct crl_opts *o)
{
	const char *why = NULL;

	switch (c) {
	case OPT_CA_CERT:
		o->ca_cert = arg;
		break;
	case OPT_CA_KEY:
		o->ca_key = arg;
		break;
	case OPT_CA_PASS_FILE:
		o->ca_pass_file = arg;
		break;
	case OPT_OUT:
		o->out = arg;
		break;
	case OPT_SIGN_WITH:
		o->sign_with = arg;
		break;
	case OPT_REVOKE:
		if (o->nrevoked >= REVOKED_MAX) {
			tool_error(MK_PROG, "crl: at most %u --revoke", REVOKED_MAX);
			return TOOL_EXIT_USAGE;
		}
		if (oc_serial_parse(arg, o->revoked[o->nrevoked], &why) != ONECARD_OK) {
			tool_error(MK_PROG, "crl: --revoke: %s",
				   why != NULL ? why : "not a serial");
			return TOOL_EXIT_USAGE;
		}
		o->nrevoked++;
		break;
	case OPT_THIS_UPDATE:
		if (tool_parse_offset(arg, &o->this_update) != ONECARD_OK) {
			tool_error(MK_PROG, "crl: --this-update is an OFFSET like -1h");
			return TOOL_EXIT_USAGE;
		}
		break;
	case OPT_NEXT_UPDATE:
		if (tool_parse_offset(arg, &o->next_update) != ONECARD_OK) {
			tool_error(MK_PROG, "crl: --next-update is an OFFSET like -1h or +7d");
			return TOOL_EXIT_USAGE;
		}
		break;
	case OPT_NO_NEXT_UPDATE:
		o->no_next_update = 1;
		break;
	case OPT_NUMBER:
		if (tool_parse_u64(arg, 1, CRL_NUMBER_MAX, &o->number) != ONECARD_OK) {
			tool_error(MK_PROG, "crl: --number is 1 to %u", CRL_NUMBER_MAX);
			return TOOL_EXIT_USAGE;
		}
		break;
	default:
		tool_error(MK_PROG, "crl: unknown option or missing value; try 'mkcert --help'");
		return TOOL_EXIT_USAGE;
	}
	return TOOL_EXIT_OK;
}

int mk_cmd_crl(int argc, char **argv)
{
	struct crl_opts *o = calloc(1, sizeof(struct crl_opts));
	struct mk_ca ca = {NULL, NULL};
	EVP_PKEY *other = NULL;
	X509_CRL *crl = NULL;
	char *pem = NULL;
	int c, r = ONECARD_ERR_NOMEM, status = TOOL_EXIT_FAIL;

	if (o == NULL) {
		tool_error(MK_PROG, "crl: out of memory");
		goto out;
	}
	o->this_update = -MK_BACKDATE_SECONDS;
	o->next_update = NEXT_UPDATE_DEFAULT;
	o->number = 1;
	opterr = 0;
	optind = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		status = take_option(c, optarg, o);
		if (status != TOOL_EXIT_OK) {
			goto out;
		}
	}
	status = TOOL_EXIT_USAGE;
	if (optind != argc || o->ca_cert == NULL || o->ca_key == NULL || o->out == NULL) {
		tool_error(MK_PROG, "crl: --ca-cert, --ca-key and --out are required, and nothing "
				    "follows the options");
		goto out;
	}
	status = TOOL_EXIT_FAIL;
	r = mk_ca_load(o->ca_cert, o->ca_key, o->ca_pass_file, &ca);
	if (r == ONECARD_OK && o->sign_with != NULL) {
		r = mk_key_read(o->sign_with, &other);
	}
	if (r == ONECARD_OK) {
		r = make_crl(o, &ca, other != NULL ? other : ca.key, &crl);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_crl_pem(crl, &pem);
		if (r != ONECARD_OK) {
			tool_error(MK_PROG, "crl: cannot encode the CRL as PEM");
		}
	}
	if (r == ONECARD_OK) {
		r = mk_pem_write(o->out, pem);
	}
	if (r == ONECARD_OK) {
		status = TOOL_EXIT_OK;
	}
out:
	free(pem);
	X509_CRL_free(crl);
	EVP_PKEY_free(other);
	mk_ca_clear(&ca);
	free(o);
	return status;
}
