/*
 * Every signature the CA makes or checks (x509.h). SM2 signatures use
 * SM3 and the GM/T 0009 distinguishing ID "1234567812345678", set
 * explicitly on each signing and verifying context: OpenSSL 3.0's
 * default ID is empty, and a signature made under one ID never verifies
 * under another.
 */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <onecard/error.h>

#include "x509.h"

int oc_key_is_sm2(const EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "SM2") ? 1 : 0;
}

/* The digest the CA signs with for this key; NULL for a key type the CA
 * never signs with. */
static const EVP_MD *sign_digest(const EVP_PKEY *key)
{
	if (oc_key_is_sm2(key)) {
		return EVP_sm3();
	}
	if (EVP_PKEY_is_a(key, "EC") || EVP_PKEY_is_a(key, "RSA")) {
		return EVP_sha256();
	}
	return NULL;
}

/* A new OCTET STRING holding the SM2 distinguishing ID. */
static ASN1_OCTET_STRING *sm2_id_new(void)
{
	ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();

	if (id == NULL || ASN1_OCTET_STRING_set(id, (const unsigned char *)OC_CA_SM2_ID,
						(int)OC_CA_SM2_ID_LEN) != 1) {
		ASN1_OCTET_STRING_free(id);
		return NULL;
	}
	return id;
}

/* A digest-sign (verify != 0: digest-verify) context for key, with the
 * SM2 ID set when key is SM2. */
static int md_ctx_new(EVP_PKEY *key, int verify, EVP_MD_CTX **out)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
	const EVP_MD *md = sign_digest(key);
	int r = ONECARD_ERR_CRYPTO;

	*out = NULL;
	if (md == NULL) {
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (verify) {
		if (EVP_DigestVerifyInit(mctx, &pctx, md, NULL, key) != 1) {
			goto out;
		}
	} else if (EVP_DigestSignInit(mctx, &pctx, md, NULL, key) != 1) {
		goto out;
	}
	if (oc_key_is_sm2(key) && EVP_PKEY_CTX_set1_id(pctx, (const unsigned char *)OC_CA_SM2_ID,
						       OC_CA_SM2_ID_LEN) <= 0) {
		goto out;
	}
	*out = mctx;
	mctx = NULL;
	r = ONECARD_OK;
out:
	EVP_MD_CTX_free(mctx);
	if (r != ONECARD_OK) {
		ERR_clear_error();
	}
	return r;
}

int oc_x509_sign_cert(X509 *cert, EVP_PKEY *key)
{
	EVP_MD_CTX *mctx = NULL;
	int r;

	r = md_ctx_new(key, 0, &mctx);
	if (r != ONECARD_OK) {
		return r;
	}
	if (X509_sign_ctx(cert, mctx) <= 0) {
		ERR_clear_error();
		r = ONECARD_ERR_CRYPTO;
	}
	EVP_MD_CTX_free(mctx);
	return r;
}

int oc_x509_sign_crl(X509_CRL *crl, EVP_PKEY *key)
{
	EVP_MD_CTX *mctx = NULL;
	int r;

	r = md_ctx_new(key, 0, &mctx);
	if (r != ONECARD_OK) {
		return r;
	}
	if (X509_CRL_sign_ctx(crl, mctx) <= 0) {
		ERR_clear_error();
		r = ONECARD_ERR_CRYPTO;
	}
	EVP_MD_CTX_free(mctx);
	return r;
}

int oc_x509_verify_cert(X509 *cert, EVP_PKEY *issuer_key)
{
	ASN1_OCTET_STRING *id;
	int ok;

	if (oc_key_is_sm2(issuer_key)) {
		id = sm2_id_new();
		if (id == NULL) {
			ERR_clear_error();
			return ONECARD_ERR_NOMEM;
		}
		X509_set0_distinguishing_id(cert, id); /* cert owns id */
	}
	ok = X509_verify(cert, issuer_key) == 1;
	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_SIGNATURE;
}

int oc_x509_verify_req(X509_REQ *req, EVP_PKEY *key)
{
	ASN1_OCTET_STRING *id;
	int ok;

	if (oc_key_is_sm2(key)) {
		id = sm2_id_new();
		if (id == NULL) {
			ERR_clear_error();
			return ONECARD_ERR_NOMEM;
		}
		X509_REQ_set0_distinguishing_id(req, id); /* req owns id */
	}
	ok = X509_REQ_verify(req, key) == 1;
	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_SIGNATURE;
}

/*
 * X509_CRL_verify() in OpenSSL 3.0 has no way to take a distinguishing
 * ID, so an SM2 CRL is checked here: the algorithm must be SM2-with-SM3
 * and the signature must verify over the re-encoded TBSCertList.
 */
static int verify_crl_sm2(X509_CRL *crl, EVP_PKEY *key)
{
	const ASN1_BIT_STRING *sig = NULL;
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *oid = NULL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *tbs = NULL;
	int tbs_len, r;

	X509_CRL_get0_signature(crl, &sig, &alg);
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	if (sig == NULL || OBJ_obj2nid(oid) != NID_SM2_with_SM3) {
		return ONECARD_ERR_BAD_SIGNATURE;
	}
	tbs_len = i2d_re_X509_CRL_tbs(crl, &tbs);
	if (tbs_len <= 0) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	r = md_ctx_new(key, 1, &mctx);
	if (r == ONECARD_OK) {
		if (EVP_DigestVerify(mctx, ASN1_STRING_get0_data(sig),
				     (size_t)ASN1_STRING_length(sig), tbs, (size_t)tbs_len) != 1) {
			r = ONECARD_ERR_BAD_SIGNATURE;
		}
	}
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(tbs);
	return r;
}

int oc_x509_verify_crl(X509_CRL *crl, EVP_PKEY *issuer_key)
{
	int ok;

	if (oc_key_is_sm2(issuer_key)) {
		return verify_crl_sm2(crl, issuer_key);
	}
	ok = X509_CRL_verify(crl, issuer_key) == 1;
	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_SIGNATURE;
}
