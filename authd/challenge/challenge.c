/* Login challenges: MAC keys, issue and check (see challenge.h and
 * docs/challenge.md for the wire format). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "b64url.h"
#include "challenge.h"

/* Prefixed to the MAC input so that the MAC key authenticates nothing
 * but challenges of this version, even if it were ever reused. */
#define MAC_CONTEXT	"onecard-challenge-mac-v1"
#define MAC_CONTEXT_LEN 25u /* NUL included */
#define TIME_LEN	8u

struct mac_key {
	char kid[OC_CHALLENGE_KID_MAX + 1];
	size_t kid_len;
	uint8_t secret[OC_CHALLENGE_SECRET_MAX];
	size_t secret_len;
	int used;
};

struct oc_challenge_keys {
	struct mac_key key[OC_CHALLENGE_KEYS_MAX];
	int current; /* index into key, or -1 */
	int64_t skew;
};

/* A bounded reader over untrusted bytes: every read checks what is left. */
struct reader {
	const uint8_t *p;
	size_t left;
};

static int read_bytes(struct reader *r, uint8_t *out, size_t n)
{
	if (n > r->left) {
		return -1;
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int read_u8(struct reader *r, uint8_t *out)
{
	return read_bytes(r, out, 1);
}

static int read_time(struct reader *r, int64_t *out)
{
	uint8_t b[TIME_LEN];
	uint64_t v = 0;
	size_t i;

	if (read_bytes(r, b, sizeof(b)) != 0) {
		return -1;
	}
	for (i = 0; i < TIME_LEN; i++) {
		v = (v << 8) | b[i];
	}
	if (v > (uint64_t)INT64_MAX) {
		return -1;
	}
	*out = (int64_t)v;
	return 0;
}

/* A bounded writer into a fixed buffer. */
struct writer {
	uint8_t *p;
	size_t left;
	size_t used;
};

static int write_bytes(struct writer *w, const void *in, size_t n)
{
	if (n > w->left) {
		return -1;
	}
	memcpy(w->p, in, n);
	w->p += n;
	w->left -= n;
	w->used += n;
	return 0;
}

static int write_u8(struct writer *w, size_t v)
{
	uint8_t b;

	if (v > 0xffu) {
		return -1;
	}
	b = (uint8_t)v;
	return write_bytes(w, &b, 1);
}

static int write_time(struct writer *w, int64_t t)
{
	uint8_t b[TIME_LEN];
	uint64_t v = (uint64_t)t;
	size_t i;

	for (i = 0; i < TIME_LEN; i++) {
		b[TIME_LEN - 1 - i] = (uint8_t)(v & 0xffu);
		v >>= 8;
	}
	return write_bytes(w, b, sizeof(b));
}

static int kid_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int origin_char_ok(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

static int audience_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* 1 when s[0..len) is 1..max bytes all accepted by ok. */
static int text_ok(const char *s, size_t len, size_t max, int (*ok)(unsigned char))
{
	size_t i;

	if (len == 0 || len > max) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!ok((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* strlen bounded by max + 1, so over-long input is seen without reading
 * past it. */
static size_t bounded_len(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max + 1);

	return nul == NULL ? max + 1 : (size_t)(nul - s);
}

static int find_key(const struct oc_challenge_keys *keys, const char *kid, size_t kid_len)
{
	size_t i;

	for (i = 0; i < OC_CHALLENGE_KEYS_MAX; i++) {
		if (keys->key[i].used && keys->key[i].kid_len == kid_len &&
		    memcmp(keys->key[i].kid, kid, kid_len) == 0) {
			return (int)i;
		}
	}
	return -1;
}

int oc_challenge_keys_new(struct oc_challenge_keys **out)
{
	struct oc_challenge_keys *keys = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	keys = calloc(1, sizeof(*keys));
	if (keys == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	keys->current = -1;
	keys->skew = OC_CHALLENGE_SKEW_DEFAULT;
	*out = keys;
	keys = NULL;
	r = ONECARD_OK;
out:
	free(keys);
	return r;
}

void oc_challenge_keys_free(struct oc_challenge_keys *keys)
{
	if (keys == NULL) {
		return;
	}
	OPENSSL_cleanse(keys, sizeof(*keys));
	free(keys);
}

int oc_challenge_keys_add(struct oc_challenge_keys *keys, const char *kid, const uint8_t *secret,
			  size_t secret_len)
{
	size_t kid_len, i;

	if (keys == NULL || kid == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (secret == NULL || secret_len < OC_CHALLENGE_SECRET_MIN ||
	    secret_len > OC_CHALLENGE_SECRET_MAX) {
		return ONECARD_ERR_BAD_KEY;
	}
	kid_len = bounded_len(kid, OC_CHALLENGE_KID_MAX);
	if (!text_ok(kid, kid_len, OC_CHALLENGE_KID_MAX, kid_char_ok)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (find_key(keys, kid, kid_len) >= 0) {
		return ONECARD_ERR_EXISTS;
	}
	for (i = 0; i < OC_CHALLENGE_KEYS_MAX; i++) {
		if (!keys->key[i].used) {
			break;
		}
	}
	if (i == OC_CHALLENGE_KEYS_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(keys->key[i].kid, kid, kid_len);
	keys->key[i].kid[kid_len] = '\0';
	keys->key[i].kid_len = kid_len;
	memcpy(keys->key[i].secret, secret, secret_len);
	keys->key[i].secret_len = secret_len;
	keys->key[i].used = 1;
	if (keys->current < 0) {
		keys->current = (int)i;
	}
	return ONECARD_OK;
}

int oc_challenge_keys_remove(struct oc_challenge_keys *keys, const char *kid)
{
	int i;

	if (keys == NULL || kid == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	i = find_key(keys, kid, bounded_len(kid, OC_CHALLENGE_KID_MAX));
	if (i < 0) {
		return ONECARD_ERR_NOT_FOUND;
	}
	OPENSSL_cleanse(&keys->key[i], sizeof(keys->key[i]));
	if (keys->current == i) {
		keys->current = -1;
	}
	return ONECARD_OK;
}

int oc_challenge_keys_set_current(struct oc_challenge_keys *keys, const char *kid)
{
	int i;

	if (keys == NULL || kid == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	i = find_key(keys, kid, bounded_len(kid, OC_CHALLENGE_KID_MAX));
	if (i < 0) {
		return ONECARD_ERR_NOT_FOUND;
	}
	keys->current = i;
	return ONECARD_OK;
}

int oc_challenge_keys_set_skew(struct oc_challenge_keys *keys, int64_t seconds)
{
	if (keys == NULL || seconds < 0 || seconds > OC_CHALLENGE_SKEW_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	keys->skew = seconds;
	return ONECARD_OK;
}

/* HMAC-SHA256 over MAC_CONTEXT (with its NUL) then data. */
static int compute_mac(const struct mac_key *key, const uint8_t *data, size_t len,
		       uint8_t mac[OC_CHALLENGE_MAC_LEN])
{
	EVP_MAC *alg = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	char digest[] = "SHA256";
	size_t mac_len = 0;
	int r = ONECARD_ERR_CRYPTO;

	memset(mac, 0, OC_CHALLENGE_MAC_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (alg == NULL) {
		goto out;
	}
	ctx = EVP_MAC_CTX_new(alg);
	if (ctx == NULL) {
		goto out;
	}
	if (EVP_MAC_init(ctx, key->secret, key->secret_len, params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)MAC_CONTEXT, MAC_CONTEXT_LEN) != 1 ||
	    EVP_MAC_update(ctx, data, len) != 1 ||
	    EVP_MAC_final(ctx, mac, &mac_len, OC_CHALLENGE_MAC_LEN) != 1 ||
	    mac_len != OC_CHALLENGE_MAC_LEN) {
		goto out;
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(mac, OC_CHALLENGE_MAC_LEN);
		ERR_clear_error();
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	return r;
}

int oc_challenge_issue(const struct oc_challenge_keys *keys, const char *origin,
		       const char *audience, int64_t now, int64_t lifetime, char **wire,
		       struct oc_challenge *out)
{
	struct oc_challenge *c = NULL;
	const struct mac_key *key;
	struct writer w;
	uint8_t mac[OC_CHALLENGE_MAC_LEN];
	size_t origin_len, audience_len;
	int r = ONECARD_ERR_INTERNAL;

	if (wire != NULL) {
		*wire = NULL;
	}
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (keys == NULL || origin == NULL || audience == NULL || wire == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (now < 0 || lifetime < 1 || lifetime > OC_CHALLENGE_LIFETIME_MAX ||
	    now > INT64_MAX - lifetime) {
		return ONECARD_ERR_INVALID_ARG;
	}
	origin_len = bounded_len(origin, OC_CHALLENGE_ORIGIN_MAX);
	audience_len = bounded_len(audience, OC_CHALLENGE_AUDIENCE_MAX);
	if (!text_ok(origin, origin_len, OC_CHALLENGE_ORIGIN_MAX, origin_char_ok) ||
	    !text_ok(audience, audience_len, OC_CHALLENGE_AUDIENCE_MAX, audience_char_ok)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (keys->current < 0) {
		return ONECARD_ERR_UNKNOWN_KID;
	}
	key = &keys->key[keys->current];

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (RAND_bytes(c->nonce, (int)sizeof(c->nonce)) != 1) {
		ERR_clear_error();
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	c->issued_at = now;
	c->expires_at = now + lifetime;
	memcpy(c->kid, key->kid, key->kid_len + 1);
	memcpy(c->origin, origin, origin_len);
	c->origin_len = origin_len;
	memcpy(c->audience, audience, audience_len);
	c->audience_len = audience_len;

	w.p = c->wire;
	w.left = sizeof(c->wire);
	w.used = 0;
	if (write_u8(&w, OC_CHALLENGE_VERSION) != 0 || write_u8(&w, key->kid_len) != 0 ||
	    write_bytes(&w, key->kid, key->kid_len) != 0 ||
	    write_bytes(&w, c->nonce, sizeof(c->nonce)) != 0 || write_time(&w, c->issued_at) != 0 ||
	    write_time(&w, c->expires_at) != 0 || write_u8(&w, origin_len) != 0 ||
	    write_bytes(&w, origin, origin_len) != 0 || write_u8(&w, audience_len) != 0 ||
	    write_bytes(&w, audience, audience_len) != 0) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	r = compute_mac(key, c->wire, w.used, mac);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (write_bytes(&w, mac, sizeof(mac)) != 0) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	c->wire_len = w.used;
	r = oc_b64url_encode_alloc(c->wire, c->wire_len, wire);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (out != NULL) {
		*out = *c;
	}
	r = ONECARD_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	free(c);
	return r;
}

static int refuse(enum oc_challenge_refusal reason, enum oc_challenge_refusal *why)
{
	static const int code[] = {
		[OC_CHALLENGE_ACCEPTED] = ONECARD_OK,
		[OC_CHALLENGE_REFUSED_TOO_LARGE] = ONECARD_ERR_TOO_LARGE,
		[OC_CHALLENGE_REFUSED_BAD_FORMAT] = ONECARD_ERR_BAD_FORMAT,
		[OC_CHALLENGE_REFUSED_UNKNOWN_KEY] = ONECARD_ERR_UNKNOWN_KID,
		[OC_CHALLENGE_REFUSED_BAD_MAC] = ONECARD_ERR_BAD_SIGNATURE,
		[OC_CHALLENGE_REFUSED_WRONG_ORIGIN] = ONECARD_ERR_WRONG_ISSUER,
		[OC_CHALLENGE_REFUSED_EXPIRED] = ONECARD_ERR_EXPIRED,
		[OC_CHALLENGE_REFUSED_NOT_YET_VALID] = ONECARD_ERR_NOT_YET_VALID,
		[OC_CHALLENGE_REFUSED_OTHER] = ONECARD_ERR_INTERNAL,
	};

	if (why != NULL) {
		*why = reason;
	}
	return code[reason];
}

const char *oc_challenge_refusal_str(enum oc_challenge_refusal why)
{
	switch (why) {
	case OC_CHALLENGE_ACCEPTED:
		return "challenge accepted";
	case OC_CHALLENGE_REFUSED_TOO_LARGE:
		return "challenge refused: too large";
	case OC_CHALLENGE_REFUSED_BAD_FORMAT:
		return "challenge refused: bad format";
	case OC_CHALLENGE_REFUSED_UNKNOWN_KEY:
		return "challenge refused: unknown MAC key";
	case OC_CHALLENGE_REFUSED_BAD_MAC:
		return "challenge refused: MAC does not verify";
	case OC_CHALLENGE_REFUSED_WRONG_ORIGIN:
		return "challenge refused: issued for another origin";
	case OC_CHALLENGE_REFUSED_EXPIRED:
		return "challenge refused: expired";
	case OC_CHALLENGE_REFUSED_NOT_YET_VALID:
		return "challenge refused: issued in the future";
	case OC_CHALLENGE_REFUSED_OTHER:
		break;
	}
	return "challenge refused";
}

/* Parses the decoded bytes into c (everything but the MAC check).
 * Returns 0 or -1 on any structural error. */
static int parse_wire(struct oc_challenge *c, uint8_t mac[OC_CHALLENGE_MAC_LEN])
{
	struct reader rd;
	uint8_t version, kid_len, origin_len, audience_len;

	rd.p = c->wire;
	rd.left = c->wire_len;
	if (read_u8(&rd, &version) != 0 || version != OC_CHALLENGE_VERSION) {
		return -1;
	}
	if (read_u8(&rd, &kid_len) != 0 || kid_len == 0 || kid_len > OC_CHALLENGE_KID_MAX ||
	    read_bytes(&rd, (uint8_t *)c->kid, kid_len) != 0 ||
	    !text_ok(c->kid, kid_len, OC_CHALLENGE_KID_MAX, kid_char_ok)) {
		return -1;
	}
	c->kid[kid_len] = '\0';
	if (read_bytes(&rd, c->nonce, sizeof(c->nonce)) != 0 ||
	    read_time(&rd, &c->issued_at) != 0 || read_time(&rd, &c->expires_at) != 0) {
		return -1;
	}
	if (c->expires_at <= c->issued_at ||
	    c->expires_at - c->issued_at > OC_CHALLENGE_LIFETIME_MAX) {
		return -1;
	}
	if (read_u8(&rd, &origin_len) != 0 ||
	    read_bytes(&rd, (uint8_t *)c->origin, origin_len) != 0 ||
	    !text_ok(c->origin, origin_len, OC_CHALLENGE_ORIGIN_MAX, origin_char_ok)) {
		return -1;
	}
	c->origin[origin_len] = '\0';
	c->origin_len = origin_len;
	if (read_u8(&rd, &audience_len) != 0 ||
	    read_bytes(&rd, (uint8_t *)c->audience, audience_len) != 0 ||
	    !text_ok(c->audience, audience_len, OC_CHALLENGE_AUDIENCE_MAX, audience_char_ok)) {
		return -1;
	}
	c->audience[audience_len] = '\0';
	c->audience_len = audience_len;
	/* The MAC, and nothing after it. */
	if (read_bytes(&rd, mac, OC_CHALLENGE_MAC_LEN) != 0 || rd.left != 0) {
		return -1;
	}
	return 0;
}

int oc_challenge_check(const struct oc_challenge_keys *keys, const char *wire, size_t len,
		       const char *expected_origin, int64_t now, struct oc_challenge *out,
		       enum oc_challenge_refusal *why)
{
	struct oc_challenge *c = NULL;
	uint8_t mac[OC_CHALLENGE_MAC_LEN], want[OC_CHALLENGE_MAC_LEN];
	size_t expected_len;
	int k, r = ONECARD_ERR_INTERNAL;

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (why != NULL) {
		*why = OC_CHALLENGE_REFUSED_OTHER;
	}
	memset(want, 0, sizeof(want));
	if (keys == NULL || wire == NULL || expected_origin == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	expected_len = bounded_len(expected_origin, OC_CHALLENGE_ORIGIN_MAX);
	if (expected_len > OC_CHALLENGE_ORIGIN_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (len > OC_CHALLENGE_TEXT_MAX) {
		return refuse(OC_CHALLENGE_REFUSED_TOO_LARGE, why);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (oc_b64url_decode_public(wire, len, c->wire, sizeof(c->wire), &c->wire_len) !=
		    ONECARD_OK ||
	    parse_wire(c, mac) != 0) {
		r = refuse(OC_CHALLENGE_REFUSED_BAD_FORMAT, why);
		goto out;
	}
	k = find_key(keys, c->kid, strlen(c->kid));
	if (k < 0) {
		r = refuse(OC_CHALLENGE_REFUSED_UNKNOWN_KEY, why);
		goto out;
	}
	r = compute_mac(&keys->key[k], c->wire, c->wire_len - OC_CHALLENGE_MAC_LEN, want);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (CRYPTO_memcmp(mac, want, OC_CHALLENGE_MAC_LEN) != 0) {
		r = refuse(OC_CHALLENGE_REFUSED_BAD_MAC, why);
		goto out;
	}
	if (c->origin_len != expected_len ||
	    memcmp(c->origin, expected_origin, expected_len) != 0) {
		r = refuse(OC_CHALLENGE_REFUSED_WRONG_ORIGIN, why);
		goto out;
	}
	if (now >= c->expires_at) {
		r = refuse(OC_CHALLENGE_REFUSED_EXPIRED, why);
		goto out;
	}
	if (c->issued_at > now && c->issued_at - now > keys->skew) {
		r = refuse(OC_CHALLENGE_REFUSED_NOT_YET_VALID, why);
		goto out;
	}
	if (out != NULL) {
		*out = *c;
	}
	r = refuse(OC_CHALLENGE_ACCEPTED, why);
out:
	OPENSSL_cleanse(want, sizeof(want));
	free(c);
	return r;
}

int oc_challenge_nonce_hex(const struct oc_challenge *c, char out[OC_CHALLENGE_NONCE_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	out[0] = '\0';
	if (c == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < OC_CHALLENGE_NONCE_LEN; i++) {
		out[2 * i] = digits[c->nonce[i] >> 4];
		out[2 * i + 1] = digits[c->nonce[i] & 0x0fu];
	}
	out[2 * OC_CHALLENGE_NONCE_LEN] = '\0';
	return ONECARD_OK;
}

int oc_challenge_nonce_b64url(const struct oc_challenge *c, char out[OC_CHALLENGE_NONCE_B64_SIZE])
{
	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	out[0] = '\0';
	if (c == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_b64url_encode(c->nonce, sizeof(c->nonce), out, OC_CHALLENGE_NONCE_B64_SIZE);
}
