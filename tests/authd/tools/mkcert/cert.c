/*
 * mkcert cert: a card certificate as onecard-ca makes it (x509_cert.c),
 * with the faults the options ask for (mkcert.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "mkcert.h"
#include "policy.h"
#include "serial.h"
#include "tool_util.h"
#include "x509.h"

#define SKI_LEN		   20u	/* RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 */
#define SERIAL_HEX_MAX	   128u /* hex digits --serial takes (64 octets: over any limit) */
#define EXT_TEXT_MAX	   128u /* bytes of an extension's configuration text */
#define DEFAULT_PROFILE	   "customs"
#define DEFAULT_USCC	   "91350100M000100Y43"
#define DEFAULT_ENTERPRISE "Example Trading Co"
#define DEFAULT_PERSON_ID  "p-0001"
#define DEFAULT_PERSON	   "Zhang San"

enum {
	OPT_CA_CERT = 0x100,
	OPT_CA_KEY,
	OPT_CA_PASS_FILE,
	OPT_OUT,
	OPT_KEY,
	OPT_NEW_KEY,
	OPT_KEY_TYPE,
	OPT_POLICY,
	OPT_PROFILE,
	OPT_USCC,
	OPT_ENTERPRISE_NAME,
	OPT_PERSON_ID,
	OPT_PERSON_NAME,
	OPT_SERIAL,
	OPT_NOT_BEFORE,
	OPT_NOT_AFTER,
	OPT_EKU,
	OPT_KU,
	OPT_POLICY_OID,
	OPT_CA_TRUE,
	OPT_NO_BC,
	OPT_UNKNOWN_CRITICAL,
	OPT_SHA1,
};

static const struct option longopts[] = {
	{"ca-cert", required_argument, NULL, OPT_CA_CERT},
	{"ca-key", required_argument, NULL, OPT_CA_KEY},
	{"ca-pass-file", required_argument, NULL, OPT_CA_PASS_FILE},
	{"out", required_argument, NULL, OPT_OUT},
	{"key", required_argument, NULL, OPT_KEY},
	{"new-key", required_argument, NULL, OPT_NEW_KEY},
	{"key-type", required_argument, NULL, OPT_KEY_TYPE},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"uscc", required_argument, NULL, OPT_USCC},
	{"enterprise-name", required_argument, NULL, OPT_ENTERPRISE_NAME},
	{"person-id", required_argument, NULL, OPT_PERSON_ID},
	{"person-name", required_argument, NULL, OPT_PERSON_NAME},
	{"serial", required_argument, NULL, OPT_SERIAL},
	{"not-before", required_argument, NULL, OPT_NOT_BEFORE},
	{"not-after", required_argument, NULL, OPT_NOT_AFTER},
	{"eku", required_argument, NULL, OPT_EKU},
	{"ku", required_argument, NULL, OPT_KU},
	{"policy-oid", required_argument, NULL, OPT_POLICY_OID},
	{"ca-true", no_argument, NULL, OPT_CA_TRUE},
	{"no-basic-constraints", no_argument, NULL, OPT_NO_BC},
	{"unknown-critical", no_argument, NULL, OPT_UNKNOWN_CRITICAL},
	{"sha1", no_argument, NULL, OPT_SHA1},
	{NULL, 0, NULL, 0},
};

struct cert_opts {
	const char *ca_cert, *ca_key, *ca_pass_file, *out;
	const char *key, *new_key, *key_type;
	const char *policy, *profile;
	struct oc_subject_values subject;  /* agency filled from the profile */
	const char *serial;		   /* NULL: random, as onecard-ca */
	int64_t not_before, not_after;	   /* offsets from now, seconds */
	int have_not_after;		   /* else the profile's lifetime */
	const char *eku, *ku, *policy_oid; /* NULL: the profile's */
	int ca_true, no_bc, unknown_critical, sha1;
};

/* Adds an extension from OpenSSL's configuration text ("critical,CA:FALSE"). */
static int add_conf_ext(X509 *cert, X509 *issuer, int nid, const char *text)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext = NULL;
	int r = ONECARD_ERR_CRYPTO;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, text);
	if (ext != NULL && X509_add_ext(cert, ext, -1) == 1) {
		r = ONECARD_OK;
	} else {
		tool_error(MK_PROG, "cannot add the extension %s = \"%s\"", OBJ_nid2sn(nid), text);
	}
	ERR_clear_error();
	X509_EXTENSION_free(ext);
	return r;
}

/* SKI by RFC 7093 §2 method 1, as onecard-ca. */
static int add_ski(X509 *cert)
{
	const unsigned char *pk = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	int pk_len = 0, r = ONECARD_ERR_CRYPTO;

	if (ski != NULL &&
	    X509_PUBKEY_get0_param(NULL, &pk, &pk_len, NULL, X509_get_X509_PUBKEY(cert)) == 1 &&
	    pk_len > 0 && EVP_Digest(pk, (size_t)pk_len, md, &md_len, EVP_sha256(), NULL) == 1 &&
	    md_len >= SKI_LEN && ASN1_OCTET_STRING_set(ski, md, (int)SKI_LEN) == 1 &&
	    X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski, 0, X509V3_ADD_DEFAULT) == 1) {
		r = ONECARD_OK;
	} else {
		tool_error(MK_PROG, "cannot add the subject key identifier");
	}
	ERR_clear_error();
	ASN1_OCTET_STRING_free(ski);
	return r;
}

/* certificatePolicies with one policy OID, no qualifiers, as onecard-ca
 * (OpenSSL's configuration text for it needs a configuration database). */
static int add_policy(X509 *cert, const char *oid)
{
	CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
	POLICYINFO *pi = POLICYINFO_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int r = ONECARD_ERR_CRYPTO;

	if (obj == NULL) {
		tool_error(MK_PROG, "cert: --policy-oid is not a dotted OID");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (pols == NULL || pi == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	ASN1_OBJECT_free(pi->policyid);
	pi->policyid = obj;
	obj = NULL;
	if (sk_POLICYINFO_push(pols, pi) <= 0) {
		goto out;
	}
	pi = NULL; /* owned by pols */
	if (X509_add1_ext_i2d(cert, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT) != 1) {
		tool_error(MK_PROG, "cert: cannot add the certificate policy");
		goto out;
	}
	r = ONECARD_OK;
out:
	ERR_clear_error();
	ASN1_OBJECT_free(obj);
	POLICYINFO_free(pi);
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	return r;
}

/* An extension no verifier knows, marked critical (X7). */
static int add_unknown_critical(X509 *cert)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(MK_UNKNOWN_EXT_OID, 1);
	ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	static const unsigned char der_null[] = {0x05, 0x00};
	int r = ONECARD_ERR_CRYPTO;

	if (obj != NULL && data != NULL &&
	    ASN1_OCTET_STRING_set(data, der_null, (int)sizeof(der_null)) == 1) {
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, data);
	}
	if (ext != NULL && X509_add_ext(cert, ext, -1) == 1) {
		r = ONECARD_OK;
	} else {
		tool_error(MK_PROG, "cannot add the unknown critical extension");
	}
	ERR_clear_error();
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(data);
	ASN1_OBJECT_free(obj);
	return r;
}

/* Appends name to a comma-separated list in out (cap bytes). */
static int list_add(char *out, size_t cap, const char *name)
{
	size_t used = strlen(out), n = strlen(name);

	if (used + (used > 0 ? 1u : 0u) + n >= cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (used > 0) {
		out[used++] = ',';
	}
	memcpy(out + used, name, n + 1);
	return ONECARD_OK;
}

/* The keyUsage text: the profile's bits, or the --ku choice ("" = none). */
static int ku_text(const oc_profile *profile, const char *choice, char *out, size_t cap)
{
	int r = list_add(out, cap, "critical");

	if (choice != NULL) {
		if (strcmp(choice, "none") == 0) {
			out[0] = '\0';
			return ONECARD_OK;
		}
		if (strcmp(choice, "digital-signature") == 0) {
			return list_add(out, cap, "digitalSignature");
		}
		if (strcmp(choice, "key-encipherment") == 0) {
			return list_add(out, cap, "keyEncipherment");
		}
		tool_error(MK_PROG, "cert: --ku is digital-signature, key-encipherment or none");
		return ONECARD_ERR_INVALID_ARG;
	}
	if (r == ONECARD_OK && (profile->key_usage & OC_KU_DIGITAL_SIGNATURE) != 0) {
		r = list_add(out, cap, "digitalSignature");
	}
	if (r == ONECARD_OK && (profile->key_usage & OC_KU_NON_REPUDIATION) != 0) {
		r = list_add(out, cap, "nonRepudiation");
	}
	if (r == ONECARD_OK && (profile->key_usage & OC_KU_KEY_ENCIPHERMENT) != 0) {
		r = list_add(out, cap, "keyEncipherment");
	}
	return r;
}

/* The extendedKeyUsage text: the profile's bits, or the --eku choice
 * ("" = none). */
static int eku_text(const oc_profile *profile, const char *choice, char *out, size_t cap)
{
	int r = ONECARD_OK;

	out[0] = '\0';
	if (choice != NULL) {
		if (strcmp(choice, "none") == 0) {
			return ONECARD_OK;
		}
		if (strcmp(choice, "client-auth") == 0) {
			return list_add(out, cap, "clientAuth");
		}
		if (strcmp(choice, "server-auth") == 0) {
			return list_add(out, cap, "serverAuth");
		}
		if (strcmp(choice, "any") == 0) {
			return list_add(out, cap, "anyExtendedKeyUsage");
		}
		tool_error(MK_PROG, "cert: --eku is client-auth, server-auth, any or none");
		return ONECARD_ERR_INVALID_ARG;
	}
	if ((profile->eku & OC_EKU_CLIENT_AUTH) != 0) {
		r = list_add(out, cap, "clientAuth");
	}
	if (r == ONECARD_OK && (profile->eku & OC_EKU_SMARTCARD_LOGON) != 0) {
		r = list_add(out, cap, "msSmartcardLogin");
	}
	if (r == ONECARD_OK && (profile->eku & OC_EKU_EMAIL_PROTECTION) != 0) {
		r = list_add(out, cap, "emailProtection");
	}
	return r;
}

/* Any serial the options give: an optional '-', then 1..SERIAL_HEX_MAX
 * hex digits; or a random one as onecard-ca makes them. */
static int set_serial(X509 *cert, const char *text)
{
	unsigned char bytes[OC_CA_SERIAL_BYTES];
	char hex[OC_CA_SERIAL_HEX_MAX + 1];
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = NULL;
	size_t i, start = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (text == NULL) {
		r = oc_serial_random(bytes);
		if (r == ONECARD_OK) {
			r = oc_serial_to_hex(bytes, sizeof(bytes), hex);
		}
		if (r != ONECARD_OK) {
			goto out;
		}
		text = hex;
	}
	if (text[0] == '-') {
		start = 1;
	}
	for (i = start; text[i] != '\0'; i++) {
		if (strchr("0123456789abcdefABCDEF", text[i]) == NULL ||
		    i - start >= SERIAL_HEX_MAX) {
			tool_error(MK_PROG, "cert: --serial is [-]HEX, at most %u digits",
				   SERIAL_HEX_MAX);
			goto out;
		}
	}
	if (i == start) {
		tool_error(MK_PROG, "cert: --serial is empty");
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (BN_hex2bn(&bn, text) == 0) {
		goto out;
	}
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (serial == NULL || X509_set_serialNumber(cert, serial) != 1) {
		goto out;
	}
	r = ONECARD_OK;
out:
	ERR_clear_error();
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return r;
}

static int set_validity(X509 *cert, time_t now, int64_t nb, int64_t na)
{
	ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)(now + nb));
	ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)(now + na));
	int r = ONECARD_ERR_CRYPTO;

	if (t1 != NULL && t2 != NULL && X509_set1_notBefore(cert, t1) == 1 &&
	    X509_set1_notAfter(cert, t2) == 1) {
		r = ONECARD_OK;
	}
	ERR_clear_error();
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	return r;
}

/* Every extension, in onecard-ca's order, with the faults asked for. */
static int add_extensions(X509 *cert, X509 *issuer, const oc_profile *profile,
			  const struct cert_opts *o)
{
	char text[EXT_TEXT_MAX] = "";
	const char *policy_oid =
		o->policy_oid != NULL ? o->policy_oid : profile->agency->policy_oid;
	int r = ONECARD_OK;

	if (!o->no_bc) {
		r = add_conf_ext(cert, issuer, NID_basic_constraints,
				 o->ca_true ? "critical,CA:TRUE" : "critical,CA:FALSE");
	}
	if (r == ONECARD_OK) {
		r = ku_text(profile, o->ku, text, sizeof(text));
	}
	if (r == ONECARD_OK && text[0] != '\0') {
		r = add_conf_ext(cert, issuer, NID_key_usage, text);
	}
	if (r == ONECARD_OK) {
		r = eku_text(profile, o->eku, text, sizeof(text));
	}
	if (r == ONECARD_OK && text[0] != '\0') {
		r = add_conf_ext(cert, issuer, NID_ext_key_usage, text);
	}
	if (r == ONECARD_OK && strcmp(policy_oid, "none") != 0) {
		r = add_policy(cert, policy_oid);
	}
	if (r == ONECARD_OK) {
		r = add_ski(cert);
	}
	if (r == ONECARD_OK) {
		r = add_conf_ext(cert, issuer, NID_authority_key_identifier, "keyid:always");
	}
	if (r == ONECARD_OK && o->unknown_critical) {
		r = add_unknown_critical(cert);
	}
	return r;
}

/* Builds and signs the certificate. */
static int make_cert(const struct cert_opts *o, const oc_profile *profile, const struct mk_ca *ca,
		     EVP_PKEY *key, X509 **out)
{
	struct oc_subject_values values = o->subject;
	X509_NAME *subject = NULL;
	X509 *cert = X509_new();
	const char *why = NULL;
	time_t now = time(NULL);
	int64_t not_after =
		o->have_not_after ? o->not_after : (int64_t)profile->lifetime_days * 86400;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (cert == NULL) {
		goto out;
	}
	values.agency = profile->agency->id;
	r = oc_x509_name_from_profile(profile, &values, &subject, &why);
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "cert: the subject: %s",
			   why != NULL ? why : onecard_strerror(r));
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(cert, subject) != 1 ||
	    X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) != 1 ||
	    X509_set_pubkey(cert, key) != 1 ||
	    set_validity(cert, now, o->not_before, not_after) != ONECARD_OK) {
		tool_error(MK_PROG, "cert: cannot fill in the certificate");
		goto out;
	}
	r = set_serial(cert, o->serial);
	if (r == ONECARD_OK) {
		r = add_extensions(cert, ca->cert, profile, o);
	}
	if (r == ONECARD_OK) {
		r = mk_sign_cert(cert, ca->key, o->sha1);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = cert;
	cert = NULL;
out:
	ERR_clear_error();
	X509_NAME_free(subject);
	X509_free(cert);
	return r;
}

/* 1 when value is one of the n choices. */
static int one_of(const char *value, const char *const *choices, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(value, choices[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Stores one option; TOOL_EXIT_USAGE (reported) for a bad value. */
static int take_option(int c, const char *arg, struct cert_opts *o)
{
	static const char *const ekus[] = {"client-auth", "server-auth", "any", "none"};
	static const char *const kus[] = {"digital-signature", "key-encipherment", "none"};

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
	case OPT_KEY:
		o->key = arg;
		break;
	case OPT_NEW_KEY:
		o->new_key = arg;
		break;
	case OPT_KEY_TYPE:
		o->key_type = arg;
		break;
	case OPT_POLICY:
		o->policy = arg;
		break;
	case OPT_PROFILE:
		o->profile = arg;
		break;
	case OPT_USCC:
		o->subject.uscc = arg;
		break;
	case OPT_ENTERPRISE_NAME:
		o->subject.enterprise_name = arg;
		break;
	case OPT_PERSON_ID:
		o->subject.person_id = arg;
		break;
	case OPT_PERSON_NAME:
		o->subject.person_name = arg;
		break;
	case OPT_SERIAL:
		o->serial = arg;
		break;
	case OPT_NOT_BEFORE:
		if (tool_parse_offset(arg, &o->not_before) != ONECARD_OK) {
			tool_error(MK_PROG, "cert: --not-before is an OFFSET like -2d or +90s");
			return TOOL_EXIT_USAGE;
		}
		break;
	case OPT_NOT_AFTER:
		if (tool_parse_offset(arg, &o->not_after) != ONECARD_OK) {
			tool_error(MK_PROG, "cert: --not-after is an OFFSET like -1d or +30d");
			return TOOL_EXIT_USAGE;
		}
		o->have_not_after = 1;
		break;
	case OPT_EKU:
		if (!one_of(arg, ekus, sizeof(ekus) / sizeof(ekus[0]))) {
			tool_error(MK_PROG, "cert: --eku is client-auth, server-auth, any or none");
			return TOOL_EXIT_USAGE;
		}
		o->eku = arg;
		break;
	case OPT_KU:
		if (!one_of(arg, kus, sizeof(kus) / sizeof(kus[0]))) {
			tool_error(MK_PROG,
				   "cert: --ku is digital-signature, key-encipherment or none");
			return TOOL_EXIT_USAGE;
		}
		o->ku = arg;
		break;
	case OPT_POLICY_OID:
		o->policy_oid = arg;
		break;
	case OPT_CA_TRUE:
		o->ca_true = 1;
		break;
	case OPT_NO_BC:
		o->no_bc = 1;
		break;
	case OPT_UNKNOWN_CRITICAL:
		o->unknown_critical = 1;
		break;
	case OPT_SHA1:
		o->sha1 = 1;
		break;
	default:
		tool_error(MK_PROG, "cert: unknown option or missing value; try 'mkcert --help'");
		return TOOL_EXIT_USAGE;
	}
	return TOOL_EXIT_OK;
}

static int check_options(const struct cert_opts *o)
{
	if (o->ca_cert == NULL || o->ca_key == NULL || o->out == NULL) {
		tool_error(MK_PROG, "cert: --ca-cert, --ca-key and --out are required");
		return TOOL_EXIT_USAGE;
	}
	if ((o->key == NULL) == (o->new_key == NULL)) {
		tool_error(MK_PROG, "cert: give one of --key and --new-key");
		return TOOL_EXIT_USAGE;
	}
	if (o->ca_true && o->no_bc) {
		tool_error(MK_PROG,
			   "cert: --ca-true and --no-basic-constraints exclude each other");
		return TOOL_EXIT_USAGE;
	}
	return TOOL_EXIT_OK;
}

int mk_cmd_cert(int argc, char **argv)
{
	struct cert_opts o;
	struct mk_ca ca = {NULL, NULL};
	char err[OC_POLICY_ERR_MAX];
	const oc_profile *profile = NULL;
	oc_policy *policy = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char *pem = NULL;
	int c, r;

	memset(&o, 0, sizeof(o));
	o.key_type = "ec-p256";
	o.policy = MKCERT_POLICY_DEFAULT;
	o.profile = DEFAULT_PROFILE;
	o.subject.uscc = DEFAULT_USCC;
	o.subject.enterprise_name = DEFAULT_ENTERPRISE;
	o.subject.person_id = DEFAULT_PERSON_ID;
	o.subject.person_name = DEFAULT_PERSON;
	o.not_before = -MK_BACKDATE_SECONDS;
	opterr = 0;
	optind = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		r = take_option(c, optarg, &o);
		if (r != TOOL_EXIT_OK) {
			return r;
		}
	}
	if (optind != argc) {
		tool_error(MK_PROG, "cert: nothing may follow the options");
		return TOOL_EXIT_USAGE;
	}
	r = check_options(&o);
	if (r != TOOL_EXIT_OK) {
		return r;
	}
	r = oc_policy_load(o.policy, &policy, err);
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "cert: the policy: %s", err);
		goto out;
	}
	profile = oc_policy_profile(policy, o.profile);
	if (profile == NULL) {
		tool_error(MK_PROG, "cert: no profile '%s' in %s", o.profile, o.policy);
		r = ONECARD_ERR_UNKNOWN_PROFILE;
		goto out;
	}
	r = mk_ca_load(o.ca_cert, o.ca_key, o.ca_pass_file, &ca);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = o.key != NULL ? mk_key_read(o.key, &key) : mk_key_new(o.key_type, &key);
	if (r == ONECARD_OK) {
		r = make_cert(&o, profile, &ca, key, &cert);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_pem(cert, &pem);
		if (r != ONECARD_OK) {
			tool_error(MK_PROG, "cert: cannot encode the certificate as PEM");
		}
	}
	if (r == ONECARD_OK && o.new_key != NULL) {
		r = mk_key_write(o.new_key, key);
	}
	if (r == ONECARD_OK) {
		r = mk_pem_write(o.out, pem);
	}
out:
	free(pem);
	X509_free(cert);
	EVP_PKEY_free(key);
	mk_ca_clear(&ca);
	oc_policy_free(policy);
	return r == ONECARD_OK ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
}
