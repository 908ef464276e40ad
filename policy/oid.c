/*
 * A checked parser for dotted-decimal object identifiers (X.660):
 * digits and single dots only, at least two arcs, the first 0, 1 or 2,
 * the second at most 39 under 0 and 1, no leading zeros, and each arc
 * fitting in 64 bits -- except the arc right under 2.25, which X.667
 * defines as a 128-bit UUID in decimal.
 *
 * Arcs are compared as digit strings against the decimal text of the
 * largest value allowed, so no arithmetic can overflow.
 */
#include <string.h>

#include "policy_int.h"

#define OID_ARC64_MAX  "18446744073709551615"			 /* 2^64 - 1 */
#define OID_ARC128_MAX "340282366920938463463374607431768211455" /* 2^128 - 1 */

/* 1 when the len digits at s (no leading zero) are at most max. */
static int arc_at_most(const char *s, size_t len, const char *max)
{
	size_t max_len = strlen(max);

	if (len != max_len) {
		return len < max_len;
	}
	return memcmp(s, max, len) <= 0;
}

static int arc_is(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(s, want, len) == 0;
}

const char *pol_oid_problem(const char *oid)
{
	const char *p = oid;
	const char *arc0 = NULL;
	const char *arc1 = NULL;
	size_t arc0_len = 0;
	size_t arc1_len = 0;
	size_t arcs = 0;

	for (;;) {
		const char *start = p;
		const char *max = OID_ARC64_MAX;
		int uuid_arc = 0;
		size_t len;

		while (*p >= '0' && *p <= '9') {
			p++;
		}
		len = (size_t)(p - start);
		if (len == 0) {
			if (*p == '\0' || *p == '.') {
				return "has an empty arc";
			}
			return "may only hold digits and dots";
		}
		if (len > 1 && start[0] == '0') {
			return "has an arc with a leading zero";
		}
		if (arcs == 0 && !(len == 1 && start[0] <= '2')) {
			return "must start with arc 0, 1 or 2";
		}
		if (arcs == 1 && !arc_is(arc0, arc0_len, "2") && !arc_at_most(start, len, "39")) {
			return "has a second arc over 39 under arc 0 or 1";
		}
		if (arcs == 2 && arc_is(arc0, arc0_len, "2") && arc_is(arc1, arc1_len, "25")) {
			max = OID_ARC128_MAX;
			uuid_arc = 1;
		}
		if (!arc_at_most(start, len, max)) {
			return uuid_arc ? "has a UUID arc that does not fit in 128 bits"
					: "has an arc that does not fit in 64 bits";
		}
		if (arcs == 0) {
			arc0 = start;
			arc0_len = len;
		} else if (arcs == 1) {
			arc1 = start;
			arc1_len = len;
		}
		arcs++;
		if (*p == '\0') {
			break;
		}
		if (*p != '.') {
			return "may only hold digits and dots";
		}
		p++;
	}
	if (arcs < 2) {
		return "needs at least two arcs";
	}
	return NULL;
}
