/*
 * What every onecard program shares for its messages: one line on
 * stderr, "PROG: text", with control characters replaced so that a path,
 * label or name taken from the command line or a card cannot break the
 * line or drive the terminal. For programs only; libraries never print.
 */
#ifndef ONECARD_CLI_LINE_H
#define ONECARD_CLI_LINE_H

#include <stdarg.h>
#include <stddef.h>

#define OC_CLI_LINE_MAX 768u /* bytes of one message, longer ones are cut */

/* Copies text into out (capacity cap, NUL included), replacing C0
 * controls, DEL and UTF-8-encoded C1 controls (U+0080..U+009F) by '?'. */
void oc_cli_sanitize(const char *text, char *out, size_t cap);

/* Prints "prog: <formatted, sanitized>\n" on stderr. */
void oc_cli_verror(const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
