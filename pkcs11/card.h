/*
 * onecard's card library: one smart card or USB key carrying one
 * certificate per agency ("one card, many certificates"), reached through
 * a PKCS#11 module. See docs/pkcs11.md for the design note.
 *
 * The objects, and the order to free them in (each holds a reference to
 * its context, so freeing the context first is safe; it is released with
 * its last object):
 *
 *   oc_card_ctx      one loaded PKCS#11 module (one per process at a time)
 *   oc_card          one selected card (a token)
 *   oc_card_session  one login on a card: open, sign N times, close
 *   oc_card_certs    the certificates read from a card
 *
 * Conventions: functions return ONECARD_OK or a negative ONECARD_ERR_*
 * code (<onecard/error.h>); outputs are cleared at entry and set only on
 * success; _free(NULL) does nothing; "get0" borrows, "new" hands over.
 * The library never logs, never exits, never prompts and never reads a
 * PIN from anywhere: the caller hands one in (pin_source.h can fetch it).
 * Not thread-safe: use a context from one thread at a time.
 */
#ifndef ONECARD_CARD_H
#define ONECARD_CARD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "uri.h"

#define OC_CARD_WARN_UNUSED __attribute__((warn_unused_result))

/* Fixed field sizes of CK_TOKEN_INFO, in bytes (trailing blanks dropped). */
#define OC_CARD_LABEL_LEN	 32u
#define OC_CARD_MANUFACTURER_LEN 32u
#define OC_CARD_MODEL_LEN	 16u
#define OC_CARD_SERIAL_LEN	 16u

#define OC_CARD_OBJ_LABEL_MAX OC_P11_URI_LABEL_MAX /* bytes of a CKA_LABEL */
#define OC_CARD_ID_MAX	      OC_P11_URI_ID_MAX	   /* bytes of a CKA_ID */
#define OC_CARD_CERTS_MAX     64u		   /* certificates on one card */
#define OC_CARD_CERT_DER_MAX  16384u		   /* bytes of one certificate */
#define OC_CARD_TOKENS_MAX    64u		   /* cards seen at once */
#define OC_CARD_SIG_MAX	      512u		   /* bytes of a signature (RSA-4096) */
#define OC_CARD_ECDSA_DER_MAX 72u		   /* bytes of a DER P-256 ECDSA signature */
#define OC_CARD_PIN_MAX	      256u		   /* bytes of a PIN */

/* PIN state as the token reports it (CK_TOKEN_INFO flags). */
enum oc_card_pin_flag {
	OC_CARD_PIN_COUNT_LOW = 1u << 0,     /* a wrong PIN since the last good one */
	OC_CARD_PIN_FINAL_TRY = 1u << 1,     /* one more wrong PIN locks it */
	OC_CARD_PIN_LOCKED = 1u << 2,	     /* locked: the card refuses every PIN */
	OC_CARD_PIN_TO_BE_CHANGED = 1u << 3, /* the card wants a new PIN first */
};

/* What a card says about itself. Strings are NUL-terminated, with the
 * trailing blanks of the fixed-size PKCS#11 fields dropped. */
struct oc_card_info {
	char label[OC_CARD_LABEL_LEN + 1];
	char manufacturer[OC_CARD_MANUFACTURER_LEN + 1];
	char model[OC_CARD_MODEL_LEN + 1];
	char serial[OC_CARD_SERIAL_LEN + 1];
	unsigned pin_flags; /* enum oc_card_pin_flag bits */
};

struct oc_card_ctx;
struct oc_card;
struct oc_card_session;
struct oc_card_certs;
struct oc_card_cert;

/* ---- context: one PKCS#11 module --------------------------------------- */

/*
 * Loads a PKCS#11 module. module_path, when not NULL, must be an absolute
 * path; when NULL the module is $ONECARD_PKCS11_MODULE, else p11-kit's
 * proxy (OC_CARD_P11KIT_PROXY) when that file exists.
 * Success: ONECARD_OK, *out a new context (oc_card_ctx_free).
 * Failure: ONECARD_ERR_NOT_FOUND (no module named and no proxy),
 * ONECARD_ERR_INVALID_ARG (relative path), ONECARD_ERR_EXISTS (this
 * process already has a context: the helper library is process-wide),
 * ONECARD_ERR_CARD (the module does not load or initialize), NOMEM.
 */
#define OC_CARD_P11KIT_PROXY "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
int oc_card_ctx_new(const char *module_path, struct oc_card_ctx **out);

/* The absolute path of the loaded module. Borrowed; never NULL. */
const char *oc_card_ctx_module(const struct oc_card_ctx *ctx);

/* Drops the caller's reference; the module is unloaded once the last
 * card, session and certificate list made from it are freed too. */
void oc_card_ctx_free(struct oc_card_ctx *ctx);

/* ---- cards ------------------------------------------------------------- */

/*
 * Lists the cards present (at most OC_CARD_TOKENS_MAX).
 * Success: ONECARD_OK, *infos a new array of *count entries (free() it;
 * NULL when *count is 0). Failure: ONECARD_ERR_CARD, TOO_LARGE, NOMEM.
 */
int oc_card_list(struct oc_card_ctx *ctx, struct oc_card_info **infos, size_t *count);

/*
 * Selects the one card that matches the token, manufacturer, model and
 * serial attributes of uri (object attributes are ignored here); uri NULL
 * or without those attributes matches any card. A module-path query
 * attribute must name the context's module.
 * Success: ONECARD_OK and *out a new card (oc_card_free).
 * Failure: ONECARD_ERR_CARD_ABSENT (no card matches), INVALID_ARG (more
 * than one card matches, or module-path names another module), CARD, NOMEM.
 */
int oc_card_open(struct oc_card_ctx *ctx, const struct oc_p11_uri *uri, struct oc_card **out);

/* Reads the card's current state (the PIN flags change as PINs are
 * tried). Success: ONECARD_OK and *info filled. Failure:
 * ONECARD_ERR_CARD_ABSENT (removed or replaced), ONECARD_ERR_CARD. */
int oc_card_get_info(struct oc_card *card, struct oc_card_info *info);

/* Frees a card. Its sessions and certificate lists stay valid. */
void oc_card_free(struct oc_card *card);

/* ---- sessions: log in per batch, log out after (P5) -------------------- */

/*
 * Logs in to the card with the user PIN pin[0..pin_len). The PIN buffer
 * is wiped (OPENSSL_cleanse) before this returns, whatever the outcome:
 * hand over a copy if you need to keep it. Any login this process still
 * holds on the card is ended first, so the PIN is always checked by the
 * card. Success: ONECARD_OK and *out a new session (oc_card_session_close).
 * Failure: ONECARD_ERR_PIN_INCORRECT (oc_card_get_info() then tells how
 * many tries the card says are left), ONECARD_ERR_PIN_LOCKED (also when
 * this wrong PIN locked it), ONECARD_ERR_CARD_ABSENT, ONECARD_ERR_CARD,
 * ONECARD_ERR_INVALID_ARG (empty PIN, a NUL in it, over OC_CARD_PIN_MAX).
 */
int oc_card_session_open(struct oc_card *card, char *pin, size_t pin_len,
			 struct oc_card_session **out) OC_CARD_WARN_UNUSED;

/* Logs out (C_Logout) and closes the session. NULL does nothing. */
void oc_card_session_close(struct oc_card_session *s);

/* ---- certificates ------------------------------------------------------ */

/* Whether the private key behind a certificate is on the card. */
enum oc_card_key_state {
	OC_CARD_KEY_PRESENT = 0, /* a key under the same CKA_ID, not seen to differ */
	OC_CARD_KEY_MISSING,	 /* no private key under the certificate's CKA_ID */
	OC_CARD_KEY_MISMATCH,	 /* a key under that CKA_ID is not the certificate's
				    key, or several keys share the id */
};

/*
 * Reads every X.509 certificate on the card (at most OC_CARD_CERTS_MAX,
 * each at most OC_CARD_CERT_DER_MAX bytes), with its label, CKA_ID and
 * key state. Without a session (s NULL) only public objects are seen: a
 * key then counts as present when its public key object matches the
 * certificate; with a session the private key object itself is looked
 * up. Either way signing proves possession (oc_card_sign).
 * Success: ONECARD_OK, *out a new list (oc_card_certs_free).
 * Failure: ONECARD_ERR_CARD_ABSENT, CARD, BAD_FORMAT (an object that is
 * not a well-formed certificate, a label with a NUL), TOO_LARGE, NOMEM.
 */
int oc_card_certs_read(struct oc_card *card, struct oc_card_session *s, struct oc_card_certs **out);

/* Number of certificates in the list. */
size_t oc_card_certs_count(const struct oc_card_certs *certs);

/* The i-th certificate (borrowed from certs), or NULL past the end. */
const struct oc_card_cert *oc_card_certs_get0(const struct oc_card_certs *certs, size_t i);

/*
 * Finds the one certificate that matches the object, id and type
 * attributes of uri (type, when given, must be cert or private: a key is
 * named by its certificate's label and id).
 * Success: ONECARD_OK and *out borrowed from certs. Failure:
 * ONECARD_ERR_NOT_FOUND, ONECARD_ERR_INVALID_ARG (several match).
 */
int oc_card_certs_find(const struct oc_card_certs *certs, const struct oc_p11_uri *uri,
		       const struct oc_card_cert **out);

/* Frees a list; NULL does nothing. */
void oc_card_certs_free(struct oc_card_certs *certs);

/* CKA_LABEL of the certificate object ("" when it has none). Borrowed. */
const char *oc_card_cert_label(const struct oc_card_cert *c);

/* CKA_ID bytes of the certificate object, *len of them. Borrowed. */
const uint8_t *oc_card_cert_id(const struct oc_card_cert *c, size_t *len);

/* The parsed certificate. Borrowed: up-ref it to keep it. */
X509 *oc_card_cert_get0_x509(const struct oc_card_cert *c);

/* The key state found when the list was read. */
enum oc_card_key_state oc_card_cert_key_state(const struct oc_card_cert *c);

/* ---- signing ----------------------------------------------------------- */

/* The hash is always SHA-256, computed in software; the card sees only
 * the hash (or the DigestInfo around it). */
enum oc_card_mech {
	OC_CARD_ECDSA_SHA256,	  /* P-256, signature in DER (X.509, CMS) */
	OC_CARD_ECDSA_SHA256_RAW, /* P-256, signature as r||s, 64 bytes (JOSE) */
	OC_CARD_RSA_PKCS1_SHA256, /* RSASSA-PKCS1-v1_5 over a DigestInfo */
	OC_CARD_RSA_PSS_SHA256,	  /* RSASSA-PSS, MGF1-SHA-256, salt 32 bytes */
};

/* ONECARD_OK when mech fits the certificate's key (ECDSA: P-256; RSA:
 * 2048 to 4096 bits), ONECARD_ERR_ALG_NOT_ALLOWED otherwise: lets a
 * caller refuse before it asks for a PIN. */
int oc_card_cert_fits(const struct oc_card_cert *c, enum oc_card_mech mech);

/*
 * Signs msg with the private key behind cert (read from the session's
 * card), then verifies the signature with the certificate's public key
 * before handing it out: a signature that does not verify never leaves.
 * Success: ONECARD_OK, sig[0..*sig_len) the signature.
 * Failure (*sig_len 0 and sig wiped): ONECARD_ERR_KEY_MISSING (no key
 * under the certificate's id, or the key there is not the certificate's
 * key), ONECARD_ERR_ALG_NOT_ALLOWED (see oc_card_cert_fits),
 * ONECARD_ERR_INVALID_ARG (cert
 * from another card), ONECARD_ERR_CARD (the card failed; the session is
 * then dead and every later call on it fails too: open a new one),
 * ONECARD_ERR_CARD_ABSENT.
 */
int oc_card_sign(struct oc_card_session *s, const struct oc_card_cert *cert, enum oc_card_mech mech,
		 const uint8_t *msg, size_t msg_len, uint8_t sig[OC_CARD_SIG_MAX],
		 size_t *sig_len) OC_CARD_WARN_UNUSED;

/*
 * Converts a raw P-256 ECDSA signature r||s (32 bytes each, big-endian,
 * as CKM_ECDSA returns it) into its one DER encoding. r and s must be in
 * [1, n-1]. Success: ONECARD_OK, der[0..*der_len). Failure:
 * ONECARD_ERR_BAD_SIGNATURE (r or s out of range), ONECARD_ERR_CRYPTO.
 */
int oc_card_ecdsa_p256_raw_to_der(const uint8_t raw[64], uint8_t der[OC_CARD_ECDSA_DER_MAX],
				  size_t *der_len) OC_CARD_WARN_UNUSED;

/* ---- provisioning (CA side): keys made on the card, never exported ----- */

enum oc_card_key_alg {
	OC_CARD_KEY_EC_P256,
	OC_CARD_KEY_RSA_2048,
	OC_CARD_KEY_RSA_3072,
};

/*
 * Generates a key pair on the card under id (1..OC_CARD_ID_MAX bytes) and
 * label: the private key sensitive, not extractable, sign-only, on the
 * token; the public key object beside it. The private key's attributes
 * are read back and must be what was asked for.
 * Success: ONECARD_OK, *pub a new EVP_PKEY with the public key.
 * Failure: ONECARD_ERR_EXISTS (an object already uses the id: ids name
 * one key), ONECARD_ERR_CARD, INVALID_ARG, NOMEM. On failure nothing
 * stays on the card.
 */
int oc_card_keygen(struct oc_card_session *s, enum oc_card_key_alg alg, const uint8_t *id,
		   size_t id_len, const char *label, EVP_PKEY **pub) OC_CARD_WARN_UNUSED;

/*
 * Writes an X.509 certificate object under id and label. The card must
 * hold exactly one private key under id, with a public key equal to the
 * certificate's: a certificate is never stored beside a key that is not
 * its own (P1). Success: ONECARD_OK. Failure: ONECARD_ERR_KEY_MISSING,
 * ONECARD_ERR_EXISTS (a certificate already uses the id), ONECARD_ERR_CARD,
 * INVALID_ARG, NOMEM. One object is created or none.
 */
int oc_card_write_cert(struct oc_card_session *s, X509 *cert, const uint8_t *id, size_t id_len,
		       const char *label) OC_CARD_WARN_UNUSED;

/*
 * Destroys every object (certificate, private and public key, data)
 * under id: how a half-done issuance is rolled back.
 * Success: ONECARD_OK and *deleted the number destroyed (may be 0).
 * Failure: ONECARD_ERR_CARD (some may be gone: call again), INVALID_ARG.
 */
int oc_card_delete(struct oc_card_session *s, const uint8_t *id, size_t id_len,
		   size_t *deleted) OC_CARD_WARN_UNUSED;

#endif /* ONECARD_CARD_H */
