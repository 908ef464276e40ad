/*
 * Building certificates (x509.h). Extensions are built as structures,
 * not from configuration strings, so what is written is exactly what the
 * code says. Every certificate is checked against its issuer's key
 * before it is handed out.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "x509.h"

/* keyUsage bit positions (RFC 5280 §4.2.1.3). */
#define KU_BIT_DIGITAL_SIGNATURE 0
#define KU_BIT_NON_REPUDIATION	 1
#define KU_BIT_KEY_ENCIPHERMENT	 2
#define KU_BIT_KEY_CERT_SIGN	 5
#define KU_BIT_CRL_SIGN		 6

#define ANY_POLICY_OID "2.5.29.32.0" /* RFC 5280 §4.2.1.4 anyPolicy */
#define SKI_LEN	       20	     /* RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 */

static int add_ext(X509 *x, int nid, void *value, int critical)
{
	if (X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT) != 1) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

/* Version, serial, names, key and validity: now - backdate .. now + days. */
static int set_base(X509 *x, const unsigned char *serial, size_t serial_len,
		    const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *key, time_t now,
		    int days)
{
	if (serial_len == 0 || serial_len > OC_CA_SERIAL_OCTETS_MAX || (serial[0] & 0x80u) != 0 ||
	    serial[0] == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_STRING_set(X509_get_serialNumber(x), serial, (int)serial_len) != 1 ||
	    X509_set_subject_name(x, subject) != 1 || X509_set_issuer_name(x, issuer) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -OC_CA_BACKDATE_SECONDS, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now) == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

static int add_basic_constraints(X509 *x, int ca, int pathlen)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	int r = ONECARD_ERR_NOMEM;

	if (bc == NULL) {
		goto out;
	}
	bc->ca = ca ? 0xFF : 0;
	if (pathlen >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (bc->pathlen == NULL || ASN1_INTEGER_set(bc->pathlen, pathlen) != 1) {
			goto out;
		}
	}
	r = add_ext(x, NID_basic_constraints, bc, 1);
out:
	BASIC_CONSTRAINTS_free(bc);
	return r;
}

static int add_key_usage(X509 *x, const int *bits, size_t n)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	size_t i;
	int r = ONECARD_ERR_NOMEM;

	if (ku == NULL || n == 0) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (ASN1_BIT_STRING_set_bit(ku, bits[i], 1) != 1) {
			goto out;
		}
	}
	r = add_ext(x, NID_key_usage, ku, 1);
out:
	ASN1_BIT_STRING_free(ku);
	return r;
}

/* SKI by RFC 7093 §2 method 1 over the subjectPublicKey BIT STRING. */
static int add_ski(X509 *x)
{
	const unsigned char *pk = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	ASN1_OCTET_STRING *ski = NULL;
	int pk_len = 0, r = ONECARD_ERR_CRYPTO;

	if (X509_PUBKEY_get0_param(NULL, &pk, &pk_len, NULL, X509_get_X509_PUBKEY(x)) != 1 ||
	    pk_len <= 0 || EVP_Digest(pk, (size_t)pk_len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len < SKI_LEN) {
		goto out;
	}
	ski = ASN1_OCTET_STRING_new();
	if (ski == NULL || ASN1_OCTET_STRING_set(ski, md, SKI_LEN) != 1) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = add_ext(x, NID_subject_key_identifier, ski, 0);
out:
	ERR_clear_error();
	ASN1_OCTET_STRING_free(ski);
	return r;
}

/* AKI: the keyIdentifier of the issuer (its SKI), nothing else. */
static int add_aki(X509 *x, X509 *issuer)
{
	const ASN1_OCTET_STRING *issuer_ski = X509_get0_subject_key_id(issuer);
	AUTHORITY_KEYID *akid = NULL;
	int r = ONECARD_ERR_NOMEM;

	if (issuer_ski == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_INTERNAL;
	}
	akid = AUTHORITY_KEYID_new();
	if (akid == NULL) {
		goto out;
	}
	akid->keyid = ASN1_OCTET_STRING_dup(issuer_ski);
	if (akid->keyid == NULL) {
		goto out;
	}
	r = add_ext(x, NID_authority_key_identifier, akid, 0);
out:
	AUTHORITY_KEYID_free(akid);
	return r;
}

static int add_eku(X509 *x, unsigned eku_bits)
{
	static const struct {
		unsigned bit;
		int nid;
	} ekus[] = {
		{OC_EKU_CLIENT_AUTH, NID_client_auth},
		{OC_EKU_SMARTCARD_LOGON, NID_ms_smartcard_login},
		{OC_EKU_EMAIL_PROTECTION, NID_email_protect},
	};
	EXTENDED_KEY_USAGE *eku = NULL;
	size_t i;
	int r = ONECARD_ERR_NOMEM;

	if (eku_bits == 0) {
		return ONECARD_OK;
	}
	eku = sk_ASN1_OBJECT_new_null();
	if (eku == NULL) {
		goto out;
	}
	for (i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++) {
		if ((eku_bits & ekus[i].bit) == 0) {
			continue;
		}
		/* OBJ_nid2obj gives a static object: nothing to free. */
		if (sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(ekus[i].nid)) <= 0) {
			goto out;
		}
	}
	r = add_ext(x, NID_ext_key_usage, eku, 0);
out:
	sk_ASN1_OBJECT_free(eku);
	return r;
}

static int add_policy(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES *pols = NULL;
	POLICYINFO *pi = NULL;
	ASN1_OBJECT *obj = NULL;
	int r = ONECARD_ERR_NOMEM;

	obj = OBJ_txt2obj(oid, 1); /* dotted decimal only */
	if (obj == NULL) {
		ERR_clear_error();
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	pols = sk_POLICYINFO_new_null();
	pi = POLICYINFO_new();
	if (pols == NULL || pi == NULL) {
		goto out;
	}
	ASN1_OBJECT_free(pi->policyid);
	pi->policyid = obj;
	obj = NULL;
	if (sk_POLICYINFO_push(pols, pi) <= 0) {
		goto out;
	}
	pi = NULL;
	r = add_ext(x, NID_certificate_policies, pols, 0);
out:
	ASN1_OBJECT_free(obj);
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(pols);
	return r;
}

int oc_x509_make_ca(const struct oc_ca_cert_params *p, X509 **out)
{
	static const int ku[] = {KU_BIT_KEY_CERT_SIGN, KU_BIT_CRL_SIGN};
	const X509_NAME *issuer_name = p->subject;
	X509 *x = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	x = X509_new();
	if (x == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (p->issuer != NULL) {
		issuer_name = X509_get_subject_name(p->issuer);
	}
	r = set_base(x, p->serial, p->serial_len, p->subject, issuer_name, p->key, p->now, p->days);
	if (r == ONECARD_OK) {
		r = add_basic_constraints(x, 1, p->pathlen);
	}
	if (r == ONECARD_OK) {
		r = add_key_usage(x, ku, sizeof(ku) / sizeof(ku[0]));
	}
	if (r == ONECARD_OK) {
		r = add_ski(x);
	}
	if (r == ONECARD_OK && p->issuer != NULL) {
		r = add_aki(x, p->issuer);
	}
	/* anyPolicy: a verifier that demands an agency's policy OID
	 * (X509_V_FLAG_EXPLICIT_POLICY) accepts the chain; the end-entity
	 * certificate names the one policy it is issued under. */
	if (r == ONECARD_OK) {
		r = add_policy(x, ANY_POLICY_OID);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_sign_cert(x, p->issuer_key);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_verify_cert(x, p->issuer_key);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = x;
	x = NULL;
out:
	X509_free(x);
	return r;
}

/* The issuer must be valid from now until the end of the new
 * certificate: a certificate never outlives its issuer. */
static int check_issuer_validity(X509 *issuer, X509 *leaf, time_t now, const char **why)
{
	if (X509_cmp_time(X509_get0_notBefore(issuer), &now) > 0) {
		*why = "the card CA certificate is not valid yet";
		return ONECARD_ERR_POLICY;
	}
	if (ASN1_TIME_compare(X509_get0_notAfter(leaf), X509_get0_notAfter(issuer)) > 0) {
		*why = "the card CA expires before this certificate would";
		return ONECARD_ERR_POLICY;
	}
	return ONECARD_OK;
}

int oc_x509_make_leaf(const struct oc_leaf_params *p, X509 **out, const char **why)
{
	static const struct {
		unsigned bit;
		int ku;
	} usages[] = {
		{OC_KU_DIGITAL_SIGNATURE, KU_BIT_DIGITAL_SIGNATURE},
		{OC_KU_NON_REPUDIATION, KU_BIT_NON_REPUDIATION},
		{OC_KU_KEY_ENCIPHERMENT, KU_BIT_KEY_ENCIPHERMENT},
	};
	int ku[sizeof(usages) / sizeof(usages[0])];
	size_t i, n = 0;
	X509 *x = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	*why = NULL;
	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if ((p->key_usage & usages[i].bit) != 0) {
			ku[n++] = usages[i].ku;
		}
	}
	if (n == 0) {
		*why = "the profile names no key usage";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	x = X509_new();
	if (x == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = set_base(x, p->serial, p->serial_len, p->subject, X509_get_subject_name(p->issuer),
		     p->subject_key, p->now, p->days);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = check_issuer_validity(p->issuer, x, p->now, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = add_basic_constraints(x, 0, -1);
	if (r == ONECARD_OK) {
		r = add_key_usage(x, ku, n);
	}
	if (r == ONECARD_OK) {
		r = add_eku(x, p->eku);
	}
	if (r == ONECARD_OK) {
		r = add_policy(x, p->policy_oid);
	}
	if (r == ONECARD_OK) {
		r = add_ski(x);
	}
	if (r == ONECARD_OK) {
		r = add_aki(x, p->issuer);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_sign_cert(x, p->issuer_key);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_verify_cert(x, p->issuer_key);
	}
	if (r != ONECARD_OK) {
		if (*why == NULL) {
			*why = "building or signing the certificate failed";
		}
		goto out;
	}
	*out = x;
	x = NULL;
out:
	X509_free(x);
	return r;
}
