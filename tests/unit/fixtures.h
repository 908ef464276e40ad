/*
 * Test fixtures: keys, key sets, verifiers and hand-made tokens, so each
 * negative test can build exactly the malformed input it is about.
 * Every helper aborts the test on an unexpected failure.
 */
#ifndef ONECARD_TEST_FIXTURES_H
#define ONECARD_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/token.h>

#include "jwk.h"

#define FX_ISS "https://authd.onecard.test"
#define FX_AUD "provincial-portal"
#define FX_NOW 1800000000 /* 2027-01-15, pinned */

/* A fresh key pair. */
oc_key *fx_key(int alg, const char *kid);

/* A key from a JWK text (public or private). */
oc_key *fx_key_from_jwk(const char *jwk_text);

/* The public JWKS of keys. Caller frees. */
char *fx_jwks(oc_key *const *keys, size_t n);

/* A verifier over keys with the time pinned at FX_NOW. */
onecard_verifier *fx_verifier(oc_key *const *keys, size_t n);

/* Signs header and payload (JSON texts, taken byte for byte). */
char *fx_sign(const oc_key *key, const char *header, const char *payload);

/* The standard header {alg, kid, typ:"at+jwt"} of key. Caller frees. */
char *fx_header(const oc_key *key);

/* A payload with iss, aud, sub, iat, nbf, exp around FX_NOW plus extra
 * members (a JSON fragment such as "\"x\":1", or ""). Caller frees. */
char *fx_payload(const char *extra);

/* base64url of bytes. Caller frees. */
char *fx_b64(const void *data, size_t len);

/* "a.b.c" (or fewer/more parts: NULL ends the list). Caller frees. */
char *fx_join(const char *first, ...);

/* Runs onecard_verify with FX_ISS/FX_AUD and returns its code, freeing
 * any claims. */
int fx_verify(const onecard_verifier *v, const char *token);

#endif
