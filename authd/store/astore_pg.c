/*
 * authd's store in PostgreSQL (astore.h): the only file of authd that
 * calls libpq. The pool, the lazy connections and their one reset per
 * call, and the statements, each sent with PQexecParams (values apart
 * from the SQL text, read in text form). No named prepared statements:
 * a connection carries no state that a reset or a transaction-pooling
 * proxy (PgBouncer) could lose.
 *
 * The retry rule (docs/authd-store.md, "Reconnecting"): every write is an
 * explicit BEGIN ... COMMIT, so a connection lost before the COMMIT was
 * sent has certainly written nothing, and the whole transaction may run
 * again on the reset connection. Once the COMMIT is sent, a lost
 * connection leaves the outcome unknown: the call fails, never repeats.
 * Reads, the purge and the migrations repeat safely.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "astore_int.h"
#include "pg_migrate.h"
#include "pg_reason.h"

#define INT_TEXT_MAX	24u /* bytes of a decimal int64, sign and NUL included */
#define SQLSTATE_SIZE	6u
#define IDENT_SIZE	64u /* PostgreSQL identifiers: 63 bytes and the NUL */
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define BEGIN_SQL	"BEGIN ISOLATION LEVEL READ COMMITTED"
#define NONCE_PKEY	"authd_nonces_pkey"
#define LOGIN_NONCE_KEY "authd_logins_nonce_key"
#define LOGIN_CERTS_CHK "authd_logins_certs_check"

/* SQLSTATEs the store tells apart (PostgreSQL, Appendix A). */
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define SQLSTATE_CHECK_VIOLATION  "23514"
#define SQLSTATE_CLASS_DATA	  "22" /* data exception */

struct slot {
	PGconn *conn; /* NULL until first used; kept when broken, for PQreset */
};

struct oc_astore {
	pthread_mutex_t mu; /* guards n_free and free_ids */
	pthread_cond_t cv;  /* signalled when a connection is given back */
	int mu_ok, cv_ok;
	char *conninfo; /* may hold a password: wiped on free */
	size_t conninfo_len;
	char instance[OC_ASTORE_INSTANCE_MAX + 1];
	unsigned n_free;
	unsigned free_ids[OC_ASTORE_POOL_MAX]; /* a stack: the warmest on top */
	struct slot slots[OC_ASTORE_POOL_MAX];
};

/* One public call on one borrowed connection. */
struct call {
	struct oc_astore *s;
	unsigned id;
	PGconn *conn;
	int reset_used;			     /* connected or reset once already */
	int commit_sent;		     /* a COMMIT went out */
	char sqlstate[SQLSTATE_SIZE];	     /* of the last failed statement */
	char constraint[IDENT_SIZE];	     /* its constraint, if any */
	char reason[OC_ASTORE_DIAG_MAX + 1]; /* why it failed */
};

typedef int (*op_fn)(struct call *c, const void *arg);

/* libpq prints server notices on stderr by default; library code must
 * not write anything. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void int_text(char out[INT_TEXT_MAX], int64_t v)
{
	(void)snprintf(out, INT_TEXT_MAX, "%" PRId64, v);
}

static void say(struct call *c, const char *text)
{
	oc_pg_one_line(text, c->reason, sizeof(c->reason));
}

/* ---- the pool ------------------------------------------------------------ */

/* Waits for a free connection, at most OC_ASTORE_BORROW_WAIT_SECONDS. */
static int borrow(struct oc_astore *s, struct call *c)
{
	struct timespec deadline;
	int e = 0;

	memset(c, 0, sizeof(*c));
	c->s = s;
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) != 0) {
		oc_astore_diag_set("the clock could not be read");
		return ONECARD_ERR_INTERNAL;
	}
	deadline.tv_sec += OC_ASTORE_BORROW_WAIT_SECONDS;
	if (pthread_mutex_lock(&s->mu) != 0) {
		oc_astore_diag_set("the pool's lock failed");
		return ONECARD_ERR_INTERNAL;
	}
	while (s->n_free == 0 && e == 0) {
		e = pthread_cond_timedwait(&s->cv, &s->mu, &deadline);
	}
	if (s->n_free == 0) {
		(void)pthread_mutex_unlock(&s->mu);
		oc_astore_diag_set(e == ETIMEDOUT ? "every database connection stayed busy"
						  : "the pool's wait failed");
		return e == ETIMEDOUT ? ONECARD_ERR_DATABASE : ONECARD_ERR_INTERNAL;
	}
	c->id = s->free_ids[--s->n_free];
	(void)pthread_mutex_unlock(&s->mu);
	return ONECARD_OK;
}

/* Ends a transaction left open, then returns the connection. A broken
 * one goes back too: the next call that takes it resets it. */
static void give_back(struct call *c)
{
	struct oc_astore *s = c->s;
	PGTransactionStatusType st;

	if (c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK) {
		st = PQtransactionStatus(c->conn);
		if (st == PQTRANS_INTRANS || st == PQTRANS_INERROR) {
			PQclear(PQexec(c->conn, "ROLLBACK"));
		}
	}
	/* The lock cannot fail on a valid, unowned default mutex; if it
	 * did, the connection is lost to the pool rather than shared. */
	if (pthread_mutex_lock(&s->mu) != 0) {
		return;
	}
	s->free_ids[s->n_free++] = c->id;
	(void)pthread_cond_signal(&s->cv);
	(void)pthread_mutex_unlock(&s->mu);
}

/* The borrowed slot's connection, opened on first use and reset when
 * found broken: either counts as this call's one reset. */
static int open_conn(struct call *c)
{
	static const char *const keys[] = {"connect_timeout",  "application_name",
					   "client_encoding",  "keepalives",
					   "keepalives_idle",  "keepalives_interval",
					   "keepalives_count", "options",
					   "dbname",	       NULL};
	struct slot *slot = &c->s->slots[c->id];
	/* Earlier keywords are overridden by what conninfo (expanded as
	 * "dbname", last) says: these are defaults. */
	const char *const values[] = {
		STR(OC_ASTORE_CONNECT_TIMEOUT_SECONDS),
		"onecard-authd",
		"UTF8",
		"1",
		"30",
		"10",
		"3",
		"-c statement_timeout=" STR(OC_ASTORE_STATEMENT_TIMEOUT_SECONDS) "s",
		c->s->conninfo,
		NULL};

	if (slot->conn == NULL) {
		slot->conn = PQconnectdbParams(keys, values, 1);
		if (slot->conn == NULL) {
			say(c, "out of memory opening a connection");
			return ONECARD_ERR_NOMEM;
		}
		(void)PQsetNoticeProcessor(slot->conn, quiet_notices, NULL);
		c->reset_used = 1;
	} else if (PQstatus(slot->conn) != CONNECTION_OK) {
		PQreset(slot->conn);
		c->reset_used = 1;
	}
	c->conn = slot->conn;
	if (PQstatus(c->conn) != CONNECTION_OK) {
		oc_pg_reason(c->conn, NULL, c->reason, sizeof(c->reason));
		return ONECARD_ERR_DATABASE;
	}
	return ONECARD_OK;
}

/* A lost connection may be reset and the call's work repeated when this
 * call has not reset it yet and no COMMIT went out. */
static int may_repeat(const struct call *c)
{
	return !c->reset_used && !c->commit_sent && c->conn != NULL &&
	       PQstatus(c->conn) == CONNECTION_BAD;
}

/* Borrows a connection, runs op on it (again once after a reset when
 * may_repeat), gives it back; sets the diagnostic. */
static int with_connection(struct oc_astore *s, op_fn op, const void *arg)
{
	struct call c;
	int r;

	r = borrow(s, &c);
	if (r != ONECARD_OK) {
		return r;
	}
	r = open_conn(&c);
	if (r == ONECARD_OK) {
		r = op(&c, arg);
	}
	if (r == ONECARD_ERR_DATABASE && may_repeat(&c)) {
		PQreset(c.conn);
		c.reset_used = 1;
		if (PQstatus(c.conn) == CONNECTION_OK) {
			c.commit_sent = 0;
			c.sqlstate[0] = '\0';
			c.constraint[0] = '\0';
			c.reason[0] = '\0';
			r = op(&c, arg);
		} else {
			oc_pg_reason(c.conn, NULL, c.reason, sizeof(c.reason));
		}
	}
	give_back(&c);
	if (r == ONECARD_OK) {
		oc_astore_diag_set("");
	} else {
		oc_astore_diag_set(c.reason[0] != '\0' ? c.reason : onecard_strerror(r));
	}
	return r;
}

/* The pool's mutex and condition variable; borrow() measures its wait
 * on the monotonic clock. */
static int init_sync(struct oc_astore *s)
{
	pthread_condattr_t attr;

	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	s->mu_ok = 1;
	if (pthread_condattr_init(&attr) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&s->cv, &attr) == 0) {
		s->cv_ok = 1;
	}
	(void)pthread_condattr_destroy(&attr);
	return s->cv_ok ? ONECARD_OK : ONECARD_ERR_INTERNAL;
}

int oc_astore_new(const char *conninfo, unsigned pool_size, const char *instance_name,
		  struct oc_astore **out)
{
	struct oc_astore *s = NULL;
	unsigned i;
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
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	s->conninfo_len = strlen(conninfo);
	s->conninfo = malloc(s->conninfo_len + 1);
	if (s->conninfo == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(s->conninfo, conninfo, s->conninfo_len + 1);
	memcpy(s->instance, instance_name, strlen(instance_name) + 1);
	r = init_sync(s);
	if (r != ONECARD_OK) {
		goto out;
	}
	for (i = 0; i < pool_size; i++) {
		/* Slot 0 on top: with a light load one connection serves. */
		s->free_ids[i] = pool_size - 1 - i;
	}
	s->n_free = pool_size;
	*out = s;
	s = NULL;
	r = ONECARD_OK;
out:
	if (r == ONECARD_ERR_NOMEM) {
		oc_astore_diag_set("out of memory");
	} else if (r == ONECARD_ERR_INTERNAL) {
		oc_astore_diag_set("the pool's lock could not be made");
	}
	oc_astore_free(s);
	return r;
}

void oc_astore_free(struct oc_astore *s)
{
	unsigned i;

	if (s == NULL) {
		return;
	}
	for (i = 0; i < OC_ASTORE_POOL_MAX; i++) {
		if (s->slots[i].conn != NULL) {
			PQfinish(s->slots[i].conn);
		}
	}
	if (s->conninfo != NULL) {
		OPENSSL_cleanse(s->conninfo, s->conninfo_len);
		free(s->conninfo);
	}
	if (s->cv_ok) {
		(void)pthread_cond_destroy(&s->cv);
	}
	if (s->mu_ok) {
		(void)pthread_mutex_destroy(&s->mu);
	}
	free(s);
}

/* ---- statements ---------------------------------------------------------- */

/* Runs a statement; keeps its result only if it has status want. On
 * failure notes the SQLSTATE, the constraint and the reason. */
static int exec(struct call *c, const char *sql, int n, const char *const *values,
		ExecStatusType want, PGresult **out)
{
	PGresult *res;
	const char *v;

	if (out != NULL) {
		*out = NULL;
	}
	res = PQexecParams(c->conn, sql, n, NULL, values, NULL, NULL, 0);
	if (res != NULL && PQresultStatus(res) == want) {
		if (out != NULL) {
			*out = res;
		} else {
			PQclear(res);
		}
		return ONECARD_OK;
	}
	c->sqlstate[0] = '\0';
	c->constraint[0] = '\0';
	if (res != NULL) {
		v = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		(void)snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", v != NULL ? v : "");
		v = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
		(void)snprintf(c->constraint, sizeof(c->constraint), "%s", v != NULL ? v : "");
	}
	oc_pg_reason(c->conn, res, c->reason, sizeof(c->reason));
	PQclear(res);
	return ONECARD_ERR_DATABASE;
}

static int failed_with(const struct call *c, const char *sqlstate, const char *constraint)
{
	return strcmp(c->sqlstate, sqlstate) == 0 &&
	       (constraint == NULL || strcmp(c->constraint, constraint) == 0);
}

static int begin(struct call *c)
{
	return exec(c, BEGIN_SQL, 0, NULL, PGRES_COMMAND_OK, NULL);
}

/* From here on a lost connection leaves the outcome unknown. */
static int commit(struct call *c)
{
	PGresult *res;
	int r = ONECARD_OK;

	c->commit_sent = 1;
	res = PQexecParams(c->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (PQstatus(c->conn) != CONNECTION_OK) {
			say(c, "the connection was lost at COMMIT: the outcome is unknown");
		} else {
			oc_pg_reason(c->conn, res, c->reason, sizeof(c->reason));
		}
		r = ONECARD_ERR_DATABASE;
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* In a failed transaction the server answers ROLLBACK. */
		say(c, "the transaction was rolled back");
		r = ONECARD_ERR_DATABASE;
	}
	PQclear(res);
	return r;
}

/* ---- operations ---------------------------------------------------------- */

static int op_ping(struct call *c, const void *arg)
{
	(void)arg;
	return exec(c, "SELECT 1", 0, NULL, PGRES_TUPLES_OK, NULL);
}

static int op_migrate(struct call *c, const void *arg)
{
	const struct oc_pg_schema schema = {OC_ASTORE_MIGRATIONS_TABLE, "onecard-authd",
					    oc_astore_migrations, oc_astore_migrations_len};

	(void)arg;
	return oc_pg_migrate(c->conn, &schema, c->reason, sizeof(c->reason));
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
	r = begin(c);
	if (r == ONECARD_OK) {
		r = exec(c,
			 "INSERT INTO authd_challenges (instance, remote_addr, audience, nonce,"
			 " expires_at) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint))",
			 5, values, PGRES_COMMAND_OK, NULL);
	}
	if (r == ONECARD_OK) {
		r = commit(c);
	}
	return r;
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
	r = exec(c,
		 "INSERT INTO authd_nonces (nonce, expires_at, instance)"
		 " VALUES ($1, to_timestamp($2::bigint), $3)",
		 3, values, PGRES_COMMAND_OK, NULL);
	if (r != ONECARD_OK && failed_with(c, SQLSTATE_UNIQUE_VIOLATION, NONCE_PKEY)) {
		say(c, "the challenge's nonce was used before");
		r = ONECARD_ERR_EXISTS;
	}
	return r;
}

/* Step 2: the login row; its id for the token row. */
static int insert_login(struct call *c, const struct oc_astore_login *l,
			const struct oc_astore_token *t, char login_id[INT_TEXT_MAX])
{
	const char *values[12];
	PGresult *res = NULL;
	const char *v;
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
	r = exec(c,
		 "INSERT INTO authd_logins (instance, remote_addr, audience, outcome, reason,"
		 " detail, nonce, person_id, enterprise_uscc, card_id, certs, jti)"
		 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
		 " COALESCE($11::jsonb, '[]'::jsonb), $12) RETURNING id",
		 12, values, PGRES_TUPLES_OK, &res);
	if (r != ONECARD_OK) {
		if (failed_with(c, SQLSTATE_UNIQUE_VIOLATION, LOGIN_NONCE_KEY)) {
			/* A nonce purged early, but used by a login on record. */
			say(c, "the challenge's nonce was used before");
			r = ONECARD_ERR_EXISTS;
		} else if (strncmp(c->sqlstate, SQLSTATE_CLASS_DATA, 2) == 0 ||
			   failed_with(c, SQLSTATE_CHECK_VIOLATION, LOGIN_CERTS_CHK)) {
			/* A data exception here can only come from $11::jsonb,
			 * the one conversion of a caller's text (22P02 invalid
			 * JSON, 22P05 a \u0000 escape...); the other values are
			 * text checked before, or numbers written here. */
			say(c, "the certificates' JSON is not a JSON array");
			r = ONECARD_ERR_BAD_FORMAT;
		}
		goto out;
	}
	v = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";
	if (v[0] == '\0' || strlen(v) >= INT_TEXT_MAX || v[strspn(v, "0123456789")] != '\0') {
		say(c, "unexpected login id in a result");
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	memcpy(login_id, v, strlen(v) + 1);
out:
	PQclear(res);
	return r;
}

/* Step 3: the token row. */
static int insert_token(struct call *c, const struct oc_astore_token *t,
			const char login_id[INT_TEXT_MAX])
{
	char iat[INT_TEXT_MAX], exp[INT_TEXT_MAX];
	const char *values[8];

	int_text(iat, t->iat);
	int_text(exp, t->exp);
	values[0] = t->jti;
	values[1] = login_id;
	values[2] = t->sub;
	values[3] = t->aud;
	values[4] = t->kid;
	values[5] = t->acr;
	values[6] = iat;
	values[7] = exp;
	return exec(c,
		    "INSERT INTO authd_tokens (jti, login_id, sub, aud, kid, acr, iat, exp)"
		    " VALUES ($1, $2::bigint, $3, $4, $5, $6, to_timestamp($7::bigint),"
		    " to_timestamp($8::bigint))",
		    8, values, PGRES_COMMAND_OK, NULL);
}

static int op_login(struct call *c, const void *arg)
{
	const struct login_args *a = arg;
	char login_id[INT_TEXT_MAX];
	int r;

	r = begin(c);
	if (r == ONECARD_OK && a->l->nonce_hex != NULL) {
		r = insert_nonce(c, a->l);
	}
	if (r == ONECARD_OK) {
		r = insert_login(c, a->l, a->t, login_id);
	}
	if (r == ONECARD_OK && a->t != NULL) {
		r = insert_token(c, a->t, login_id);
	}
	if (r == ONECARD_OK) {
		r = commit(c);
	}
	/* On failure give_back() rolls back what is still open. */
	return r;
}

struct purge_args {
	int64_t before;
	int64_t *deleted;
};

static int op_purge(struct call *c, const void *arg)
{
	const struct purge_args *a = arg;
	char before[INT_TEXT_MAX];
	const char *values[1] = {before};
	PGresult *res = NULL;
	const char *count;
	char *end = NULL;
	long long v;
	int r;

	*a->deleted = 0;
	int_text(before, a->before);
	/* One statement, idempotent: repeating it after a lost connection
	 * deletes nothing that should stay. */
	r = exec(c, "DELETE FROM authd_nonces WHERE expires_at < to_timestamp($1::bigint)", 1,
		 values, PGRES_COMMAND_OK, &res);
	if (r != ONECARD_OK) {
		goto out;
	}
	count = PQcmdTuples(res);
	errno = 0;
	v = strtoll(count, &end, 10);
	if (errno != 0 || end == count || *end != '\0' || v < 0) {
		say(c, "unexpected row count in a result");
		r = ONECARD_ERR_DATABASE;
		goto out;
	}
	*a->deleted = (int64_t)v;
out:
	PQclear(res);
	return r;
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
	struct purge_args a = {before_unix, deleted != NULL ? deleted : &ignored};
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
