/*
 * Fuzz target: the manifest parser (manifest.c) over arbitrary bytes.
 * Checks, beyond not crashing, the parser's promises: on success exactly
 * one current key per kind, kids that pass oc_keys_kid_ok, times within
 * range; on failure a zeroed result and a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "keys_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_set(const struct oc_manifest_set *set, size_t max)
{
	size_t i, current = 0;

	if (set->count == 0 || set->count > max || set->current >= set->count) {
		abort();
	}
	for (i = 0; i < set->count; i++) {
		const struct oc_manifest_entry *e = &set->entry[i];

		if (!oc_keys_kid_ok(e->kid, e->kid_len) || strlen(e->kid) != e->kid_len ||
		    e->since < 1 || e->since > ONECARD_TIME_MAX) {
			abort();
		}
		if (e->state == OC_STATE_CURRENT) {
			current++;
			if (i != set->current) {
				abort();
			}
		}
	}
	if (current != 1) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_manifest m;
	const char *why = NULL;
	size_t line = 0;
	int r;

	r = oc_manifest_parse((const char *)data, size, &m, &line, &why);
	if (why == NULL) {
		abort();
	}
	if (r != ONECARD_OK) {
		if (m.set[OC_KIND_SIGNING].count != 0 || m.set[OC_KIND_CHALLENGE].count != 0 ||
		    why[0] == '\0') {
			abort();
		}
		return 0;
	}
	check_set(&m.set[OC_KIND_SIGNING], OC_KEYRING_SIGNING_MAX);
	check_set(&m.set[OC_KIND_CHALLENGE], OC_KEYRING_CHALLENGE_MAX);
	return 0;
}
