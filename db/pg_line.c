/*
 * One safe line of text (pg_line.h).
 */
#include <string.h>

#include "pg_line.h"

void oc_pg_line_copy(const char *text, char *out, size_t size)
{
	size_t i, n;

	if (size == 0) {
		return;
	}
	if (text == NULL) {
		text = "";
	}
	n = strcspn(text, "\r\n");
	if (n > size - 1) {
		n = size - 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];

		out[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	out[n] = '\0';
}
