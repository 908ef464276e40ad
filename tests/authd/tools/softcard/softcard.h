/*
 * softcard: a card login (docs/authd.md, DESIGN.md "Card login protocol")
 * made with software keys — PEM key and certificate files — instead of a
 * card, for authd's tests and for the login benchmark (bench/login/).
 *
 *   struct sc_card     the certificates and keys of one "card"
 *   sc_login_body()    the /v1/login body for a challenge: the proof
 *                      message of docs/challenge.md (oc_proof_message_build)
 *                      signed with each key, plus the faults negative
 *                      tests ask for (struct sc_tweaks)
 *   struct sc_client   one libcurl easy handle, reused (keep-alive)
 *
 * Library code: nothing here prints or exits. Functions return 0
 * (ONECARD_OK) or a negative ONECARD_ERR_*; outputs are cleared at entry
 * and set on success; _free(NULL) does nothing. A card is read-only
 * once loaded and may be shared by threads; a client belongs to one
 * thread at a time. Call curl_global_init() once before any client.
 */
#ifndef ONECARD_SOFTCARD_H
#define ONECARD_SOFTCARD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "challenge.h"

#define SC_PROOFS_MAX	16u	      /* proofs in one login (docs/authd.md: 1..16) */
#define SC_CHAIN_MAX	4u	      /* CA certificates added to every x5c */
#define SC_FILE_MAX	(64u * 1024u) /* bytes of a PEM certificate or key file */
#define SC_CERT_DER_MAX 16384u	      /* bytes of one DER certificate */
#define SC_ALG_MAX	32u	      /* bytes of an alg name, NUL included */
#define SC_URL_MAX	2048u	      /* bytes of a URL, NUL included */
#define SC_ORIGIN_SIZE	(OC_CHALLENGE_ORIGIN_MAX + 1u)
#define SC_ANSWER_MAX	(1024u * 1024u)	      /* bytes of an answer body kept */
#define SC_BODY_MAX	(16u * 1024u * 1024u) /* bytes of a request body sent */
#define SC_TIMEOUT_S	30L		      /* seconds a request may take */
#define SC_CONNECT_S	10L		      /* seconds to connect */

/* One certificate of the card and the key that signs for it. */
struct sc_proof {
	unsigned char *der; /* the certificate, DER */
	size_t der_len;
	EVP_PKEY *key; /* private */
};

struct sc_card {
	struct sc_proof proofs[SC_PROOFS_MAX];
	size_t nproofs;
	unsigned char *chain[SC_CHAIN_MAX]; /* CA certificates, DER, for every x5c */
	size_t chain_len[SC_CHAIN_MAX];
	size_t nchain;
};

/* Releases everything a card holds (keys wiped by OpenSSL) and zeroes
 * it; a zeroed card is fine. */
void sc_card_clear(struct sc_card *card);

/* Adds a proof: the first certificate of cert_path (PEM) and the
 * unencrypted PEM private key of key_path. The key is not checked
 * against the certificate: a mismatch is a negative test (P1).
 * ONECARD_ERR_TOO_LARGE (SC_PROOFS_MAX proofs), ONECARD_ERR_IO,
 * ONECARD_ERR_BAD_FORMAT, ONECARD_ERR_BAD_KEY, ONECARD_ERR_NOMEM. */
int sc_card_add_proof(struct sc_card *card, const char *cert_path, const char *key_path);

/* Adds every certificate of a PEM file to the CA certificates sent after
 * each card certificate in x5c. ONECARD_ERR_TOO_LARGE over SC_CHAIN_MAX. */
int sc_card_add_chain(struct sc_card *card, const char *pem_path);

/* Reads an unencrypted PEM private key (a --sign-with key). */
int sc_key_read(const char *path, EVP_PKEY **out);

/* The origin a client signs for a URL (docs/authd.md): scheme://host[:port]
 * in lower case, no path, the port left out when it is the scheme's
 * default. ONECARD_ERR_INVALID_ARG for a URL without scheme or host or
 * with user information; ONECARD_ERR_TOO_LARGE over SC_ORIGIN_SIZE. */
int sc_origin_of(const char *url, char out[SC_ORIGIN_SIZE]);

/* The alg name a key signs with unless told otherwise: ES256 for EC
 * keys (any curve, so that a P-384 certificate can be tried), RS256 for
 * RSA, SM2-SM3 for SM2. ONECARD_ERR_BAD_KEY for other keys. */
int sc_default_alg(EVP_PKEY *key, const char **name);

/* Signs msg with key as alg names it (ES256: ECDSA SHA-256, DER;
 * RS256; PS256 salt 32, MGF1 SHA-256; SM2-SM3 with the ID
 * "1234567812345678"). An alg the key cannot make (RS256 with an EC
 * key, "none"...) signs as the key's default instead, so that a test can
 * send a mislabelled proof. *sig (OPENSSL_malloc) and *sig_len.
 * ONECARD_ERR_CRYPTO, ONECARD_ERR_BAD_KEY, ONECARD_ERR_NOMEM. */
int sc_sign(EVP_PKEY *key, const char *alg, const uint8_t *msg, size_t len, uint8_t **sig,
	    size_t *sig_len);

/* Faults for negative tests; all zero (NULL) makes an honest login. */
struct sc_tweaks {
	const char *origin;   /* sign this origin instead of the URL's (P4) */
	size_t target;	      /* the proof the four fields below change */
	EVP_PKEY *sign_with;  /* sign the target proof with this key instead (P1) */
	const char *alg;      /* the target proof's alg name (signed as sc_sign says) */
	int flip_sig;	      /* flip one bit of the target proof's signature */
	int drop_sig;	      /* leave "sig" out of the target proof */
	int tamper_challenge; /* flip one nonce bit of the challenge, then sign it */
};

/* The /v1/login body for challenge (the text /v1/challenge gave) at
 * origin for audience: {"challenge", "proofs": [{"x5c", "alg", "sig"}...]}.
 * *body is a new NUL-terminated string (free()). ONECARD_ERR_BAD_FORMAT
 * (challenge not strict base64url of at most OC_CHALLENGE_WIRE_MAX
 * bytes), ONECARD_ERR_INVALID_ARG (no proofs, a target out of range, an
 * origin or audience out of bounds), ONECARD_ERR_CRYPTO, ONECARD_ERR_NOMEM. */
int sc_login_body(const struct sc_card *card, const char *challenge, const char *origin,
		  const char *audience, const struct sc_tweaks *tweaks, char **body,
		  size_t *body_len);

/* The "challenge" member of a /v1/challenge answer, copied into out.
 * ONECARD_ERR_BAD_FORMAT when the answer is not a JSON object with a
 * string challenge of at most OC_CHALLENGE_TEXT_MAX characters. */
int sc_answer_challenge(const char *answer, size_t len, char out[OC_CHALLENGE_TEXT_MAX + 1]);

/* {"audience": audience} for /v1/challenge; *body as sc_login_body. */
int sc_challenge_body(const char *audience, char **body, size_t *body_len);

/* ---- HTTP ------------------------------------------------------------- */

struct sc_client;

/* A client for the authd at base_url (e.g. "http://127.0.0.1:8443"; a
 * path prefix is kept; a trailing '/' is dropped). cacert (may be NULL)
 * is a PEM file of anchors for https. Proxies are never used.
 * ONECARD_ERR_INVALID_ARG, ONECARD_ERR_TOO_LARGE, ONECARD_ERR_NOMEM. */
int sc_client_new(const char *base_url, const char *cacert, struct sc_client **out);
void sc_client_free(struct sc_client *client);

/* POSTs len bytes of body to base_url + path with Content-Type
 * content_type (NULL: application/json) on the client's connection,
 * reopened when the server closed it. *status is the HTTP status and
 * *answer (free()) the answer body, NUL-terminated, of *answer_len
 * bytes. ONECARD_ERR_IO when no answer came (the text from libcurl in
 * sc_client_error), ONECARD_ERR_TOO_LARGE when the answer exceeds
 * SC_ANSWER_MAX, ONECARD_ERR_INVALID_ARG, ONECARD_ERR_NOMEM. */
int sc_client_post(struct sc_client *client, const char *path, const char *content_type,
		   const char *body, size_t len, long *status, char **answer, size_t *answer_len);

/* libcurl's text about the last failed request; "" when none. Borrowed. */
const char *sc_client_error(const struct sc_client *client);

#endif
