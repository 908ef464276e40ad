/*
 * Fuzz target: oc_challenge_check over arbitrary text, with two fixed
 * MAC keys and a fixed clock, so that the seeds in corpus/ (issued with
 * the same keys) get past the MAC into the origin and time checks.
 * Built with -fsanitize=fuzzer when ONECARD_FUZZ is ON, and with
 * replay_challenge.c as a ctest replay of the corpus otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW    INT64_C(1700000000)
#define FUZZ_ORIGIN "https://authd.province.example"

static struct oc_challenge_keys *fuzz_keys(void)
{
	static struct oc_challenge_keys *keys;
	uint8_t secret[OC_CHALLENGE_SECRET_MIN];
	size_t i;

	if (keys != NULL) {
		return keys;
	}
	if (oc_challenge_keys_new(&keys) != ONECARD_OK) {
		abort();
	}
	for (i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)(i + 1);
	}
	if (oc_challenge_keys_add(keys, "fuzz-1", secret, sizeof(secret)) != ONECARD_OK) {
		abort();
	}
	for (i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)(0xa0 + i);
	}
	if (oc_challenge_keys_add(keys, "fuzz-2", secret, sizeof(secret)) != ONECARD_OK) {
		abort();
	}
	return keys;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_challenge c;
	enum oc_challenge_refusal why;
	uint8_t *msg = NULL;
	size_t msg_len = 0;
	int r;

	r = oc_challenge_check(fuzz_keys(), (const char *)data, size, FUZZ_ORIGIN, FUZZ_NOW, &c,
			       &why);
	if ((r == ONECARD_OK) != (why == OC_CHALLENGE_ACCEPTED)) {
		abort();
	}
	if (r != ONECARD_OK) {
		return 0;
	}
	/* Accepted: the invariants the checker promises. */
	if (c.origin_len != strlen(FUZZ_ORIGIN) || FUZZ_NOW >= c.expires_at ||
	    c.expires_at - c.issued_at > OC_CHALLENGE_LIFETIME_MAX || c.wire_len > size) {
		abort();
	}
	if (oc_proof_message(&c, &msg, &msg_len) != ONECARD_OK || msg_len > OC_PROOF_MESSAGE_MAX) {
		abort();
	}
	free(msg);
	return 0;
}
