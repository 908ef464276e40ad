/*
 * Fixtures for the card tests: a private SoftHSM token directory made in
 * a temporary folder (and removed after), a throwaway software CA that
 * issues certificates for keys made on the card, an independent OpenSSL
 * verification of card signatures, and a few direct PKCS#11 calls to put
 * a card into states onecard itself refuses to create.
 * Every helper fails the running cmocka test on an unexpected error.
 */
#ifndef ONECARD_TEST_P11_FIXTURE_H
#define ONECARD_TEST_P11_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "card.h"

#define FX_PIN	   "1234"
#define FX_SO_PIN  "12345678"
#define FX_DIR_MAX 256u

struct p11fx {
	char dir[FX_DIR_MAX];  /* the temporary folder */
	char conf[FX_DIR_MAX]; /* its softhsm2.conf */
	const char *softhsm;   /* path of libsofthsm2.so */
	const char *module;    /* what the test loads (SoftHSM, or a wrapper) */
};

/* Makes the folder, writes SOFTHSM2_CONF and sets it, and initializes one
 * token per label with FX_SO_PIN and FX_PIN (softhsm2-util). The module
 * the tests load is SoftHSM unless ONECARD_TEST_MODULE names another. */
void p11fx_setup(struct p11fx *fx, const char *const *labels, size_t n);

/* Removes the folder and everything in it. */
void p11fx_teardown(struct p11fx *fx);

/* A writable copy of a PIN, as oc_card_session_open() wants one. */
char *p11fx_pin(char buf[16], const char *pin);

/* A session on card with FX_PIN; fails the test otherwise. */
struct oc_card_session *p11fx_login(struct oc_card *card);

/* The card uri names (parsed from text). */
struct oc_card *p11fx_card(struct oc_card_ctx *ctx, const char *uri_text);

/* A fresh software CA key (P-256). */
EVP_PKEY *p11fx_ca_key(void);

/* A certificate for pub, OU=agency, CN=cn, issued by ca_key, serial. */
X509 *p11fx_issue(EVP_PKEY *ca_key, EVP_PKEY *pub, const char *agency, const char *cn, long serial);

/* A fresh software key: "ec" (P-256) or "rsa" (2048). */
EVP_PKEY *p11fx_soft_key(const char *type);

/* Verifies sig over msg with the certificate's public key using OpenSSL
 * only (not the library under test). Returns EVP_DigestVerify's result:
 * 1 valid, 0 invalid, negative on error. ECDSA must be DER here. */
int p11fx_verify(X509 *cert, enum oc_card_mech mech, const uint8_t *msg, size_t msg_len,
		 const uint8_t *sig, size_t sig_len);

/* The certificate with this label in certs, or NULL. */
const struct oc_card_cert *p11fx_find(const struct oc_card_certs *certs, const char *label);

/* ---- direct PKCS#11, on the module the library loaded; the token is
 * named by its label ---------------------------------------------------- */

/* Writes a certificate object (as another tool could) under id, with no
 * checks. The card's user must be logged in (an open session). */
void p11fx_raw_write_cert(const char *module, const char *token, X509 *cert, const uint8_t *id,
			  size_t id_len, const char *label);

/* Counts the objects under id as this process sees them now. */
size_t p11fx_raw_count(const char *module, const char *token, const uint8_t *id, size_t id_len);

/* The CK_RV of reading CKA_VALUE of the private key under id (the user
 * must be logged in): never CKR_OK for a key kept secret. */
unsigned long p11fx_raw_read_private_value(const char *module, const char *token, const uint8_t *id,
					   size_t id_len);

/* Whether a new session of this process sees the user logged in. */
bool p11fx_raw_logged_in(const char *module, const char *token);

#endif /* ONECARD_TEST_P11_FIXTURE_H */
