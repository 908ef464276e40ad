/*
 * authd's store in PostgreSQL (astore.h): the only file of authd that
 * calls libpq. The statements, each sent with PQexecParams (values apart
 * from the SQL text, read in text form), over the pool of db/pg_pool.h:
 * lazy connections and their one reset per call. No named prepared
 * statements: a connection carries no state that a reset or a
 * transaction-pooling proxy (PgBouncer) could lose.
 *
 * The retry rule (docs/authd-store.md, "Reconnecting"; applied by
 * oc_pg_pool_run): every write is an explicit BEGIN ... COMMIT, so a
 * connection lost before the COMMIT was sent has certainly written
 * nothing, and the whole transaction may run again on the reset
 * connection. Once the COMMIT is sent, a lost connection leaves the
 * outcome unknown: the call fails, never repeats. Reads, the purges, a
 * session's touch (one UPDATE that only moves its last use forward to
 * now()) and the migrations repeat safely.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include <onecard/error.h>

#include "astore_int.h"
#include "pg_migrate.h"
#include "pg_pool.h"

#define INT_TEXT_MAX	  24u /* bytes of a decimal int64, sign and NUL included */
#define STR_(x)		  #x
#define STR(x)		  STR_(x)
#define NONCE_PKEY	  "authd_nonces_pkey"
#define LOGIN_NONCE_KEY	  "authd_logins_nonce_key"
#define LOGIN_CERTS_CHK	  "authd_logins_certs_check"
#define SESSION_AMR_CHK	  "authd_sessions_amr_check"
#define SESSION_CERTS_CHK "authd_sessions_certs_check"
#define TOKEN_SID_SESSION "authd_tokens_sid_session"
#define TOKEN_SESSION_ACR "authd_tokens_session_acr"
#define TOKEN_LOGIN_ACR	  "authd_tokens_login_acr"
/* "\\x" and two hex digits a byte, NUL: a bytea parameter in text form. */
#define HASH_TEXT_SIZE (2u + 2u * OC_ASTORE_SESSION_HASH_LEN + 1u)

/* SQLSTATEs the store tells apart (PostgreSQL, Appendix A). */
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_CHECK_VIOLATION  "23514"
#define SQLSTATE_FK_VIOLATION	  "23503"
#define SQLSTATE_CLASS_DATA	  "22" /* data exception */

struct oc_astore {
	struct oc_pg_pool *pool; /* db/pg_pool.h: the connections, lazily opened */
	char instance[OC_ASTORE_INSTANCE_MAX + 1];
};

/* One public call: the connection the pool lent it, and this store. */
struct call {
	struct oc_pg_call *pg;
	const struct oc_astore *s;
};

typedef int (*op_fn)(struct call *c, const void *arg);

/* One of the operations below, as the pool runs it. */
struct op_run {
	const struct oc_astore *s;
	op_fn op;
	const void *arg;
};

_Static_assert(OC_ASTORE_POOL_MAX <= OC_PG_POOL_MAX, "the pool holds authd's largest store");
_Static_assert(OC_ASTORE_CONNINFO_MAX <= OC_PG_CONNINFO_MAX, "the pool takes authd's conninfo");
_Static_assert(OC_PG_REASON_MAX == OC_ASTORE_DIAG_MAX + 1, "a call's reason fills the diagnostic");

static void int_text(char out[INT_TEXT_MAX], int64_t v)
{
	(void)snprintf(out, INT_TEXT_MAX, "%" PRId64, v);
}

static int run_op(struct oc_pg_call *pg, void *arg)
{
	const struct op_run *run = arg;
	struct call c = {pg, run->s};

	return run->op(&c, run->arg);
}

/* Runs op on a connection of the pool (again once after a reset, by the
 * retry rule above: db/pg_pool.h); sets the diagnostic. */
static int with_connection(struct oc_astore *s, op_fn op, const void *arg)
{
	struct op_run run = {s, op, arg};
	char reason[OC_PG_REASON_MAX];
	int r;

	r = oc_pg_pool_run(s->pool, run_op, &run, reason, sizeof(reason));
	oc_astore_diag_set(reason);
	return r;
}

int oc_astore_new(const char *conninfo, unsigned pool_size, const char *instance_name,
		  struct oc_astore **out)
{
	struct oc_pg_pool_config cfg = {conninfo,
					pool_size,
					"onecard-authd",
					OC_ASTORE_CONNECT_TIMEOUT_SECONDS,
					OC_ASTORE_STATEMENT_TIMEOUT_SECONDS,
					OC_ASTORE_BORROW_WAIT_SECONDS};
	struct oc_astore *s = NULL;
	char reason[OC_PG_REASON_MAX];
	int r = ONECARD_ERR_INTERNAL;

	oc_astore_diag_set("");
	if (out == NULL) {
		oc_astore_diag_set("the output is missing");
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	r = oc_astore_check_new(conninfo, pool_size, instance_name);
	if (r != ONECARD_OK) {
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		oc_astore_diag_set("out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(s->instance, instance_name, strlen(instance_name) + 1);
	r = oc_pg_pool_new(&cfg, &s->pool, reason, sizeof(reason));
	if (r != ONECARD_OK) {
		oc_astore_diag_set(reason);
		goto out;
	}
	*out = s;
	s = NULL;
	r = ONECARD_OK;
out:
	oc_astore_free(s);
	return r;
}

void oc_astore_free(struct oc_astore *s)
{
	if (s == NULL) {
		return;
	}
	oc_pg_pool_free(s->pool);
	free(s);
}

/* ---- statements ---------------------------------------------------------- */

/* The decimal integer in column col of row 0 (our own SQL's bigint). */
static int result_int(struct call *c, const PGresult *res, int col, int64_t *out)
{
	const char *v;
	char *end = NULL;
	long long n;

	*out = 0;
	if (PQntuples(res) < 1 || PQnfields(res) <= col || PQgetisnull(res, 0, col)) {
		oc_pg_say(c->pg, "unexpected shape of a result");
		return ONECARD_ERR_DATABASE;
	}
	v = PQgetvalue(res, 0, col);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		oc_pg_say(c->pg, "unexpected number in a result");
		return ONECARD_ERR_DATABASE;
	}
	*out = (int64_t)n;
	return ONECARD_OK;
}

/* The row count of a DELETE or UPDATE. */
static int result_count(struct call *c, PGresult *res, int64_t *out)
{
	const char *count = PQcmdTuples(res);
	char *end = NULL;
	long long v;

	*out = 0;
	errno = 0;
	v = strtoll(count, &end, 10);
	if (errno != 0 || end == count || *end != '\0' || v < 0) {
		oc_pg_say(c->pg, "unexpected row count in a result");
		return ONECARD_ERR_DATABASE;
	}
	*out = (int64_t)v;
	return ONECARD_OK;
}

/* ---- operations ---------------------------------------------------------- */

static int op_ping(struct call *c, const void *arg)
{
	(void)arg;
	return oc_pg_exec(c->pg, "SELECT 1", 0, NULL, PGRES_TUPLES_OK, NULL);
}

static int op_migrate(struct call *c, const void *arg)
{
	const struct oc_pg_schema schema = {OC_ASTORE_MIGRATIONS_TABLE, "onecard-authd",
					    oc_astore_migrations, oc_astore_migrations_len};

	(void)arg;
	return oc_pg_migrate(c->pg->conn, &schema, c->pg->reason, sizeof(c->pg->reason));
}

static int op_challenge(struct call *c, const void *arg)
{
	const struct oc_astore_challenge *ch = arg;
	char expires[INT_TEXT_MAX];
	const char *values[5];
	int r;

	int_text(expires, ch->expires_at);
	values[0] = c->s->instance;
	values[1] = ch->remote_addr;
	values[2] = ch->audience;
	values[3] = ch->nonce_hex;
	values[4] = expires;
	r = oc_pg_begin(c->pg);
	if (r == ONECARD_OK) {
		r = oc_pg_exec(
			c->pg,
			"INSERT INTO authd_challenges (instance, remote_addr, audience, nonce,"
			" expires_at) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint))",
			5, values, PGRES_COMMAND_OK, NULL);
	}
	if (r == ONECARD_OK) {
		r = oc_pg_commit(c->pg);
	}
	return r;
}

/* A SHA-256 as a bytea parameter in text form ("\x" and hex). */
static void hash_text(char out[HASH_TEXT_SIZE], const uint8_t *hash)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < OC_ASTORE_SESSION_HASH_LEN; i++) {
		out[2 + 2 * i] = digits[hash[i] >> 4];
		out[3 + 2 * i] = digits[hash[i] & 15];
	}
	out[HASH_TEXT_SIZE - 1] = '\0';
}

struct login_args {
	const struct oc_astore_login *l;
	const struct oc_astore_token *t;
};

/* Step 1: the nonce's single use. */
static int insert_nonce(struct call *c, const struct oc_astore_login *l)
{
	char expires[INT_TEXT_MAX];
	const char *values[3];
	int r;

	int_text(expires, l->nonce_expires_at);
	values[0] = l->nonce_hex;
	values[1] = expires;
	values[2] = c->s->instance;
	r = oc_pg_exec(c->pg,
		       "INSERT INTO authd_nonces (nonce, expires_at, instance)"
		       " VALUES ($1, to_timestamp($2::bigint), $3)",
		       3, values, PGRES_COMMAND_OK, NULL);
	if (r != ONECARD_OK && oc_pg_failed_with(c->pg, SQLSTATE_UNIQUE_VIOLATION, NONCE_PKEY)) {
		oc_pg_say(c->pg, "the challenge's nonce was used before");
		r = ONECARD_ERR_EXISTS;
	}
	return r;
}

/* The id an INSERT ... RETURNING id gave, as decimal text. */
static int returned_id(struct call *c, const PGresult *res, char id[INT_TEXT_MAX])
{
	const char *v = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";

	id[0] = '\0';
	if (v[0] == '\0' || strlen(v) >= INT_TEXT_MAX || v[strspn(v, "0123456789")] != '\0') {
		oc_pg_say(c->pg, "unexpected row id in a result");
		return ONECARD_ERR_DATABASE;
	}
	memcpy(id, v, strlen(v) + 1);
	return ONECARD_OK;
}

/* Step 2: the login row; its id for the session and token rows. */
static int insert_login(struct call *c, const struct oc_astore_login *l,
			const struct oc_astore_token *t, char login_id[INT_TEXT_MAX])
{
	const char *values[13];
	PGresult *res = NULL;
	int r;

	login_id[0] = '\0';
	values[0] = c->s->instance;
	values[1] = l->remote_addr;
	values[2] = l->audience;
	values[3] = oc_astore_outcome_str(l->outcome);
	values[4] = l->reason;
	values[5] = l->detail;
	values[6] = l->nonce_hex;
	values[7] = l->person_id;
	values[8] = l->enterprise_uscc;
	values[9] = l->card_id;
	values[10] = l->certs_json;
	values[11] = t != NULL ? t->jti : NULL;
	values[12] = l->method != NULL ? l->method : OC_ASTORE_METHOD_CARD;
	r = oc_pg_exec(c->pg,
		       "INSERT INTO authd_logins (instance, remote_addr, audience, outcome, reason,"
		       " detail, nonce, person_id, enterprise_uscc, card_id, certs, jti, method)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
		       " COALESCE($11::jsonb, '[]'::jsonb), $12, $13) RETURNING id",
		       13, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		if (oc_pg_failed_with(c->pg, SQLSTATE_UNIQUE_VIOLATION, LOGIN_NONCE_KEY)) {
			/* A nonce purged early, but used by a login on record. */
			oc_pg_say(c->pg, "the challenge's nonce was used before");
			r = ONECARD_ERR_EXISTS;
		} else if (strncmp(c->pg->sqlstate, SQLSTATE_CLASS_DATA, 2) == 0 ||
			   oc_pg_failed_with(c->pg, SQLSTATE_CHECK_VIOLATION, LOGIN_CERTS_CHK)) {
			/* A data exception here can only come from $11::jsonb,
			 * the one conversion of a caller's text (22P02 invalid
			 * JSON, 22P05 a \u0000 escape...); the other values are
			 * text checked before, or numbers written here. */
			oc_pg_say(c->pg, "the certificates' JSON is not a JSON array");
			r = ONECARD_ERR_BAD_FORMAT;
		}
		goto out;
	}
	r = returned_id(c, res, login_id);
out:
	PQclear(res);
	return r;
}

/* Step 3: the session the login opens, timed by the server's clock from
 * this transaction's start (now()). */
static int insert_session(struct call *c, const struct oc_astore_login *l,
			  const char login_id[INT_TEXT_MAX])
{
	const struct oc_astore_session *ss = l->session;
	char hash[HASH_TEXT_SIZE], absolute[INT_TEXT_MAX], idle[INT_TEXT_MAX];
	const char *values[11];
	int r;

	hash_text(hash, ss->secret_hash);
	int_text(absolute, ss->absolute_timeout);
	int_text(idle, ss->idle_timeout);
	values[0] = ss->sid;
	values[1] = hash;
	values[2] = login_id;
	values[3] = l->person_id;
	values[4] = l->enterprise_uscc;
	values[5] = l->card_id;
	values[6] = ss->acr;
	values[7] = ss->amr_json;
	values[8] = ss->certs_json;
	values[9] = absolute;
	values[10] = idle;
	r = oc_pg_exec(c->pg,
		       "INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id,"
		       " enterprise_uscc, card_id, acr, amr, certs, created_at, expires_at,"
		       " idle_timeout, last_used_at)"
		       " VALUES ($1, $2::bytea, $3::bigint, $4, $5, $6, $7, $8::jsonb, $9::jsonb,"
		       " now(), now() + $10::bigint * interval '1 second', $11::integer, now())",
		       11, values, PGRES_COMMAND_OK, NULL);
	/* The two conversions of a caller's text are $8 and $9 (jsonb);
	 * the rest is text checked before, or numbers written here. */
	if (r != ONECARD_OK &&
	    (strncmp(c->pg->sqlstate, SQLSTATE_CLASS_DATA, 2) == 0 ||
	     oc_pg_failed_with(c->pg, SQLSTATE_CHECK_VIOLATION, SESSION_AMR_CHK) ||
	     oc_pg_failed_with(c->pg, SQLSTATE_CHECK_VIOLATION, SESSION_CERTS_CHK))) {
		oc_pg_say(
			c->pg,
			"the session's amr or certificates' JSON is not a JSON array of its kind");
		r = ONECARD_ERR_BAD_FORMAT;
	}
	return r;
}

/* The token row, from a login (login_id) or a grant (grant_id). */
static int insert_token(struct call *c, const struct oc_astore_token *t, const char *login_id,
			const char *grant_id)
{
	char iat[INT_TEXT_MAX], exp[INT_TEXT_MAX];
	const char *values[10];
	int r;

	int_text(iat, t->iat);
	int_text(exp, t->exp);
	values[0] = t->jti;
	values[1] = login_id;
	values[2] = grant_id;
	values[3] = t->sub;
	values[4] = t->aud;
	values[5] = t->kid;
	values[6] = t->acr;
	values[7] = iat;
	values[8] = exp;
	values[9] = t->sid;
	r = oc_pg_exec(c->pg,
		       "INSERT INTO authd_tokens (jti, login_id, grant_id, sub, aud, kid, acr, iat,"
		       " exp, sid) VALUES ($1, $2::bigint, $3::bigint, $4, $5, $6, $7,"
		       " to_timestamp($8::bigint), to_timestamp($9::bigint), $10)",
		       10, values, PGRES_COMMAND_OK, NULL);
	if (r != ONECARD_OK && oc_pg_failed_with(c->pg, SQLSTATE_FK_VIOLATION, TOKEN_SID_SESSION)) {
		oc_pg_say(c->pg, "the token's sid names no session of its sub");
		r = ONECARD_ERR_INVALID_ARG;
	} else if (r != ONECARD_OK &&
		   (oc_pg_failed_with(c->pg, SQLSTATE_CHECK_VIOLATION, TOKEN_SESSION_ACR) ||
		    oc_pg_failed_with(c->pg, SQLSTATE_CHECK_VIOLATION, TOKEN_LOGIN_ACR))) {
		/* A password session's grant asking for a card token, say. */
		oc_pg_say(c->pg, "the token's acr is not its session's or its login's");
		r = ONECARD_ERR_INVALID_ARG;
	}
	return r;
}

static int op_login(struct call *c, const void *arg)
{
	const struct login_args *a = arg;
	char login_id[INT_TEXT_MAX];
	int r;

	r = oc_pg_begin(c->pg);
	if (r == ONECARD_OK && a->l->nonce_hex != NULL) {
		r = insert_nonce(c, a->l);
	}
	if (r == ONECARD_OK) {
		r = insert_login(c, a->l, a->t, login_id);
	}
	if (r == ONECARD_OK && a->l->session != NULL) {
		r = insert_session(c, a->l, login_id);
	}
	if (r == ONECARD_OK && a->t != NULL) {
		r = insert_token(c, a->t, login_id, NULL);
	}
	if (r == ONECARD_OK) {
		r = oc_pg_commit(c->pg);
	}
	/* On failure give_back() rolls back what is still open. */
	return r;
}

/* ---- sessions ------------------------------------------------------------ */

/* When a session goes idle: its last use and its idle timeout. */
#define SESSION_IDLE_AT "last_used_at + idle_timeout * interval '1 second'"
/* A session's columns as the row reads them, then its state. Times are
 * whole Unix seconds (rounded down). */
#define SESSION_COLUMNS                                                           \
	"sid, person_id, enterprise_uscc, COALESCE(card_id, ''), acr, amr::text," \
	" certs::text,"                                                           \
	" floor(extract(epoch FROM created_at))::bigint,"                         \
	" floor(extract(epoch FROM expires_at))::bigint,"                         \
	" floor(extract(epoch FROM " SESSION_IDLE_AT "))::bigint,"                \
	" COALESCE(floor(extract(epoch FROM ended_at))::bigint, 0)"
/* Live by the database's clock: not ended, before both expiries. */
#define SESSION_LIVE "ended_at IS NULL AND now() < expires_at AND now() < " SESSION_IDLE_AT
/* An end beats an expiry, the absolute expiry the idle one. */
#define SESSION_STATE                                                               \
	"CASE WHEN ended_at IS NOT NULL THEN 'ended' WHEN now() >= expires_at THEN" \
	" 'expired' WHEN now() >= " SESSION_IDLE_AT " THEN 'idle' ELSE 'live' END"
#define BY_HASH " WHERE secret_hash = $1::bytea"
#define BY_SID	" WHERE sid = $1"
#define TOUCH(by)                                                                   \
	"UPDATE authd_sessions SET last_used_at = GREATEST(last_used_at, now())" by \
	" AND " SESSION_LIVE " RETURNING " SESSION_COLUMNS ", 'live'"
#define LOOK(by) "SELECT " SESSION_COLUMNS ", " SESSION_STATE " FROM authd_sessions" by

enum {
	COL_SID,
	COL_PERSON,
	COL_USCC,
	COL_CARD,
	COL_ACR,
	COL_AMR,
	COL_CERTS,
	COL_CREATED,
	COL_EXPIRES,
	COL_IDLE,
	COL_ENDED,
	COL_STATE,
	SESSION_NCOLS
};

struct use_args {
	const uint8_t *secret_hash;
	const char *sid;
	int touch;
	enum oc_astore_session_state *state;
	struct oc_astore_session_row *row; /* may be NULL */
};

/* Copies a text column into a fixed buffer of size bytes. */
static int copy_col(struct call *c, const PGresult *res, int col, char *out, size_t size)
{
	size_t len = (size_t)PQgetlength(res, 0, col);

	if (PQgetisnull(res, 0, col) || len >= size) {
		oc_pg_say(c->pg, "unexpected session column in a result");
		return ONECARD_ERR_DATABASE;
	}
	memcpy(out, PQgetvalue(res, 0, col), len + 1);
	return ONECARD_OK;
}

/* A malloc'd copy of a text column. */
static int dup_col(struct call *c, const PGresult *res, int col, char **out)
{
	size_t len = (size_t)PQgetlength(res, 0, col);

	*out = NULL;
	if (PQgetisnull(res, 0, col)) {
		oc_pg_say(c->pg, "unexpected session column in a result");
		return ONECARD_ERR_DATABASE;
	}
	*out = malloc(len + 1);
	if (*out == NULL) {
		oc_pg_say(c->pg, "out of memory");
		return ONECARD_ERR_NOMEM;
	}
	memcpy(*out, PQgetvalue(res, 0, col), len + 1);
	return ONECARD_OK;
}

/* The session and its state from a result of SESSION_COLUMNS and a
 * state; row (may be NULL) filled only on success. */
static int read_session(struct call *c, const PGresult *res, enum oc_astore_session_state *state,
			struct oc_astore_session_row *row)
{
	struct oc_astore_session_row got;
	const char *st;
	int r;

	memset(&got, 0, sizeof(got));
	*state = 0;
	if (PQntuples(res) != 1 || PQnfields(res) != SESSION_NCOLS ||
	    PQgetisnull(res, 0, COL_STATE)) {
		oc_pg_say(c->pg, "unexpected shape of a session result");
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	st = PQgetvalue(res, 0, COL_STATE);
	if (strcmp(st, "live") == 0) {
		*state = OC_ASTORE_SESSION_LIVE;
	} else if (strcmp(st, "ended") == 0) {
		*state = OC_ASTORE_SESSION_ENDED;
	} else if (strcmp(st, "expired") == 0) {
		*state = OC_ASTORE_SESSION_EXPIRED;
	} else if (strcmp(st, "idle") == 0) {
		*state = OC_ASTORE_SESSION_IDLE;
	} else {
		oc_pg_say(c->pg, "unexpected session state in a result");
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	r = copy_col(c, res, COL_SID, got.sid, sizeof(got.sid));
	if (r == ONECARD_OK) {
		r = copy_col(c, res, COL_PERSON, got.person_id, sizeof(got.person_id));
	}
	if (r == ONECARD_OK) {
		r = copy_col(c, res, COL_USCC, got.enterprise_uscc, sizeof(got.enterprise_uscc));
	}
	if (r == ONECARD_OK) {
		r = copy_col(c, res, COL_CARD, got.card_id, sizeof(got.card_id));
	}
	if (r == ONECARD_OK) {
		r = copy_col(c, res, COL_ACR, got.acr, sizeof(got.acr));
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, COL_CREATED, &got.created_at);
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, COL_EXPIRES, &got.expires_at);
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, COL_IDLE, &got.idle_expires_at);
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, COL_ENDED, &got.ended_at);
	}
	if (r == ONECARD_OK && row != NULL) {
		r = dup_col(c, res, COL_AMR, &got.amr_json);
	}
	if (r == ONECARD_OK && row != NULL) {
		r = dup_col(c, res, COL_CERTS, &got.certs_json);
	}
	if (r == ONECARD_OK && row != NULL) {
		*row = got;
		memset(&got, 0, sizeof(got));
	}
out:
	if (r != ONECARD_OK) {
		*state = 0;
	}
	oc_astore_session_row_clear(&got);
	return r;
}

/* Touches a live session in one statement; when none was live, one read
 * tells why. The touch only moves the last use forward, so running it
 * again after a lost connection is harmless: no transaction, no COMMIT. */
static int op_session_use(struct call *c, const void *arg)
{
	const struct use_args *a = arg;
	char hash[HASH_TEXT_SIZE];
	const char *values[1];
	PGresult *res = NULL;
	int r;

	*a->state = 0;
	if (a->row != NULL) {
		memset(a->row, 0, sizeof(*a->row));
	}
	if (a->secret_hash != NULL) {
		hash_text(hash, a->secret_hash);
		values[0] = hash;
	} else {
		values[0] = a->sid;
	}
	if (a->touch) {
		r = oc_pg_exec(c->pg, a->secret_hash != NULL ? TOUCH(BY_HASH) : TOUCH(BY_SID), 1,
			       values, PGRES_TUPLES_OK, &res);
	} else {
		r = ONECARD_OK;
	}
	if (r == ONECARD_OK && (res == NULL || PQntuples(res) == 0)) {
		/* Not touched: read what it is, if anything. */
		PQclear(res);
		r = oc_pg_exec(c->pg, a->secret_hash != NULL ? LOOK(BY_HASH) : LOOK(BY_SID), 1,
			       values, PGRES_TUPLES_OK, &res);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) == 0) {
		*a->state = OC_ASTORE_SESSION_UNKNOWN;
		goto out;
	}
	r = read_session(c, res, a->state, a->row);
out:
	PQclear(res);
	return r;
}

struct end_args {
	const uint8_t *secret_hash;
	const char *sid;
	const char *reason;
	const char *remote_addr;
	int *ended;
};

/* Ends the session and records the event, in one transaction; the
 * UPDATE's condition makes a second end (here or at another instance,
 * which waits for this one's row lock) find nothing. */
static int op_session_end(struct call *c, const void *arg)
{
	const struct end_args *a = arg;
	char hash[HASH_TEXT_SIZE], sid[OC_ASTORE_SID_MAX + 1];
	const char *values[4];
	PGresult *res = NULL;
	size_t len;
	int r;

	*a->ended = 0;
	if (a->secret_hash != NULL) {
		hash_text(hash, a->secret_hash);
		values[0] = hash;
	} else {
		values[0] = a->sid;
	}
	values[1] = a->reason;
	r = oc_pg_begin(c->pg);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_pg_exec(
		c->pg,
		a->secret_hash != NULL
			? "UPDATE authd_sessions SET ended_at = now(), end_reason = $2" BY_HASH
			  " AND ended_at IS NULL RETURNING sid"
			: "UPDATE authd_sessions SET ended_at = now(), end_reason = $2" BY_SID
			  " AND ended_at IS NULL RETURNING sid",
		2, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (PQntuples(res) == 0) {
		/* Unknown or ended before: nothing to write. */
		r = oc_pg_exec(c->pg, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL);
		goto out;
	}
	len = (size_t)PQgetlength(res, 0, 0);
	if (PQntuples(res) != 1 || len >= sizeof(sid)) {
		oc_pg_say(c->pg, "unexpected sid in a result");
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	memcpy(sid, PQgetvalue(res, 0, 0), len + 1);
	values[0] = c->s->instance;
	values[1] = a->remote_addr;
	values[2] = sid;
	values[3] = a->reason;
	r = oc_pg_exec(c->pg,
		       "INSERT INTO authd_session_events (instance, remote_addr, sid, reason)"
		       " VALUES ($1, $2, $3, $4)",
		       4, values, PGRES_COMMAND_OK, NULL);
	if (r == ONECARD_OK) {
		r = oc_pg_commit(c->pg);
	}
	if (r == ONECARD_OK) {
		*a->ended = 1;
	}
out:
	PQclear(res);
	return r;
}

struct grant_args {
	const struct oc_astore_grant *g;
	const struct oc_astore_token *t;
};

static int op_grant(struct call *c, const void *arg)
{
	const struct grant_args *a = arg;
	const struct oc_astore_grant *g = a->g;
	char grant_id[INT_TEXT_MAX];
	const char *values[10];
	PGresult *res = NULL;
	int r;

	values[0] = c->s->instance;
	values[1] = g->remote_addr;
	values[2] = g->grant;
	values[3] = g->subject_type;
	values[4] = g->sid;
	values[5] = g->audience;
	values[6] = oc_astore_outcome_str(g->outcome);
	values[7] = g->reason;
	values[8] = g->detail;
	values[9] = a->t != NULL ? a->t->jti : NULL;
	r = oc_pg_begin(c->pg);
	if (r == ONECARD_OK) {
		r = oc_pg_exec(c->pg,
			       "INSERT INTO authd_grants (instance, remote_addr, grant_type,"
			       " subject_type, sid, audience, outcome, reason, detail, jti)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
			       10, values, PGRES_TUPLES_OK, &res);
	}
	if (r == ONECARD_OK) {
		r = returned_id(c, res, grant_id);
	}
	if (r == ONECARD_OK && a->t != NULL) {
		r = insert_token(c, a->t, NULL, grant_id);
	}
	if (r == ONECARD_OK) {
		r = oc_pg_commit(c->pg);
	}
	PQclear(res);
	return r;
}

struct purge_args {
	const char *sql; /* one DELETE of $1::bigint, Unix time */
	int64_t before;
	int64_t *deleted;
};

/* The nonces of challenges expired before $1. */
#define PURGE_NONCES_SQL "DELETE FROM authd_nonces WHERE expires_at < to_timestamp($1::bigint)"
/* Sessions whose end (ended, expired or idle, whichever came first) is
 * before $1 and already past by the database's clock: a live session
 * stays, whatever $1 says. */
#define SESSION_END_AT \
	"LEAST(COALESCE(ended_at, 'infinity'::timestamptz), expires_at, " SESSION_IDLE_AT ")"
#define PURGE_SESSIONS_SQL                                                               \
	"DELETE FROM authd_sessions WHERE " SESSION_END_AT " < to_timestamp($1::bigint)" \
	" AND " SESSION_END_AT " <= now()"

static int op_purge(struct call *c, const void *arg)
{
	const struct purge_args *a = arg;
	char before[INT_TEXT_MAX];
	const char *values[1] = {before};
	PGresult *res = NULL;
	int r;

	*a->deleted = 0;
	int_text(before, a->before);
	/* One statement, idempotent: repeating it after a lost connection
	 * deletes nothing that should stay. */
	r = oc_pg_exec(c->pg, a->sql, 1, values, PGRES_COMMAND_OK, &res);
	if (r == ONECARD_OK) {
		r = result_count(c, res, a->deleted);
	}
	PQclear(res);
	return r;
}

/* ---- password lockout ---------------------------------------------------- */

/* 2^30 times the base is far over any maximum and still fits a bigint:
 * the shift stops there, so that no count of failures overflows it. */
#define LOCK_SHIFT_CAP 30
_Static_assert(((int64_t)OC_ASTORE_LOCK_BASE_SECONDS << LOCK_SHIFT_CAP) >=
		       OC_ASTORE_LOCK_MAX_SECONDS,
	       "the capped shift still reaches the maximum lock");
_Static_assert(OC_ASTORE_LOCK_FREE_FAILURES >= 1 && OC_ASTORE_LOCK_BASE_SECONDS >= 1 &&
		       OC_ASTORE_LOCK_MAX_SECONDS >= OC_ASTORE_LOCK_BASE_SECONDS,
	       "the lockout's constants");
/* The lock set by the failure that makes the count n (SQL text), by the
 * database's clock; NULL while n is under the free failures. Constants
 * of astore.h, not input, so written into the text. */
#define LOCK_UNTIL(n)                                                                                                     \
	"CASE WHEN " n                                                                                                    \
	" >= " STR(OC_ASTORE_LOCK_FREE_FAILURES) " THEN now() + LEAST(" STR(OC_ASTORE_LOCK_MAX_SECONDS) "::bigint, " STR( \
		OC_ASTORE_LOCK_BASE_SECONDS) "::bigint * (1::bigint << LEAST(GREATEST(" n                                 \
					     " - " STR(OC_ASTORE_LOCK_FREE_FAILURES) ", 0), " STR(                        \
						     LOCK_SHIFT_CAP) ")))"                                                \
								     " * interval '1 second' END"
/* The count after one more failure of the row f, held under integer's
 * maximum (a count that high locks for the maximum anyway). */
#define LOCK_NEXT "(LEAST(f.failures, 2147483646) + 1)"
/* A lock's end in whole Unix seconds, rounded up so that it never reads
 * as over early; 0 for none. */
#define LOCK_END "COALESCE(ceil(extract(epoch FROM locked_until))::bigint, 0)"
/* One statement: a first failure inserts the row; a concurrent or later
 * one (at any instance) waits for the row's lock and counts on from the
 * committed count, so every failure counts. */
#define LOCKOUT_FAIL_SQL                                                                \
	"INSERT INTO authd_password_failures AS f (subject, failures, last_failure_at," \
	" locked_until) VALUES ($1, 1, now(), " LOCK_UNTIL(                             \
		"1") ") ON CONFLICT (subject)"                                          \
		     " DO UPDATE SET failures = " LOCK_NEXT                             \
		     ", last_failure_at = now(), locked_until = " LOCK_UNTIL(           \
			     LOCK_NEXT) " RETURNING failures, " LOCK_END
/* A lock already past reads as none. */
#define LOCKOUT_STATE_SQL                                                        \
	"SELECT failures, CASE WHEN locked_until > now() THEN " LOCK_END " ELSE" \
	" 0 END FROM authd_password_failures WHERE subject = $1"
#define LOCKOUT_CLEAR_SQL "DELETE FROM authd_password_failures WHERE subject = $1"

struct lockout_args {
	const char *subject;
	int64_t *failures;     /* never NULL here */
	int64_t *locked_until; /* never NULL here */
};

/* In its own transaction, as every write that must not be repeated
 * once it may have been applied: lost before the COMMIT, it is run
 * again; after, the call fails (the failure may be counted). */
static int op_lockout_fail(struct call *c, const void *arg)
{
	const struct lockout_args *a = arg;
	const char *values[1] = {a->subject};
	PGresult *res = NULL;
	int64_t n = 0, until = 0;
	int r;

	*a->failures = 0;
	*a->locked_until = 0;
	r = oc_pg_begin(c->pg);
	if (r == ONECARD_OK) {
		r = oc_pg_exec(c->pg, LOCKOUT_FAIL_SQL, 1, values, PGRES_TUPLES_OK, &res);
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, 0, &n);
	}
	if (r == ONECARD_OK) {
		r = result_int(c, res, 1, &until);
	}
	if (r == ONECARD_OK) {
		r = oc_pg_commit(c->pg);
	}
	if (r == ONECARD_OK) {
		*a->failures = n;
		*a->locked_until = until;
	}
	PQclear(res);
	return r;
}

/* A read: safe to repeat. No row is no failure and no lock. */
static int op_lockout_state(struct call *c, const void *arg)
{
	const struct lockout_args *a = arg;
	const char *values[1] = {a->subject};
	PGresult *res = NULL;
	int64_t n = 0, until = 0;
	int r;

	*a->failures = 0;
	*a->locked_until = 0;
	r = oc_pg_exec(c->pg, LOCKOUT_STATE_SQL, 1, values, PGRES_TUPLES_OK, &res);
	if (r == ONECARD_OK && PQntuples(res) > 0) {
		r = result_int(c, res, 0, &n);
		if (r == ONECARD_OK) {
			r = result_int(c, res, 1, &until);
		}
	}
	if (r == ONECARD_OK) {
		*a->failures = n;
		*a->locked_until = until;
	}
	PQclear(res);
	return r;
}

/* One idempotent DELETE: safe to repeat. */
static int op_lockout_clear(struct call *c, const void *arg)
{
	const struct lockout_args *a = arg;
	const char *values[1] = {a->subject};

	return oc_pg_exec(c->pg, LOCKOUT_CLEAR_SQL, 1, values, PGRES_COMMAND_OK, NULL);
}

/* ---- the public calls ---------------------------------------------------- */

static int store_ok(const struct oc_astore *s)
{
	if (s == NULL) {
		oc_astore_diag_set("the store is missing");
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_astore_migrate(struct oc_astore *s)
{
	int r;

	oc_astore_diag_set("");
	r = store_ok(s);
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_migrate, NULL);
}

int oc_astore_ping(struct oc_astore *s)
{
	int r;

	oc_astore_diag_set("");
	r = store_ok(s);
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_ping, NULL);
}

int oc_astore_record_challenge(struct oc_astore *s, const struct oc_astore_challenge *c)
{
	int r;

	oc_astore_diag_set("");
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_challenge(c);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_challenge, c);
}

int oc_astore_record_login(struct oc_astore *s, const struct oc_astore_login *l,
			   const struct oc_astore_token *t)
{
	const struct login_args a = {l, t};
	int r;

	oc_astore_diag_set("");
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_login(l, t);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_login, &a);
}

int oc_astore_purge_nonces(struct oc_astore *s, int64_t before_unix, int64_t *deleted)
{
	int64_t ignored = 0;
	struct purge_args a = {PURGE_NONCES_SQL, before_unix, deleted != NULL ? deleted : &ignored};
	int r;

	oc_astore_diag_set("");
	if (deleted != NULL) {
		*deleted = 0;
	}
	r = store_ok(s);
	if (r != ONECARD_OK) {
		return r;
	}
	if (before_unix <= 0 || before_unix > OC_ASTORE_TIME_MAX) {
		oc_astore_diag_set("the purge time is not a time from 1970 to 9999");
		return ONECARD_ERR_INVALID_ARG;
	}
	return with_connection(s, op_purge, &a);
}

void oc_astore_session_row_clear(struct oc_astore_session_row *row)
{
	if (row == NULL) {
		return;
	}
	free(row->amr_json);
	free(row->certs_json);
	memset(row, 0, sizeof(*row));
}

int oc_astore_session_use(struct oc_astore *s, const uint8_t *secret_hash, const char *sid,
			  int touch, enum oc_astore_session_state *state,
			  struct oc_astore_session_row *row)
{
	const struct use_args a = {secret_hash, sid, touch, state, row};
	int r;

	oc_astore_diag_set("");
	if (state != NULL) {
		*state = 0;
	}
	if (row != NULL) {
		memset(row, 0, sizeof(*row));
	}
	r = store_ok(s);
	if (r == ONECARD_OK && state == NULL) {
		oc_astore_diag_set("the state output is missing");
		r = ONECARD_ERR_INVALID_ARG;
	}
	if (r == ONECARD_OK && touch != 0 && touch != 1) {
		oc_astore_diag_set("touch is not 0 or 1");
		r = ONECARD_ERR_INVALID_ARG;
	}
	if (r == ONECARD_OK) {
		r = oc_astore_check_session_key(secret_hash, sid);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_session_use, &a);
}

int oc_astore_session_end(struct oc_astore *s, const uint8_t *secret_hash, const char *sid,
			  const char *reason, const char *remote_addr, int *ended)
{
	int ignored = 0;
	const struct end_args a = {secret_hash, sid, reason, remote_addr,
				   ended != NULL ? ended : &ignored};
	int r;

	oc_astore_diag_set("");
	if (ended != NULL) {
		*ended = 0;
	}
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_session_end(secret_hash, sid, reason, remote_addr);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_session_end, &a);
}

int oc_astore_record_grant(struct oc_astore *s, const struct oc_astore_grant *g,
			   const struct oc_astore_token *t)
{
	const struct grant_args a = {g, t};
	int r;

	oc_astore_diag_set("");
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_grant(g, t);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_grant, &a);
}

int oc_astore_purge_sessions(struct oc_astore *s, int64_t before_unix, int64_t *deleted)
{
	int64_t ignored = 0;
	struct purge_args a = {PURGE_SESSIONS_SQL, before_unix,
			       deleted != NULL ? deleted : &ignored};
	int r;

	oc_astore_diag_set("");
	if (deleted != NULL) {
		*deleted = 0;
	}
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_time(before_unix, "the purge time");
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op_purge, &a);
}

/* The checks the three lockout calls share, outputs cleared first. */
static int lockout_call(struct oc_astore *s, const char *subject, int64_t *failures,
			int64_t *locked_until, op_fn op)
{
	int64_t ignored_failures = 0, ignored_until = 0;
	const struct lockout_args a = {subject, failures != NULL ? failures : &ignored_failures,
				       locked_until != NULL ? locked_until : &ignored_until};
	int r;

	oc_astore_diag_set("");
	*a.failures = 0;
	*a.locked_until = 0;
	r = store_ok(s);
	if (r == ONECARD_OK) {
		r = oc_astore_check_subject(subject);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	return with_connection(s, op, &a);
}

int oc_astore_lockout_state(struct oc_astore *s, const char *subject, int64_t *locked_until,
			    int64_t *failures)
{
	return lockout_call(s, subject, failures, locked_until, op_lockout_state);
}

int oc_astore_lockout_fail(struct oc_astore *s, const char *subject, int64_t *failures,
			   int64_t *locked_until)
{
	return lockout_call(s, subject, failures, locked_until, op_lockout_fail);
}

int oc_astore_lockout_clear(struct oc_astore *s, const char *subject)
{
	return lockout_call(s, subject, NULL, NULL, op_lockout_clear);
}
