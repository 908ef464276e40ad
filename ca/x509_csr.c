/*
 * Certificate requests (x509.h). A CSR is untrusted input: it is read
 * within its size bound, its key is judged by the profile before any
 * cryptography runs on it, and only then is its signature (proof of
 * possession) checked. Its subject and attributes are never used: the
 * profile and the operator's values make the subject.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <onecard/error.h>

#include "x509.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int all_space(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_space(p[i])) {
			return 0;
		}
	}
	return 1;
}

static X509_REQ *parse_pem(const unsigned char *buf, size_t len)
{
	X509_REQ *req = NULL;
	BIO *bio;
	char *rest = NULL;
	long rest_len;

	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		return NULL;
	}
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	if (req != NULL) {
		/* Nothing but white space after the END line. */
		rest_len = BIO_get_mem_data(bio, &rest);
		if (rest_len < 0 ||
		    (rest_len > 0 && !all_space((const unsigned char *)rest, (size_t)rest_len))) {
			X509_REQ_free(req);
			req = NULL;
		}
	}
	BIO_free(bio);
	return req;
}

static X509_REQ *parse_der(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_REQ *req;

	req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req != NULL && p != buf + len) {
		X509_REQ_free(req);
		req = NULL;
	}
	return req;
}

int oc_csr_parse(const unsigned char *buf, size_t len, X509_REQ **out, const char **why)
{
	static const char pem_begin[] = "-----BEGIN ";
	X509_REQ *req = NULL;
	size_t skip = 0;
	int r = ONECARD_ERR_BAD_CSR;

	*out = NULL;
	*why = NULL;
	if (len > OC_CA_CSR_MAX) {
		*why = "the CSR is larger than 64 KiB";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	while (skip < len && is_space(buf[skip])) {
		skip++;
	}
	if (skip == len) {
		*why = "the CSR is empty";
		goto out;
	}
	if (len - skip >= sizeof(pem_begin) - 1 &&
	    memcmp(buf + skip, pem_begin, sizeof(pem_begin) - 1) == 0) {
		req = parse_pem(buf, len);
	} else {
		req = parse_der(buf, len);
	}
	if (req == NULL) {
		*why = "the CSR is not a PEM or DER PKCS#10 request";
		goto out;
	}
	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
		*why = "the CSR version is not 1";
		goto out;
	}
	*out = req;
	req = NULL;
	r = ONECARD_OK;
out:
	X509_REQ_free(req);
	ERR_clear_error();
	return r;
}

/* The signature algorithm must belong to the key's family and use a
 * digest of SHA-256 strength or more (SM3 for SM2). */
static int check_sig_alg(const X509_REQ *req, const struct oc_key_info *ki, const char **why)
{
	const ASN1_BIT_STRING *sig = NULL;
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *oid = NULL;
	int sig_nid, md_nid = NID_undef, pk_nid = NID_undef;

	X509_REQ_get0_signature(req, &sig, &alg);
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	sig_nid = OBJ_obj2nid(oid);
	if (sig_nid == NID_undef || OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) != 1) {
		*why = "the CSR signature algorithm is not supported";
		return ONECARD_ERR_BAD_CSR;
	}
	if (md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md4 || md_nid == NID_md2 ||
	    md_nid == NID_sha224) {
		*why = "the CSR is signed with a weak digest";
		return ONECARD_ERR_BAD_CSR;
	}
	switch (ki->kind) {
	case OC_KEY_KIND_SM2:
		if (sig_nid != NID_SM2_with_SM3) {
			*why = "an SM2 key's CSR must be signed with SM2-with-SM3";
			return ONECARD_ERR_BAD_CSR;
		}
		return ONECARD_OK;
	case OC_KEY_KIND_EC:
		if (pk_nid != NID_X9_62_id_ecPublicKey) {
			*why = "the CSR signature algorithm does not fit its EC key";
			return ONECARD_ERR_BAD_CSR;
		}
		break;
	case OC_KEY_KIND_RSA:
		if (pk_nid != NID_rsaEncryption) {
			*why = "the CSR signature algorithm does not fit its RSA key";
			return ONECARD_ERR_BAD_CSR;
		}
		break;
	case OC_KEY_KIND_OTHER:
	default:
		*why = "the CSR signature algorithm is not supported";
		return ONECARD_ERR_BAD_CSR;
	}
	if (md_nid != NID_sha256 && md_nid != NID_sha384 && md_nid != NID_sha512) {
		*why = "the CSR digest must be SHA-256, SHA-384 or SHA-512";
		return ONECARD_ERR_BAD_CSR;
	}
	return ONECARD_OK;
}

int oc_csr_check(X509_REQ *req, unsigned allowed_key_types, EVP_PKEY **key, const char **why)
{
	struct oc_key_info ki;
	X509_PUBKEY *spki;
	EVP_PKEY *pub;
	int r;

	*key = NULL;
	*why = NULL;
	spki = X509_REQ_get_X509_PUBKEY(req);
	if (spki == NULL || oc_key_info_from_spki(spki, &ki) != ONECARD_OK) {
		*why = "the CSR public key does not decode";
		r = ONECARD_ERR_BAD_CSR;
		goto out;
	}
	r = oc_key_policy_check(&ki, allowed_key_types, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = check_sig_alg(req, &ki, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	pub = X509_REQ_get0_pubkey(req);
	if (pub == NULL || (ki.kind == OC_KEY_KIND_SM2) != (oc_key_is_sm2(pub) == 1)) {
		*why = "the CSR public key does not decode as its algorithm says";
		r = ONECARD_ERR_BAD_CSR;
		goto out;
	}
	if (oc_key_public_check(pub) != ONECARD_OK) {
		*why = "the CSR public key is not a valid key";
		r = ONECARD_ERR_BAD_CSR;
		goto out;
	}
	if (oc_x509_verify_req(req, pub) != ONECARD_OK) {
		*why = "the CSR signature does not verify";
		r = ONECARD_ERR_BAD_CSR;
		goto out;
	}
	if (EVP_PKEY_up_ref(pub) != 1) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*key = pub;
	r = ONECARD_OK;
out:
	ERR_clear_error();
	return r;
}
