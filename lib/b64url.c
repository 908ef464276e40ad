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

/* 0..63 for the alphabet, 0xff for everything else. */
static const uint8_t public_table[256] = {
#define X 0xff
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	/* 0x00 */
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	/* 0x10 */
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  62, X,  X,	/* 0x20 '-' */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,	X,  X,	X,  X,	/* 0x30 0-9 */
	X,  0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, /* 0x40 A-O */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,	X,  X,	X,  63, /* 0x50 P-Z '_' */
	X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60 a-o */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,	X,  X,	X,  X,	/* 0x70 p-z */
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	/* 0x80.. */
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X, X, X, X, X, X, X,
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X, X, X, X, X, X, X,
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X, X, X, X, X, X, X,
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X, X, X, X, X, X, X,
	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X,  X,	X, X, X, X,
#undef X
};

int oc_b64url_decode_public(const char *in, size_t len, uint8_t *out, size_t out_cap,
			    size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0, whole = len / 4u * 4u;
	unsigned a, b, c, d;

	*out_len = 0;
	if (len % 4u == 1u) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (oc_b64url_decoded_max(len) > out_cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	for (i = 0; i < whole; i += 4) {
		a = public_table[p[i]];
		b = public_table[p[i + 1]];
		c = public_table[p[i + 2]];
		d = public_table[p[i + 3]];
		if ((a | b | c | d) > 63u) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		out[o++] = (uint8_t)((b & 0x0fu) << 4 | c >> 2);
		out[o++] = (uint8_t)((c & 0x03u) << 6 | d);
	}
	if (len - whole == 2u) {
		a = public_table[p[whole]];
		b = public_table[p[whole + 1]];
		/* The 4 bits b carries beyond the byte must be zero (canonical). */
		if ((a | b) > 63u || (b & 0x0fu) != 0) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		out[o++] = (uint8_t)(a << 2 | b >> 4);
	} else if (len - whole == 3u) {
		a = public_table[p[whole]];
		b = public_table[p[whole + 1]];
		c = public_table[p[whole + 2]];
		if ((a | b | c) > 63u || (c & 0x03u) != 0) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		out[o++] = (uint8_t)((b & 0x0fu) << 4 | c >> 2);
	}
	*out_len = o;
	return ONECARD_OK;
}
