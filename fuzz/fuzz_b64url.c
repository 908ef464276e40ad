/*
 * Fuzz target: the strict base64url codec (lib/b64url.h). Two round
 * trips are checked, not only memory safety:
 *   - text that decodes must re-encode to exactly the same text, since
 *     the decoder promises one canonical encoding per byte string;
 *   - any bytes must encode to text that decodes back to them;
 *   - the constant-time decoder and the table-driven one for public data
 *     agree on every input: the same result, length and bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "b64url.h"
#include "fuzz.h"

/* Decode, then encode again: the same text or abort. */
static void check_decode(const uint8_t *data, size_t size)
{
	uint8_t *bytes = NULL;
	char *text = NULL;
	size_t cap = oc_b64url_decoded_max(size);
	size_t got = 0;

	/* One spare byte so that an empty input still gets a buffer. */
	bytes = malloc(cap + 1);
	if (bytes == NULL) {
		abort();
	}
	if (oc_b64url_decode((const char *)data, size, bytes, cap, &got) != ONECARD_OK) {
		if (got != 0) {
			abort(); /* failure must not report a length */
		}
		goto out;
	}
	if (got > cap || oc_b64url_encoded_len(got) != size) {
		abort();
	}
	if (oc_b64url_encode_alloc(bytes, got, &text) != ONECARD_OK) {
		abort();
	}
	if (strlen(text) != size || memcmp(text, data, size) != 0) {
		abort(); /* two encodings decode to the same bytes */
	}
out:
	free(text);
	free(bytes);
}

/* Both decoders, same answer or abort. */
static void check_decoders_agree(const uint8_t *data, size_t size)
{
	size_t cap = oc_b64url_decoded_max(size);
	uint8_t *a = malloc(cap + 1), *b = malloc(cap + 1);
	size_t got_a = 0, got_b = 0;
	int ra, rb;

	if (a == NULL || b == NULL) {
		abort();
	}
	ra = oc_b64url_decode((const char *)data, size, a, cap, &got_a);
	rb = oc_b64url_decode_public((const char *)data, size, b, cap, &got_b);
	if (ra != rb || got_a != got_b || (ra == ONECARD_OK && memcmp(a, b, got_a) != 0)) {
		abort();
	}
	free(a);
	free(b);
}

/* Encode, then decode again: the same bytes or abort. */
static void check_encode(const uint8_t *data, size_t size)
{
	uint8_t *bytes = NULL;
	char *text = NULL;
	size_t got = 0;

	if (oc_b64url_encode_alloc(data, size, &text) != ONECARD_OK) {
		abort();
	}
	bytes = malloc(size + 1);
	if (bytes == NULL) {
		abort();
	}
	if (oc_b64url_decode(text, strlen(text), bytes, size, &got) != ONECARD_OK || got != size ||
	    memcmp(bytes, data, size) != 0) {
		abort();
	}
	free(text);
	free(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode(data, size);
	check_decoders_agree(data, size);
	check_encode(data, size);
	return 0;
}
