/*
 * What the authd test tools (mkcert, softcard) share: checked
 * number parsing for their options and one message line on stderr. For
 * programs only: nothing here is linked into a library.
 */
#ifndef ONECARD_AUTHD_TOOL_UTIL_H
#define ONECARD_AUTHD_TOOL_UTIL_H

#include <stdint.h>

/* The largest time offset an option takes: 100 years, in seconds. */
#define TOOL_OFFSET_MAX INT64_C(3155760000)

/* Exit statuses every tool uses. */
enum tool_exit {
	TOOL_EXIT_OK = 0,
	TOOL_EXIT_FAIL = 1,  /* the work failed (message on stderr) */
	TOOL_EXIT_USAGE = 2, /* bad or missing options */
};

/* Parses decimal digits only (no sign, no space), in [min, max].
 * Returns 0 and *out, or ONECARD_ERR_INVALID_ARG (*out 0). */
int tool_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a time offset: an optional sign, decimal digits and one unit
 * of s, m, h or d ("-2d", "+90s", "30d"; no unit means seconds), at most
 * TOOL_OFFSET_MAX seconds either way. Returns 0 and *seconds, or
 * ONECARD_ERR_INVALID_ARG (*seconds 0). */
int tool_parse_offset(const char *text, int64_t *seconds);

/* Prints "prog: <message>" on stderr, control characters replaced. */
void tool_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
