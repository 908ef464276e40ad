/*
 * A certificate's directory fields in their canonical forms
 * (docs/directory.md): the one place they are computed, so that enroll
 * (writing) and authd (looking up) spell them byte for byte alike.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "dir_int.h"

static const char hex_lower[] = "0123456789abcdef";

/* Serial: the magnitude in lowercase hex without leading zeros; negative
 * serials and serials over 20 octets are refused. */
static int serial_text(const X509 *x, char out[OC_DIR_SERIAL_HEX_MAX + 1], const char **why)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = NULL;
	unsigned char mag[OC_DIR_SERIAL_HEX_MAX / 2];
	char digits[OC_DIR_SERIAL_HEX_MAX];
	size_t i, pos = 0, skip = 0;
	int len, r = ONECARD_ERR_INTERNAL;

	out[0] = '\0';
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	if (bn == NULL) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	if (BN_is_negative(bn)) {
		*why = "the certificate's serial number is negative";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (BN_num_bytes(bn) > (int)sizeof(mag)) {
		*why = "the certificate's serial number is longer than 20 octets";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	len = BN_bn2bin(bn, mag);
	if (len < 0) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	for (i = 0; i < (size_t)len; i++) {
		digits[pos++] = hex_lower[mag[i] >> 4];
		digits[pos++] = hex_lower[mag[i] & 0x0fu];
	}
	/* BN_bn2bin writes no leading zero octet, but the first octet's high
	 * nibble may be zero; zero itself has no octet at all. */
	while (skip < pos && digits[skip] == '0') {
		skip++;
	}
	if (skip == pos) {
		out[0] = '0';
		out[1] = '\0';
	} else {
		memcpy(out, digits + skip, pos - skip);
		out[pos - skip] = '\0';
	}
	r = ONECARD_OK;
out:
	BN_free(bn);
	if (r != ONECARD_OK) {
		out[0] = '\0';
	}
	return r;
}

/* Issuer: RFC 4514 as X509_NAME_print_ex(XN_FLAG_RFC2253) writes it (bytes
 * over 0x7F as \XX, so the stored string is ASCII). */
static int issuer_text(const X509 *x, char out[OC_DIR_ISSUER_MAX + 1], const char **why)
{
	BIO *bio = NULL;
	char *data = NULL;
	long n;
	int r = ONECARD_ERR_INTERNAL;

	out[0] = '\0';
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253) < 0) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || data == NULL) {
		*why = "the certificate's issuer name is empty";
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	if ((size_t)n > OC_DIR_ISSUER_MAX) {
		*why = "the certificate's issuer name is longer than 1024 characters";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (memchr(data, '\0', (size_t)n) != NULL) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	r = ONECARD_OK;
out:
	BIO_free(bio);
	return r;
}

/* Agency: the subject's first OU, which must be an agency id. */
static int agency_text(const X509 *x, char out[OC_DIR_AGENCY_MAX + 1], const char **why)
{
	const X509_NAME *name = X509_get_subject_name(x);
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int i, len, r = ONECARD_ERR_INTERNAL;

	out[0] = '\0';
	i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
	if (i < 0) {
		*why = "the certificate's subject has no OU (the agency)";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	e = X509_NAME_get_entry(name, i);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len <= 0 || (size_t)len > OC_DIR_AGENCY_MAX ||
	    memchr(utf8, '\0', (size_t)len) != NULL) {
		*why = "the certificate's OU is not an agency id ([a-z0-9-], 1 to 63)";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	memcpy(out, utf8, (size_t)len);
	out[len] = '\0';
	if (!dir_valid_agency(out)) {
		out[0] = '\0';
		*why = "the certificate's OU is not an agency id ([a-z0-9-], 1 to 63)";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = ONECARD_OK;
out:
	OPENSSL_free(utf8);
	return r;
}

static int sha256_text(const unsigned char *der, size_t len, char out[OC_DIR_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t i;

	out[0] = '\0';
	if (EVP_Digest(der, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len * 2u != OC_DIR_SHA256_HEX_LEN) {
		return ONECARD_ERR_CRYPTO;
	}
	for (i = 0; i < md_len; i++) {
		out[2 * i] = hex_lower[md[i] >> 4];
		out[2 * i + 1] = hex_lower[md[i] & 0x0fu];
	}
	out[OC_DIR_SHA256_HEX_LEN] = '\0';
	return ONECARD_OK;
}

/* Parses der[0..len) (exactly one certificate) and computes serial,
 * issuer and sha256 into *c, and the agency too when want_agency. */
static int derive(const unsigned char *der, size_t len, struct oc_dir_cert *c, int want_agency,
		  const char **why)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (len > OC_DIR_CERT_DER_MAX) {
		*why = "the certificate is larger than 16384 bytes";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || (size_t)(p - der) != len) {
		*why = "not exactly one DER certificate";
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	r = serial_text(x, c->serial, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = issuer_text(x, c->issuer, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (want_agency) {
		r = agency_text(x, c->agency, why);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	r = sha256_text(der, len, c->sha256);
out:
	X509_free(x);
	ERR_clear_error();
	return r;
}

int oc_dir_cert_from_der(const unsigned char *der, size_t len, struct oc_dir_cert *out,
			 const char **why)
{
	const char *reason = NULL;
	struct oc_dir_cert c;
	int r = ONECARD_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (why != NULL) {
		*why = NULL;
	}
	if (der == NULL || out == NULL || len == 0) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = derive(der, len, &c, 1, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	c.der = malloc(len);
	if (c.der == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(c.der, der, len);
	c.der_len = len;
	*out = c;
	memset(&c, 0, sizeof(c));
	r = ONECARD_OK;
out:
	free(c.der);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

int dir_cert_matches_der(const struct oc_dir_cert *cert)
{
	const char *reason = NULL;
	struct oc_dir_cert d;
	int ok;

	memset(&d, 0, sizeof(d));
	if (cert->der == NULL || cert->der_len == 0 ||
	    derive(cert->der, cert->der_len, &d, 0, &reason) != ONECARD_OK) {
		return 0;
	}
	ok = strcmp(d.serial, cert->serial) == 0 && strcmp(d.issuer, cert->issuer) == 0 &&
	     strcmp(d.sha256, cert->sha256) == 0;
	return ok;
}

void oc_dir_cert_clear(struct oc_dir_cert *cert)
{
	if (cert == NULL) {
		return;
	}
	free(cert->der);
	memset(cert, 0, sizeof(*cert));
}
