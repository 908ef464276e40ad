/* Checked parsing and messages for the authd test tools (tool_util.h). */
#include <stdarg.h>
#include <stddef.h>

#include <onecard/error.h>

#include "cli_line.h"
#include "tool_util.h"

#define U64_DIGITS_MAX 19u /* digits that always fit in 64 bits */

int tool_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (text == NULL || text[0] == '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9' || i >= U64_DIGITS_MAX) {
			return ONECARD_ERR_INVALID_ARG;
		}
		v = v * 10u + (uint64_t)(text[i] - '0');
	}
	if (v < min || v > max) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = v;
	return ONECARD_OK;
}

/* Seconds in one unit: s, m, h, d; 0 for anything else. */
static uint64_t unit_seconds(char unit)
{
	switch (unit) {
	case 's':
		return 1u;
	case 'm':
		return 60u;
	case 'h':
		return 3600u;
	case 'd':
		return 86400u;
	default:
		return 0u;
	}
}

int tool_parse_offset(const char *text, int64_t *seconds)
{
	char digits[U64_DIGITS_MAX + 1];
	uint64_t n = 0, unit = 1;
	size_t len = 0, start = 0;
	int negative = 0;

	*seconds = 0;
	if (text == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (text[0] == '-' || text[0] == '+') {
		negative = text[0] == '-';
		start = 1;
	}
	while (text[start + len] >= '0' && text[start + len] <= '9') {
		if (len >= U64_DIGITS_MAX) {
			return ONECARD_ERR_INVALID_ARG;
		}
		digits[len] = text[start + len];
		len++;
	}
	digits[len] = '\0';
	if (text[start + len] != '\0') {
		unit = unit_seconds(text[start + len]);
		if (unit == 0 || text[start + len + 1] != '\0') {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	if (tool_parse_u64(digits, 0, (uint64_t)TOOL_OFFSET_MAX, &n) != ONECARD_OK ||
	    n > (uint64_t)TOOL_OFFSET_MAX / unit) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*seconds = negative ? -(int64_t)(n * unit) : (int64_t)(n * unit);
	return ONECARD_OK;
}

void tool_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oc_cli_verror(prog, fmt, ap);
	va_end(ap);
}
