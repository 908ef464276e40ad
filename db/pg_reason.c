/*
 * The one-line reason of a libpq failure (pg_reason.h). The server's
 * messages are untrusted text: cut to one line, control characters
 * replaced, and for the SQLSTATE classes whose messages quote values
 * only the names the server reports in separate fields are kept.
 */
#include <stdio.h>
#include <string.h>

#include "pg_line.h"
#include "pg_reason.h"

void oc_pg_one_line(const char *text, char *out, size_t size)
{
	size_t n;

	if (size == 0) {
		return;
	}
	oc_pg_line_copy(text, out, size);
	/* Trailing blanks (libpq ends its messages with "\n"). */
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ') {
		out[--n] = '\0';
	}
}

/* A server field, or "" when absent. */
static const char *field(const PGresult *res, int code)
{
	const char *v = PQresultErrorField(res, code);

	return v != NULL ? v : "";
}

void oc_pg_reason(const PGconn *conn, const PGresult *res, char *out, size_t size)
{
	const char *primary = NULL, *state = NULL;
	/* Room for every part; cut to size by oc_pg_one_line(). */
	char line[2 * OC_PG_REASON_MAX];

	if (size == 0) {
		return;
	}
	if (res != NULL) {
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	if (primary == NULL) {
		/* libpq's own words: a refused connection, a lost one. */
		oc_pg_one_line(conn != NULL ? PQerrorMessage(conn) : "", out, size);
		if (out[0] == '\0') {
			oc_pg_one_line("connection to the server lost", out, size);
		}
		return;
	}
	if (state == NULL || strlen(state) != 5) {
		state = "?????";
	}
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0) {
		(void)snprintf(
			line, sizeof(line),
			"%s (SQLSTATE %.5s; constraint '%.63s', table '%.63s', column '%.63s')",
			strncmp(state, "22", 2) == 0 ? "a value was refused"
						     : "a constraint was violated",
			state, field(res, PG_DIAG_CONSTRAINT_NAME), field(res, PG_DIAG_TABLE_NAME),
			field(res, PG_DIAG_COLUMN_NAME));
	} else {
		(void)snprintf(line, sizeof(line), "%.200s (SQLSTATE %.5s)", primary, state);
	}
	oc_pg_one_line(line, out, size);
}
