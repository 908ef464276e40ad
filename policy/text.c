/*
 * Checks of single text values (UTF-8, ids, subject templates) and the
 * formatting of error messages. No outside library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

void pol_err(char *err, size_t err_size, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	size_t used;
	int w;

	if (err == NULL || err_size == 0) {
		return;
	}
	err[0] = '\0';
	if (line > 0) {
		w = snprintf(err, err_size, "%s:%u: ", file, line);
	} else {
		w = snprintf(err, err_size, "%s: ", file);
	}
	if (w < 0) {
		err[0] = '\0';
		return;
	}
	used = (size_t)w;
	if (used >= err_size) {
		return; /* truncated: the prefix alone filled the buffer */
	}
	va_start(ap, fmt);
	w = vsnprintf(err + used, err_size - used, fmt, ap);
	va_end(ap);
	if (w < 0) {
		err[used] = '\0';
	}
}

const char *pol_quote(char buf[POL_QUOTE_MAX], const char *s)
{
	const size_t keep = POL_QUOTE_MAX - 4; /* room for "..." and NUL */
	size_t len = strlen(s);
	size_t n = len;
	size_t i;

	if (len > POL_QUOTE_MAX - 1) {
		n = keep;
		/* Do not cut a UTF-8 sequence: back up to a lead byte. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) {
			n--;
		}
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20u || c == 0x7Fu) ? '?' : s[i];
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

const char *pol_text_problem(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned c = *p;
		unsigned cp;
		unsigned min;
		size_t more;
		size_t i;

		if (c < 0x20u || c == 0x7Fu) {
			return "contains a control character";
		}
		if (c < 0x80u) {
			p++;
			continue;
		}
		if (c >= 0xC2u && c <= 0xDFu) {
			more = 1;
			cp = c & 0x1Fu;
			min = 0x80u;
		} else if (c >= 0xE0u && c <= 0xEFu) {
			more = 2;
			cp = c & 0x0Fu;
			min = 0x800u;
		} else if (c >= 0xF0u && c <= 0xF4u) {
			more = 3;
			cp = c & 0x07u;
			min = 0x10000u;
		} else {
			return "is not valid UTF-8";
		}
		/* A NUL stops the loop at the first byte that is not 10xxxxxx. */
		for (i = 1; i <= more; i++) {
			if ((p[i] & 0xC0u) != 0x80u) {
				return "is not valid UTF-8";
			}
			cp = (cp << 6) | (p[i] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
			return "is not valid UTF-8";
		}
		if (cp <= 0x9Fu) {
			return "contains a control character"; /* C1 controls */
		}
		p += more + 1;
	}
	return NULL;
}

const char *pol_id_problem(const char *s)
{
	size_t len = strlen(s);
	size_t i;

	if (len == 0) {
		return "is empty";
	}
	if (len > OC_POLICY_ID_MAX - 1) {
		return "is too long (ids have at most 63 bytes)";
	}
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			return "may only hold a-z, 0-9 and '-'";
		}
	}
	return NULL;
}

/* What a subject value may name in ${...}; ca/ fills them at issuance. */
static const char *const placeholders[] = {
	"enterprise_name", "uscc", "person_id", "person_name", "agency",
};

static int placeholder_known(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++) {
		if (strlen(placeholders[i]) == len && memcmp(placeholders[i], name, len) == 0) {
			return 1;
		}
	}
	return 0;
}

const char *pol_template_problem(const char *s, const char **bad, size_t *bad_len)
{
	const char *p = s;
	const char *close = NULL;

	*bad = NULL;
	*bad_len = 0;
	while ((p = strstr(p, "${")) != NULL) {
		close = strchr(p + 2, '}');
		if (close == NULL) {
			*bad = p;
			*bad_len = strlen(p);
			return "has an unterminated placeholder";
		}
		if (!placeholder_known(p + 2, (size_t)(close - (p + 2)))) {
			*bad = p;
			*bad_len = (size_t)(close - p) + 1;
			return "has an unknown placeholder";
		}
		p = close + 1;
	}
	return NULL;
}
