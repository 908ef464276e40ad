/* GB 32100 codes and UTF-8 text (identity.h). */
#include <string.h>

#include "identity.h"

/* GB 32100-2015: the 31 code characters in value order, and the weights
 * 3^(i-1) mod 31 of positions 1..17. */
static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned uscc_weights[OC_USCC_LEN - 1] = {
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

int oc_uscc_format_ok(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, OC_USCC_LEN + 1) != OC_USCC_LEN) {
		return 0;
	}
	for (i = 0; i < OC_USCC_LEN; i++) {
		if (uscc_value(s[i]) < 0) {
			return 0;
		}
	}
	return 1;
}

int oc_uscc_ok(const char *s)
{
	unsigned sum = 0, check;
	size_t i;

	if (!oc_uscc_format_ok(s)) {
		return 0;
	}
	for (i = 0; i < OC_USCC_LEN - 1; i++) {
		sum += (unsigned)uscc_value(s[i]) * uscc_weights[i];
	}
	check = 31u - sum % 31u;
	if (check == 31u) {
		check = 0;
	}
	return (unsigned)uscc_value(s[OC_USCC_LEN - 1]) == check;
}

size_t oc_utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
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

static int utf8_scan(const unsigned char *s, size_t len, int printable)
{
	size_t i = 0, step;
	unsigned long cp = 0;

	while (i < len) {
		step = oc_utf8_decode(s + i, len - i, &cp);
		if (step == 0) {
			return 0;
		}
		if (printable && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))) {
			return 0;
		}
		i += step;
	}
	return 1;
}

int oc_utf8_valid(const unsigned char *s, size_t len)
{
	return utf8_scan(s, len, 0);
}

int oc_utf8_printable(const unsigned char *s, size_t len)
{
	return utf8_scan(s, len, 1);
}
