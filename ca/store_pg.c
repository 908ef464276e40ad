/*
 * The inventory in PostgreSQL (store.h): the only CA file that calls
 * libpq (its migrations are applied by db/pg_migrate.c, the runner
 * authd shares). Every statement with a value in it is sent
 * with PQexecParams, values apart from the SQL text; results are read
 * in text form and parsed with checked conversions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include <onecard/error.h>

#include "ca_limits.h"
#include "pg_migrate.h"
#include "pg_reason.h"
#include "store.h"

/* pg_advisory_xact_lock key class for the CRL numbering (the second key
 * is the CA's id). Fixed forever. Migrations lock OC_PG_MIGRATE_LOCK
 * (db/pg_migrate.h). */
#define LOCK_CRL_CLASS "1868783219"

/* The CA's migration record table: the name it has always had. */
#define MIGRATIONS_TABLE "schema_migrations"

#define INT_TEXT_MAX  24	    /* bytes of a decimal int64, sign and NUL included */
#define DER_PARAM_MAX (1024 * 1024) /* bytes of a DER value sent to the server */

struct oc_store {
	PGconn *conn;
	char error[OC_CA_DETAIL_MAX];
};

/* libpq prints server notices on stderr by default; library code must
 * not write anything. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Copies the first line of msg after prefix into the error buffer,
 * with control characters replaced. */
static void set_error(oc_store *s, const char *prefix, const char *msg)
{
	size_t i;
	int n;

	n = snprintf(s->error, sizeof(s->error), "%s%.*s", prefix, (int)strcspn(msg, "\n"), msg);
	if (n < 0) {
		s->error[0] = '\0';
	}
	for (i = 0; s->error[i] != '\0'; i++) {
		if ((unsigned char)s->error[i] < 0x20 || s->error[i] == 0x7f) {
			s->error[i] = ' ';
		}
	}
}

/* The server's primary message and SQLSTATE, never its DETAIL (which
 * may quote values): db/pg_reason.h. */
static void set_result_error(oc_store *s, const PGresult *res)
{
	oc_pg_reason(s->conn, res, s->error, sizeof(s->error));
}

const char *oc_store_error(const oc_store *s)
{
	return s != NULL ? s->error : "";
}

/* Runs a statement and keeps its result only if it has the expected
 * status (PGRES_COMMAND_OK or PGRES_TUPLES_OK). */
static int run(oc_store *s, const char *sql, int n, const char *const *values, const int *lengths,
	       const int *formats, ExecStatusType want, PGresult **out)
{
	PGresult *res;

	if (out != NULL) {
		*out = NULL;
	}
	res = PQexecParams(s->conn, sql, n, NULL, values, lengths, formats, 0);
	if (res == NULL || PQresultStatus(res) != want) {
		set_result_error(s, res);
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

static int run0(oc_store *s, const char *sql)
{
	return run(s, sql, 0, NULL, NULL, NULL, PGRES_COMMAND_OK, NULL);
}

/* A NULL field is 0 with *is_null 1; anything but a decimal int64 is an
 * error. */
static int get_i64(oc_store *s, const PGresult *res, int row, int col, int64_t *out)
{
	const char *text;
	char *end = NULL;
	long long v;

	*out = 0;
	if (PQgetisnull(res, row, col)) {
		return ONECARD_OK;
	}
	text = PQgetvalue(res, row, col);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0') {
		set_error(s, "", "unexpected number in a result");
		return ONECARD_ERR_DATABASE;
	}
	*out = (int64_t)v;
	return ONECARD_OK;
}

/* The text of a field, or NULL for SQL NULL. */
static const char *get_text(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col)) {
		return NULL;
	}
	return PQgetvalue(res, row, col);
}

static void int_text(char out[INT_TEXT_MAX], int64_t v)
{
	(void)snprintf(out, INT_TEXT_MAX, "%" PRId64, v);
}

/* The length of a binary parameter as libpq takes it. */
static int der_param_len(oc_store *s, size_t len, int *out)
{
	*out = 0;
	if (len == 0 || len > DER_PARAM_MAX) {
		set_error(s, "", "a DER value is empty or too large");
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = (int)len;
	return ONECARD_OK;
}

int oc_store_open(const char *conninfo, oc_store **out, char *detail, size_t detail_size)
{
	/* Earlier keywords are overridden by what conninfo (expanded as
	 * "dbname") says: these are defaults. */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const values[] = {OC_CA_DB_CONNECT_TIMEOUT, "onecard-ca", conninfo, NULL};
	oc_store *s = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	if (detail_size > 0) {
		detail[0] = '\0';
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	s->conn = PQconnectdbParams(keys, values, 1);
	if (s->conn == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		set_error(s, "", PQerrorMessage(s->conn));
		(void)snprintf(detail, detail_size, "%s", s->error);
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	(void)PQsetNoticeProcessor(s->conn, quiet_notices, NULL);
	*out = s;
	s = NULL;
	r = ONECARD_OK;
out:
	oc_store_free(s);
	return r;
}

void oc_store_free(oc_store *s)
{
	if (s == NULL) {
		return;
	}
	if (s->conn != NULL) {
		PQfinish(s->conn);
	}
	free(s);
}

int oc_store_begin(oc_store *s)
{
	return run0(s, "BEGIN ISOLATION LEVEL READ COMMITTED");
}

int oc_store_commit(oc_store *s)
{
	PGresult *res;

	res = PQexec(s->conn, "COMMIT");
	/* In a failed transaction the server answers COMMIT with ROLLBACK. */
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
			set_error(s, "", "the transaction was rolled back");
		} else {
			set_result_error(s, res);
		}
		PQclear(res);
		return ONECARD_ERR_DATABASE;
	}
	PQclear(res);
	return ONECARD_OK;
}

void oc_store_rollback(oc_store *s)
{
	if (s == NULL || s->conn == NULL || PQtransactionStatus(s->conn) == PQTRANS_IDLE ||
	    PQtransactionStatus(s->conn) == PQTRANS_UNKNOWN) {
		return;
	}
	PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* ---- migrations ------------------------------------------------------ */

int oc_store_migrate(oc_store *s)
{
	const struct oc_pg_schema schema = {MIGRATIONS_TABLE, "onecard-ca", oc_migrations,
					    oc_migrations_len};

	return oc_pg_migrate(s->conn, &schema, s->error, sizeof(s->error));
}

/* ---- CA certificates --------------------------------------------------- */

int oc_store_ca_insert(oc_store *s, const struct oc_store_ca *ca, int *id)
{
	char issuer[INT_TEXT_MAX], nb[INT_TEXT_MAX], na[INT_TEXT_MAX];
	const char *values[10];
	int lengths[10] = {0}, formats[10] = {0};
	PGresult *res = NULL;
	int64_t v = 0;
	int r;

	*id = 0;
	r = der_param_len(s, ca->der_len, &lengths[9]);
	if (r != ONECARD_OK) {
		return r;
	}
	int_text(issuer, ca->issuer_id);
	int_text(nb, ca->not_before);
	int_text(na, ca->not_after);
	values[0] = ca->role;
	values[1] = ca->issuer_id > 0 ? issuer : NULL;
	values[2] = ca->name;
	values[3] = ca->alg;
	values[4] = ca->subject;
	values[5] = ca->serial;
	values[6] = ca->sha256;
	values[7] = nb;
	values[8] = na;
	values[9] = (const char *)ca->der;
	formats[9] = 1;
	r = run(s,
		"INSERT INTO cas (role, issuer_id, name, alg, subject, serial, sha256,"
		" not_before, not_after, der) VALUES ($1, $2::integer, $3, $4, $5, $6, $7,"
		" to_timestamp($8::bigint), to_timestamp($9::bigint), $10::bytea) RETURNING id",
		10, values, lengths, formats, PGRES_TUPLES_OK, &res);
	if (r == ONECARD_OK) {
		r = get_i64(s, res, 0, 0, &v);
	}
	if (r == ONECARD_OK && (v <= 0 || v > INT32_MAX)) {
		set_error(s, "", "unexpected CA id");
		r = ONECARD_ERR_DATABASE;
	}
	if (r == ONECARD_OK) {
		*id = (int)v;
	}
	PQclear(res);
	return r;
}

int oc_store_ca_find(oc_store *s, const char *sha256, int *id)
{
	const char *values[1] = {sha256};
	PGresult *res = NULL;
	int64_t v = 0;
	int r;

	*id = 0;
	r = run(s, "SELECT id FROM cas WHERE sha256 = $1 AND role = 'card'", 1, values, NULL, NULL,
		PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) != 1) {
		set_error(s, "", "this CA is not recorded in the database");
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = get_i64(s, res, 0, 0, &v);
	if (r == ONECARD_OK && (v <= 0 || v > INT32_MAX)) {
		set_error(s, "", "unexpected CA id");
		r = ONECARD_ERR_DATABASE;
	}
	if (r == ONECARD_OK) {
		*id = (int)v;
	}
out:
	PQclear(res);
	return r;
}

/* ---- certificates ------------------------------------------------------ */

int oc_store_serial_exists(oc_store *s, const char *serial, int *exists)
{
	const char *values[1] = {serial};
	PGresult *res = NULL;
	int r;

	*exists = 0;
	r = run(s, "SELECT 1 FROM certificates WHERE serial = $1", 1, values, NULL, NULL,
		PGRES_TUPLES_OK, &res);
	if (r == ONECARD_OK) {
		*exists = PQntuples(res) > 0;
	}
	PQclear(res);
	return r;
}

int oc_store_cert_insert(oc_store *s, const struct oc_store_cert *c)
{
	char ca_id[INT_TEXT_MAX], nb[INT_TEXT_MAX], na[INT_TEXT_MAX];
	const char *values[11];
	int lengths[11] = {0}, formats[11] = {0};
	int r;

	r = der_param_len(s, c->der_len, &lengths[7]);
	if (r != ONECARD_OK) {
		return r;
	}
	int_text(ca_id, c->ca_id);
	int_text(nb, c->not_before);
	int_text(na, c->not_after);
	values[0] = c->serial;
	values[1] = ca_id;
	values[2] = c->profile;
	values[3] = c->subject;
	values[4] = c->issuer;
	values[5] = nb;
	values[6] = na;
	values[7] = (const char *)c->der;
	formats[7] = 1;
	values[8] = c->sha256;
	values[9] = c->card_id;
	values[10] = c->label;
	return run(s,
		   "INSERT INTO certificates (serial, ca_id, profile, subject, issuer, not_before,"
		   " not_after, der, sha256, card_id, label) VALUES ($1, $2::integer, $3, $4, $5,"
		   " to_timestamp($6::bigint), to_timestamp($7::bigint), $8::bytea, $9, $10, $11)",
		   11, values, lengths, formats, PGRES_COMMAND_OK, NULL);
}

/* The columns every certificate query returns, in this order. */
#define CERT_COLUMNS                                                                         \
	"c.serial, c.profile, c.status, c.subject, c.issuer, c.sha256, c.label, c.card_id,"  \
	" r.reason, extract(epoch FROM c.not_before)::bigint,"                               \
	" extract(epoch FROM c.not_after)::bigint, extract(epoch FROM c.issued_at)::bigint," \
	" extract(epoch FROM r.revoked_at)::bigint"
#define CERT_FROM " FROM certificates c LEFT JOIN revocations r ON r.serial = c.serial"
enum {
	COL_SERIAL,
	COL_PROFILE,
	COL_STATUS,
	COL_SUBJECT,
	COL_ISSUER,
	COL_SHA256,
	COL_LABEL,
	COL_CARD_ID,
	COL_REASON,
	COL_NOT_BEFORE,
	COL_NOT_AFTER,
	COL_ISSUED_AT,
	COL_REVOKED_AT,
	COL_DER, /* only in oc_store_cert_get */
};

/* Fills row from a result row, all but der. */
static int cert_row(oc_store *s, const PGresult *res, int i, struct oc_cert_row *row)
{
	int r;

	memset(row, 0, sizeof(*row));
	row->serial = get_text(res, i, COL_SERIAL);
	row->profile = get_text(res, i, COL_PROFILE);
	row->status = get_text(res, i, COL_STATUS);
	row->subject = get_text(res, i, COL_SUBJECT);
	row->issuer = get_text(res, i, COL_ISSUER);
	row->sha256 = get_text(res, i, COL_SHA256);
	row->label = get_text(res, i, COL_LABEL);
	row->card_id = get_text(res, i, COL_CARD_ID);
	row->reason = get_text(res, i, COL_REASON);
	r = get_i64(s, res, i, COL_NOT_BEFORE, &row->not_before);
	if (r == ONECARD_OK) {
		r = get_i64(s, res, i, COL_NOT_AFTER, &row->not_after);
	}
	if (r == ONECARD_OK) {
		r = get_i64(s, res, i, COL_ISSUED_AT, &row->issued_at);
	}
	if (r == ONECARD_OK) {
		r = get_i64(s, res, i, COL_REVOKED_AT, &row->revoked_at);
	}
	return r;
}

int oc_store_cert_list(oc_store *s, int ca_id, const char *card_id, oc_cert_row_cb cb, void *arg)
{
	char id[INT_TEXT_MAX];
	const char *values[2] = {id, card_id};
	struct oc_cert_row row;
	PGresult *res = NULL;
	int i, r;

	int_text(id, ca_id);
	if (card_id == NULL) {
		r = run(s,
			"SELECT " CERT_COLUMNS CERT_FROM " WHERE c.ca_id = $1::integer"
			" ORDER BY c.issued_at, c.serial",
			1, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	} else {
		r = run(s,
			"SELECT " CERT_COLUMNS CERT_FROM
			" WHERE c.ca_id = $1::integer AND c.card_id = $2"
			" ORDER BY c.issued_at, c.serial",
			2, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	}
	for (i = 0; r == ONECARD_OK && i < PQntuples(res); i++) {
		r = cert_row(s, res, i, &row);
		if (r == ONECARD_OK) {
			r = cb(arg, &row);
		}
	}
	PQclear(res);
	return r;
}

int oc_store_cert_get(oc_store *s, int ca_id, const char *serial, oc_cert_row_cb cb, void *arg)
{
	char id[INT_TEXT_MAX];
	const char *values[2] = {id, serial};
	struct oc_cert_row row;
	PGresult *res = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int r;

	int_text(id, ca_id);
	r = run(s,
		"SELECT " CERT_COLUMNS ", c.der" CERT_FROM
		" WHERE c.ca_id = $1::integer AND c.serial = $2",
		2, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) != 1) {
		set_error(s, "", "no certificate of this CA has this serial");
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = cert_row(s, res, 0, &row);
	if (r != ONECARD_OK) {
		goto out;
	}
	der = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, COL_DER), &der_len);
	if (der == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	row.der = der;
	row.der_len = der_len;
	r = cb(arg, &row);
out:
	if (der != NULL) {
		PQfreemem(der);
	}
	PQclear(res);
	return r;
}

/* ---- revocation and CRLs ----------------------------------------------- */

int oc_store_revoke(oc_store *s, int ca_id, const char *serial, const char *reason)
{
	char id[INT_TEXT_MAX];
	const char *values[2];
	PGresult *res = NULL;
	int r;

	int_text(id, ca_id);
	values[0] = serial;
	values[1] = id;
	/* The row lock taken here makes a concurrent second revoke wait,
	 * then find the certificate revoked. */
	r = run(s,
		"UPDATE certificates SET status = 'revoked'"
		" WHERE serial = $1 AND ca_id = $2::integer AND status = 'valid' RETURNING serial",
		2, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		r = run(s,
			"SELECT status FROM certificates WHERE serial = $1 AND ca_id = $2::integer",
			2, values, NULL, NULL, PGRES_TUPLES_OK, &res);
		if (r != ONECARD_OK) {
			goto out;
		}
		if (PQntuples(res) == 0) {
			set_error(s, "", "no certificate of this CA has this serial");
			r = ONECARD_ERR_NOT_FOUND;
		} else {
			set_error(s, "", "the certificate is revoked already");
			r = ONECARD_ERR_ALREADY_REVOKED;
		}
		goto out;
	}
	values[1] = reason;
	r = run(s, "INSERT INTO revocations (serial, reason) VALUES ($1, $2)", 2, values, NULL,
		NULL, PGRES_COMMAND_OK, NULL);
out:
	PQclear(res);
	return r;
}

int oc_store_revoke_card(oc_store *s, int ca_id, const char *card_id, const char *reason,
			 oc_serial_cb cb, void *arg)
{
	char id[INT_TEXT_MAX];
	const char *values[3];
	PGresult *res = NULL;
	int64_t n = 0;
	int i, r;

	int_text(id, ca_id);
	values[0] = id;
	values[1] = card_id;
	values[2] = reason;
	/* One statement: the rows and their revocations go together. As in
	 * oc_store_revoke, the row locks make a concurrent revocation wait
	 * and then skip what the other one revoked. */
	r = run(s,
		"WITH rev AS (UPDATE certificates SET status = 'revoked'"
		" WHERE ca_id = $1::integer AND card_id = $2 AND status = 'valid'"
		" RETURNING serial, issued_at),"
		" ins AS (INSERT INTO revocations (serial, reason) SELECT serial, $3 FROM rev)"
		" SELECT serial FROM rev ORDER BY issued_at, serial",
		3, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		r = run(s,
			"SELECT count(*) FROM certificates WHERE ca_id = $1::integer AND card_id = "
			"$2",
			2, values, NULL, NULL, PGRES_TUPLES_OK, &res);
		if (r == ONECARD_OK) {
			r = get_i64(s, res, 0, 0, &n);
		}
		if (r != ONECARD_OK) {
			goto out;
		}
		if (n == 0) {
			set_error(s, "", "no certificate of this CA was issued for this card");
			r = ONECARD_ERR_NOT_FOUND;
		} else {
			set_error(s, "", "every certificate of this card is revoked already");
			r = ONECARD_ERR_ALREADY_REVOKED;
		}
		goto out;
	}
	for (i = 0; r == ONECARD_OK && i < PQntuples(res); i++) {
		r = cb(arg, PQgetvalue(res, i, 0));
	}
out:
	PQclear(res);
	return r;
}

int oc_store_revoked_list(oc_store *s, int ca_id, oc_revoked_row_cb cb, void *arg)
{
	char id[INT_TEXT_MAX];
	const char *values[1] = {id};
	struct oc_revoked_row row;
	PGresult *res = NULL;
	int i, r;

	int_text(id, ca_id);
	r = run(s,
		"SELECT r.serial, extract(epoch FROM r.revoked_at)::bigint, r.reason"
		" FROM revocations r JOIN certificates c ON c.serial = r.serial"
		" WHERE c.ca_id = $1::integer ORDER BY r.serial",
		1, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	for (i = 0; r == ONECARD_OK && i < PQntuples(res); i++) {
		row.serial = PQgetvalue(res, i, 0);
		row.reason = PQgetvalue(res, i, 2);
		r = get_i64(s, res, i, 1, &row.revoked_at);
		if (r == ONECARD_OK) {
			r = cb(arg, &row);
		}
	}
	PQclear(res);
	return r;
}

int oc_store_crl_next(oc_store *s, int ca_id, int64_t *number)
{
	char id[INT_TEXT_MAX];
	const char *values[1] = {id};
	PGresult *res = NULL;
	int r;

	*number = 0;
	int_text(id, ca_id);
	r = run(s, "SELECT pg_advisory_xact_lock(" LOCK_CRL_CLASS ", $1::integer)", 1, values, NULL,
		NULL, PGRES_TUPLES_OK, NULL);
	if (r == ONECARD_OK) {
		r = run(s,
			"SELECT COALESCE(max(number), 0) + 1 FROM crls WHERE ca_id = $1::integer",
			1, values, NULL, NULL, PGRES_TUPLES_OK, &res);
	}
	if (r == ONECARD_OK) {
		r = get_i64(s, res, 0, 0, number);
	}
	PQclear(res);
	return r;
}

int oc_store_crl_insert(oc_store *s, int ca_id, int64_t number, int64_t this_update,
			int64_t next_update, const unsigned char *der, size_t der_len)
{
	char id[INT_TEXT_MAX], num[INT_TEXT_MAX], tu[INT_TEXT_MAX], nu[INT_TEXT_MAX];
	const char *values[5] = {id, num, tu, nu, (const char *)der};
	int lengths[5] = {0, 0, 0, 0, 0}, formats[5] = {0, 0, 0, 0, 1};
	int r;

	r = der_param_len(s, der_len, &lengths[4]);
	if (r != ONECARD_OK) {
		return r;
	}
	int_text(id, ca_id);
	int_text(num, number);
	int_text(tu, this_update);
	int_text(nu, next_update);
	return run(s,
		   "INSERT INTO crls (ca_id, number, this_update, next_update, der) VALUES"
		   " ($1::integer, $2::bigint, to_timestamp($3::bigint), to_timestamp($4::bigint),"
		   " $5::bytea)",
		   5, values, lengths, formats, PGRES_COMMAND_OK, NULL);
}

/* ---- audit ------------------------------------------------------------- */

int oc_store_audit(oc_store *s, const struct oc_store_audit *a)
{
	char id[INT_TEXT_MAX];
	const char *values[6];

	int_text(id, a->ca_id);
	values[0] = a->actor;
	values[1] = a->action;
	values[2] = a->ca_id > 0 ? id : NULL;
	values[3] = a->serial;
	values[4] = a->result;
	values[5] = a->detail != NULL ? a->detail : "{}";
	return run(s,
		   "INSERT INTO audit (actor, action, ca_id, serial, result, detail)"
		   " VALUES ($1, $2, $3::integer, $4, $5, $6::jsonb)",
		   6, values, NULL, NULL, PGRES_COMMAND_OK, NULL);
}
