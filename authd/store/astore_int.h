/*
 * Inside authd/store: the compiled-in migrations, the input checks
 * (astore_check.c, no libpq) and the per-thread diagnostic shared by
 * astore_check.c and astore_pg.c (the only file that calls libpq).
 */
#ifndef ONECARD_AUTHD_STORE_INT_H
#define ONECARD_AUTHD_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "astore.h"
#include "pg_migrate.h"

/* authd's record table of applied migrations (db/pg_migrate.h). */
#define OC_ASTORE_MIGRATIONS_TABLE "authd_schema_migrations"

/* authd/store/migrations/NNN_name.sql, compiled in by
 * onecard_embed_migrations() (db/cmake/OnecardMigrations.cmake). */
extern const struct oc_pg_migration oc_astore_migrations[];
extern const size_t oc_astore_migrations_len;

/* The latest Unix time accepted (9999-12-31T23:59:59Z). */
#define OC_ASTORE_TIME_MAX INT64_C(253402300799)

/* Sets this thread's diagnostic to the first line of text (cut to
 * OC_ASTORE_DIAG_MAX bytes); NULL or "" clears it. */
void oc_astore_diag_set(const char *text);

/* The checks each public function makes before borrowing a connection.
 * Each returns ONECARD_OK, ONECARD_ERR_INVALID_ARG or
 * ONECARD_ERR_TOO_LARGE, and on failure sets the diagnostic to a fixed
 * sentence naming the field (never its value). */
int oc_astore_check_new(const char *conninfo, unsigned pool_size, const char *instance_name);
int oc_astore_check_challenge(const struct oc_astore_challenge *c);
int oc_astore_check_login(const struct oc_astore_login *l, const struct oc_astore_token *t);
/* Exactly one of secret_hash and sid, the sid in its form. */
int oc_astore_check_session_key(const uint8_t *secret_hash, const char *sid);
int oc_astore_check_session_end(const uint8_t *secret_hash, const char *sid, const char *reason,
				const char *remote_addr);
int oc_astore_check_grant(const struct oc_astore_grant *g, const struct oc_astore_token *t);
/* A lockout subject: OC_ASTORE_LOCK_SUBJECT_LEN lowercase hex digits. */
int oc_astore_check_subject(const char *subject);
/* A Unix time from 1970 (exclusive) to OC_ASTORE_TIME_MAX. */
int oc_astore_check_time(int64_t t, const char *field);

/* "success", "refused", "error"; NULL for anything else. */
const char *oc_astore_outcome_str(enum oc_astore_outcome outcome);

#endif /* ONECARD_AUTHD_STORE_INT_H */
