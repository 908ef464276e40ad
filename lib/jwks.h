/*
 * A set of public keys parsed once from a JWKS (RFC 7517 §5), looked up
 * by exact kid. The set is rejected whole if any key is invalid, carries
 * private material, or repeats a kid: a half-loaded set would turn key
 * mistakes into silent login failures or worse.
 */
#ifndef ONECARD_JWKS_H
#define ONECARD_JWKS_H

#include <stddef.h>

#include "jwk.h"

typedef struct oc_keyset {
	oc_key **keys;
	size_t count;
} oc_keyset;

/* Parses a JWKS document of at most ONECARD_JWKS_MAX_LEN bytes holding
 * 1..ONECARD_JWKS_MAX_KEYS keys. */
int oc_keyset_parse(const char *text, size_t len, oc_keyset **out);

/* Finds the key with exactly this kid, or NULL. */
const oc_key *oc_keyset_find(const oc_keyset *set, const char *kid, size_t kid_len);

/* The only key serving alg, or NULL when there are none or several. */
const oc_key *oc_keyset_only_for_alg(const oc_keyset *set, int alg);

void oc_keyset_free(oc_keyset *set);

#endif
