/*
 * Fuzz target: onecard_verifier_new on arbitrary bytes (a JWKS as it
 * would arrive from authd). A set that loads must hold 1..64 keys; a set
 * that fails must leave no verifier behind.
 */
#include <stdlib.h>

#include <onecard/token.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	onecard_verifier *v = NULL;
	size_t n;
	int r;

	r = onecard_verifier_new((const char *)data, size, &v);
	if (r == ONECARD_OK) {
		if (v == NULL) {
			abort();
		}
		n = onecard_verifier_key_count(v);
		if (n == 0 || n > ONECARD_JWKS_MAX_KEYS) {
			abort();
		}
	} else if (v != NULL || r > 0) {
		abort();
	}
	onecard_verifier_free(v);
	return 0;
}
