/*
 * The TOTP store in PostgreSQL (otp.h, docs/otp.md "The store"): the
 * only file of otp/ that calls libpq. The statements, each sent with
 * PQexecParams (values apart from the SQL text, in text form; the blob
 * as hex through encode/decode, whatever bytea_output says), over the
 * pool of db/pg_pool.h: lazily opened connections, one reset per call.
 *
 * The retry rule is authd's store's (docs/authd-store.md,
 * "Reconnecting"; applied by oc_pg_pool_run): every write is an explicit
 * BEGIN ... COMMIT, so a connection lost before the COMMIT was sent
 * wrote nothing and the transaction may run again on the reset
 * connection; once the COMMIT is sent a lost connection leaves the
 * outcome unknown and the call fails. Reads and the migrations repeat
 * safely.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"
#include "pg_migrate.h"
#include "pg_pool.h"

#define INT_TEXT_MAX 24u /* bytes of a decimal int64, sign and NUL included */
#define BLOB_HEX_MAX (2u * OC_OTP_BLOB_MAX + 1u)

struct oc_otp_store {
	struct oc_pg_pool *pool; /* db/pg_pool.h: the connections, lazily opened */
};

_Static_assert(OC_OTP_POOL_MAX <= OC_PG_POOL_MAX, "the pool holds the largest store");
_Static_assert(OC_OTP_CONNINFO_MAX <= OC_PG_CONNINFO_MAX, "the pool takes the conninfo");
_Static_assert(OC_PG_REASON_MAX == OC_OTP_DIAG_MAX + 1, "a call's reason fills the diagnostic");

/* Runs op on a connection of the pool (again once after a reset, by the
 * retry rule above: db/pg_pool.h); sets the diagnostic. */
static int with_connection(struct oc_otp_store *st, oc_pg_op_fn op, void *arg)
{
	char reason[OC_PG_REASON_MAX];
	int r;

	r = oc_pg_pool_run(st->pool, op, arg, reason, sizeof(reason));
	oc_otp_diag_set(reason);
	return r;
}

int oc_otp_store_new(const char *conninfo, unsigned pool_size, oc_otp_store **out)
{
	struct oc_pg_pool_config cfg = {conninfo,
					pool_size,
					"onecard-otp",
					OC_OTP_CONNECT_TIMEOUT_SECONDS,
					OC_OTP_STATEMENT_TIMEOUT_SECONDS,
					OC_OTP_BORROW_WAIT_SECONDS};
	struct oc_otp_store *st = NULL;
	char reason[OC_PG_REASON_MAX];
	int r = ONECARD_ERR_INTERNAL;

	oc_otp_diag_set("");
	if (out == NULL) {
		oc_otp_diag_set("the output is missing");
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (conninfo == NULL || pool_size == 0 || pool_size > OC_OTP_POOL_MAX) {
		oc_otp_diag_set("the conninfo is missing or the pool size is not 1..64");
		return ONECARD_ERR_INVALID_ARG;
	}
	if (strnlen(conninfo, OC_OTP_CONNINFO_MAX + 1) > OC_OTP_CONNINFO_MAX) {
		oc_otp_diag_set("the conninfo is longer than its maximum");
		return ONECARD_ERR_TOO_LARGE;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		oc_otp_diag_set("out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = oc_pg_pool_new(&cfg, &st->pool, reason, sizeof(reason));
	if (r != ONECARD_OK) {
		oc_otp_diag_set(reason);
		goto out;
	}
	*out = st;
	st = NULL;
	r = ONECARD_OK;
out:
	oc_otp_store_free(st);
	return r;
}

void oc_otp_store_free(oc_otp_store *st)
{
	if (st == NULL) {
		return;
	}
	oc_pg_pool_free(st->pool);
	free(st);
}

/* ---- statements ---------------------------------------------------------- */

/* Lowercase hex of in[0..len) into out (2 * len + 1 bytes). */
static void to_hex(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15u];
	}
	out[2 * len] = '\0';
}

static int hex_val(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	return -1;
}

/* Lowercase hex text into out[cap]; ONECARD_OK or ONECARD_ERR_BAD_FORMAT. */
static int from_hex(const char *text, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(text), i;
	int hi, lo;

	*len = 0;
	if (n % 2 != 0 || n / 2 > cap) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	for (i = 0; i < n / 2; i++) {
		hi = hex_val(text[2 * i]);
		lo = hex_val(text[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		out[i] = (unsigned char)((hi << 4) | lo);
	}
	*len = n / 2;
	return ONECARD_OK;
}

/* A decimal number of 1..19 digits, as the server writes a non-negative
 * bigint. ONECARD_OK or ONECARD_ERR_BAD_FORMAT. */
static int parse_u63(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (text[0] == '\0' || strlen(text) > 19) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return ONECARD_ERR_BAD_FORMAT;
		}
		v = v * 10u + (uint64_t)(text[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out = v;
	return ONECARD_OK;
}

/* ---- migrate --------------------------------------------------------------- */

static int op_migrate(struct oc_pg_call *c, void *arg)
{
	const struct oc_pg_schema s = {OC_OTP_MIGRATIONS_TABLE, "onecard-otp", oc_otp_migrations,
				       oc_otp_migrations_len};

	(void)arg;
	return oc_pg_migrate(c->conn, &s, c->reason, sizeof(c->reason));
}

int oc_otp_store_migrate(oc_otp_store *st)
{
	if (st == NULL) {
		oc_otp_diag_set("the store is missing");
		return ONECARD_ERR_INVALID_ARG;
	}
	return with_connection(st, op_migrate, NULL);
}

/* ---- put ------------------------------------------------------------------- */

struct put_arg {
	const char *person;
	const char *blob_hex;
	const char *alg;
	const char *digits;
	int replaced;
};

static int op_put(struct oc_pg_call *c, void *argp)
{
	/* xmax is 0 for a row this statement inserted, the updating
	 * transaction's id for one it replaced. */
	static const char sql[] =
		"INSERT INTO authd_otp (person_id, blob, algorithm, digits) "
		"VALUES ($1, decode($2, 'hex'), $3, $4::smallint) "
		"ON CONFLICT (person_id) DO UPDATE SET blob = EXCLUDED.blob, "
		"algorithm = EXCLUDED.algorithm, digits = EXCLUDED.digits, created_at = now(), "
		"last_step = NULL, last_used_at = NULL "
		"RETURNING (xmax <> 0)";
	struct put_arg *a = argp;
	const char *values[4] = {a->person, a->blob_hex, a->alg, a->digits};
	PGresult *res = NULL;
	int r;

	r = oc_pg_begin(c);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_pg_exec(c, sql, 4, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		return r;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 1) {
		PQclear(res);
		oc_pg_say(c, "the enrolment wrote no row");
		return ONECARD_ERR_DATABASE;
	}
	a->replaced = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return oc_pg_commit(c);
}

int oc_otp_store_put(oc_otp_store *st, const oc_otp_key *key, const char *person_id,
		     const struct oc_otp_secret *s, int *replaced)
{
	unsigned char blob[OC_OTP_BLOB_MAX];
	char hex[BLOB_HEX_MAX];
	char digits[INT_TEXT_MAX];
	struct put_arg a;
	size_t blob_len = 0;
	int r;

	if (replaced != NULL) {
		*replaced = 0;
	}
	if (st == NULL || key == NULL || s == NULL || !oc_otp_person_ok(person_id)) {
		oc_otp_diag_set("a store, key, secret or person id not in its form");
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_otp_seal(key, person_id, s, blob, sizeof(blob), &blob_len);
	if (r != ONECARD_OK) {
		oc_otp_diag_set("the secret could not be sealed");
		return r;
	}
	to_hex(blob, blob_len, hex);
	(void)snprintf(digits, sizeof(digits), "%u", s->digits);
	a.person = person_id;
	a.blob_hex = hex;
	a.alg = oc_otp_alg_name(s->alg);
	a.digits = digits;
	a.replaced = 0;
	r = with_connection(st, op_put, &a);
	if (r == ONECARD_OK && replaced != NULL) {
		*replaced = a.replaced;
	}
	return r;
}

/* ---- remove ---------------------------------------------------------------- */

struct remove_arg {
	const char *person;
	int found;
};

static int op_remove(struct oc_pg_call *c, void *argp)
{
	static const char sql[] = "DELETE FROM authd_otp WHERE person_id = $1 RETURNING 1";
	struct remove_arg *a = argp;
	const char *values[1] = {a->person};
	PGresult *res = NULL;
	int r;

	r = oc_pg_begin(c);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_pg_exec(c, sql, 1, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		return r;
	}
	a->found = PQntuples(res) > 0;
	PQclear(res);
	return oc_pg_commit(c);
}

int oc_otp_store_remove(oc_otp_store *st, const char *person_id)
{
	struct remove_arg a = {person_id, 0};
	int r;

	if (st == NULL || !oc_otp_person_ok(person_id)) {
		oc_otp_diag_set("a store or person id not in its form");
		return ONECARD_ERR_INVALID_ARG;
	}
	r = with_connection(st, op_remove, &a);
	if (r == ONECARD_OK && !a.found) {
		oc_otp_diag_set("no secret is enrolled for this person");
		return ONECARD_ERR_NOT_FOUND;
	}
	return r;
}

/* ---- get ------------------------------------------------------------------- */

/* What the row holds, before it is opened. */
struct get_arg {
	const char *person;
	int found;
	unsigned char blob[OC_OTP_BLOB_MAX];
	size_t blob_len;
	enum oc_otp_alg alg;
	unsigned digits;
	int64_t created_at;
	int has_last_step;
	uint64_t last_step;
};

/* Reads one row's columns into a; a value out of its form is
 * ONECARD_ERR_DATABASE (the table's CHECKs make it impossible). */
static int read_row(struct oc_pg_call *c, const PGresult *res, struct get_arg *a)
{
	uint64_t v = 0;

	if (PQnfields(res) != 5 || PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1) ||
	    PQgetisnull(res, 0, 2) || PQgetisnull(res, 0, 3)) {
		oc_pg_say(c, "the enrolment row is not in its form");
		return ONECARD_ERR_DATABASE;
	}
	if (from_hex(PQgetvalue(res, 0, 0), a->blob, sizeof(a->blob), &a->blob_len) != ONECARD_OK ||
	    oc_otp_alg_parse(PQgetvalue(res, 0, 1), &a->alg) != ONECARD_OK ||
	    parse_u63(PQgetvalue(res, 0, 2), &v) != ONECARD_OK || !oc_otp_digits_ok((unsigned)v)) {
		oc_pg_say(c, "the enrolment row is not in its form");
		return ONECARD_ERR_DATABASE;
	}
	a->digits = (unsigned)v;
	if (parse_u63(PQgetvalue(res, 0, 3), &v) != ONECARD_OK) {
		oc_pg_say(c, "the enrolment row is not in its form");
		return ONECARD_ERR_DATABASE;
	}
	a->created_at = (int64_t)v;
	a->has_last_step = !PQgetisnull(res, 0, 4);
	if (a->has_last_step && parse_u63(PQgetvalue(res, 0, 4), &a->last_step) != ONECARD_OK) {
		oc_pg_say(c, "the enrolment row is not in its form");
		return ONECARD_ERR_DATABASE;
	}
	return ONECARD_OK;
}

static int op_get(struct oc_pg_call *c, void *argp)
{
	static const char sql[] = "SELECT encode(blob, 'hex'), algorithm, digits, "
				  "floor(extract(epoch FROM created_at))::bigint, last_step "
				  "FROM authd_otp WHERE person_id = $1";
	struct get_arg *a = argp;
	const char *values[1] = {a->person};
	PGresult *res = NULL;
	int r;

	a->found = 0;
	r = oc_pg_exec(c, sql, 1, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		return r;
	}
	if (PQntuples(res) == 1) {
		a->found = 1;
		r = read_row(c, res, a);
	}
	PQclear(res);
	return r;
}

void oc_otp_record_clear(struct oc_otp_record *rec)
{
	if (rec == NULL) {
		return;
	}
	OPENSSL_cleanse(rec, sizeof(*rec));
}

int oc_otp_store_get(oc_otp_store *st, const oc_otp_key *key, const char *person_id,
		     struct oc_otp_record *out, const char **why)
{
	struct get_arg a;
	const char *reason = "the enrolment could not be read";
	int r;

	if (out != NULL) {
		oc_otp_record_clear(out);
	}
	memset(&a, 0, sizeof(a));
	if (st == NULL || key == NULL || out == NULL || !oc_otp_person_ok(person_id)) {
		reason = "a store, key or person id not in its form";
		oc_otp_diag_set(reason);
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	a.person = person_id;
	r = with_connection(st, op_get, &a);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!a.found) {
		reason = "no secret is enrolled for this person";
		oc_otp_diag_set(reason);
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = oc_otp_open(key, person_id, a.alg, a.digits, a.blob, a.blob_len, &out->secret, &reason);
	if (r == ONECARD_ERR_BAD_FORMAT) {
		/* The table's CHECKs make this impossible; a blob that is not
		 * one cannot be this person's sealed secret. */
		r = ONECARD_ERR_MISMATCH;
	}
	if (r != ONECARD_OK) {
		oc_otp_diag_set(reason);
		goto out;
	}
	memcpy(out->person_id, person_id, strlen(person_id) + 1);
	out->has_last_step = a.has_last_step;
	out->last_step = a.last_step;
	out->created_at = a.created_at;
	memcpy(out->blob, a.blob, a.blob_len);
	out->blob_len = a.blob_len;
	reason = "";
out:
	if (r != ONECARD_OK && out != NULL) {
		oc_otp_record_clear(out);
	}
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

/* ---- accept a step --------------------------------------------------------- */

struct accept_arg {
	const char *person;
	const char *step;
	const char *blob_hex;
	int accepted;
};

static int op_accept(struct oc_pg_call *c, void *argp)
{
	/* Under READ COMMITTED a second UPDATE of the row waits for the
	 * first to commit, then re-checks its WHERE on the new row: of two
	 * concurrent calls with one step exactly one updates a row. */
	static const char sql[] =
		"UPDATE authd_otp SET last_step = $2::bigint, last_used_at = now() "
		"WHERE person_id = $1 AND blob = decode($3, 'hex') "
		"AND (last_step IS NULL OR last_step < $2::bigint) RETURNING 1";
	struct accept_arg *a = argp;
	const char *values[3] = {a->person, a->step, a->blob_hex};
	PGresult *res = NULL;
	int r;

	r = oc_pg_begin(c);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_pg_exec(c, sql, 3, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		return r;
	}
	a->accepted = PQntuples(res) == 1;
	PQclear(res);
	return oc_pg_commit(c);
}

int oc_otp_store_accept_step(oc_otp_store *st, const struct oc_otp_record *rec, uint64_t step)
{
	char hex[BLOB_HEX_MAX];
	char step_text[INT_TEXT_MAX];
	struct accept_arg a;
	int r;

	if (st == NULL || rec == NULL || !oc_otp_person_ok(rec->person_id) ||
	    rec->blob_len < OC_OTP_BLOB_MIN || rec->blob_len > OC_OTP_BLOB_MAX ||
	    step > (uint64_t)INT64_MAX) {
		oc_otp_diag_set("a store, record or step not in its form");
		return ONECARD_ERR_INVALID_ARG;
	}
	to_hex(rec->blob, rec->blob_len, hex);
	(void)snprintf(step_text, sizeof(step_text), "%" PRIu64, step);
	a.person = rec->person_id;
	a.step = step_text;
	a.blob_hex = hex;
	a.accepted = 0;
	r = with_connection(st, op_accept, &a);
	if (r == ONECARD_OK && !a.accepted) {
		oc_otp_diag_set("the code's time step was used already, or the secret changed");
		return ONECARD_ERR_EXISTS;
	}
	return r;
}
