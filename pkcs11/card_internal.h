/*
 * What the files of the card library share with each other and with
 * their tests, and nothing a program needs: programs use card.h only.
 */
#ifndef ONECARD_CARD_INTERNAL_H
#define ONECARD_CARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "card.h"
#include "p11_direct.h"
#include "p11h.h"

#define OC_CARD_SHA256_LEN	      32u
#define OC_CARD_DIGESTINFO_SHA256_LEN 51u /* 19-byte DigestInfo header + hash */
#define OC_CARD_ECDSA_P256_RAW_LEN    64u
#define OC_CARD_RSA_BITS_MIN	      2048

/* ---- card.c: the objects behind the opaque types of card.h ------------ */

struct oc_card_ctx {
	unsigned refs;
	char *module;
	struct oc_p11d *direct;
};

struct oc_card {
	struct oc_card_ctx *ctx;
	struct oc_p11h_token *token;
	oc_p11d_handle slot;
};

struct oc_card_session {
	struct oc_card_ctx *ctx;
	struct oc_p11h_token *token;
	struct oc_card_info ident;
	oc_p11d_handle slot;
	oc_p11d_handle h; /* a read-only session of the direct adapter */
	int dead;	  /* a card operation failed: refuse everything */
};

struct oc_card_cert {
	char label[OC_CARD_OBJ_LABEL_MAX + 1];
	uint8_t id[OC_CARD_ID_MAX];
	size_t id_len;
	X509 *x509;
	enum oc_card_key_state key_state;
	struct oc_p11h_cert *hcert;
	struct oc_card_info ident; /* the card it was read from */
};

struct oc_card_certs {
	struct oc_card_ctx *ctx;
	struct oc_card_cert *certs;
	size_t count;
};

/* Marks the session dead when r comes from the card (card_error,
 * card_absent); returns r. Nothing more is tried on a card that failed. */
int oc_card_session_fail(struct oc_card_session *s, int r);

/* ONECARD_OK when the session is alive and still sees the user logged in;
 * ONECARD_ERR_CARD otherwise (and the session is then dead). */
int oc_card_session_usable(struct oc_card_session *s);

/* Finds objects of a class under an id in session h: *count of them, at
 * most cap (ONECARD_ERR_TOO_LARGE past it). */
int oc_card_find_by_id(struct oc_p11d *d, oc_p11d_handle h, enum oc_p11d_class cls,
		       const uint8_t *id, size_t id_len, oc_p11d_handle *objs, size_t cap,
		       size_t *count);

/* ---- keys.c: the card's public values as OpenSSL keys ------------------ */

/* Builds a public EVP_PKEY from what the card stores (the point is
 * checked to be on the curve). Success: ONECARD_OK, *out new.
 * Failure: ONECARD_ERR_BAD_KEY, ONECARD_ERR_NOMEM. */
int oc_card_pubkey_to_evp(const struct oc_p11d_pubkey *pub, EVP_PKEY **out);

/* ONECARD_OK when mech can be used with key: ECDSA with a P-256 key, RSA
 * mechanisms with an RSA key of OC_CARD_RSA_BITS_MIN bits or more;
 * ONECARD_ERR_ALG_NOT_ALLOWED otherwise. */
int oc_card_mech_fits(EVP_PKEY *key, enum oc_card_mech mech);

/* 1 when a and b are the same public key, 0 otherwise. */
int oc_card_same_key(EVP_PKEY *a, EVP_PKEY *b);

/* ---- sig.c: hashes and signature formats -------------------------------- */

/* SHA-256 of msg. ONECARD_OK or ONECARD_ERR_CRYPTO. */
int oc_card_sha256(const uint8_t *msg, size_t len, uint8_t out[OC_CARD_SHA256_LEN]);

/* The DER DigestInfo of RFC 8017 §9.2 for SHA-256 around hash: what
 * CKM_RSA_PKCS must sign for an RSASSA-PKCS1-v1_5 SHA-256 signature. */
void oc_card_digestinfo_sha256(const uint8_t hash[OC_CARD_SHA256_LEN],
			       uint8_t out[OC_CARD_DIGESTINFO_SHA256_LEN]);

/* Verifies sig over msg with key for mech (hash SHA-256). ONECARD_OK only
 * when OpenSSL says exactly 1; ONECARD_ERR_BAD_SIGNATURE otherwise. */
int oc_card_verify(EVP_PKEY *key, enum oc_card_mech mech, const uint8_t *msg, size_t msg_len,
		   const uint8_t *sig, size_t sig_len);

/* ---- card.c: the card's raw answer, for tests of mechanism pitfalls ---- */

/*
 * One signature operation on the card with the key behind cert, over in
 * exactly as given, with no hashing, no formatting and no check of the
 * result. oc_card_sign() is built on it; tests use it to show what a
 * careless caller would get (P6: CKM_RSA_PKCS over a bare hash).
 */
int oc_card_sign_raw(struct oc_card_session *s, const struct oc_card_cert *cert,
		     enum oc_p11_mech mech, const uint8_t *in, size_t in_len,
		     uint8_t sig[OC_CARD_SIG_MAX], size_t *sig_len);

#endif /* ONECARD_CARD_INTERNAL_H */
