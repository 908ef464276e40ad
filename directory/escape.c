/*
 * Values into DNs (RFC 4514) and into search filters (RFC 4515). Every
 * DN and filter this library sends is built here, from escaped values,
 * so that no input can change the shape of a DN or a filter: a `*` in a
 * serial is a star to match, never a wildcard; a `,` in an id never
 * starts another RDN.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Appends the n bytes at s to out[cap] at *pos, keeping room for a NUL. */
static int put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (n >= cap - *pos) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(out + *pos, s, n);
	*pos += n;
	return ONECARD_OK;
}

static int put_hex(char *out, size_t cap, size_t *pos, unsigned char c, const char *digits)
{
	char esc[3];

	esc[0] = '\\';
	esc[1] = digits[c >> 4];
	esc[2] = digits[c & 0x0fu];
	return put(out, cap, pos, esc, sizeof(esc));
}

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int dir_escape_dn_value(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, pos = 0;
	unsigned char c;
	char pair[2];
	int r = ONECARD_ERR_INTERNAL;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	out[0] = '\0';
	if (len == 0) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (is_control(c)) {
			r = put_hex(out, cap, &pos, c, hex_upper);
		} else if (strchr("\"+,;<>\\=", (int)c) != NULL ||
			   (i == 0 && (c == '#' || c == ' ')) || (i == len - 1 && c == ' ')) {
			pair[0] = '\\';
			pair[1] = (char)c;
			r = put(out, cap, &pos, pair, sizeof(pair));
		} else {
			r = put(out, cap, &pos, (const char *)&in[i], 1);
		}
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	out[pos] = '\0';
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		out[0] = '\0';
	}
	return r;
}

int dir_escape_filter_value(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, pos = 0;
	unsigned char c;
	int r = ONECARD_OK;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	for (i = 0; i < len && r == ONECARD_OK; i++) {
		c = (unsigned char)in[i];
		/* strchr() would find the terminating NUL too: c == 0 is
		 * caught by is_control() first. */
		if (is_control(c) || strchr("*()\\", (int)c) != NULL) {
			r = put_hex(out, cap, &pos, c, hex_lower);
		} else {
			r = put(out, cap, &pos, (const char *)&in[i], 1);
		}
	}
	if (r != ONECARD_OK) {
		out[0] = '\0';
		return r;
	}
	out[pos] = '\0';
	return ONECARD_OK;
}

int dir_dn_child(char *out, size_t cap, const char *attr, const char *value, const char *parent)
{
	char esc[DIR_DN_MAX];
	int r, n;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	out[0] = '\0';
	r = dir_escape_dn_value(value, strlen(value), esc, sizeof(esc));
	if (r != ONECARD_OK) {
		return r;
	}
	n = snprintf(out, cap, "%s=%s,%s", attr, esc, parent);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

int dir_filter_eq(char *out, size_t cap, const char *attr, const char *value)
{
	char esc[DIR_FILTER_MAX];
	int r, n;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	out[0] = '\0';
	r = dir_escape_filter_value(value, strlen(value), esc, sizeof(esc));
	if (r != ONECARD_OK) {
		return r;
	}
	n = snprintf(out, cap, "(%s=%s)", attr, esc);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}
