/*
 * The CA's use of OpenSSL for X.509, split by concern:
 *   x509_keyinfo.c  facts about a public key, from its SubjectPublicKeyInfo
 *   x509_key.c      CA key generation; encrypted PKCS#8 files
 *   x509_sign.c     every signature made or checked (SM2 distinguishing ID)
 *   x509_name.c     subject names from profiles; names as text
 *   x509_csr.c      reading and checking certificate requests
 *   x509_cert.c     building CA and end-entity certificates
 *   x509_crl.c      building CRLs
 *   x509_util.c     encodings, fingerprints and times
 *
 * Conventions: ONECARD_OK or a negative code; outputs cleared at entry
 * and set on success; OpenSSL's error queue cleared after a failure;
 * "*why", where present, is a fixed sentence.
 */
#ifndef ONECARD_CA_X509_H
#define ONECARD_CA_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "alg.h"
#include "ca_limits.h"
#include "keypolicy.h"
#include "policy.h"
#include "subject.h"

/* ---- x509_keyinfo.c ---------------------------------------------------- */

/* Reads the facts keypolicy.c decides on from a SubjectPublicKeyInfo.
 * ONECARD_ERR_BAD_FORMAT if a key of an allowed kind does not decode. */
int oc_key_info_from_spki(X509_PUBKEY *spki, struct oc_key_info *out);

/* The same for a key in memory (a card's, or a CA's). */
int oc_key_info_from_pkey(EVP_PKEY *key, struct oc_key_info *out);

/* ONECARD_OK if EVP_PKEY_public_check() accepts the key. */
int oc_key_public_check(EVP_PKEY *key);

/* ---- x509_key.c -------------------------------------------------------- */

/* A new CA key pair: P-256, RSA-3072 or SM2. */
int oc_key_generate(enum oc_ca_alg alg, EVP_PKEY **out);

/* ONECARD_OK if key is a private or public key of the CA family alg. */
int oc_key_check_alg(const EVP_PKEY *key, enum oc_ca_alg alg);

/* The private key as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"):
 * AES-256-CBC under a key from scrypt (OC_CA_SCRYPT_*), random salt and
 * IV. *pem is a new NUL-terminated string; free it with oc_buf_free(). */
int oc_key_encrypt_pem(EVP_PKEY *key, const char *pass, size_t pass_len, char **pem,
		       size_t *pem_len);

/* Decrypts such a PEM. ONECARD_ERR_PASSPHRASE when the passphrase does
 * not open it; ONECARD_ERR_BAD_KEY when it is not an encrypted key. */
int oc_key_decrypt_pem(const unsigned char *pem, size_t pem_len, const char *pass, size_t pass_len,
		       EVP_PKEY **out);

/* ---- x509_sign.c ------------------------------------------------------- */

/* 1 if key is an SM2 key (signatures SM2 over SM3 with the GM/T 0009
 * distinguishing ID), else 0. */
int oc_key_is_sm2(const EVP_PKEY *key);

/* Signs with the CA key: SHA-256 for EC and RSA (PKCS#1 v1.5), SM3 with
 * SM2 and the distinguishing ID for SM2. */
int oc_x509_sign_cert(X509 *cert, EVP_PKEY *key);
int oc_x509_sign_crl(X509_CRL *crl, EVP_PKEY *key);

/* Signature checks; ONECARD_ERR_BAD_SIGNATURE unless OpenSSL says
 * exactly 1. With an SM2 key the distinguishing ID is set first. */
int oc_x509_verify_cert(X509 *cert, EVP_PKEY *issuer_key);
int oc_x509_verify_crl(X509_CRL *crl, EVP_PKEY *issuer_key);
int oc_x509_verify_req(X509_REQ *req, EVP_PKEY *key);

/* ---- x509_name.c ------------------------------------------------------- */

/* The subject a profile gives these values: each RDN of the template,
 * filled, as a UTF8String (PrintableString where the attribute demands,
 * e.g. C). ONECARD_ERR_INVALID_ARG when a value does not fit its
 * attribute (e.g. CN over 64 characters); template faults as
 * oc_subject_fill(). */
int oc_x509_name_from_profile(const oc_profile *profile, const struct oc_subject_values *v,
			      X509_NAME **out, const char **why);

/* "O=<name>, CN=<name> <suffix>" for the CA certificates. */
int oc_x509_name_ca(const char *ca_name, const char *cn_suffix, X509_NAME **out, const char **why);

/* RFC 4514 text of a name, UTF-8 kept; new string, free with free(). */
int oc_x509_name_text(const X509_NAME *name, char **out);

/* ---- x509_csr.c -------------------------------------------------------- */

/*
 * Reads a CSR (PEM "CERTIFICATE REQUEST" / "NEW CERTIFICATE REQUEST", or
 * DER), at most OC_CA_CSR_MAX bytes, nothing but white space after it,
 * version 1. ONECARD_ERR_BAD_CSR or ONECARD_ERR_TOO_LARGE.
 */
int oc_csr_parse(const unsigned char *buf, size_t len, X509_REQ **out, const char **why);

/*
 * Checks a parsed CSR in this order: the key is one the profile allows
 * (ONECARD_ERR_KEY_FORBIDDEN, decided before any crypto runs on it); the
 * signature algorithm fits the key and its digest is SHA-256/384/512 (SM3
 * for SM2) (ONECARD_ERR_BAD_CSR); the key passes OpenSSL's public-key
 * check and the signature verifies, with the GM/T 0009 ID for SM2
 * (ONECARD_ERR_BAD_CSR). On success *key holds a new reference to the
 * CSR's public key. The CSR's subject and attributes are not used.
 */
int oc_csr_check(X509_REQ *req, unsigned allowed_key_types, EVP_PKEY **key, const char **why);

/* ---- x509_cert.c ------------------------------------------------------- */

struct oc_ca_cert_params {
	const X509_NAME *subject;
	EVP_PKEY *key;	      /* the CA's own key pair */
	X509 *issuer;	      /* NULL: self-signed (the root) */
	EVP_PKEY *issuer_key; /* the root's key, or key itself */
	const unsigned char *serial;
	size_t serial_len;
	time_t now;
	int days;
	int pathlen; /* -1: no pathLenConstraint */
};

/* A CA certificate: v3, basicConstraints critical CA:TRUE (pathlen as
 * given), keyUsage critical keyCertSign+cRLSign, SKI, and AKI when it has
 * an issuer. Signed and checked against the issuer key. */
int oc_x509_make_ca(const struct oc_ca_cert_params *p, X509 **out);

struct oc_leaf_params {
	const X509_NAME *subject;
	EVP_PKEY *subject_key; /* the public key certified */
	X509 *issuer;	       /* the card-issuing CA */
	EVP_PKEY *issuer_key;
	const unsigned char *serial;
	size_t serial_len;
	time_t now;
	int days;
	unsigned key_usage; /* enum oc_key_usage bits */
	unsigned eku;	    /* enum oc_eku bits */
	const char *policy_oid;
};

/* An end-entity certificate (RFC 5280): v3; notBefore now - 60 s,
 * notAfter now + days; basicConstraints critical CA:FALSE; keyUsage
 * critical; extendedKeyUsage; certificatePolicies with the agency OID;
 * SKI; AKI (the issuer's SKI). Signed and checked against the issuer key.
 * ONECARD_ERR_POLICY when the issuer is not valid now or would expire
 * before the certificate. */
int oc_x509_make_leaf(const struct oc_leaf_params *p, X509 **out, const char **why);

/* ---- x509_crl.c -------------------------------------------------------- */

/* Starts a v2 CRL of issuer: thisUpdate, nextUpdate, CRL number, AKI. */
int oc_x509_crl_new(X509 *issuer, int64_t number, time_t this_update, time_t next_update,
		    X509_CRL **out);

/* Adds one revoked serial (canonical hex) with its date and RFC 5280
 * reason code; the reasonCode entry extension is left out for
 * unspecified (0), as RFC 5280 §5.3.1 asks. */
int oc_x509_crl_add(X509_CRL *crl, const char *serial_hex, int64_t revoked_at, int reason);

/* Sorts the entries, signs with the issuer key and checks the result. */
int oc_x509_crl_finish(X509_CRL *crl, EVP_PKEY *issuer_key);

/* ---- x509_util.c ------------------------------------------------------- */

/* What the inventory records about a certificate. */
struct oc_cert_facts {
	unsigned char *der; /* owned; oc_x509_facts_clear() frees it */
	size_t der_len;
	char sha256[65];		       /* of der, lowercase hex */
	char serial[OC_CA_SERIAL_HEX_MAX + 1]; /* canonical */
	char *subject, *issuer;		       /* RFC 4514 text, owned */
	int64_t not_before, not_after;	       /* Unix time */
};

/* Fills *f from cert (zeroed first; cleared again on failure). */
int oc_x509_facts(X509 *cert, struct oc_cert_facts *f);
void oc_x509_facts_clear(struct oc_cert_facts *f);

/* ONECARD_OK if cert names issuer as its issuer (names, AKI) and its
 * signature verifies with issuer's key; else ONECARD_ERR_BAD_SIGNATURE. */
int oc_x509_check_issued(X509 *issuer, X509 *cert);

/* ONECARD_OK if key is the private key of cert; else ONECARD_ERR_BAD_KEY. */
int oc_x509_key_matches(X509 *cert, EVP_PKEY *key);

/* A DER certificate (exactly len bytes) as PEM; new string, free(). */
int oc_x509_der_to_pem(const unsigned char *der, size_t len, char **pem);

/* Frees what oc_x509_der() and oc_x509_crl_der() gave; NULL is fine. */
void oc_der_free(unsigned char *der);

/* Reads the first certificate of a PEM buffer. ONECARD_ERR_BAD_FORMAT. */
int oc_x509_from_pem(const unsigned char *buf, size_t len, X509 **out);

/* DER of a certificate or CRL; new buffer, free with OPENSSL_free(). */
int oc_x509_der(X509 *cert, unsigned char **der, size_t *len);
int oc_x509_crl_der(X509_CRL *crl, unsigned char **der, size_t *len);

/* PEM text; new NUL-terminated string, free with free(). */
int oc_x509_pem(X509 *cert, char **pem);
int oc_x509_crl_pem(X509_CRL *crl, char **pem);

/* Lowercase hex SHA-256 of data. */
int oc_sha256_hex(const unsigned char *data, size_t len, char out[65]);

/* The canonical serial text of a certificate (serial.h); refuses zero,
 * negative and over 20 octets. */
int oc_x509_serial_hex(const X509 *cert, char out[OC_CA_SERIAL_HEX_MAX + 1]);

/* Unix time of an ASN1_TIME. */
int oc_asn1_time_unix(const ASN1_TIME *t, int64_t *out);

/* An ASN1_INTEGER from canonical serial text. */
int oc_serial_to_asn1(const char *hex, ASN1_INTEGER **out);

#endif /* ONECARD_CA_X509_H */
