/*
 * Cache-Control header fields (RFC 9111 §5.2, RFC 9110 §5.6 for the
 * list syntax). A directive list is "name[=value]" items separated by
 * commas, with optional whitespace; a value is a token or a quoted
 * string. Only max-age, no-cache and no-store matter here. An invalid
 * max-age makes the answer stale (§4.2.1: "SHOULD consider the response
 * to be stale"), and the smallest of several max-age values wins, so a
 * malformed or contradictory header can only shorten the cache.
 */
#include <string.h>
#include <strings.h>

#include "cache_control.h"

#define FIELD_NAME "cache-control"

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_eol(char c)
{
	return c == '\r' || c == '\n';
}

void oc_cache_control_reset(struct oc_cache_control *cc)
{
	memset(cc, 0, sizeof(*cc));
}

/* Reads delta-seconds (RFC 9111 §1.2.2) from exactly len bytes, optionally
 * in double quotes. Returns false when they are not all digits. */
static bool parse_seconds(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	*out = 0;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len == 0) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		if (v < OC_CACHE_CONTROL_AGE_CAP) {
			v = v * 10 + (s[i] - '0');
		}
	}
	*out = v < OC_CACHE_CONTROL_AGE_CAP ? v : OC_CACHE_CONTROL_AGE_CAP;
	return true;
}

/* One directive, name[=value], whitespace already trimmed around it. */
static void directive(struct oc_cache_control *cc, const char *d, size_t len)
{
	const char *eq = memchr(d, '=', len);
	size_t name_len = eq != NULL ? (size_t)(eq - d) : len;
	int64_t age;

	if (name_len == 7 && strncasecmp(d, "max-age", 7) == 0) {
		if (eq == NULL || !parse_seconds(eq + 1, len - name_len - 1, &age)) {
			age = 0;
		}
		if (!cc->has_max_age || age < cc->max_age) {
			cc->max_age = age;
		}
		cc->has_max_age = true;
		return;
	}
	if ((name_len == 8 && strncasecmp(d, "no-store", 8) == 0) ||
	    (name_len == 8 && strncasecmp(d, "no-cache", 8) == 0)) {
		cc->no_cache = true;
	}
}

void oc_cache_control_feed(struct oc_cache_control *cc, const char *line, size_t len)
{
	size_t i, start, end;
	bool quoted = false;

	if (len <= sizeof(FIELD_NAME) - 1 || line[sizeof(FIELD_NAME) - 1] != ':' ||
	    strncasecmp(line, FIELD_NAME, sizeof(FIELD_NAME) - 1) != 0) {
		return;
	}
	i = sizeof(FIELD_NAME);
	while (len > i && is_eol(line[len - 1])) {
		len--;
	}
	/* Split at commas outside quoted strings; trim each item. */
	while (i < len) {
		start = i;
		while (i < len && (quoted || line[i] != ',')) {
			if (line[i] == '"') {
				quoted = !quoted;
			} else if (quoted && line[i] == '\\' && i + 1 < len) {
				i++;
			}
			i++;
		}
		end = i;
		while (start < end && is_ows(line[start])) {
			start++;
		}
		while (end > start && is_ows(line[end - 1])) {
			end--;
		}
		if (end > start) {
			directive(cc, line + start, end - start);
		}
		i++; /* past the comma */
	}
}

int64_t oc_cache_control_lifetime(const struct oc_cache_control *cc)
{
	if (cc->no_cache) {
		return 0;
	}
	return cc->has_max_age ? cc->max_age : -1;
}
