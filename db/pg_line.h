/*
 * One line of text that may come from the server or a caller, made safe
 * for a log: the per-thread diagnostic of each store over db/'s pool
 * (authd's store, astore.h; the TOTP store, otp.h) is set through here.
 * No libpq in this header or its file, so that a store's pure input
 * checks (authd/store/astore_check.c, otp/otp_verify.c) can use it.
 */
#ifndef ONECARD_DB_PG_LINE_H
#define ONECARD_DB_PG_LINE_H

#include <stddef.h>

/* Copies the first line of text into out[0..size), cut to size - 1
 * bytes, with C0 control characters and DEL replaced by spaces. NULL
 * gives ""; size 0 writes nothing. Trailing blanks are kept (unlike
 * oc_pg_one_line(), pg_reason.h, which drops them). */
void oc_pg_line_copy(const char *text, char *out, size_t size);

#endif /* ONECARD_DB_PG_LINE_H */
