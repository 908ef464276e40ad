/*
 * Helpers for the key folder tests: build folders in a temporary
 * directory file by file (so every refusal can be staged), load them,
 * and look inside a JWKS.
 */
#ifndef ONECARD_TESTS_KEYS_TEST_H
#define ONECARD_TESTS_KEYS_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "keyring.h"

#define KT_NOW	    INT64_C(1800000000)
#define KT_LIFETIME INT64_C(600) /* the max token lifetime the tests load with */
#define KT_DIR_SIZE 256u
#define KT_ISSUER   "https://authd.test"
#define KT_AUDIENCE "customs-declare"
#define KT_ORIGIN   "https://authd.test"

/* Creates an empty key folder (mode 0700) with signing/ and challenge/
 * (0700) in a new temporary directory; dir receives its path. */
void kt_folder_new(char dir[KT_DIR_SIZE]);

/* Removes the folder and everything in it. */
void kt_folder_remove(const char *dir);

/* Writes len bytes to dir/rel with exactly mode, through a temporary
 * file and a rename (as rotate-keys does). */
void kt_write(const char *dir, const char *rel, const char *text, size_t len, mode_t mode);

/* Writes "onecard-keys 1\n" followed by body to dir/manifest (0600). */
void kt_manifest(const char *dir, const char *body);

/* Generates a key pair (ONECARD_ALG_*) into dir/signing/KID.jwk (0600). */
void kt_signing_key(const char *dir, const char *kid, int alg);

/* Writes 32 bytes derived from seed, base64url, to dir/challenge/KID.key (0600). */
void kt_mac_key(const char *dir, const char *kid, uint8_t seed);

/* The standard folder: signing s-1 current (EdDSA), s-2 next (ES256);
 * challenge c-1 current, c-2 next; all since KT_NOW. */
void kt_standard(const char *dir);

/* oc_keyring_load with KT_LIFETIME; err is OC_KEYRING_ERR_SIZE bytes. */
int kt_load(const char *dir, int64_t now, oc_keyring **out, char *err);

/* 1 if the keyring's JWKS holds a key with this kid. */
int kt_jwks_has(const oc_keyring *kr, const char *kid);

/* The number of keys in the keyring's JWKS. */
size_t kt_jwks_count(const oc_keyring *kr);

/* Issues a token at now with the keyring's signer (lifetime KT_LIFETIME);
 * free with onecard_string_free. */
char *kt_sign(const oc_keyring *kr, int64_t now);

/* Verifies token at now against the keyring's JWKS; returns the result
 * of onecard_verify. */
int kt_verify(const oc_keyring *kr, const char *token, int64_t now);

#endif
