/* Strict, constant-time base64url (see b64url.h). */
#include <stdlib.h>

#include <onecard/error.h>

#include "b64url.h"

/* Masks for branch-free comparisons of small unsigned values (< 2^31):
 * all ones when the relation holds, else zero. */
static unsigned mask_lt(unsigned x, unsigned y)
{
	return 0u - ((x - y) >> 31);
}

static unsigned mask_ge(unsigned x, unsigned y)
{
	return ~mask_lt(x, y);
}

static unsigned mask_in(unsigned x, unsigned lo, unsigned hi)
{
	return mask_ge(x, lo) & mask_lt(x, hi + 1u);
}

/* Maps 0..63 to its character without branching on the value. */
static char encode_char(unsigned v)
{
	unsigned c = (mask_lt(v, 26u) & (v + 'A')) | (mask_in(v, 26u, 51u) & (v - 26u + 'a')) |
		     (mask_in(v, 52u, 61u) & (v - 52u + '0')) |
		     (mask_in(v, 62u, 62u) & (unsigned)'-') |
		     (mask_in(v, 63u, 63u) & (unsigned)'_');

	return (char)(c & 0xffu);
}

/* Maps a character to 0..63, or to a value with bit 8 set if it is not
 * in the alphabet; no branch depends on the character. */
static unsigned decode_char(unsigned char ch)
{
	unsigned c = ch;
	unsigned upper = mask_in(c, 'A', 'Z');
	unsigned lower = mask_in(c, 'a', 'z');
	unsigned digit = mask_in(c, '0', '9');
	unsigned dash = mask_in(c, '-', '-');
	unsigned under = mask_in(c, '_', '_');
	unsigned v = (upper & (c - 'A')) | (lower & (c - 'a' + 26u)) | (digit & (c - '0' + 52u)) |
		     (dash & 62u) | (under & 63u);

	return v | (~(upper | lower | digit | dash | under) & 0x100u);
}

size_t oc_b64url_encoded_len(size_t n)
{
	return (n / 3u) * 4u + ((n % 3u) * 4u + 2u) / 3u;
}

size_t oc_b64url_decoded_max(size_t n)
{
	return (n / 4u) * 3u + ((n % 4u) * 3u) / 4u;
}

int oc_b64url_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
	size_t need, i, o = 0;
	unsigned acc = 0;
	unsigned bits = 0;

	if (len > (SIZE_MAX / 4u) - 2u) {
		return ONECARD_ERR_TOO_LARGE;
	}
	need = oc_b64url_encoded_len(len) + 1u;
	if (out == NULL || out_cap < need) {
		return ONECARD_ERR_TOO_LARGE;
	}
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = encode_char((acc >> bits) & 0x3fu);
		}
	}
	if (bits > 0) {
		out[o++] = encode_char((acc << (6u - bits)) & 0x3fu);
	}
	out[o] = '\0';
	return ONECARD_OK;
}

int oc_b64url_encode_alloc(const uint8_t *in, size_t len, char **out)
{
	char *buf = NULL;
	size_t cap;
	int r;

	*out = NULL;
	if (len > (SIZE_MAX / 4u) - 2u) {
		return ONECARD_ERR_TOO_LARGE;
	}
	cap = oc_b64url_encoded_len(len) + 1u;
	buf = malloc(cap);
	if (buf == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	r = oc_b64url_encode(in, len, buf, cap);
	if (r != ONECARD_OK) {
		free(buf);
		return r;
	}
	*out = buf;
	return ONECARD_OK;
}

int oc_b64url_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	size_t i, o = 0;
	unsigned acc = 0;
	unsigned bits = 0;
	unsigned bad = 0;

	*out_len = 0;
	/* A remainder of one character cannot encode a whole byte. */
	if (len % 4u == 1u) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (oc_b64url_decoded_max(len) > out_cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	for (i = 0; i < len; i++) {
		unsigned v = decode_char((unsigned char)in[i]);

		bad |= v;
		acc = (acc << 6) | (v & 0x3fu);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)((acc >> bits) & 0xffu);
		}
	}
	/* Leftover bits must be zero: one canonical encoding per input. */
	bad |= (acc & ((1u << bits) - 1u)) != 0 ? 0x100u : 0u;
	if ((bad & 0x100u) != 0) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out_len = o;
	return ONECARD_OK;
}
