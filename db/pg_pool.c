/*
 * The pool of libpq connections (pg_pool.h), moved here from
 * authd/store/astore_pg.c and otp/otp_store_pg.c, which had one each:
 * the behaviour of both stores is unchanged. The connections, the stack
 * of free ones and its lock are the only shared state; a libpq
 * connection is used by one thread at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "pg_pool.h"
#include "pg_reason.h"

#define INT_TEXT_MAX 24u /* bytes of a decimal unsigned, NUL included */
#define OPTIONS_MAX  64u /* bytes of "-c statement_timeout=Ns" */
#define BEGIN_SQL    "BEGIN ISOLATION LEVEL READ COMMITTED"
/* TCP keepalives: probe an idle connection after 30 s, every 10 s, and
 * give up after 3 unanswered probes. */
#define KEEPALIVES_IDLE	    "30"
#define KEEPALIVES_INTERVAL "10"
#define KEEPALIVES_COUNT    "3"

struct oc_pg_pool {
	pthread_mutex_t mu; /* guards n_free and free_ids */
	pthread_cond_t cv;  /* signalled when a connection is given back */
	int mu_ok, cv_ok;
	char *conninfo; /* may hold a password: wiped on free */
	size_t conninfo_len;
	char application_name[OC_PG_APP_NAME_MAX + 1];
	char connect_timeout[INT_TEXT_MAX];
	char options[OPTIONS_MAX];
	unsigned borrow_wait;
	unsigned n_free;
	unsigned free_ids[OC_PG_POOL_MAX]; /* a stack: the warmest on top */
	PGconn *conns[OC_PG_POOL_MAX]; /* NULL until first used; kept when broken, for PQreset */
};

/* A reason buffer that may be empty; texts are one line already. */
static void set_reason(char *reason, size_t size, const char *text)
{
	if (size > 0) {
		(void)snprintf(reason, size, "%s", text);
	}
}

/* libpq prints server notices on stderr by default; library code must
 * not write anything. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void oc_pg_say(struct oc_pg_call *c, const char *text)
{
	oc_pg_one_line(text, c->reason, sizeof(c->reason));
}

/* ---- borrow and give back ------------------------------------------------ */

/* Waits for a free connection, at most the pool's borrow wait. */
static int borrow(struct oc_pg_pool *p, struct oc_pg_call *c)
{
	struct timespec deadline;
	int e = 0;

	memset(c, 0, sizeof(*c));
	c->pool = p;
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) != 0) {
		oc_pg_say(c, "the clock could not be read");
		return ONECARD_ERR_INTERNAL;
	}
	deadline.tv_sec += (time_t)p->borrow_wait;
	if (pthread_mutex_lock(&p->mu) != 0) {
		oc_pg_say(c, "the pool's lock failed");
		return ONECARD_ERR_INTERNAL;
	}
	while (p->n_free == 0 && e == 0) {
		e = pthread_cond_timedwait(&p->cv, &p->mu, &deadline);
	}
	if (p->n_free == 0) {
		(void)pthread_mutex_unlock(&p->mu);
		oc_pg_say(c, e == ETIMEDOUT ? "every database connection stayed busy"
					    : "the pool's wait failed");
		return e == ETIMEDOUT ? ONECARD_ERR_DATABASE : ONECARD_ERR_INTERNAL;
	}
	c->id = p->free_ids[--p->n_free];
	(void)pthread_mutex_unlock(&p->mu);
	return ONECARD_OK;
}

/* Ends a transaction left open, then returns the connection. A broken
 * one goes back too: the next call that takes it resets it. */
static void give_back(struct oc_pg_call *c)
{
	struct oc_pg_pool *p = c->pool;
	PGTransactionStatusType ts;

	if (c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK) {
		ts = PQtransactionStatus(c->conn);
		if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
			PQclear(PQexec(c->conn, "ROLLBACK"));
		}
	}
	/* The lock cannot fail on a valid, unowned default mutex; if it
	 * did, the connection is lost to the pool rather than shared. */
	if (pthread_mutex_lock(&p->mu) != 0) {
		return;
	}
	p->free_ids[p->n_free++] = c->id;
	(void)pthread_cond_signal(&p->cv);
	(void)pthread_mutex_unlock(&p->mu);
}

/* The borrowed slot's connection, opened on first use and reset when
 * found broken: either counts as this call's one reset. */
static int open_conn(struct oc_pg_call *c)
{
	static const char *const keys[] = {"connect_timeout",  "application_name",
					   "client_encoding",  "keepalives",
					   "keepalives_idle",  "keepalives_interval",
					   "keepalives_count", "options",
					   "dbname",	       NULL};
	struct oc_pg_pool *p = c->pool;
	/* Earlier keywords are overridden by what conninfo (expanded as
	 * "dbname", last) says: these are defaults. */
	const char *const values[] = {
		p->connect_timeout,  /* connect_timeout */
		p->application_name, /* application_name */
		"UTF8",		     /* client_encoding */
		"1",		     /* keepalives */
		KEEPALIVES_IDLE,     /* keepalives_idle */
		KEEPALIVES_INTERVAL, /* keepalives_interval */
		KEEPALIVES_COUNT,    /* keepalives_count */
		p->options,	     /* options: the statement timeout */
		p->conninfo,	     /* dbname: expanded as a conninfo */
		NULL,
	};
	PGconn **slot = &p->conns[c->id];

	if (*slot == NULL) {
		*slot = PQconnectdbParams(keys, values, 1);
		if (*slot == NULL) {
			oc_pg_say(c, "out of memory opening a connection");
			return ONECARD_ERR_NOMEM;
		}
		(void)PQsetNoticeProcessor(*slot, quiet_notices, NULL);
		c->reset_used = 1;
	} else if (PQstatus(*slot) != CONNECTION_OK) {
		PQreset(*slot);
		c->reset_used = 1;
	}
	c->conn = *slot;
	if (PQstatus(c->conn) != CONNECTION_OK) {
		oc_pg_reason(c->conn, NULL, c->reason, sizeof(c->reason));
		return ONECARD_ERR_DATABASE;
	}
	return ONECARD_OK;
}

/* A lost connection may be reset and the call's work repeated when this
 * call has not reset it yet and no COMMIT went out. */
static int may_repeat(const struct oc_pg_call *c)
{
	return !c->reset_used && !c->commit_sent && c->conn != NULL &&
	       PQstatus(c->conn) == CONNECTION_BAD;
}

int oc_pg_pool_run(struct oc_pg_pool *p, oc_pg_op_fn op, void *arg, char *reason,
		   size_t reason_size)
{
	struct oc_pg_call c;
	int r;

	set_reason(reason, reason_size, "");
	if (p == NULL || op == NULL) {
		set_reason(reason, reason_size, "the pool or the operation is missing");
		return ONECARD_ERR_INVALID_ARG;
	}
	r = borrow(p, &c);
	if (r != ONECARD_OK) {
		goto out;
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
out:
	if (r != ONECARD_OK) {
		set_reason(reason, reason_size,
			   c.reason[0] != '\0' ? c.reason : onecard_strerror(r));
	}
	return r;
}

/* ---- the pool ------------------------------------------------------------ */

/* The mutex and condition variable; borrow() measures its wait on the
 * monotonic clock. */
static int init_sync(struct oc_pg_pool *p)
{
	pthread_condattr_t attr;

	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	p->mu_ok = 1;
	if (pthread_condattr_init(&attr) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&p->cv, &attr) == 0) {
		p->cv_ok = 1;
	}
	(void)pthread_condattr_destroy(&attr);
	return p->cv_ok ? ONECARD_OK : ONECARD_ERR_INTERNAL;
}

static int timeout_ok(unsigned seconds)
{
	return seconds >= 1 && seconds <= OC_PG_TIMEOUT_MAX;
}

static int config_ok(const struct oc_pg_pool_config *cfg)
{
	size_t app_len;

	if (cfg == NULL || cfg->conninfo == NULL || cfg->application_name == NULL) {
		return 0;
	}
	app_len = strnlen(cfg->application_name, OC_PG_APP_NAME_MAX + 1);
	return cfg->size >= 1 && cfg->size <= OC_PG_POOL_MAX && app_len >= 1 &&
	       app_len <= OC_PG_APP_NAME_MAX &&
	       strnlen(cfg->conninfo, OC_PG_CONNINFO_MAX + 1) <= OC_PG_CONNINFO_MAX &&
	       timeout_ok(cfg->connect_timeout) && timeout_ok(cfg->statement_timeout) &&
	       timeout_ok(cfg->borrow_wait);
}

int oc_pg_pool_new(const struct oc_pg_pool_config *cfg, struct oc_pg_pool **out, char *reason,
		   size_t reason_size)
{
	struct oc_pg_pool *p = NULL;
	unsigned i;
	int r = ONECARD_ERR_INTERNAL;

	set_reason(reason, reason_size, "");
	if (out != NULL) {
		*out = NULL;
	}
	if (out == NULL || !config_ok(cfg)) {
		set_reason(reason, reason_size, "the pool's settings are missing or out of range");
		return ONECARD_ERR_INVALID_ARG;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	p->conninfo_len = strlen(cfg->conninfo);
	p->conninfo = malloc(p->conninfo_len + 1);
	if (p->conninfo == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(p->conninfo, cfg->conninfo, p->conninfo_len + 1);
	memcpy(p->application_name, cfg->application_name, strlen(cfg->application_name) + 1);
	(void)snprintf(p->connect_timeout, sizeof(p->connect_timeout), "%u", cfg->connect_timeout);
	(void)snprintf(p->options, sizeof(p->options), "-c statement_timeout=%us",
		       cfg->statement_timeout);
	p->borrow_wait = cfg->borrow_wait;
	r = init_sync(p);
	if (r != ONECARD_OK) {
		goto out;
	}
	for (i = 0; i < cfg->size; i++) {
		/* Slot 0 on top: with a light load one connection serves. */
		p->free_ids[i] = cfg->size - 1 - i;
	}
	p->n_free = cfg->size;
	*out = p;
	p = NULL;
	r = ONECARD_OK;
out:
	if (r == ONECARD_ERR_NOMEM) {
		set_reason(reason, reason_size, "out of memory");
	} else if (r == ONECARD_ERR_INTERNAL) {
		set_reason(reason, reason_size, "the pool's lock could not be made");
	}
	oc_pg_pool_free(p);
	return r;
}

void oc_pg_pool_free(struct oc_pg_pool *p)
{
	unsigned i;

	if (p == NULL) {
		return;
	}
	for (i = 0; i < OC_PG_POOL_MAX; i++) {
		if (p->conns[i] != NULL) {
			PQfinish(p->conns[i]);
		}
	}
	if (p->conninfo != NULL) {
		OPENSSL_cleanse(p->conninfo, p->conninfo_len);
		free(p->conninfo);
	}
	if (p->cv_ok) {
		(void)pthread_cond_destroy(&p->cv);
	}
	if (p->mu_ok) {
		(void)pthread_mutex_destroy(&p->mu);
	}
	free(p);
}

/* ---- statements ---------------------------------------------------------- */

int oc_pg_exec(struct oc_pg_call *c, const char *sql, int n, const char *const *values,
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

int oc_pg_begin(struct oc_pg_call *c)
{
	return oc_pg_exec(c, BEGIN_SQL, 0, NULL, PGRES_COMMAND_OK, NULL);
}

int oc_pg_commit(struct oc_pg_call *c)
{
	PGresult *res;
	int r = ONECARD_OK;

	c->commit_sent = 1;
	res = PQexecParams(c->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (PQstatus(c->conn) != CONNECTION_OK) {
			oc_pg_say(c, "the connection was lost at COMMIT: the outcome is unknown");
		} else {
			oc_pg_reason(c->conn, res, c->reason, sizeof(c->reason));
		}
		r = ONECARD_ERR_DATABASE;
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* In a failed transaction the server answers ROLLBACK. */
		oc_pg_say(c, "the transaction was rolled back");
		r = ONECARD_ERR_DATABASE;
	}
	PQclear(res);
	return r;
}

int oc_pg_failed_with(const struct oc_pg_call *c, const char *sqlstate, const char *constraint)
{
	return strcmp(c->sqlstate, sqlstate) == 0 &&
	       (constraint == NULL || strcmp(c->constraint, constraint) == 0);
}
