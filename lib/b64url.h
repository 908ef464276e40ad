/*
 * Base64url without padding (RFC 4648 §5, as JOSE uses it, RFC 7515 §2).
 * Strict: no padding, no whitespace, no '+' or '/', and the unused bits
 * of the last character must be zero, so every byte string has exactly
 * one encoding. Both directions run in constant time for a given length,
 * because they also carry private key material.
 */
#ifndef ONECARD_B64URL_H
#define ONECARD_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of n bytes (no padding), without the NUL. */
size_t oc_b64url_encoded_len(size_t n);

/* Most bytes that text of length n can decode to. */
size_t oc_b64url_decoded_max(size_t n);

/* Encodes into out (capacity out_cap, room for the NUL included).
 * Returns 0 or ONECARD_ERR_TOO_LARGE. */
int oc_b64url_encode(const uint8_t *in, size_t len, char *out, size_t out_cap);

/* Encodes into a new NUL-terminated string (*out, freed by the caller). */
int oc_b64url_encode_alloc(const uint8_t *in, size_t len, char **out);

/* Decodes text of length len into out (capacity out_cap).
 * Returns 0 and *out_len, ONECARD_ERR_BAD_FORMAT on any non-canonical
 * input, or ONECARD_ERR_TOO_LARGE if out is too small. */
int oc_b64url_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len);

/* The same strict decoding, table-driven and faster, for public data
 * only (token segments): its timing depends on the input. */
int oc_b64url_decode_public(const char *in, size_t len, uint8_t *out, size_t out_cap,
			    size_t *out_len);

#endif
