/*
 * The CA's inventory and audit trail in PostgreSQL. store_pg.c is the
 * only CA file that calls libpq (the migrations run in db/pg_migrate.c,
 * the runner authd shares); every statement is parameterised (the
 * migrations, fixed text compiled into the program, are the exception).
 *
 * Errors: ONECARD_ERR_DATABASE for anything the server or the connection
 * refused, with a one-line reason from oc_store_error() (the server's
 * primary message and SQLSTATE; never a parameter value). Functions that
 * look something up return ONECARD_ERR_NOT_FOUND when it is not there.
 * Nothing here logs.
 */
#ifndef ONECARD_CA_STORE_H
#define ONECARD_CA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pg_migrate.h"

typedef struct oc_store oc_store;

/* The schema migrations (ca/migrations/NNN_name.sql, compiled in by
 * onecard_embed_migrations(), db/cmake/OnecardMigrations.cmake). */
extern const struct oc_pg_migration oc_migrations[];
extern const size_t oc_migrations_len;

/* Connects (connect_timeout 10 s unless conninfo says otherwise). The
 * reason of a failure is copied to detail. */
int oc_store_open(const char *conninfo, oc_store **out, char *detail, size_t detail_size);

/* Closes; a transaction left open is rolled back by the server. NULL
 * does nothing. */
void oc_store_free(oc_store *s);

/* The reason of the last failure, one line; "" if none. */
const char *oc_store_error(const oc_store *s);

/*
 * Applies the migrations not yet applied, in order, each in its own
 * transaction under pg_advisory_xact_lock (so tools started together
 * take turns), recording each in schema_migrations with its SHA-256
 * (db/pg_migrate.h: oc_pg_migrate). Fails if an applied migration's
 * SHA-256 differs from the compiled one or the database has a migration
 * this program does not know.
 */
int oc_store_migrate(oc_store *s);

int oc_store_begin(oc_store *s);
int oc_store_commit(oc_store *s);
/* Rolls back if a transaction is open; never fails (a lost connection
 * rolls back by itself). */
void oc_store_rollback(oc_store *s);

struct oc_store_ca {
	const char *role; /* "root" or "card" */
	int issuer_id;	  /* 0 for the root */
	const char *name; /* the CA name given at init */
	const char *alg;  /* "ec", "rsa", "sm2" */
	const char *subject;
	const char *serial;	       /* canonical hex */
	const char *sha256;	       /* of der, lowercase hex */
	int64_t not_before, not_after; /* Unix time */
	const unsigned char *der;
	size_t der_len;
};
int oc_store_ca_insert(oc_store *s, const struct oc_store_ca *ca, int *id);

/* The cas.id of the card-issuing CA whose certificate has this SHA-256. */
int oc_store_ca_find(oc_store *s, const char *sha256, int *id);

/* *exists 1 if a certificate with this serial is in the inventory. */
int oc_store_serial_exists(oc_store *s, const char *serial, int *exists);

struct oc_store_cert {
	const char *serial;
	int ca_id;
	const char *profile, *subject, *issuer;
	int64_t not_before, not_after;
	const unsigned char *der;
	size_t der_len;
	const char *sha256;
	const char *card_id; /* NULL for a CSR */
	const char *label;   /* NULL when none */
};
int oc_store_cert_insert(oc_store *s, const struct oc_store_cert *c);

/* A certificate row as read back. Strings and der are borrowed for the
 * duration of the callback; optional ones are NULL when absent. */
struct oc_cert_row {
	const char *serial, *profile, *status, *subject, *issuer, *sha256;
	const char *label, *card_id;
	const char *reason; /* NULL unless revoked */
	int64_t not_before, not_after, issued_at, revoked_at;
	const unsigned char *der; /* NULL in a list */
	size_t der_len;
	const char *pem; /* never set by the store; oc_ca_show() fills it */
};
/* A callback returns ONECARD_OK to go on, anything else to stop with it. */
typedef int (*oc_cert_row_cb)(void *arg, const struct oc_cert_row *row);

/* The certificates of one CA, oldest first, without der: all of them
 * when card_id is NULL, else only those recorded for that card. */
int oc_store_cert_list(oc_store *s, int ca_id, const char *card_id, oc_cert_row_cb cb, void *arg);

/* One certificate, with der; ONECARD_ERR_NOT_FOUND if the CA has none
 * with this serial. */
int oc_store_cert_get(oc_store *s, int ca_id, const char *serial, oc_cert_row_cb cb, void *arg);

/*
 * Marks a valid certificate revoked and records the reason, inside the
 * caller's transaction. ONECARD_ERR_NOT_FOUND, ONECARD_ERR_ALREADY_REVOKED.
 */
int oc_store_revoke(oc_store *s, int ca_id, const char *serial, const char *reason);

/* Called once per serial (canonical hex) a statement changed. */
typedef int (*oc_serial_cb)(void *arg, const char *serial);

/*
 * Inside the caller's transaction, in one statement: marks every valid
 * certificate of the CA recorded for card_id revoked and records the
 * reason for each; then calls cb per serial revoked, oldest first (cb
 * returning an error stops with it; the caller rolls back).
 * ONECARD_ERR_NOT_FOUND (the CA has no certificate for this card),
 * ONECARD_ERR_ALREADY_REVOKED (it has some, none of them valid).
 */
int oc_store_revoke_card(oc_store *s, int ca_id, const char *card_id, const char *reason,
			 oc_serial_cb cb, void *arg);

struct oc_revoked_row {
	const char *serial;
	int64_t revoked_at;
	const char *reason;
};
typedef int (*oc_revoked_row_cb)(void *arg, const struct oc_revoked_row *row);
int oc_store_revoked_list(oc_store *s, int ca_id, oc_revoked_row_cb cb, void *arg);

/* Inside the caller's transaction: locks the CRL numbering of the CA
 * until it ends and gives the next number (1 for the first CRL). */
int oc_store_crl_next(oc_store *s, int ca_id, int64_t *number);

int oc_store_crl_insert(oc_store *s, int ca_id, int64_t number, int64_t this_update,
			int64_t next_update, const unsigned char *der, size_t der_len);

struct oc_store_audit {
	const char *actor, *action;
	int ca_id;	    /* 0: none */
	const char *serial; /* NULL: none */
	const char *result; /* "ok" or an onecard_err_code() */
	const char *detail; /* a JSON object */
};
int oc_store_audit(oc_store *s, const struct oc_store_audit *a);

#endif /* ONECARD_CA_STORE_H */
