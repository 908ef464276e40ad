/*
 * KEYS/manifest: which keys exist and what each is for (docs/keys.md).
 * A pure parser over untrusted bytes: no I/O, no allocation. It reads
 * like the grammar it checks:
 *
 *   manifest = "onecard-keys 1" LF *entry
 *   entry    = kind SP kid SP state SP time LF
 *   kind     = "signing" / "challenge"
 *   state    = "current" / "next" / "retired"
 *   time     = 1..12 digits without a leading zero, at most ONECARD_TIME_MAX
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "keys_int.h"

#define FIELDS 4u /* kind, kid, state, time */

_Static_assert(OC_KEYRING_CHALLENGE_MAX <= OC_KEYRING_SIGNING_MAX,
	       "oc_manifest_set.entry is sized for the larger kind");
_Static_assert(OC_KEYRING_KID_MAX <= OC_CHALLENGE_KID_MAX &&
		       OC_KEYRING_KID_MAX <= ONECARD_KID_MAX_LEN,
	       "a manifest kid must suit both the challenge and the token library");

/* The fixed sentences below spell these maxima out. */
_Static_assert(OC_KEYRING_SIGNING_MAX == 16u && OC_KEYRING_CHALLENGE_MAX == 8u &&
		       OC_KEYRING_MANIFEST_MAX == 8192u,
	       "update the sentences that name the maxima");

/* One field of a line: a view into the text. */
struct field {
	const char *p;
	size_t len;
};

static int is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int oc_keys_kid_ok(const char *kid, size_t len)
{
	size_t i;

	if (kid == NULL || len == 0 || len > OC_KEYRING_KID_MAX) {
		return 0;
	}
	if (!is_alnum((unsigned char)kid[0])) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];

		if (!is_alnum(c) && c != '.' && c != '_' && c != '-') {
			return 0;
		}
	}
	return 1;
}

static int field_is(const struct field *f, const char *word)
{
	size_t n = strlen(word);

	return f->len == n && memcmp(f->p, word, n) == 0;
}

/* Splits a line (without its LF) into exactly FIELDS non-empty fields
 * separated by single spaces. Returns 0 or -1. */
static int split_fields(const char *p, size_t len, struct field out[FIELDS])
{
	size_t i, start = 0, n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != ' ') {
			continue;
		}
		if (i == start || n == FIELDS) {
			return -1; /* an empty field, or a fifth one */
		}
		out[n].p = p + start;
		out[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n == FIELDS ? 0 : -1;
}

/* Parses Unix seconds: digits only, no leading zero, 1..ONECARD_TIME_MAX. */
static int parse_time(const struct field *f, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	*out = 0;
	if (f->len == 0 || f->len > OC_MANIFEST_TIME_DIGITS || f->p[0] == '0') {
		return -1;
	}
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9') {
			return -1;
		}
		/* 12 digits stay far below INT64_MAX: no overflow before the check. */
		v = v * 10 + (f->p[i] - '0');
	}
	if (v > ONECARD_TIME_MAX) {
		return -1;
	}
	*out = v;
	return 0;
}

static size_t set_max(enum oc_key_kind kind)
{
	return kind == OC_KIND_SIGNING ? OC_KEYRING_SIGNING_MAX : OC_KEYRING_CHALLENGE_MAX;
}

/* Parses one entry line into m. Returns 0, or ONECARD_ERR_POLICY /
 * ONECARD_ERR_TOO_LARGE with *why. has_current / has_next track, per
 * kind, what the lines so far named. */
static int parse_entry(const char *p, size_t len, struct oc_manifest *m, int has_current[],
		       int has_next[], const char **why)
{
	struct field f[FIELDS];
	struct oc_manifest_set *set;
	struct oc_manifest_entry *e;
	enum oc_key_kind kind;
	enum oc_key_state state;
	int64_t since;
	size_t i;

	if (split_fields(p, len, f) != 0) {
		*why = "not four fields separated by single spaces";
		return ONECARD_ERR_POLICY;
	}
	if (field_is(&f[0], "signing")) {
		kind = OC_KIND_SIGNING;
	} else if (field_is(&f[0], "challenge")) {
		kind = OC_KIND_CHALLENGE;
	} else {
		*why = "unknown key kind (signing or challenge)";
		return ONECARD_ERR_POLICY;
	}
	if (!oc_keys_kid_ok(f[1].p, f[1].len)) {
		*why = "bad kid (1..64 of [A-Za-z0-9._-], starting with a letter or digit)";
		return ONECARD_ERR_POLICY;
	}
	if (field_is(&f[2], "current")) {
		state = OC_STATE_CURRENT;
	} else if (field_is(&f[2], "next")) {
		state = OC_STATE_NEXT;
	} else if (field_is(&f[2], "retired")) {
		state = OC_STATE_RETIRED;
	} else {
		*why = "unknown key state (current, next or retired)";
		return ONECARD_ERR_POLICY;
	}
	if (parse_time(&f[3], &since) != 0) {
		*why = "bad time (Unix seconds)";
		return ONECARD_ERR_POLICY;
	}
	set = &m->set[kind];
	for (i = 0; i < set->count; i++) {
		if (set->entry[i].kid_len == f[1].len &&
		    memcmp(set->entry[i].kid, f[1].p, f[1].len) == 0) {
			*why = "a kid listed twice";
			return ONECARD_ERR_POLICY;
		}
	}
	if (state == OC_STATE_CURRENT && has_current[kind]) {
		*why = "a second current key of its kind";
		return ONECARD_ERR_POLICY;
	}
	if (state == OC_STATE_NEXT && has_next[kind]) {
		*why = "a second next key of its kind";
		return ONECARD_ERR_POLICY;
	}
	if (set->count >= set_max(kind)) {
		*why = kind == OC_KIND_SIGNING ? "more than 16 signing keys"
					       : "more than 8 challenge keys";
		return ONECARD_ERR_TOO_LARGE;
	}
	e = &set->entry[set->count];
	memcpy(e->kid, f[1].p, f[1].len);
	e->kid[f[1].len] = '\0';
	e->kid_len = f[1].len;
	e->state = state;
	e->since = since;
	if (state == OC_STATE_CURRENT) {
		set->current = set->count;
		has_current[kind] = 1;
	}
	if (state == OC_STATE_NEXT) {
		has_next[kind] = 1;
	}
	set->count++;
	return ONECARD_OK;
}

int oc_manifest_parse(const char *text, size_t len, struct oc_manifest *out, size_t *line,
		      const char **why)
{
	struct oc_manifest m;
	int has_current[OC_KIND_COUNT] = {0, 0};
	int has_next[OC_KIND_COUNT] = {0, 0};
	const char *p, *lf;
	size_t left, n = 1;
	int r = ONECARD_ERR_POLICY;

	memset(&m, 0, sizeof(m));
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	*line = 0;
	*why = "invalid";
	if (text == NULL || out == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (len > OC_KEYRING_MANIFEST_MAX) {
		*why = "larger than 8192 bytes";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (len < OC_MANIFEST_HEADER_LEN ||
	    memcmp(text, OC_MANIFEST_HEADER, OC_MANIFEST_HEADER_LEN) != 0) {
		*line = 1;
		*why = "the first line is not \"onecard-keys 1\"";
		goto out;
	}
	p = text + OC_MANIFEST_HEADER_LEN;
	left = len - OC_MANIFEST_HEADER_LEN;
	while (left > 0) {
		n++;
		lf = memchr(p, '\n', left);
		if (lf == NULL) {
			*line = n;
			*why = "the last line does not end in a newline";
			r = ONECARD_ERR_POLICY;
			goto out;
		}
		r = parse_entry(p, (size_t)(lf - p), &m, has_current, has_next, why);
		if (r != ONECARD_OK) {
			*line = n;
			goto out;
		}
		left -= (size_t)(lf - p) + 1u;
		p = lf + 1;
	}
	r = ONECARD_ERR_POLICY;
	if (!has_current[OC_KIND_SIGNING]) {
		*why = "no current signing key";
		goto out;
	}
	if (!has_current[OC_KIND_CHALLENGE]) {
		*why = "no current challenge key";
		goto out;
	}
	*out = m;
	*why = "";
	r = ONECARD_OK;
out:
	return r;
}
