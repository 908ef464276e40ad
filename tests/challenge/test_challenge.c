/* Login challenges: round trip and every refusal (NEGATIVE-TESTS.md P3,
 * J4), rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include <onecard/error.h>

#include "b64url.h"
#include "challenge.h"

#define NOW	 INT64_C(1800000000)
#define ORIGIN	 "https://authd.province.example"
#define AUDIENCE "customs-declare"

static void fill_secret(uint8_t *s, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		s[i] = (uint8_t)(seed + i * 7u);
	}
}

static struct oc_challenge_keys *keys_with(const char *kid, uint8_t seed)
{
	struct oc_challenge_keys *keys = NULL;
	uint8_t secret[32];

	fill_secret(secret, sizeof(secret), seed);
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, kid, secret, sizeof(secret)), ONECARD_OK);
	return keys;
}

static char *issue(const struct oc_challenge_keys *keys, int64_t now, int64_t lifetime)
{
	char *wire = NULL;

	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, now, lifetime, &wire, NULL),
			 ONECARD_OK);
	return wire;
}

static int check(const struct oc_challenge_keys *keys, const char *wire, size_t len, int64_t now,
		 enum oc_challenge_refusal *why)
{
	struct oc_challenge c;

	return oc_challenge_check(keys, wire, len, ORIGIN, now, &c, why);
}

/* Encodes raw bytes and checks them. */
static int check_bytes(const struct oc_challenge_keys *keys, const uint8_t *b, size_t len)
{
	char text[2 * OC_CHALLENGE_TEXT_MAX];
	enum oc_challenge_refusal why;
	int r;

	assert_int_equal(oc_b64url_encode(b, len, text, sizeof(text)), ONECARD_OK);
	r = check(keys, text, strlen(text), NOW, &why);
	assert_int_not_equal(why, OC_CHALLENGE_REFUSED_OTHER);
	return r;
}

/* Builds a challenge from arbitrary fields and MACs it correctly with
 * keys_with(kid, seed)'s secret, so that only the format rule under test
 * can refuse it. Returns its length in b. */
static size_t forge(uint8_t *b, size_t cap, uint8_t version, const char *kid, uint64_t iat,
		    uint64_t exp, const char *origin, const char *aud, uint8_t seed)
{
	static const char label[] = "onecard-challenge-mac-v1";
	uint8_t secret[32], in[1024];
	size_t n = 0, i, mac_len = 0;

	fill_secret(secret, sizeof(secret), seed);
	b[n++] = version;
	b[n++] = (uint8_t)strlen(kid);
	memcpy(b + n, kid, strlen(kid));
	n += strlen(kid);
	memset(b + n, 0x33, OC_CHALLENGE_NONCE_LEN);
	n += OC_CHALLENGE_NONCE_LEN;
	for (i = 0; i < 8; i++) {
		b[n + i] = (uint8_t)(iat >> (56 - 8 * i));
		b[n + 8 + i] = (uint8_t)(exp >> (56 - 8 * i));
	}
	n += 16;
	b[n++] = (uint8_t)strlen(origin);
	memcpy(b + n, origin, strlen(origin));
	n += strlen(origin);
	b[n++] = (uint8_t)strlen(aud);
	memcpy(b + n, aud, strlen(aud));
	n += strlen(aud);
	assert_true(sizeof(label) + n <= sizeof(in) && n + OC_CHALLENGE_MAC_LEN <= cap);
	memcpy(in, label, sizeof(label)); /* NUL included */
	memcpy(in + sizeof(label), b, n);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, sizeof(secret), in,
				  sizeof(label) + n, b + n, OC_CHALLENGE_MAC_LEN, &mac_len));
	assert_int_equal(mac_len, OC_CHALLENGE_MAC_LEN);
	return n + mac_len;
}

/* Every format rule, with a correct MAC over the bad fields. */
static void forged_formats(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 5);
	uint8_t b[OC_CHALLENGE_WIRE_MAX + 64];
	const uint64_t t = (uint64_t)NOW;
	size_t n;

	(void)state;
	/* The forger itself is right: a well-formed one is accepted. */
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_OK);
	n = forge(b, sizeof(b), 1, "k1", t, t + 120, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_OK);

	n = forge(b, sizeof(b), 0, "k1", t, t + 60, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 2, "k1", t, t + 60, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t + 121, ORIGIN, AUDIENCE, 5); /* lifetime */
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t, ORIGIN, AUDIENCE, 5); /* zero lifetime */
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t - 1, ORIGIN, AUDIENCE, 5); /* ends before it starts */
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", UINT64_MAX - 60, UINT64_MAX, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT); /* past INT64_MAX */
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, "https://a b", AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, "", AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, "https://\x7f", AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, ORIGIN, "Customs", 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k1", t, t + 60, ORIGIN, "", 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "", t, t + 60, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	n = forge(b, sizeof(b), 1, "k/1", t, t + 60, ORIGIN, AUDIENCE, 5);
	assert_int_equal(check_bytes(keys, b, n), ONECARD_ERR_BAD_FORMAT);
	oc_challenge_keys_free(keys);
}

static void round_trip(void **state)
{
	struct oc_challenge_keys *keys = keys_with("mac-2026-1", 1);
	struct oc_challenge issued, checked;
	enum oc_challenge_refusal why = OC_CHALLENGE_REFUSED_OTHER;
	char hex[OC_CHALLENGE_NONCE_HEX_SIZE], b64[OC_CHALLENGE_NONCE_B64_SIZE];
	char *wire = NULL;

	(void)state;
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wire, &issued),
			 ONECARD_OK);
	assert_non_null(wire);
	assert_true(strlen(wire) <= OC_CHALLENGE_TEXT_MAX);
	assert_int_equal(oc_challenge_check(keys, wire, strlen(wire), ORIGIN, NOW, &checked, &why),
			 ONECARD_OK);
	assert_int_equal(why, OC_CHALLENGE_ACCEPTED);
	assert_memory_equal(checked.nonce, issued.nonce, OC_CHALLENGE_NONCE_LEN);
	assert_int_equal(checked.issued_at, NOW);
	assert_int_equal(checked.expires_at, NOW + 60);
	assert_string_equal(checked.origin, ORIGIN);
	assert_int_equal(checked.origin_len, strlen(ORIGIN));
	assert_string_equal(checked.audience, AUDIENCE);
	assert_string_equal(checked.kid, "mac-2026-1");
	assert_int_equal(checked.wire_len, issued.wire_len);
	assert_memory_equal(checked.wire, issued.wire, issued.wire_len);
	assert_int_equal(checked.wire[0], OC_CHALLENGE_VERSION);

	assert_int_equal(oc_challenge_nonce_hex(&checked, hex), ONECARD_OK);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(oc_challenge_nonce_b64url(&checked, b64), ONECARD_OK);
	assert_int_equal(strlen(b64), 43);
	assert_string_not_equal(oc_challenge_refusal_str(OC_CHALLENGE_REFUSED_EXPIRED),
				oc_challenge_refusal_str(OC_CHALLENGE_REFUSED_BAD_MAC));
	free(wire);
	oc_challenge_keys_free(keys);
}

static void nonces_differ(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k", 1);
	struct oc_challenge a, b;
	char *wa = NULL, *wb = NULL;

	(void)state;
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wa, &a), ONECARD_OK);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wb, &b), ONECARD_OK);
	assert_memory_not_equal(a.nonce, b.nonce, OC_CHALLENGE_NONCE_LEN);
	assert_string_not_equal(wa, wb);
	free(wa);
	free(wb);
	oc_challenge_keys_free(keys);
}

/* Every bit of every byte of the decoded challenge, and of the text. */
static void flipped_bits(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 3);
	struct oc_challenge c;
	uint8_t b[OC_CHALLENGE_WIRE_MAX];
	char *wire = NULL, *text;
	size_t i, len;
	unsigned bit;

	(void)state;
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_OK);
	assert_int_equal(check_bytes(keys, c.wire, c.wire_len), ONECARD_OK);
	for (i = 0; i < c.wire_len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(b, c.wire, c.wire_len);
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(check_bytes(keys, b, c.wire_len), ONECARD_OK);
		}
	}
	len = strlen(wire);
	text = malloc(len + 1);
	assert_non_null(text);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(text, wire, len + 1);
			text[i] = (char)((unsigned char)text[i] ^ (1u << bit));
			assert_int_not_equal(check(keys, text, len, NOW, NULL), ONECARD_OK);
		}
	}
	free(text);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void truncated_and_extended(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 3);
	struct oc_challenge c;
	uint8_t b[OC_CHALLENGE_WIRE_MAX + 2];
	char *wire = NULL, *longer;
	size_t i, len;

	(void)state;
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_OK);
	len = strlen(wire);
	for (i = 0; i < len; i++) {
		assert_int_not_equal(check(keys, wire, i, NOW, NULL), ONECARD_OK);
	}
	for (i = 0; i < c.wire_len; i++) {
		assert_int_equal(check_bytes(keys, c.wire, i), ONECARD_ERR_BAD_FORMAT);
	}
	/* One and two more bytes after the MAC. */
	memcpy(b, c.wire, c.wire_len);
	b[c.wire_len] = 0;
	b[c.wire_len + 1] = 0;
	assert_int_equal(check_bytes(keys, b, c.wire_len + 1), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(check_bytes(keys, b, c.wire_len + 2), ONECARD_ERR_BAD_FORMAT);
	/* More text. */
	longer = malloc(len + 3);
	assert_non_null(longer);
	memcpy(longer, wire, len);
	memcpy(longer + len, "AA", 3);
	assert_int_not_equal(check(keys, longer, len + 1, NOW, NULL), ONECARD_OK);
	assert_int_not_equal(check(keys, longer, len + 2, NOW, NULL), ONECARD_OK);
	free(longer);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void too_large(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 3);
	enum oc_challenge_refusal why;
	char *big = malloc(OC_CHALLENGE_TEXT_MAX + 2);

	(void)state;
	assert_non_null(big);
	memset(big, 'A', OC_CHALLENGE_TEXT_MAX + 1);
	big[OC_CHALLENGE_TEXT_MAX + 1] = '\0';
	assert_int_equal(check(keys, big, OC_CHALLENGE_TEXT_MAX + 1, NOW, &why),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_TOO_LARGE);
	/* At the maximum: decodes, but is no challenge. */
	assert_int_equal(check(keys, big, OC_CHALLENGE_TEXT_MAX, NOW, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(check(keys, "", 0, NOW, &why), ONECARD_ERR_BAD_FORMAT);
	free(big);
	oc_challenge_keys_free(keys);
}

static void bad_base64url(void **state)
{
	static const char bad[] = {'+', '/', '=', ' ', '\n', '\0', '.', '~'};
	struct oc_challenge_keys *keys = keys_with("k1", 3);
	enum oc_challenge_refusal why;
	char *wire, *text;
	size_t i, len;

	(void)state;
	wire = issue(keys, NOW, 60);
	len = strlen(wire);
	text = malloc(len + 2);
	assert_non_null(text);
	for (i = 0; i < sizeof(bad); i++) {
		memcpy(text, wire, len + 1);
		text[len / 2] = bad[i];
		assert_int_equal(check(keys, text, len, NOW, &why), ONECARD_ERR_BAD_FORMAT);
		assert_int_equal(why, OC_CHALLENGE_REFUSED_BAD_FORMAT);
	}
	/* Padding appended. */
	memcpy(text, wire, len);
	text[len] = '=';
	text[len + 1] = '\0';
	assert_int_equal(check(keys, text, len + 1, NOW, &why), ONECARD_ERR_BAD_FORMAT);
	free(text);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void unknown_kid(void **state)
{
	struct oc_challenge_keys *a = keys_with("old", 1), *b = keys_with("new", 1);
	enum oc_challenge_refusal why;
	char *wire;

	(void)state;
	wire = issue(a, NOW, 60);
	assert_int_equal(check(b, wire, strlen(wire), NOW, &why), ONECARD_ERR_UNKNOWN_KID);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_UNKNOWN_KEY);
	free(wire);
	oc_challenge_keys_free(a);
	oc_challenge_keys_free(b);
}

static void mac_under_other_key(void **state)
{
	struct oc_challenge_keys *a = keys_with("k1", 1), *b = keys_with("k1", 2);
	enum oc_challenge_refusal why;
	char *wire;

	(void)state;
	wire = issue(a, NOW, 60);
	assert_int_equal(check(b, wire, strlen(wire), NOW, &why), ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_BAD_MAC);
	free(wire);
	oc_challenge_keys_free(a);
	oc_challenge_keys_free(b);
}

static void wrong_origin(void **state)
{
	static const char *const others[] = {
		"https://authd.province",	   /* prefix */
		"https://authd.province.example/", /* suffix */
		"https://authd.province.example.evil",
		"HTTPS://authd.province.example", /* case */
		"https://Authd.province.example",
		"http://authd.province.example",
		"",
	};
	struct oc_challenge_keys *keys = keys_with("k1", 1);
	struct oc_challenge c;
	enum oc_challenge_refusal why;
	char *wire;
	size_t i;

	(void)state;
	wire = issue(keys, NOW, 60);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_int_equal(
			oc_challenge_check(keys, wire, strlen(wire), others[i], NOW, &c, &why),
			ONECARD_ERR_WRONG_ISSUER);
		assert_int_equal(why, OC_CHALLENGE_REFUSED_WRONG_ORIGIN);
		assert_int_equal(c.origin_len, 0); /* outputs only on success */
	}
	free(wire);
	oc_challenge_keys_free(keys);
}

static void expired(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 1);
	enum oc_challenge_refusal why;
	char *wire;

	(void)state;
	wire = issue(keys, NOW, 60);
	assert_int_equal(check(keys, wire, strlen(wire), NOW + 59, &why), ONECARD_OK);
	assert_int_equal(check(keys, wire, strlen(wire), NOW + 60, &why), ONECARD_ERR_EXPIRED);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_EXPIRED);
	assert_int_equal(check(keys, wire, strlen(wire), NOW + 61, &why), ONECARD_ERR_EXPIRED);
	assert_int_equal(check(keys, wire, strlen(wire), INT64_MAX, &why), ONECARD_ERR_EXPIRED);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void issued_in_future(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 1);
	enum oc_challenge_refusal why;
	char *wire;

	(void)state;
	wire = issue(keys, NOW, 60);
	/* Default skew: 2 s. */
	assert_int_equal(check(keys, wire, strlen(wire), NOW - OC_CHALLENGE_SKEW_DEFAULT, &why),
			 ONECARD_OK);
	assert_int_equal(check(keys, wire, strlen(wire), NOW - OC_CHALLENGE_SKEW_DEFAULT - 1, &why),
			 ONECARD_ERR_NOT_YET_VALID);
	assert_int_equal(why, OC_CHALLENGE_REFUSED_NOT_YET_VALID);
	assert_int_equal(oc_challenge_keys_set_skew(keys, 0), ONECARD_OK);
	assert_int_equal(check(keys, wire, strlen(wire), NOW - 1, &why), ONECARD_ERR_NOT_YET_VALID);
	assert_int_equal(check(keys, wire, strlen(wire), NOW - 3600, &why),
			 ONECARD_ERR_NOT_YET_VALID);
	assert_int_equal(oc_challenge_keys_set_skew(keys, OC_CHALLENGE_SKEW_MAX + 1),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_keys_set_skew(keys, -1), ONECARD_ERR_INVALID_ARG);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void issue_refusals(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 1);
	struct oc_challenge c;
	char long_text[OC_CHALLENGE_ORIGIN_MAX + 2];
	char *wire = NULL;

	(void)state;
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 121, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(wire);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 0, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, -5, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, -1, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, INT64_MAX - 10, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, "https://a b", AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, "", AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, "Customs", NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, "cu_stoms", NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(oc_challenge_issue(keys, long_text, AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, long_text, NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	/* 255 bytes each, lifetime 120: the largest challenge. */
	long_text[OC_CHALLENGE_ORIGIN_MAX] = '\0';
	assert_int_equal(oc_challenge_issue(keys, long_text, long_text, NOW, 120, &wire, &c),
			 ONECARD_OK);
	assert_int_equal(check_bytes(keys, c.wire, c.wire_len), ONECARD_ERR_WRONG_ISSUER);
	assert_int_equal(oc_challenge_check(keys, wire, strlen(wire), long_text, NOW, &c, NULL),
			 ONECARD_OK);
	free(wire);
	oc_challenge_keys_free(keys);
}

static void weak_keys(void **state)
{
	struct oc_challenge_keys *keys = NULL;
	uint8_t secret[OC_CHALLENGE_SECRET_MAX + 1];
	char *wire = NULL;

	(void)state;
	fill_secret(secret, sizeof(secret), 9);
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	/* No key yet: nothing can be issued. */
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &wire, NULL),
			 ONECARD_ERR_UNKNOWN_KID);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, 0), ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_challenge_keys_add(keys, "k", NULL, 32), ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, 1), ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, 31), ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, OC_CHALLENGE_SECRET_MAX + 1),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_challenge_keys_add(keys, "", secret, 32), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_keys_add(keys, "k 1", secret, 32), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, 32), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, "k", secret, 32), ONECARD_ERR_EXISTS);
	assert_int_equal(oc_challenge_keys_add(keys, "k64", secret, 64), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_set_current(keys, "nope"), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_challenge_keys_remove(keys, "nope"), ONECARD_ERR_NOT_FOUND);
	oc_challenge_keys_free(keys);
	oc_challenge_keys_free(NULL);
}

static void rotation(void **state)
{
	struct oc_challenge_keys *keys = keys_with("2026-01", 1);
	struct oc_challenge c;
	uint8_t secret[32];
	char *old_wire, *new_wire;

	(void)state;
	old_wire = issue(keys, NOW, 60);
	fill_secret(secret, sizeof(secret), 77);
	assert_int_equal(oc_challenge_keys_add(keys, "2026-02", secret, sizeof(secret)),
			 ONECARD_OK);
	assert_int_equal(oc_challenge_keys_set_current(keys, "2026-02"), ONECARD_OK);
	new_wire = issue(keys, NOW, 60);
	assert_int_equal(
		oc_challenge_check(keys, new_wire, strlen(new_wire), ORIGIN, NOW, &c, NULL),
		ONECARD_OK);
	assert_string_equal(c.kid, "2026-02");
	/* Old key still loaded: the old challenge still checks. */
	assert_int_equal(
		oc_challenge_check(keys, old_wire, strlen(old_wire), ORIGIN, NOW, &c, NULL),
		ONECARD_OK);
	assert_string_equal(c.kid, "2026-01");
	assert_int_equal(oc_challenge_keys_remove(keys, "2026-01"), ONECARD_OK);
	assert_int_equal(check(keys, old_wire, strlen(old_wire), NOW, NULL),
			 ONECARD_ERR_UNKNOWN_KID);
	assert_int_equal(check(keys, new_wire, strlen(new_wire), NOW, NULL), ONECARD_OK);
	/* Removing the current key stops issuing until another is current. */
	free(new_wire);
	new_wire = NULL;
	assert_int_equal(oc_challenge_keys_remove(keys, "2026-02"), ONECARD_OK);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, &new_wire, NULL),
			 ONECARD_ERR_UNKNOWN_KID);
	assert_null(new_wire);
	free(old_wire);
	oc_challenge_keys_free(keys);
}

static void bad_args(void **state)
{
	struct oc_challenge_keys *keys = keys_with("k1", 1);
	struct oc_challenge c;
	char *wire = NULL;

	(void)state;
	assert_int_equal(oc_challenge_keys_new(NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(NULL, ORIGIN, AUDIENCE, NOW, 60, &wire, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, NOW, 60, NULL, &c),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_check(keys, NULL, 0, ORIGIN, NOW, &c, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_check(keys, "", 0, NULL, NOW, &c, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_challenge_nonce_hex(NULL, (char[OC_CHALLENGE_NONCE_HEX_SIZE]){0}),
			 ONECARD_ERR_INVALID_ARG);
	oc_challenge_keys_free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),	    cmocka_unit_test(nonces_differ),
		cmocka_unit_test(flipped_bits),	    cmocka_unit_test(truncated_and_extended),
		cmocka_unit_test(too_large),	    cmocka_unit_test(bad_base64url),
		cmocka_unit_test(unknown_kid),	    cmocka_unit_test(mac_under_other_key),
		cmocka_unit_test(wrong_origin),	    cmocka_unit_test(expired),
		cmocka_unit_test(issued_in_future), cmocka_unit_test(issue_refusals),
		cmocka_unit_test(weak_keys),	    cmocka_unit_test(rotation),
		cmocka_unit_test(bad_args),	    cmocka_unit_test(forged_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
