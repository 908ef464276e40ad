/* Encodings, fingerprints and times (x509.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "serial.h"
#include "x509.h"

int oc_x509_from_pem(const unsigned char *buf, size_t len, X509 **out)
{
	BIO *bio;
	X509 *x;

	*out = NULL;
	if (len > INT32_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out = x;
	return ONECARD_OK;
}

int oc_x509_der(X509 *cert, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n;

	*der = NULL;
	*len = 0;
	n = i2d_X509(cert, &buf);
	if (n <= 0) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return ONECARD_OK;
}

int oc_x509_crl_der(X509_CRL *crl, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n;

	*der = NULL;
	*len = 0;
	n = i2d_X509_CRL(crl, &buf);
	if (n <= 0) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return ONECARD_OK;
}

/* The contents of a memory BIO as a new string. */
static int bio_string(BIO *bio, char **out)
{
	char *data = NULL, *s;
	long n;

	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || data == NULL) {
		return ONECARD_ERR_CRYPTO;
	}
	s = malloc((size_t)n + 1);
	if (s == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	return ONECARD_OK;
}

int oc_x509_pem(X509 *cert, char **pem)
{
	BIO *bio;
	int r = ONECARD_ERR_CRYPTO;

	*pem = NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (PEM_write_bio_X509(bio, cert) == 1) {
		r = bio_string(bio, pem);
	}
	ERR_clear_error();
	BIO_free(bio);
	return r;
}

int oc_x509_crl_pem(X509_CRL *crl, char **pem)
{
	BIO *bio;
	int r = ONECARD_ERR_CRYPTO;

	*pem = NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (PEM_write_bio_X509_CRL(bio, crl) == 1) {
		r = bio_string(bio, pem);
	}
	ERR_clear_error();
	BIO_free(bio);
	return r;
}

int oc_sha256_hex(const unsigned char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, i;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	for (i = 0; i < md_len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0Fu];
	}
	out[64] = '\0';
	return ONECARD_OK;
}

int oc_x509_serial_hex(const X509 *cert, char out[OC_CA_SERIAL_HEX_MAX + 1])
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);

	out[0] = '\0';
	if (serial == NULL || ASN1_STRING_type(serial) != V_ASN1_INTEGER) {
		/* V_ASN1_NEG_INTEGER: a negative serial is never ours. */
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_serial_to_hex(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial),
				out);
}

int oc_asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	ASN1_TIME *epoch = NULL;
	int days = 0, secs = 0, r = ONECARD_ERR_CRYPTO;

	*out = 0;
	epoch = ASN1_TIME_set(NULL, 0);
	if (epoch != NULL && ASN1_TIME_diff(&days, &secs, epoch, t) == 1) {
		*out = (int64_t)days * 86400 + secs;
		r = ONECARD_OK;
	}
	ERR_clear_error();
	ASN1_TIME_free(epoch);
	return r;
}

int oc_serial_to_asn1(const char *hex, ASN1_INTEGER **out)
{
	char canonical[OC_CA_SERIAL_HEX_MAX + 1];
	const char *why;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	*out = NULL;
	if (oc_serial_parse(hex, canonical, &why) != ONECARD_OK || strcmp(canonical, hex) != 0) {
		goto out;
	}
	if (BN_hex2bn(&bn, canonical) != (int)strlen(canonical)) {
		goto out;
	}
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	if (ai == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	*out = ai;
	r = ONECARD_OK;
out:
	ERR_clear_error();
	BN_free(bn);
	return r;
}

void oc_der_free(unsigned char *der)
{
	OPENSSL_free(der);
}

void oc_x509_facts_clear(struct oc_cert_facts *f)
{
	OPENSSL_free(f->der);
	free(f->subject);
	free(f->issuer);
	memset(f, 0, sizeof(*f));
}

int oc_x509_facts(X509 *cert, struct oc_cert_facts *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	r = oc_x509_der(cert, &f->der, &f->der_len);
	if (r == ONECARD_OK) {
		r = oc_sha256_hex(f->der, f->der_len, f->sha256);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_serial_hex(cert, f->serial);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_name_text(X509_get_subject_name(cert), &f->subject);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_name_text(X509_get_issuer_name(cert), &f->issuer);
	}
	if (r == ONECARD_OK) {
		r = oc_asn1_time_unix(X509_get0_notBefore(cert), &f->not_before);
	}
	if (r == ONECARD_OK) {
		r = oc_asn1_time_unix(X509_get0_notAfter(cert), &f->not_after);
	}
	if (r != ONECARD_OK) {
		oc_x509_facts_clear(f);
	}
	return r;
}

int oc_x509_check_issued(X509 *issuer, X509 *cert)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	int r = ONECARD_ERR_BAD_SIGNATURE;

	if (key != NULL && X509_check_issued(issuer, cert) == X509_V_OK) {
		r = oc_x509_verify_cert(cert, key);
	}
	ERR_clear_error();
	return r == ONECARD_OK ? ONECARD_OK : ONECARD_ERR_BAD_SIGNATURE;
}

int oc_x509_key_matches(X509 *cert, EVP_PKEY *key)
{
	int ok = X509_check_private_key(cert, key) == 1;

	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_KEY;
}

int oc_x509_der_to_pem(const unsigned char *der, size_t len, char **pem)
{
	const unsigned char *p = der;
	X509 *cert;
	int r;

	*pem = NULL;
	if (len == 0 || len > OC_CA_CERT_FILE_MAX) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert == NULL || p != der + len) {
		ERR_clear_error();
		X509_free(cert);
		return ONECARD_ERR_BAD_FORMAT;
	}
	r = oc_x509_pem(cert, pem);
	X509_free(cert);
	return r;
}
