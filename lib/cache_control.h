/*
 * How long an HTTP answer may be cached, from its Cache-Control header
 * fields (RFC 9111 §5.2.2): the module verifier's JWKS cache reads
 * max-age, no-cache and no-store and ignores every other directive. Pure
 * parsing, no I/O, so that it is tested (and fuzzable) apart from libcurl.
 */
#ifndef ONECARD_CACHE_CONTROL_H
#define ONECARD_CACHE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 9111 §1.2.2: a delta-seconds larger than this is taken as this. */
#define OC_CACHE_CONTROL_AGE_CAP INT64_C(2147483648)

/* What the header fields of one answer said so far. */
struct oc_cache_control {
	bool no_cache;	  /* no-cache or no-store: do not reuse without asking */
	bool has_max_age; /* a max-age directive was seen */
	int64_t max_age;  /* the smallest max-age seen; 0 when one was invalid */
};

/* Forgets everything: a new answer (an interim 1xx, then the final one)
 * starts from here. */
void oc_cache_control_reset(struct oc_cache_control *cc);

/* Feeds one header line of len bytes ("Name: value", CRLF or not). Lines
 * of other fields are ignored. Several Cache-Control fields add up. */
void oc_cache_control_feed(struct oc_cache_control *cc, const char *line, size_t len);

/* The answer's freshness lifetime in seconds: 0 for no-cache/no-store,
 * else its max-age, or -1 when it gave none. */
int64_t oc_cache_control_lifetime(const struct oc_cache_control *cc);

#endif
