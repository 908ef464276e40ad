/*
 * JWS compact serialization (RFC 7515 §7.1): three base64url segments
 * joined by dots. Only the compact form exists here; JSON serialization
 * is never parsed (J5, CVE-2022-39227).
 */
#ifndef ONECARD_JWS_H
#define ONECARD_JWS_H

#include <stddef.h>

#include "jwk.h"

/* The three segments of a compact token, pointing into it. */
typedef struct oc_jws_parts {
	const char *header;
	size_t header_len;
	const char *payload;
	size_t payload_len;
	const char *signature;
	size_t signature_len;
	size_t signing_input_len; /* header '.' payload */
} oc_jws_parts;

/* Splits a token into exactly three segments, each only of base64url
 * characters, header and payload non-empty. Returns 0 or
 * ONECARD_ERR_BAD_FORMAT. */
int oc_jws_split(const char *token, size_t len, oc_jws_parts *parts);

/* Signs the exact bytes of a header and a payload (already JSON text)
 * into a compact token (*token_out, freed by the caller). */
int oc_jws_sign_bytes(const oc_key *key, const char *header, size_t header_len, const char *payload,
		      size_t payload_len, char **token_out);

#endif
