/* One sanitized message line on stderr (cli_line.h). */
#include <stdio.h>

#include "cli_line.h"

void oc_cli_sanitize(const char *text, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = 0;

	if (cap == 0) {
		return;
	}
	while (*p != '\0' && n + 1 < cap) {
		if (*p < 0x20 || *p == 0x7f) {
			out[n++] = '?';
			p++;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* U+0080..U+009F: C1 controls, which terminals obey. */
			out[n++] = '?';
			p += 2;
		} else {
			out[n++] = (char)*p++;
		}
	}
	out[n] = '\0';
}

void oc_cli_verror(const char *prog, const char *fmt, va_list ap)
{
	char line[OC_CLI_LINE_MAX], clean[OC_CLI_LINE_MAX];

	if (vsnprintf(line, sizeof(line), fmt, ap) < 0) {
		line[0] = '\0';
	}
	oc_cli_sanitize(line, clean, sizeof(clean));
	fprintf(stderr, "%s: %s\n", prog, clean);
}
