/*
 * libFuzzer target for the Cache-Control parser (cache_control.c): the
 * input is a header block, one line per LF, fed as libcurl would (no NUL,
 * exact lengths). The lifetime must stay in [-1, OC_CACHE_CONTROL_AGE_CAP],
 * and no-cache must give 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_cache_control cc;
	const char *p = (const char *)data, *nl;
	size_t left = size, len;
	int64_t life;

	oc_cache_control_reset(&cc);
	while (left > 0) {
		nl = memchr(p, '\n', left);
		len = nl != NULL ? (size_t)(nl - p) + 1u : left;
		oc_cache_control_feed(&cc, p, len);
		p += len;
		left -= len;
	}
	life = oc_cache_control_lifetime(&cc);
	if (life < -1 || life > OC_CACHE_CONTROL_AGE_CAP || (cc.no_cache && life != 0)) {
		abort();
	}
	return 0;
}
