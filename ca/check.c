/*
 * Checks of operator-given values (check.h). These values end up in a
 * certificate subject, the inventory and the audit trail, so each is
 * held to its documented form before anything else looks at it.
 */
#include <string.h>

#include <onecard/error.h>

#include "ca_limits.h"
#include "check.h"

/* GB 32100-2015: the 31 code characters, in value order, and the
 * weights 3^(i-1) mod 31 of positions 1..17. */
static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned uscc_weights[OC_CA_USCC_LEN - 1] = {
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

int oc_check_uscc(const char *s, const char **why)
{
	unsigned sum = 0, check;
	size_t i;
	int v;

	*why = NULL;
	if (s == NULL || strnlen(s, OC_CA_USCC_LEN + 1) != OC_CA_USCC_LEN) {
		*why = "USCC must be exactly 18 characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < OC_CA_USCC_LEN; i++) {
		v = uscc_value(s[i]);
		if (v < 0) {
			*why = "USCC has a character outside 0-9 A-H J-N P Q R T U W X Y";
			return ONECARD_ERR_INVALID_ARG;
		}
		if (i < OC_CA_USCC_LEN - 1) {
			sum += (unsigned)v * uscc_weights[i];
		}
	}
	check = 31u - sum % 31u;
	if (check == 31u) {
		check = 0;
	}
	if ((unsigned)uscc_value(s[OC_CA_USCC_LEN - 1]) != check) {
		*why = "USCC check character does not match (GB 32100)";
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_check_person_id(const char *s, const char **why)
{
	size_t i, len;
	char c;

	*why = NULL;
	len = s == NULL ? 0 : strnlen(s, OC_CA_PERSON_ID_MAX + 1);
	if (len == 0 || len > OC_CA_PERSON_ID_MAX) {
		*why = "person id must be 1 to 64 characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			*why = "person id may hold only A-Z a-z 0-9 . _ -";
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	return ONECARD_OK;
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

int oc_utf8_printable(const unsigned char *s, size_t len)
{
	size_t i = 0, step;
	unsigned long cp = 0;

	while (i < len) {
		step = utf8_decode(s + i, len - i, &cp);
		if (step == 0) {
			return 0;
		}
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			return 0;
		}
		i += step;
	}
	return 1;
}

int oc_check_text(const char *s, size_t max, const char **why)
{
	size_t len;

	*why = NULL;
	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len == 0) {
		*why = "must not be empty";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (len > max) {
		*why = "is longer than allowed";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_utf8_printable((const unsigned char *)s, len)) {
		*why = "must be UTF-8 text without control characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}
