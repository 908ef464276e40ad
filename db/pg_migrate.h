/*
 * Schema migrations for every onecard program that keeps tables in
 * PostgreSQL (docs/authd-store.md, "Migrations"; docs/ca.md). Each
 * program compiles its own list in (db/cmake/OnecardMigrations.cmake)
 * and records what it applied in a table of its own, so programs that
 * share one database never read each other's versions:
 *
 *   program        record table               migrations
 *   onecard-ca     schema_migrations          ca/migrations/NNN_name.sql
 *   onecard-authd  authd_schema_migrations    authd/store/migrations/...
 *
 * The CA's table keeps the name and columns it always had, so databases
 * created before this runner existed go on working unchanged.
 *
 * Library code: nothing here logs. Functions return ONECARD_OK or a
 * negative ONECARD_ERR_* (<onecard/error.h>).
 */
#ifndef ONECARD_DB_PG_MIGRATE_H
#define ONECARD_DB_PG_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#define OC_PG_WARN_UNUSED __attribute__((warn_unused_result))

/* Bytes of a record table's name (PostgreSQL's identifier limit). */
#define OC_PG_TABLE_MAX 63u

/* The pg_advisory_xact_lock key every onecard migration runs under, in
 * every program: migrations of the CA and of authd take turns, as do
 * several copies of one program started together. Fixed forever (the CA
 * used it before the runner moved here). */
#define OC_PG_MIGRATE_LOCK "7958552940113145601"

/* One schema migration: a file NNN_name.sql compiled in. */
struct oc_pg_migration {
	int version;	    /* NNN: 1, 2, ... without gaps */
	const char *name;   /* "NNN_name" */
	const char *sha256; /* of the file, 64 lowercase hex digits */
	const char *sql;    /* the file's text */
};

/* A program's migrations and where they are recorded. */
struct oc_pg_schema {
	/* The record table: a fixed name compiled into the program, never
	 * input ([a-z_][a-z0-9_]*, 1..OC_PG_TABLE_MAX bytes; it is written
	 * into the SQL text, as identifiers cannot be parameters). */
	const char *table;
	const char *program; /* for "the database schema is newer than ..." */
	const struct oc_pg_migration *migrations;
	size_t n;
};

/*
 * Applies the migrations of schema not yet applied, in order, on conn
 * (idle, outside a transaction). Each runs in its own transaction under
 * pg_advisory_xact_lock(OC_PG_MIGRATE_LOCK), which first creates the
 * record table if needed and checks what it holds, then applies the
 * migration and records its version, name and SHA-256. A migration
 * recorded with another SHA-256 than the compiled one, or a record table
 * holding a version newer than the program's newest, is refused.
 * Calling it again is harmless: applied migrations are only checked.
 * Success: ONECARD_OK; reason set to "".
 * Failure: ONECARD_ERR_INVALID_ARG (a NULL argument, a table name not
 * of the form above, migrations not numbered 1..n, a SHA-256 not in its
 * form), ONECARD_ERR_DATABASE (the server refused or the connection
 * failed: a transaction left open is rolled back). reason (may be NULL
 * when reason_size is 0) holds one line saying why (pg_reason.h: never
 * a value).
 */
int oc_pg_migrate(PGconn *conn, const struct oc_pg_schema *schema, char *reason,
		  size_t reason_size) OC_PG_WARN_UNUSED;

#endif /* ONECARD_DB_PG_MIGRATE_H */
