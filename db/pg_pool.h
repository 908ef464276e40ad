/*
 * A pool of libpq connections, shared by every onecard store that keeps
 * a pool (authd/store/astore_pg.c, otp/otp_store_pg.c; docs/authd-store.md,
 * "The pool" and "Reconnecting"):
 *
 *  - 1..OC_PG_POOL_MAX connections, each opened on the first call that
 *    needs it: making a pool never touches the network;
 *  - a call borrows one from a stack of free connections (the most
 *    recently used on top, so a light load keeps one connection warm),
 *    waiting on a condition variable for at most the pool's borrow wait,
 *    and gives it back before it returns (a transaction left open is
 *    rolled back; a broken connection goes back too, and the next call
 *    that takes it resets it);
 *  - each call gets at most one reconnection: a connection never opened
 *    or found broken when borrowed is (re)opened; otherwise, when the
 *    call's operation fails with ONECARD_ERR_DATABASE and the connection
 *    turns out broken, it is reset once (PQreset) and the operation runs
 *    again, unless a COMMIT went out (oc_pg_commit): the outcome is then
 *    unknown and the call fails. An operation must therefore be safe to
 *    repeat up to its COMMIT: a read, an idempotent statement, or one
 *    explicit BEGIN ... COMMIT (oc_pg_begin, oc_pg_commit);
 *  - defaults the conninfo may override: connect_timeout, the caller's
 *    application_name, client_encoding=UTF8, TCP keepalives and
 *    options=-c statement_timeout=Ns.
 *
 * Statements go out with PQexecParams (values apart from the SQL text),
 * never named prepared statements: a connection carries no state that a
 * reset or a transaction-pooling proxy could lose.
 *
 * Library code: nothing here logs. Functions return ONECARD_OK or a
 * negative ONECARD_ERR_* (<onecard/error.h>) and leave one line saying
 * why (pg_reason.h: never a value) where the caller keeps its per-thread
 * diagnostic.
 */
#ifndef ONECARD_DB_PG_POOL_H
#define ONECARD_DB_PG_POOL_H

#include <stddef.h>

#include <libpq-fe.h>

#include "pg_reason.h"

#ifndef OC_PG_WARN_UNUSED
#define OC_PG_WARN_UNUSED __attribute__((warn_unused_result))
#endif

#define OC_PG_POOL_MAX	    64u	  /* connections in one pool */
#define OC_PG_CONNINFO_MAX  4096u /* bytes of a conninfo string or URI */
#define OC_PG_APP_NAME_MAX  63u	  /* bytes of application_name (NAMEDATALEN - 1) */
#define OC_PG_TIMEOUT_MAX   3600u /* seconds: any of the pool's timeouts */
#define OC_PG_SQLSTATE_SIZE 6u	  /* five characters and the NUL */
#define OC_PG_IDENT_SIZE    64u	  /* PostgreSQL identifiers: 63 bytes and the NUL */

/* What a pool is made from; oc_pg_pool_new copies what it keeps. */
struct oc_pg_pool_config {
	const char *conninfo;	      /* 0..OC_PG_CONNINFO_MAX bytes; may hold a password */
	unsigned size;		      /* 1..OC_PG_POOL_MAX connections */
	const char *application_name; /* 1..OC_PG_APP_NAME_MAX bytes */
	unsigned connect_timeout;     /* seconds, 1..OC_PG_TIMEOUT_MAX */
	unsigned statement_timeout;   /* seconds, 1..OC_PG_TIMEOUT_MAX */
	unsigned borrow_wait;	      /* seconds, 1..OC_PG_TIMEOUT_MAX */
};

struct oc_pg_pool;

/* One call on one borrowed connection, as an operation sees it. */
struct oc_pg_call {
	PGconn *conn;			    /* open while the operation runs */
	char sqlstate[OC_PG_SQLSTATE_SIZE]; /* of the last failed oc_pg_exec */
	char constraint[OC_PG_IDENT_SIZE];  /* its constraint, if any */
	char reason[OC_PG_REASON_MAX];	    /* why the call failed */
	/* The pool's own: not for the operation. */
	struct oc_pg_pool *pool;
	unsigned id;
	int reset_used;	 /* connected or reset once already */
	int commit_sent; /* a COMMIT went out */
};

/* A call's work: ONECARD_OK, or a negative code with c->reason set
 * (oc_pg_exec and oc_pg_say set it). Run at most twice (see above). */
typedef int (*oc_pg_op_fn)(struct oc_pg_call *c, void *arg);

/*
 * Makes a pool of cfg->size connections to cfg->conninfo; connects to
 * nothing. Success: ONECARD_OK, *out set (free with oc_pg_pool_free),
 * reason "". Failure: ONECARD_ERR_INVALID_ARG (a NULL argument, a field
 * out of its range), ONECARD_ERR_NOMEM, ONECARD_ERR_INTERNAL (the lock
 * could not be made); *out NULL and reason (may be NULL when
 * reason_size is 0) says why.
 */
int oc_pg_pool_new(const struct oc_pg_pool_config *cfg, struct oc_pg_pool **out, char *reason,
		   size_t reason_size) OC_PG_WARN_UNUSED;

/* Closes every connection and wipes the conninfo; NULL does nothing.
 * No call may be running. */
void oc_pg_pool_free(struct oc_pg_pool *p);

/*
 * Borrows a connection (waiting at most the borrow wait), opens or
 * resets it, runs op(c, arg) on it, and again once after a reset when
 * the rule above allows, then gives it back.
 * Success: op's ONECARD_OK; reason "". Failure: op's code;
 * ONECARD_ERR_DATABASE when the connection could not be opened or every
 * connection stayed busy; ONECARD_ERR_INTERNAL (the clock or the lock
 * failed); ONECARD_ERR_INVALID_ARG (NULL pool or op). reason (may be
 * NULL when reason_size is 0) holds the call's reason, or the code's
 * onecard_strerror() when the call gave none.
 */
int oc_pg_pool_run(struct oc_pg_pool *p, oc_pg_op_fn op, void *arg, char *reason,
		   size_t reason_size) OC_PG_WARN_UNUSED;

/*
 * Runs sql with n text parameters values (may be NULL when n is 0) on
 * the call's connection, results in text form. Success (the result's
 * status is want): ONECARD_OK, and *out (may be NULL: the result is
 * cleared) owns the result (PQclear). Failure: ONECARD_ERR_DATABASE,
 * *out NULL, c->sqlstate and c->constraint from the server (or ""),
 * c->reason says why.
 */
int oc_pg_exec(struct oc_pg_call *c, const char *sql, int n, const char *const *values,
	       ExecStatusType want, PGresult **out) OC_PG_WARN_UNUSED;

/* BEGIN ISOLATION LEVEL READ COMMITTED, as oc_pg_exec. */
int oc_pg_begin(struct oc_pg_call *c) OC_PG_WARN_UNUSED;

/*
 * COMMIT. From here on a lost connection leaves the outcome unknown: the
 * call is never repeated. ONECARD_OK, or ONECARD_ERR_DATABASE when the
 * COMMIT failed, the connection was lost ("the outcome is unknown") or
 * the server rolled the transaction back (it had failed before).
 */
int oc_pg_commit(struct oc_pg_call *c) OC_PG_WARN_UNUSED;

/* Sets c->reason to the first line of text (a fixed sentence). */
void oc_pg_say(struct oc_pg_call *c, const char *text);

/* Whether the last failed oc_pg_exec had SQLSTATE sqlstate and, unless
 * constraint is NULL, that constraint's name. */
int oc_pg_failed_with(const struct oc_pg_call *c, const char *sqlstate, const char *constraint);

#endif /* ONECARD_DB_PG_POOL_H */
