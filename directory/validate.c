/*
 * The documented forms of what goes into the directory (docs/directory.md,
 * "Inputs"). Pure functions: no allocation, no library calls. The same
 * rules bind the CA's inputs (docs/ca.md), so a person id or name the CA
 * put into a certificate is one the directory takes.
 */
#include <string.h>

#include "dir_int.h"

/* GB 32100-2015: the 31 code characters in value order, and the weights
 * 3^(i-1) mod 31 of positions 1..17. */
static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned uscc_weights[OC_DIR_USCC_LEN - 1] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

/* The value of a code character, or -1. */
static int uscc_value(char c)
{
	const char *p;

	if (c == '\0') {
		return -1;
	}
	p = strchr(uscc_charset, c);
	if (p == NULL) {
		return -1;
	}
	return (int)(p - uscc_charset);
}

int dir_valid_uscc_format(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, OC_DIR_USCC_LEN + 1) != OC_DIR_USCC_LEN) {
		return 0;
	}
	for (i = 0; i < OC_DIR_USCC_LEN; i++) {
		if (uscc_value(s[i]) < 0) {
			return 0;
		}
	}
	return 1;
}

int dir_valid_uscc(const char *s)
{
	unsigned sum = 0, check;
	size_t i;

	if (!dir_valid_uscc_format(s)) {
		return 0;
	}
	for (i = 0; i < OC_DIR_USCC_LEN - 1; i++) {
		sum += (unsigned)uscc_value(s[i]) * uscc_weights[i];
	}
	check = 31u - sum % 31u;
	if (check == 31u) {
		check = 0;
	}
	return (unsigned)uscc_value(s[OC_DIR_USCC_LEN - 1]) == check;
}

int dir_valid_id(const char *s, size_t max)
{
	size_t i, len;
	char c;

	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len == 0 || len > max) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			return 0;
		}
	}
	return 1;
}

int dir_valid_agency(const char *s)
{
	size_t i, len;
	char c;

	len = s == NULL ? 0 : strnlen(s, OC_DIR_AGENCY_MAX + 1);
	if (len == 0 || len > OC_DIR_AGENCY_MAX) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			return 0;
		}
	}
	return 1;
}

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 0 if it is not the shortest valid encoding of a scalar. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < len) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0u) != 0x80u) {
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF)) {
		return 0;
	}
	*cp = c;
	return len;
}

int dir_valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, step;
	unsigned long cp = 0;

	while (i < len) {
		step = utf8_decode(s + i, len - i, &cp);
		if (step == 0) {
			return 0;
		}
		i += step;
	}
	return 1;
}

int dir_valid_text(const char *s, size_t min, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len, step;
	unsigned long cp = 0;

	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len < min || len > max) {
		return 0;
	}
	/* caseIgnoreMatch ignores spaces at either end: "ACME " and "ACME"
	 * would be one value to the server and two to us. */
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' ')) {
		return 0;
	}
	while (i < len) {
		step = utf8_decode(u + i, len - i, &cp);
		if (step == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			return 0;
		}
		i += step;
	}
	return 1;
}

static int lower_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int dir_valid_serial(const char *s)
{
	size_t i, len;

	len = s == NULL ? 0 : strnlen(s, OC_DIR_SERIAL_HEX_MAX + 1);
	if (len == 0 || len > OC_DIR_SERIAL_HEX_MAX) {
		return 0;
	}
	if (len > 1 && s[0] == '0') {
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!lower_hex_digit(s[i])) {
			return 0;
		}
	}
	return 1;
}

int dir_valid_sha256(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, OC_DIR_SHA256_HEX_LEN + 1) != OC_DIR_SHA256_HEX_LEN) {
		return 0;
	}
	for (i = 0; i < OC_DIR_SHA256_HEX_LEN; i++) {
		if (!lower_hex_digit(s[i])) {
			return 0;
		}
	}
	return 1;
}
