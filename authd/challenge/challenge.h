/*
 * Login challenges and the message a card signs for them
 * (DESIGN.md "Card login protocol" steps 1-4; docs/challenge.md).
 *
 * A challenge is a versioned binary structure, authenticated with
 * HMAC-SHA256 under a key every authd instance holds, and carried as one
 * strict base64url string. Any instance can check a challenge another
 * issued. The single use of the nonce is NOT checked here: authd records
 * it with a unique insert in PostgreSQL after oc_challenge_check().
 *
 * Library code: nothing here logs or exits. Every function returns 0
 * (ONECARD_OK) or a negative code from <onecard/error.h>; the checker
 * also gives a fixed refusal reason.
 */
#ifndef ONECARD_AUTHD_CHALLENGE_H
#define ONECARD_AUTHD_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <onecard/visibility.h>

#define OC_CHALLENGE_VERSION	  1u
#define OC_CHALLENGE_NONCE_LEN	  32u  /* bytes from RAND_bytes */
#define OC_CHALLENGE_MAC_LEN	  32u  /* HMAC-SHA256 */
#define OC_CHALLENGE_KID_MAX	  64u  /* bytes of a MAC key id */
#define OC_CHALLENGE_ORIGIN_MAX	  255u /* bytes of an origin */
#define OC_CHALLENGE_AUDIENCE_MAX 255u /* bytes of an audience */
#define OC_CHALLENGE_SECRET_MIN	  32u  /* a shorter MAC key is refused (J4) */
#define OC_CHALLENGE_SECRET_MAX	  64u  /* HMAC-SHA256 block size */
#define OC_CHALLENGE_KEYS_MAX	  8u   /* MAC keys loaded at once */
#define OC_CHALLENGE_LIFETIME_MAX 120  /* seconds (DESIGN.md: at most 2 min) */
#define OC_CHALLENGE_SKEW_DEFAULT 2    /* seconds issued-at may lie ahead */
#define OC_CHALLENGE_SKEW_MAX	  5    /* largest configurable skew */
/* version, kid length, kid, nonce, two times, origin, audience, MAC */
#define OC_CHALLENGE_WIRE_MAX                                                     \
	(1u + 1u + OC_CHALLENGE_KID_MAX + OC_CHALLENGE_NONCE_LEN + 8u + 8u + 1u + \
	 OC_CHALLENGE_ORIGIN_MAX + 1u + OC_CHALLENGE_AUDIENCE_MAX + OC_CHALLENGE_MAC_LEN)
/* base64url of OC_CHALLENGE_WIRE_MAX bytes (658 -> 878 characters) */
#define OC_CHALLENGE_TEXT_MAX	    ((OC_CHALLENGE_WIRE_MAX * 4u + 2u) / 3u)
#define OC_CHALLENGE_NONCE_HEX_SIZE (OC_CHALLENGE_NONCE_LEN * 2u + 1u)		   /* with NUL */
#define OC_CHALLENGE_NONCE_B64_SIZE ((OC_CHALLENGE_NONCE_LEN * 4u + 2u) / 3u + 1u) /* with NUL */

/* The fixed context string that starts every proof message, NUL included. */
#define OC_PROOF_CONTEXT     "onecard-login-v1"
#define OC_PROOF_CONTEXT_LEN 17u
#define OC_PROOF_MESSAGE_MAX                                                                    \
	(OC_PROOF_CONTEXT_LEN + 2u + OC_CHALLENGE_ORIGIN_MAX + 2u + OC_CHALLENGE_AUDIENCE_MAX + \
	 2u + OC_CHALLENGE_WIRE_MAX)
#define OC_PROOF_SIG_MAX      1024u /* bytes: an RSA-8192 signature */
#define OC_PROOF_RSA_BITS_MIN 2048

/* Why a challenge was refused. Until <onecard/error.h> gains challenge
 * codes, each maps to an existing code (see oc_challenge_check). */
enum oc_challenge_refusal {
	OC_CHALLENGE_ACCEPTED = 0,
	OC_CHALLENGE_REFUSED_TOO_LARGE,	    /* ONECARD_ERR_TOO_LARGE */
	OC_CHALLENGE_REFUSED_BAD_FORMAT,    /* ONECARD_ERR_BAD_FORMAT */
	OC_CHALLENGE_REFUSED_UNKNOWN_KEY,   /* ONECARD_ERR_UNKNOWN_KID */
	OC_CHALLENGE_REFUSED_BAD_MAC,	    /* ONECARD_ERR_BAD_SIGNATURE */
	OC_CHALLENGE_REFUSED_WRONG_ORIGIN,  /* ONECARD_ERR_WRONG_ISSUER */
	OC_CHALLENGE_REFUSED_EXPIRED,	    /* ONECARD_ERR_EXPIRED */
	OC_CHALLENGE_REFUSED_NOT_YET_VALID, /* ONECARD_ERR_NOT_YET_VALID */
	OC_CHALLENGE_REFUSED_OTHER,	    /* bad arguments, memory, OpenSSL */
};

/* A challenge, as issued or as checked. All strings are NUL-terminated;
 * wire holds the raw (decoded) bytes the proof message includes. */
struct oc_challenge {
	uint8_t nonce[OC_CHALLENGE_NONCE_LEN];
	int64_t issued_at;  /* seconds since the Unix epoch */
	int64_t expires_at; /* issued_at + lifetime */
	char kid[OC_CHALLENGE_KID_MAX + 1];
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1];
	size_t origin_len;
	char audience[OC_CHALLENGE_AUDIENCE_MAX + 1];
	size_t audience_len;
	uint8_t wire[OC_CHALLENGE_WIRE_MAX];
	size_t wire_len;
};

/* The MAC keys (one current, the others still accepted) and the clock
 * skew allowed for issued-at. Opaque; secrets are wiped when removed. */
struct oc_challenge_keys;

/* Creates an empty key set (skew OC_CHALLENGE_SKEW_DEFAULT). Returns 0 and
 * *out (free with oc_challenge_keys_free), or ONECARD_ERR_NOMEM. */
ONECARD_WARN_UNUSED int oc_challenge_keys_new(struct oc_challenge_keys **out);

/* Wipes and frees the set; NULL does nothing. */
void oc_challenge_keys_free(struct oc_challenge_keys *keys);

/* Adds a MAC key: kid 1..OC_CHALLENGE_KID_MAX bytes of [A-Za-z0-9._-],
 * secret OC_CHALLENGE_SECRET_MIN..MAX bytes (copied). The first key
 * added becomes current. Returns 0, ONECARD_ERR_BAD_KEY (secret empty or
 * too short or long), ONECARD_ERR_INVALID_ARG (bad kid), ONECARD_ERR_EXISTS
 * (kid loaded) or ONECARD_ERR_TOO_LARGE (OC_CHALLENGE_KEYS_MAX loaded). */
ONECARD_WARN_UNUSED int oc_challenge_keys_add(struct oc_challenge_keys *keys, const char *kid,
					      const uint8_t *secret, size_t secret_len);

/* Removes (and wipes) a key. Removing the current key leaves none current
 * until oc_challenge_keys_set_current. Returns 0 or ONECARD_ERR_NOT_FOUND. */
ONECARD_WARN_UNUSED int oc_challenge_keys_remove(struct oc_challenge_keys *keys, const char *kid);

/* Makes a loaded key the one new challenges are issued under.
 * Returns 0 or ONECARD_ERR_NOT_FOUND. */
ONECARD_WARN_UNUSED int oc_challenge_keys_set_current(struct oc_challenge_keys *keys,
						      const char *kid);

/* Sets how many seconds (0..OC_CHALLENGE_SKEW_MAX) issued-at may lie in
 * the future (other instances' clocks). Expiry has no leeway.
 * Returns 0 or ONECARD_ERR_INVALID_ARG. */
ONECARD_WARN_UNUSED int oc_challenge_keys_set_skew(struct oc_challenge_keys *keys, int64_t seconds);

/* Issues a challenge: a fresh nonce, issued-at now, expires-at now +
 * lifetime (1..OC_CHALLENGE_LIFETIME_MAX s), origin (1..255 bytes of
 * printable ASCII, no space) and audience (1..255 bytes of [a-z0-9-]),
 * under the current key. On success *wire is a new NUL-terminated
 * base64url string (free()) and *out (may be NULL) the challenge.
 * Returns 0, ONECARD_ERR_INVALID_ARG, ONECARD_ERR_UNKNOWN_KID (no current
 * key), ONECARD_ERR_NOMEM or ONECARD_ERR_CRYPTO. */
ONECARD_WARN_UNUSED int oc_challenge_issue(const struct oc_challenge_keys *keys, const char *origin,
					   const char *audience, int64_t now, int64_t lifetime,
					   char **wire, struct oc_challenge *out);

/* Checks the wire text (len bytes, untrusted): size, strict base64url,
 * version and structure, kid loaded, MAC (constant time), origin exactly
 * expected_origin, now < expires-at, issued-at <= now + skew. On success
 * fills *out (may be NULL). *why (may be NULL) gets the refusal reason.
 * Returns 0, ONECARD_ERR_TOO_LARGE, ONECARD_ERR_BAD_FORMAT,
 * ONECARD_ERR_UNKNOWN_KID, ONECARD_ERR_BAD_SIGNATURE (MAC),
 * ONECARD_ERR_WRONG_ISSUER (origin), ONECARD_ERR_EXPIRED,
 * ONECARD_ERR_NOT_YET_VALID, ONECARD_ERR_INVALID_ARG or ONECARD_ERR_CRYPTO. */
ONECARD_WARN_UNUSED int oc_challenge_check(const struct oc_challenge_keys *keys, const char *wire,
					   size_t len, const char *expected_origin, int64_t now,
					   struct oc_challenge *out,
					   enum oc_challenge_refusal *why);

/* A fixed sentence for a refusal ("challenge has expired"); never NULL. */
const char *oc_challenge_refusal_str(enum oc_challenge_refusal why);

/* The nonce as lower-case hex / as base64url, NUL-terminated, for the
 * single-use insert. Returns 0 or ONECARD_ERR_INVALID_ARG. */
ONECARD_WARN_UNUSED int oc_challenge_nonce_hex(const struct oc_challenge *c,
					       char out[OC_CHALLENGE_NONCE_HEX_SIZE]);
ONECARD_WARN_UNUSED int oc_challenge_nonce_b64url(const struct oc_challenge *c,
						  char out[OC_CHALLENGE_NONCE_B64_SIZE]);

/* The message a card signs for a checked challenge (docs/challenge.md):
 * OC_PROOF_CONTEXT with its NUL, then origin, audience and the raw
 * challenge bytes, each after a 2-byte big-endian length. Returns 0 and
 * *msg (free()) and *len, ONECARD_ERR_INVALID_ARG or ONECARD_ERR_NOMEM. */
ONECARD_WARN_UNUSED int oc_proof_message(const struct oc_challenge *c, uint8_t **msg, size_t *len);

/* The same message from its parts, as the client builds it: the origin
 * it connected to, the audience it asked for, and the decoded challenge
 * bytes as received. Same returns as oc_proof_message. */
ONECARD_WARN_UNUSED int oc_proof_message_build(const char *origin, size_t origin_len,
					       const char *audience, size_t audience_len,
					       const uint8_t *challenge, size_t challenge_len,
					       uint8_t **msg, size_t *len);

/* Signature algorithms a proof may use. */
enum oc_proof_alg {
	OC_PROOF_ES256 = 1, /* ECDSA P-256 SHA-256, DER signature */
	OC_PROOF_RS256,	    /* RSA PKCS#1 v1.5 SHA-256 (with DigestInfo) */
	OC_PROOF_PS256,	    /* RSA-PSS SHA-256, MGF1 SHA-256, salt 32 */
	OC_PROOF_SM2_SM3,   /* SM2 with SM3, distinguishing ID "1234567812345678" */
};

#define OC_PROOF_SM2_ID "1234567812345678"

/* Verifies sig over msg with pkey under alg. The alg must fit the key
 * (ES256: EC P-256; RS256/PS256: RSA >= 2048 bits; SM2_SM3: an SM2 key).
 * Returns 0 only when EVP_DigestVerify returned exactly 1;
 * ONECARD_ERR_ALG_NOT_ALLOWED (alg unknown or not the key's),
 * ONECARD_ERR_BAD_SIGNATURE, ONECARD_ERR_TOO_LARGE, ONECARD_ERR_INVALID_ARG
 * or ONECARD_ERR_CRYPTO. */
ONECARD_WARN_UNUSED int oc_proof_verify(EVP_PKEY *pkey, enum oc_proof_alg alg, const uint8_t *msg,
					size_t len, const uint8_t *sig, size_t siglen);

#endif /* ONECARD_AUTHD_CHALLENGE_H */
