/* Building CRLs (x509.h): RFC 5280 §5, version 2. */
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "x509.h"

static int crl_add_ext(X509_CRL *crl, int nid, void *value)
{
	if (X509_CRL_add1_ext_i2d(crl, nid, value, 0, X509V3_ADD_DEFAULT) != 1) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

static int set_time(X509_CRL *crl, time_t t, int next)
{
	ASN1_TIME *at = ASN1_TIME_set(NULL, t);
	int ok;

	if (at == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	ok = next ? X509_CRL_set1_nextUpdate(crl, at) : X509_CRL_set1_lastUpdate(crl, at);
	ASN1_TIME_free(at);
	return ok == 1 ? ONECARD_OK : ONECARD_ERR_CRYPTO;
}

int oc_x509_crl_new(X509 *issuer, int64_t number, time_t this_update, time_t next_update,
		    X509_CRL **out)
{
	const ASN1_OCTET_STRING *issuer_ski;
	AUTHORITY_KEYID *akid = NULL;
	ASN1_INTEGER *num = NULL;
	X509_CRL *crl = NULL;
	int r = ONECARD_ERR_CRYPTO;

	*out = NULL;
	if (number <= 0 || next_update <= this_update) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	issuer_ski = X509_get0_subject_key_id(issuer);
	crl = X509_CRL_new();
	num = ASN1_INTEGER_new();
	akid = AUTHORITY_KEYID_new();
	if (issuer_ski == NULL || crl == NULL || num == NULL || akid == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
	    set_time(crl, this_update, 0) != ONECARD_OK ||
	    set_time(crl, next_update, 1) != ONECARD_OK ||
	    ASN1_INTEGER_set_int64(num, number) != 1) {
		goto out;
	}
	akid->keyid = ASN1_OCTET_STRING_dup(issuer_ski);
	if (akid->keyid == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = crl_add_ext(crl, NID_authority_key_identifier, akid);
	if (r == ONECARD_OK) {
		r = crl_add_ext(crl, NID_crl_number, num);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = crl;
	crl = NULL;
out:
	ERR_clear_error();
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	return r;
}

int oc_x509_crl_add(X509_CRL *crl, const char *serial_hex, int64_t revoked_at, int reason)
{
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *when = NULL;
	ASN1_ENUMERATED *code = NULL;
	int r = ONECARD_ERR_CRYPTO;

	if (reason < 0 || reason > 10) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_serial_to_asn1(serial_hex, &serial);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	rev = X509_REVOKED_new();
	when = ASN1_TIME_set(NULL, (time_t)revoked_at);
	if (rev == NULL || when == NULL || X509_REVOKED_set_serialNumber(rev, serial) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, when) != 1) {
		goto out;
	}
	if (reason != 0) {
		code = ASN1_ENUMERATED_new();
		if (code == NULL || ASN1_ENUMERATED_set(code, reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, X509V3_ADD_DEFAULT) !=
			    1) {
			goto out;
		}
	}
	if (X509_CRL_add0_revoked(crl, rev) != 1) {
		goto out;
	}
	rev = NULL; /* owned by crl */
	r = ONECARD_OK;
out:
	ERR_clear_error();
	ASN1_ENUMERATED_free(code);
	ASN1_TIME_free(when);
	ASN1_INTEGER_free(serial);
	X509_REVOKED_free(rev);
	return r;
}

int oc_x509_crl_finish(X509_CRL *crl, EVP_PKEY *issuer_key)
{
	int r;

	if (X509_CRL_sort(crl) != 1) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	r = oc_x509_sign_crl(crl, issuer_key);
	if (r == ONECARD_OK) {
		r = oc_x509_verify_crl(crl, issuer_key);
	}
	return r;
}
