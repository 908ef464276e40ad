/*
 * mkcert: a test-only issuer of crafted certificates and CRLs, the ones
 * onecard-ca rightly refuses to make (expired, no clientAuth, CA:TRUE
 * leaves, SHA-1, stale CRLs, CRLs signed by the wrong key...), signed
 * with a given CA key and certificate, for authd's negative tests
 * (NEGATIVE-TESTS.md rows X, R, P). NEVER for anything but tests.
 *
 * Everything not asked to be wrong is made as onecard-ca makes it
 * (docs/ca.md "Certificates"): the subject comes from the profile of the
 * policy file through the CA's own oc_x509_name_from_profile(), the key
 * usage, EKU and policy OID from the same profile, SKI by RFC 7093
 * method 1, AKI the issuer's SKI, notBefore now - 60 s.
 *
 * One file per purpose: main.c (dispatch, the CA and files), key.c
 * (keys), cert.c (certificates), crl.c (CRLs). The helpers below report
 * their own failure, once, on stderr and return a negative
 * ONECARD_ERR_*; the commands return an exit status (tool_util.h).
 */
#ifndef ONECARD_MKCERT_H
#define ONECARD_MKCERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#define MK_PROG		    "mkcert"
#define MK_FILE_MAX	    (64u * 1024u) /* bytes of a PEM certificate or key file read */
#define MK_BACKDATE_SECONDS 60		  /* notBefore, thisUpdate: now - 1 minute, as onecard-ca */
/* An extension no verifier knows, under onecard's own UUID arc
 * (policies/onecard.conf); .999 is kept for tests and never issued. */
#define MK_UNKNOWN_EXT_OID "2.25.212070221869409038959537807226447327349.999.1"

/* The issuing CA: its certificate and private key. */
struct mk_ca {
	X509 *cert;
	EVP_PKEY *key;
};

/* Loads the CA certificate (PEM) and its private key (PEM; encrypted
 * PKCS#8 like onecard-ca's when pass_file is given, whose rules are
 * onecard-ca's: mode 0600, 12..1024 bytes, one trailing newline
 * dropped). The key must be the certificate's. */
int mk_ca_load(const char *cert_path, const char *key_path, const char *pass_file,
	       struct mk_ca *ca);
void mk_ca_clear(struct mk_ca *ca);

/* Reads a PEM private key (unencrypted) or, failing that, a PEM public
 * key. */
int mk_key_read(const char *path, EVP_PKEY **out);

/* A fresh key of a named type (mk_key_types lists them). */
int mk_key_new(const char *type, EVP_PKEY **out);

/* The key types mk_key_new knows, comma-separated, for --help. */
extern const char mk_key_types[];

/* Writes an unencrypted PKCS#8 PEM private key to a new file (mode
 * 0600; an existing file is refused). */
int mk_key_write(const char *path, EVP_PKEY *key);

/* Writes PEM text to a new file (mode 0644; an existing file is
 * refused). */
int mk_pem_write(const char *path, const char *pem);

/* Signs with key: SHA-256 (SM3 and the distinguishing ID for SM2), or
 * SHA-1 when sha1 is set (not for SM2). */
int mk_sign_cert(X509 *cert, EVP_PKEY *key, int sha1);

/* The commands; argv[0] is the command's name. Return an exit status. */
int mk_cmd_cert(int argc, char **argv);
int mk_cmd_crl(int argc, char **argv);
int mk_cmd_key(int argc, char **argv);

#endif
