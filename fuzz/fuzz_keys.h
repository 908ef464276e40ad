/*
 * Fixed test keys and verification settings shared by the token fuzz
 * targets and the corpus generator. These keys are public knowledge:
 * they exist only so that seed tokens carry valid signatures, and must
 * never sign anything outside the fuzzers.
 */
#ifndef ONECARD_FUZZ_KEYS_H
#define ONECARD_FUZZ_KEYS_H

#include <stdint.h>

/* Private JWKs (JSON text) for the two algorithms. */
extern const char oc_fuzz_ed25519_jwk[];
extern const char oc_fuzz_p256_jwk[];

/* The public JWKS holding both keys (kids "fuzz-ed25519", "fuzz-p256"). */
extern const char oc_fuzz_jwks[];

#define OC_FUZZ_ISSUER	 "https://authd.example"
#define OC_FUZZ_AUDIENCE "provincial-portal"

/* The verification time every fuzz verifier is pinned to, and the
 * issue time of the seed tokens: 2026-01-01T00:00:00Z. */
#define OC_FUZZ_NOW ((int64_t)1767225600)

/* Lifetime of the seed tokens, seconds. */
#define OC_FUZZ_LIFETIME ((int64_t)3600)

#endif
