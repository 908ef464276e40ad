/*
 * Inside otp/: the key's layout, the blob parser (pure, fuzzed by
 * fuzz_otp_blob.c), the compiled-in migrations and the per-thread
 * diagnostic of the store. Not for use outside otp/ and its tests.
 */
#ifndef ONECARD_OTP_INT_H
#define ONECARD_OTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "otp.h"
#include "pg_migrate.h"

/* The record table of the OTP schema's migrations (db/pg_migrate.h). */
#define OC_OTP_MIGRATIONS_TABLE "authd_otp_schema_migrations"

/* otp/migrations/NNN_name.sql, compiled in by onecard_embed_migrations(). */
extern const struct oc_pg_migration oc_otp_migrations[];
extern const size_t oc_otp_migrations_len;

struct oc_otp_key {
	unsigned char k[OC_OTP_KEY_LEN];
	/* The first bytes of SHA-256("onecard-otp key id" NUL k): tells a
	 * blob sealed under another key from an altered one. */
	unsigned char kid[OC_OTP_KID_LEN];
};

/* The parts of a blob, pointing into it. */
struct oc_otp_blob_view {
	unsigned version;
	const unsigned char *kid;   /* OC_OTP_KID_LEN bytes */
	const unsigned char *nonce; /* OC_OTP_NONCE_LEN bytes */
	const unsigned char *ct;    /* ct_len bytes: the sealed secret */
	size_t ct_len;
	const unsigned char *tag; /* OC_OTP_TAG_LEN bytes */
};

/* Splits blob[0..len) (untrusted) into its parts: version 1 and a length
 * that leaves OC_OTP_SECRET_MIN..OC_OTP_SECRET_MAX bytes of ciphertext.
 * ONECARD_OK and *out, or ONECARD_ERR_BAD_FORMAT (*out zeroed, *why). */
OC_OTP_WARN_UNUSED int oc_otp_blob_parse(const unsigned char *blob, size_t len,
					 struct oc_otp_blob_view *out, const char **why);

/* The additional data of a blob: "onecard-otp blob" NUL, the header
 * (version, key id), then the person id's length and bytes, the
 * algorithm and the digits, one byte each. Writes aad[cap], *len.
 * ONECARD_OK or ONECARD_ERR_INVALID_ARG. */
#define OC_OTP_AAD_MAX (17u + 1u + OC_OTP_KID_LEN + 1u + OC_OTP_PERSON_ID_MAX + 2u)
int oc_otp_aad(const unsigned char head[1 + OC_OTP_KID_LEN], const char *person_id,
	       enum oc_otp_alg alg, unsigned digits, unsigned char *aad, size_t cap, size_t *len);

/* Computes key->kid from key->k. ONECARD_OK or ONECARD_ERR_CRYPTO. */
int oc_otp_key_id(struct oc_otp_key *key);

/* Sets this thread's store diagnostic (first line, cut); NULL clears. */
void oc_otp_diag_set(const char *text);

/* The work of oc_otp_totp_check on a fixed dummy secret, result ignored:
 * for a person without a secret (oc_otp_verify). */
void oc_otp_totp_dummy(enum oc_otp_alg alg, unsigned digits, int64_t now);

#endif /* ONECARD_OTP_INT_H */
