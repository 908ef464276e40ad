/* Checked parsing of numbers given on the command line. */
#include <errno.h>
#include <stdlib.h>

#include <onecard/error.h>

#include "cli.h"

int cli_parse_uint(const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	long long v;
	size_t i;

	*out = 0;
	if (text == NULL || text[0] == '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* Digits only: strtoll alone would take "+5", " 5" and "-5". */
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (v < min || v > max) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = (int64_t)v;
	return ONECARD_OK;
}
