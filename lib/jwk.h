/*
 * A single signing key as onecard holds it: parsed once from a JWK
 * (RFC 7517/7518/8037), bound to exactly one algorithm.
 */
#ifndef ONECARD_JWK_H
#define ONECARD_JWK_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <onecard/token.h>

typedef struct oc_key {
	char kid[ONECARD_KID_MAX_LEN + 1];
	size_t kid_len;
	int alg;	 /* ONECARD_ALG_*: the only algorithm this key serves */
	int has_private; /* 1 when pkey holds the private half */
	EVP_PKEY *pkey;
	/* A verification context initialized once for this key; each verify
	 * works on a copy (EVP_MD_CTX_copy_ex), which costs less than a new
	 * EVP_DigestVerifyInit. Set by oc_key_prepare_verify(). */
	EVP_MD_CTX *verify_template;
} oc_key;

/* What a JWK may carry. */
enum oc_jwk_mode {
	OC_JWK_PUBLIC_ONLY = 0, /* a private member is an error */
	OC_JWK_PRIVATE_REQUIRED = 1,
	OC_JWK_ANY = 2,
};

/* Builds a key from a parsed JWK object. Checks kty/crv, exact member
 * lengths, that the point is on the curve, that alg/use/key_ops (when
 * present) fit, and for private keys that d matches the public part. */
int oc_jwk_parse(const json_t *jwk, enum oc_jwk_mode mode, oc_key **out);

/* Serializes the key as a JWK object; include_private adds "d". */
int oc_jwk_to_json(const oc_key *key, int include_private, json_t **out);

/* Generates a fresh key pair. */
int oc_key_generate(int alg, const char *kid, oc_key **out);

/* Checks that kid is 1..ONECARD_KID_MAX_LEN printable ASCII bytes. */
int oc_kid_check(const char *kid, size_t len);

void oc_key_free(oc_key *key);

/* Builds key->verify_template (idempotent). Called when a key joins a
 * verifier's key set, before any thread verifies with it. */
int oc_key_prepare_verify(oc_key *key);

#endif
