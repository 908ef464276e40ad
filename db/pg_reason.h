/*
 * One line about a libpq failure, safe to log: the words of the reason,
 * never a value that was sent or stored. Shared by every onecard part
 * that talks to PostgreSQL (ca/store_pg.c, db/pg_migrate.c, db/pg_pool.c
 * and the stores over it: authd/store/astore_pg.c, otp/otp_store_pg.c).
 */
#ifndef ONECARD_DB_PG_REASON_H
#define ONECARD_DB_PG_REASON_H

#include <stddef.h>

#include <libpq-fe.h>

/* Bytes of a reason line, NUL included; longer ones are cut. */
#define OC_PG_REASON_MAX 256u

/*
 * Writes one line about why res (or, when res is NULL or carries no
 * server message, the connection conn) failed into out[0..size):
 *  - for SQLSTATE classes 22 (data exception) and 23 (integrity
 *    constraint) only fixed words, the SQLSTATE and the names of the
 *    constraint, table and column, because their server messages may
 *    quote a value ("invalid input syntax for type bigint: \"...\"");
 *  - for other server errors the primary message and the SQLSTATE,
 *    never DETAIL or HINT (which may quote values);
 *  - without a server error, libpq's message for the connection, or
 *    "connection to the server lost".
 * Control characters become spaces; only the first line is kept.
 * Never fails; size 0 writes nothing. conn may be NULL.
 */
void oc_pg_reason(const PGconn *conn, const PGresult *res, char *out, size_t size);

/* Copies the first line of text into out[0..size) with control
 * characters replaced by spaces (for libpq and server texts). */
void oc_pg_one_line(const char *text, char *out, size_t size);

#endif /* ONECARD_DB_PG_REASON_H */
