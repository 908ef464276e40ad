/*
 * The libpkcs11-helper adapter (p11h.c), the only code that calls
 * libpkcs11-helper. It owns: loading the module as the helper's one
 * provider, listing tokens and their certificates, logging in and out,
 * and signing through a helper certificate object.
 *
 * libpkcs11-helper keeps process-wide state, so this adapter is
 * process-wide too: oc_p11h_start() once, oc_p11h_stop() at the end.
 * Every function returns ONECARD_OK or an onecard error code (CK_RV values
 * go through ckr.h); none prompts, logs or retries a PIN.
 */
#ifndef ONECARD_P11H_H
#define ONECARD_P11H_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"

/* The mechanisms onecard signs with, as the card sees them. */
enum oc_p11_mech {
	OC_P11_MECH_ECDSA,		 /* CKM_ECDSA over a hash; raw r||s out */
	OC_P11_MECH_RSA_PKCS,		 /* CKM_RSA_PKCS over what it is given */
	OC_P11_MECH_RSA_PKCS_PSS_SHA256, /* CKM_RSA_PKCS_PSS, SHA-256, MGF1-SHA-256, salt 32 */
};

struct oc_p11h_token; /* a token (card) identity the helper found */
struct oc_p11h_cert;  /* a certificate the helper found: CKA_ID, DER, token */

/* Initializes libpkcs11-helper and adds the module as its one provider.
 * ONECARD_ERR_EXISTS when already started; ONECARD_ERR_CARD when the
 * module does not load. */
int oc_p11h_start(const char *module_path);

/* Removes the provider and terminates libpkcs11-helper (C_Finalize,
 * dlclose). Nothing made by the adapter may be used afterwards. */
void oc_p11h_stop(void);

/* The tokens present now. *list is a new array of *count owned tokens
 * (oc_p11h_tokens_free). Failure: ONECARD_ERR_CARD, TOO_LARGE, NOMEM. */
int oc_p11h_tokens(struct oc_p11h_token ***list, size_t *count);

/* Frees an array of tokens; NULL entries are skipped. */
void oc_p11h_tokens_free(struct oc_p11h_token **list, size_t count);

/* A copy of t, owned by the caller. ONECARD_ERR_NOMEM on failure. */
int oc_p11h_token_dup(const struct oc_p11h_token *t, struct oc_p11h_token **out);

/* Frees one token; NULL does nothing. */
void oc_p11h_token_free(struct oc_p11h_token *t);

/* The token's label, manufacturer, model and serial (pin_flags 0).
 * Borrowed from t. */
const struct oc_card_info *oc_p11h_token_ident(const struct oc_p11h_token *t);

/* C_Login as the user with a NUL-terminated PIN, on the helper's session
 * for the token, after ending any login that session had. The caller
 * wipes the PIN. ONECARD_ERR_PIN_INCORRECT, PIN_LOCKED, CARD_ABSENT...
 * as ckr.h maps them. */
int oc_p11h_login(const struct oc_p11h_token *t, const char *pin);

/* C_Logout and C_CloseSession on the helper's session for the token. */
int oc_p11h_logout(const struct oc_p11h_token *t);

/* The certificates on the token (end-entity and issuer ones alike), read
 * afresh. *list is a new array of *count owned certificates
 * (oc_p11h_certs_free). Failure: ONECARD_ERR_CARD_ABSENT, CARD, NOMEM. */
int oc_p11h_certs(const struct oc_p11h_token *t, struct oc_p11h_cert ***list, size_t *count);

/* Frees an array of certificates; NULL entries are skipped. */
void oc_p11h_certs_free(struct oc_p11h_cert **list, size_t count);

/* Frees one certificate; NULL does nothing. */
void oc_p11h_cert_free(struct oc_p11h_cert *c);

/* CKA_ID and CKA_VALUE (DER) of the certificate. Borrowed from c. */
const uint8_t *oc_p11h_cert_id(const struct oc_p11h_cert *c, size_t *len);
const uint8_t *oc_p11h_cert_der(const struct oc_p11h_cert *c, size_t *len);

/*
 * One C_Sign with the private key under the certificate's CKA_ID, on the
 * token's logged-in helper session; never prompts for a PIN.
 * Success: ONECARD_OK, sig[0..*sig_len). Failure: an onecard code.
 */
int oc_p11h_sign(const struct oc_p11h_cert *c, enum oc_p11_mech mech, const uint8_t *in,
		 size_t in_len, uint8_t *sig, size_t cap, size_t *sig_len);

#endif /* ONECARD_P11H_H */
