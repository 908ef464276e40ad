/*
 * The migration runner (pg_migrate.h). Moved here from ca/store_pg.c so
 * that the CA and authd share one implementation; the CA's behaviour
 * and its record table are unchanged. Values go to the server as
 * parameters; the record table's name is the one thing written into the
 * SQL text, and it is a compiled-in identifier checked here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "pg_migrate.h"
#include "pg_reason.h"

#define SQL_MAX	     512u /* bytes of a statement naming the record table */
#define INT_TEXT_MAX 24u  /* bytes of a decimal int64, sign and NUL included */
#define SHA256_HEX   64u

/* A reason buffer that may be empty. */
struct why {
	char *text;
	size_t size;
};

static void say(struct why *w, const char *what, const char *name)
{
	char line[OC_PG_REASON_MAX];

	if (w->size == 0) {
		return;
	}
	(void)snprintf(line, sizeof(line), "%s%s", what, name != NULL ? name : "");
	oc_pg_one_line(line, w->text, w->size);
}

static void say_result(struct why *w, PGconn *conn, const PGresult *res)
{
	if (w->size > 0) {
		oc_pg_reason(conn, res, w->text, w->size);
	}
}

/* [a-z_][a-z0-9_]*, 1..OC_PG_TABLE_MAX bytes. */
static int table_name_ok(const char *t)
{
	size_t i, n;

	if (t == NULL) {
		return 0;
	}
	n = strlen(t);
	if (n == 0 || n > OC_PG_TABLE_MAX || (t[0] >= '0' && t[0] <= '9')) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
		      t[i] == '_')) {
			return 0;
		}
	}
	return 1;
}

static int sha256_hex_ok(const char *h)
{
	size_t i;

	if (h == NULL || strlen(h) != SHA256_HEX) {
		return 0;
	}
	for (i = 0; i < SHA256_HEX; i++) {
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

static int schema_ok(const struct oc_pg_schema *schema)
{
	size_t i;

	if (!table_name_ok(schema->table) || schema->program == NULL ||
	    (schema->n > 0 && schema->migrations == NULL) || schema->n > INT32_MAX) {
		return 0;
	}
	for (i = 0; i < schema->n; i++) {
		const struct oc_pg_migration *m = &schema->migrations[i];

		if (m->version != (int)i + 1 || m->name == NULL || m->sql == NULL ||
		    !sha256_hex_ok(m->sha256)) {
			return 0;
		}
	}
	return 1;
}

/* The statement text with the record table's name in it. */
static int sql_text(char out[SQL_MAX], const char *fmt_before, const char *table, const char *after)
{
	int n = snprintf(out, SQL_MAX, "%s%s%s", fmt_before, table, after);

	return (n < 0 || (size_t)n >= SQL_MAX) ? ONECARD_ERR_INTERNAL : ONECARD_OK;
}

/* Runs a statement; keeps its result only if it has status want. */
static int run(PGconn *conn, struct why *w, const char *sql, int n, const char *const *values,
	       ExecStatusType want, PGresult **out)
{
	PGresult *res;

	if (out != NULL) {
		*out = NULL;
	}
	res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != want) {
		say_result(w, conn, res);
		PQclear(res);
		return ONECARD_ERR_DATABASE;
	}
	if (out != NULL) {
		*out = res;
	} else {
		PQclear(res);
	}
	return ONECARD_OK;
}

static int commit(PGconn *conn, struct why *w)
{
	PGresult *res = PQexec(conn, "COMMIT");
	int r = ONECARD_OK;

	/* In a failed transaction the server answers COMMIT with ROLLBACK. */
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		say_result(w, conn, res);
		r = ONECARD_ERR_DATABASE;
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		say(w, "the transaction was rolled back", NULL);
		r = ONECARD_ERR_DATABASE;
	}
	PQclear(res);
	return r;
}

static void rollback(PGconn *conn)
{
	PGTransactionStatusType st = PQtransactionStatus(conn);

	if (st == PQTRANS_INTRANS || st == PQTRANS_INERROR) {
		PQclear(PQexec(conn, "ROLLBACK"));
	}
}

static int migrate_one(PGconn *conn, struct why *w, const char *table,
		       const struct oc_pg_migration *m)
{
	char version[INT_TEXT_MAX], sql[SQL_MAX];
	const char *params[3];
	PGresult *res = NULL;
	int r;

	(void)snprintf(version, sizeof(version), "%d", m->version);
	params[0] = version;
	params[1] = m->name;
	params[2] = m->sha256;
	r = run(conn, w, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, PGRES_COMMAND_OK, NULL);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = run(conn, w, "SELECT pg_advisory_xact_lock(" OC_PG_MIGRATE_LOCK ")", 0, NULL,
		PGRES_TUPLES_OK, NULL);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = sql_text(sql, "CREATE TABLE IF NOT EXISTS ", table,
		     " (version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
		     " applied_at timestamptz NOT NULL DEFAULT now())");
	if (r == ONECARD_OK) {
		r = run(conn, w, sql, 0, NULL, PGRES_COMMAND_OK, NULL);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = sql_text(sql, "SELECT sha256 FROM ", table, " WHERE version = $1::integer");
	if (r == ONECARD_OK) {
		r = run(conn, w, sql, 1, params, PGRES_TUPLES_OK, &res);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), m->sha256) != 0) {
			say(w, "applied migration differs from this program's: ", m->name);
			r = ONECARD_ERR_DATABASE;
			goto out;
		}
		r = commit(conn, w);
		goto out;
	}
	PQclear(res);
	/* The migration's own text: several statements, no values. */
	res = PQexec(conn, m->sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		say_result(w, conn, res);
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	r = sql_text(sql, "INSERT INTO ", table,
		     " (version, name, sha256) VALUES ($1::integer, $2, $3)");
	if (r == ONECARD_OK) {
		r = run(conn, w, sql, 3, params, PGRES_COMMAND_OK, NULL);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = commit(conn, w);
out:
	PQclear(res);
	if (r != ONECARD_OK) {
		rollback(conn);
	}
	return r;
}

/* The newest version recorded (0 when none). */
static int newest_recorded(PGconn *conn, struct why *w, const char *table, int64_t *newest)
{
	char sql[SQL_MAX], *end = NULL;
	PGresult *res = NULL;
	const char *text;
	long long v;
	int r;

	*newest = 0;
	r = sql_text(sql, "SELECT max(version) FROM ", table, "");
	if (r == ONECARD_OK) {
		r = run(conn, w, sql, 0, NULL, PGRES_TUPLES_OK, &res);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		goto out;
	}
	text = PQgetvalue(res, 0, 0);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0') {
		say(w, "unexpected number in a result", NULL);
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	*newest = (int64_t)v;
out:
	PQclear(res);
	return r;
}

int oc_pg_migrate(PGconn *conn, const struct oc_pg_schema *schema, char *reason, size_t reason_size)
{
	struct why w = {reason, reason_size};
	int64_t newest = 0;
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	if (reason != NULL && reason_size > 0) {
		reason[0] = '\0';
	} else {
		w.size = 0;
	}
	if (conn == NULL || schema == NULL || !schema_ok(schema)) {
		say(&w, "invalid migration list", NULL);
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (schema->n == 0) {
		r = ONECARD_OK;
		goto out;
	}
	for (i = 0; i < schema->n; i++) {
		r = migrate_one(conn, &w, schema->table, &schema->migrations[i]);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	r = newest_recorded(conn, &w, schema->table, &newest);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (newest > schema->migrations[schema->n - 1].version) {
		say(&w, "the database schema is newer than this ", schema->program);
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	r = ONECARD_OK;
out:
	return r;
}
