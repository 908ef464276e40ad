/*
 * authd's PostgreSQL store (docs/authd-store.md): the single use of
 * challenge nonces across every authd instance, the audit trail of
 * challenges, logins and tokens (docs/authd.md, "Audit"), the SSO
 * sessions and their grants (docs/sso.md), and the lockout of the
 * password login.
 *
 *   struct oc_astore   a pool of 1..OC_ASTORE_POOL_MAX connections to one
 *                      database, shared by authd's request threads
 *
 * Threads: every function but oc_astore_free() may be called from any
 * number of threads at once on one store. A call borrows a connection
 * (waiting at most OC_ASTORE_BORROW_WAIT_SECONDS for one), uses it and
 * gives it back before returning.
 *
 * Connections open lazily, on first use: oc_astore_new() never touches
 * the network, so authd starts while PostgreSQL is down, and a store
 * recovers by itself when PostgreSQL comes back. A connection found
 * broken is reset once per call; the call's statements are run again
 * after the reset only when that cannot apply anything twice (never
 * after a COMMIT whose outcome is unknown). Everything else that fails
 * on the server's side is ONECARD_ERR_DATABASE.
 *
 * Conventions: functions return ONECARD_OK or a negative ONECARD_ERR_*
 * code (<onecard/error.h>); outputs are cleared at entry and set only on
 * success; _free(NULL) does nothing. The library never logs and never
 * exits; a failed call leaves a short reason in oc_astore_diagnostic().
 * Every value reaches the server as a parameter, never as SQL text.
 *
 * Text given to the store is UTF-8 without control characters (C0, DEL,
 * C1), at most its named maximum in bytes; anything else is refused
 * (ONECARD_ERR_TOO_LARGE, ONECARD_ERR_INVALID_ARG) before any connection
 * is borrowed, so a refused call writes nothing.
 */
#ifndef ONECARD_AUTHD_STORE_H
#define ONECARD_AUTHD_STORE_H

#include <stddef.h>
#include <stdint.h>

#define OC_ASTORE_WARN_UNUSED __attribute__((warn_unused_result))

/* Named maxima, in bytes (not counting the NUL). The database's CHECK
 * constraints repeat them (authd/store/migrations/). */
#define OC_ASTORE_CONNINFO_MAX	      4096u	     /* a libpq conninfo string or URI */
#define OC_ASTORE_POOL_MAX	      64u	     /* connections in one store */
#define OC_ASTORE_INSTANCE_MAX	      64u	     /* [A-Za-z0-9._:-] */
#define OC_ASTORE_ADDR_MAX	      64u	     /* a remote address as text */
#define OC_ASTORE_AUDIENCE_MAX	      255u	     /* a module id, as asked for */
#define OC_ASTORE_NONCE_HEX_MIN	      32u	     /* 16 bytes as lowercase hex */
#define OC_ASTORE_NONCE_HEX_MAX	      128u	     /* 64 bytes as lowercase hex */
#define OC_ASTORE_REASON_MAX	      64u	     /* [a-z][a-z0-9_]*: an error code */
#define OC_ASTORE_DETAIL_MAX	      512u	     /* a short sentence */
#define OC_ASTORE_PERSON_ID_MAX	      64u	     /* the directory's uid */
#define OC_ASTORE_USCC_MAX	      18u	     /* unified social credit code */
#define OC_ASTORE_CARD_ID_MAX	      64u	     /* the card id */
#define OC_ASTORE_CERTS_JSON_MAX      (256u * 1024u) /* the certificates seen, JSON */
#define OC_ASTORE_JTI_MAX	      128u	     /* [A-Za-z0-9_-] */
#define OC_ASTORE_KID_MAX	      128u	     /* a signing key id */
#define OC_ASTORE_ACR_MAX	      32u	     /* the token's acr */
#define OC_ASTORE_DIAG_MAX	      255u	     /* oc_astore_diagnostic() */
#define OC_ASTORE_SID_MIN	      16u	     /* a session id: [A-Za-z0-9_-] */
#define OC_ASTORE_SID_MAX	      64u
#define OC_ASTORE_SESSION_HASH_LEN    32u		/* SHA-256 of a session credential */
#define OC_ASTORE_AMR_JSON_MAX	      1024u		/* the session's amr, a JSON array */
#define OC_ASTORE_GRANT_MAX	      32u		/* a grant type, [a-z_] */
#define OC_ASTORE_SESSION_TIMEOUT_MAX INT64_C(31622400) /* seconds: 366 days */

/* Seconds: connecting (unless the conninfo says connect_timeout), one
 * statement (unless it sets options), waiting for a free connection. */
#define OC_ASTORE_CONNECT_TIMEOUT_SECONDS   5
#define OC_ASTORE_STATEMENT_TIMEOUT_SECONDS 10
#define OC_ASTORE_BORROW_WAIT_SECONDS	    10

struct oc_astore;

/* What a login came to. Zero is no outcome and is refused. */
enum oc_astore_outcome {
	OC_ASTORE_OUTCOME_NONE = 0,
	OC_ASTORE_SUCCESS = 1, /* a token was issued */
	OC_ASTORE_REFUSED = 2, /* a 4xx answer: the login broke a rule */
	OC_ASTORE_ERROR = 3,   /* a 5xx answer: authd or a service failed */
};

/* A challenge issued (POST /v1/challenge). */
struct oc_astore_challenge {
	const char *remote_addr; /* the client's address; NULL when unknown */
	const char *audience;	 /* the module asked for; required */
	const char *nonce_hex;	 /* the challenge's nonce, lowercase hex; required */
	int64_t expires_at;	 /* the challenge's expiry, Unix time */
};

/*
 * The SSO session a successful login opens (docs/sso.md). Stored with the
 * login, in the same transaction; only the credential's SHA-256 is kept.
 *  - certs_json: a JSON array, one object per certificate the login
 *    proved, {"agency": id, "sha256": hex, "x5c": [base64url DER, the
 *    card certificate first, then the CA certificates the login sent]},
 *    so that every use of the session can check them again ("[]" for a
 *    password + TOTP session);
 *  - amr_json: a JSON array of strings (["sc","pin"]).
 *  - acr, amr_json and certs_json are required.
 * Timeouts are seconds (1..OC_ASTORE_SESSION_TIMEOUT_MAX), counted by the
 * database's clock (now(): the start of the login's transaction, then of
 * each use): absolute from the login, idle from the last use. The token
 * given with the login must carry this sid (t->sid).
 */
struct oc_astore_session {
	const uint8_t *secret_hash; /* OC_ASTORE_SESSION_HASH_LEN bytes */
	const char *sid;	    /* OC_ASTORE_SID_MIN..MAX of [A-Za-z0-9_-] */
	const char *acr;
	const char *amr_json;
	const char *certs_json;
	int64_t idle_timeout, absolute_timeout; /* > 0, idle <= absolute <= max */
};

/* A login's methods (struct oc_astore_login's method). The acr of a
 * password login's session and token is OC_ASTORE_METHOD_PWD_OTP too. */
#define OC_ASTORE_METHOD_CARD	 "card"
#define OC_ASTORE_METHOD_PWD_OTP "pwd-otp"

/*
 * A login attempt (POST /v1/login, POST /v1/login/password). Optional
 * strings are NULL when absent (an empty string is refused).
 *  - outcome SUCCESS: reason NULL; audience, person_id, enterprise_uscc
 *    and (for a card login) card_id set; a token given to
 *    oc_astore_record_login().
 *  - outcome REFUSED or ERROR: reason the error code of docs/authd.md
 *    ("cert_revoked", "database_unavailable"...); no token.
 *  - nonce_hex: the challenge's nonce when this login uses it up (then
 *    nonce_expires_at is the challenge's expiry); NULL for a login that
 *    never got as far as a valid challenge, and for the refused row
 *    recorded after ONECARD_ERR_EXISTS (reason "challenge_replayed").
 *  - certs_json: a JSON array, one object per certificate seen:
 *      {"sha256": hex, "issuer": RFC 4514, "serial": hex,
 *       "agency": id, "evidence": [{"crl_issuer": ..., "crl_number": ...,
 *       "this_update": ..., "next_update": ...}, ...]}
 *    The server checks it is a JSON array (jsonb); NULL stores [].
 * Never a PIN, a key, a token, a signature or a challenge MAC.
 */
struct oc_astore_login {
	const char *remote_addr; /* NULL when unknown */
	const char *audience;	 /* NULL when the request named none */
	enum oc_astore_outcome outcome;
	const char *reason; /* NULL for SUCCESS, else required */
	const char *detail; /* a short sentence for people; NULL for none */
	const char *nonce_hex;
	int64_t nonce_expires_at;
	const char *person_id;
	const char *enterprise_uscc;
	const char *card_id;
	const char *certs_json;
	/* The session opened (person, enterprise and card are the login's);
	 * NULL for none. Only with outcome SUCCESS. */
	const struct oc_astore_session *session;
	/* How the login proved who it was: "card" (also when NULL) or
	 * "pwd-otp" (POST /v1/login/password: the directory password and a
	 * TOTP code). A pwd-otp login has no nonce, no card and no
	 * certificates (nonce_hex and card_id NULL, certs_json NULL or
	 * "[]"); its session's acr is "pwd-otp", its certs_json "[]" (amr
	 * as the caller says: ["pwd","otp"]), and its token's acr
	 * "pwd-otp". A card login's session and token never say
	 * "pwd-otp". With a session, the token's acr is the session's. */
	const char *method;
};

/* The token a successful login or grant was answered with (its claims,
 * never the token itself). */
struct oc_astore_token {
	const char *jti; /* the token's jti: [A-Za-z0-9_-], 1..OC_ASTORE_JTI_MAX */
	const char *sub; /* the login's person_id (a grant's: its session's) */
	const char *aud; /* the login's or the grant's audience */
	const char *kid; /* the signing key */
	const char *acr;
	int64_t iat, exp; /* Unix time; exp > iat */
	/* The session the token carries: for a login's token its session's
	 * sid, NULL when it opened none; for a grant's token the grant's sid. */
	const char *sid;
};

/* ---- the store ----------------------------------------------------------- */

/*
 * Prepares a store of pool_size (1..OC_ASTORE_POOL_MAX) connections to
 * the database conninfo (a libpq conninfo string or URI, copied; wiped
 * by oc_astore_free() as it may hold a password), recording rows as
 * instance_name (1..OC_ASTORE_INSTANCE_MAX bytes of [A-Za-z0-9._:-]:
 * which authd wrote a row). Nothing is connected yet. Defaults the
 * conninfo may override: connect_timeout, application_name
 * "onecard-authd", client_encoding UTF8, TCP keepalives, and options
 * "-c statement_timeout=..." (see the timeouts above).
 * Success: ONECARD_OK and *out a new store (oc_astore_free).
 * Failure (*out NULL): ONECARD_ERR_INVALID_ARG (NULL, empty, a pool size
 * out of range, an instance name not in its form), ONECARD_ERR_TOO_LARGE
 * (conninfo over its maximum), ONECARD_ERR_NOMEM, ONECARD_ERR_INTERNAL
 * (mutex or condition variable).
 */
int oc_astore_new(const char *conninfo, unsigned pool_size, const char *instance_name,
		  struct oc_astore **out) OC_ASTORE_WARN_UNUSED;

/* Closes every connection, wipes the conninfo copy and frees the store.
 * No call may be running on it. NULL does nothing. */
void oc_astore_free(struct oc_astore *s);

/*
 * Applies authd's schema migrations not yet applied (compiled in from
 * authd/store/migrations/, recorded in authd_schema_migrations; the
 * runner is db/pg_migrate.h). Safe to call again, from several
 * instances at once, and after a failure: authd calls it at start and,
 * while it fails, again before it serves.
 * Success: ONECARD_OK. Failure: ONECARD_ERR_DATABASE (unreachable, a
 * recorded migration differs from this program's, the database is newer
 * than this program), ONECARD_ERR_NOMEM.
 */
int oc_astore_migrate(struct oc_astore *s) OC_ASTORE_WARN_UNUSED;

/*
 * Health check (GET /healthz): SELECT 1 on a pooled connection,
 * connecting first if needed.
 * Success: ONECARD_OK. Failure: ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_ping(struct oc_astore *s) OC_ASTORE_WARN_UNUSED;

/*
 * One line about the last failed oc_astore_* call made by the calling
 * thread (on any store): libpq's or the server's words (untrusted), the
 * SQLSTATE and names of constraints and tables, never a value that was
 * sent or stored. "" when that call succeeded. Borrowed: valid until
 * this thread's next oc_astore_* call. Never NULL.
 */
const char *oc_astore_diagnostic(void);

/* ---- records ------------------------------------------------------------- */

/*
 * Records an issued challenge (one row in authd_challenges, in its own
 * transaction), committed before returning ONECARD_OK.
 * Failure (nothing written): ONECARD_ERR_INVALID_ARG (a required field
 * missing, a value not in its form, expires_at not positive),
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 * ONECARD_ERR_DATABASE after the COMMIT was sent means the outcome is
 * unknown: the row may be there.
 */
int oc_astore_record_challenge(struct oc_astore *s,
			       const struct oc_astore_challenge *c) OC_ASTORE_WARN_UNUSED;

/*
 * Records a login in one transaction, committed before returning
 * ONECARD_OK:
 *   1. when l->nonce_hex is set: inserts it into authd_nonces, whose
 *      primary key is the single-use rule across every instance (a
 *      concurrent login with the same nonce waits for this transaction
 *      and then fails);
 *   2. the login row (authd_logins), with t->jti when t is given;
 *   3. when l->session is given: the session row (authd_sessions), its
 *      timeouts counted from this transaction's start;
 *   4. when t is given: the token row (authd_tokens), with t->sid.
 * t must be given exactly when l->outcome is OC_ASTORE_SUCCESS.
 * Success: ONECARD_OK, everything committed.
 * Failure, nothing written:
 *   ONECARD_ERR_EXISTS       the nonce was used before (at any
 *                            instance): the caller answers
 *                            challenge_replayed and records a refused
 *                            row for it with nonce_hex NULL;
 *   ONECARD_ERR_INVALID_ARG  a field missing or not in its form, the
 *                            outcome/reason/token rules above broken,
 *                            t->sub or t->aud not the login's, a
 *                            session with other than a success, t->sid
 *                            not the session's sid, a method other
 *                            than card and pwd-otp or its rules (at
 *                            l->method) broken;
 *   ONECARD_ERR_TOO_LARGE    a field over its maximum;
 *   ONECARD_ERR_BAD_FORMAT   certs_json (the login's or the
 *                            session's) is not a JSON array, or the
 *                            session's amr_json not an array of strings
 *                            (or either holds what jsonb refuses, such
 *                            as \u0000);
 *   ONECARD_ERR_DATABASE     the server failed or could not be reached
 *                            (no token may be handed out), or the
 *                            connection was lost with the COMMIT sent:
 *                            then the outcome is unknown and the call
 *                            is not repeated (treat it as failed);
 *   ONECARD_ERR_NOMEM.
 */
int oc_astore_record_login(struct oc_astore *s, const struct oc_astore_login *l,
			   const struct oc_astore_token *t) OC_ASTORE_WARN_UNUSED;

/*
 * Deletes the used nonces of challenges that expired before before_unix
 * (Unix time). An expired challenge is refused before its nonce is
 * looked at, so such a nonce can never be used again anyway; pass the
 * current time minus the clock skew allowed between instances. Safe to
 * run at any time from any instance. *deleted (may be NULL) gets the
 * number of nonces deleted.
 * Success: ONECARD_OK. Failure: ONECARD_ERR_INVALID_ARG (before_unix not
 * positive), ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_purge_nonces(struct oc_astore *s, int64_t before_unix,
			   int64_t *deleted) OC_ASTORE_WARN_UNUSED;

/* ---- SSO sessions (docs/sso.md) ------------------------------------------ */

/* Where a session stands. */
enum oc_astore_session_state {
	OC_ASTORE_SESSION_LIVE = 1,
	OC_ASTORE_SESSION_UNKNOWN, /* no session has that credential or sid */
	OC_ASTORE_SESSION_ENDED,   /* logged out, revoked or ended by authd */
	OC_ASTORE_SESSION_EXPIRED, /* past its absolute timeout */
	OC_ASTORE_SESSION_IDLE,	   /* unused for longer than its idle timeout */
};

/* A session as stored. Strings are NUL-terminated copies; amr_json and
 * certs_json are malloc'd (oc_astore_session_row_clear frees them). */
struct oc_astore_session_row {
	char sid[OC_ASTORE_SID_MAX + 1];
	char person_id[OC_ASTORE_PERSON_ID_MAX + 1];
	char enterprise_uscc[OC_ASTORE_USCC_MAX + 1];
	char card_id[OC_ASTORE_CARD_ID_MAX + 1]; /* "" for none (acr pwd-otp) */
	char acr[OC_ASTORE_ACR_MAX + 1];
	char *amr_json;
	char *certs_json;
	int64_t created_at;	 /* Unix time of the login */
	int64_t expires_at;	 /* created_at + absolute_timeout */
	int64_t idle_expires_at; /* last use + idle_timeout */
	int64_t ended_at;	 /* 0 while not ended */
};

/* Frees what a row holds and zeroes it. NULL does nothing. */
void oc_astore_session_row_clear(struct oc_astore_session_row *row);

/*
 * Looks a session up by the SHA-256 of its credential (secret_hash,
 * OC_ASTORE_SESSION_HASH_LEN bytes) or, when secret_hash is NULL, by its
 * sid: exactly one of the two is given. Live means not ended and, by the
 * database's clock, before both its absolute and its idle expiry; a
 * session past both is EXPIRED. When it is live and touch is 1, its last
 * use becomes now (one statement: two instances touching at once both
 * succeed; repeated after a lost connection, it only touches again);
 * touch 0 (introspection) reads only.
 * Success: ONECARD_OK, *state set; *row filled for every state but
 * UNKNOWN (row may be NULL when only the state is wanted). *row is
 * zeroed at entry, not freed: clear a row used before.
 * Failure (*state 0, row zeroed): ONECARD_ERR_INVALID_ARG (state NULL,
 * neither key or both given, a sid not in its form, touch not 0 or 1),
 * ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_session_use(struct oc_astore *s, const uint8_t *secret_hash, const char *sid,
			  int touch, enum oc_astore_session_state *state,
			  struct oc_astore_session_row *row) OC_ASTORE_WARN_UNUSED;

/*
 * Ends a session found by secret_hash or, when NULL, by sid (exactly one
 * given; the sid in its form): sets its end
 * time and end reason (OC_ASTORE_REASON_MAX: "logout", "revoked",
 * "cert_revoked", "card_suspended"...) and records an event row
 * (authd_session_events: instance, remote_addr (NULL when unknown), sid,
 * reason), in one transaction. A session already ended keeps its first
 * end; *ended (may be NULL) is 1 when this call ended it, 0 when it was
 * unknown or already ended (then nothing is written).
 * Success: ONECARD_OK. Failure (nothing written): ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_session_end(struct oc_astore *s, const uint8_t *secret_hash, const char *sid,
			  const char *reason, const char *remote_addr,
			  int *ended) OC_ASTORE_WARN_UNUSED;

/*
 * A token request at POST /v1/token (refresh or exchange), whatever its
 * outcome: an append-only row of authd_grants.
 *  - grant: "refresh_token" or "token_exchange" (required);
 *  - subject_type: for an exchange, "refresh_token" or "access_token";
 *    NULL otherwise;
 *  - sid: the session when it was found, else NULL;
 *  - audience: as asked for, NULL when absent;
 *  - outcome/reason/detail as for a login.
 * A success names its session (sid), its audience and, for an exchange,
 * its subject_type.
 */
struct oc_astore_grant {
	const char *remote_addr;
	const char *grant;
	const char *subject_type;
	const char *sid;
	const char *audience;
	enum oc_astore_outcome outcome;
	const char *reason;
	const char *detail;
};

/*
 * Records a grant and, exactly when g->outcome is SUCCESS, the token it
 * issued (t: sub must be the session's person; aud the grant's
 * audience; sid the grant's sid) in one transaction, committed before
 * returning ONECARD_OK.
 * Failure, nothing written: ONECARD_ERR_INVALID_ARG (the rules above; that
 * t->sub is the person of the stored session t->sid and t->acr its acr,
 * so that a password session never gets a card token, is checked by the
 * database), ONECARD_ERR_TOO_LARGE, ONECARD_ERR_DATABASE (as for a login:
 * after the COMMIT was sent the outcome is unknown), ONECARD_ERR_NOMEM
 * (the caller hands no token out).
 */
int oc_astore_record_grant(struct oc_astore *s, const struct oc_astore_grant *g,
			   const struct oc_astore_token *t) OC_ASTORE_WARN_UNUSED;

/*
 * Deletes sessions that ended, expired or went idle before before_unix
 * (Unix time; their events and grants stay). A session still live by the
 * database's clock is never deleted, whatever before_unix says. Safe to
 * run at any time from any instance. *deleted (may be NULL) gets how many.
 * Success: ONECARD_OK. Failure: ONECARD_ERR_INVALID_ARG (before_unix not
 * a time from 1970 to 9999), ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_purge_sessions(struct oc_astore *s, int64_t before_unix,
			     int64_t *deleted) OC_ASTORE_WARN_UNUSED;

/* ---- password lockout (issue 6, docs/authd.md) ------------------------- */

/*
 * Failed password logins are counted per subject: the lowercase hex
 * SHA-256 of the user name as given (64 characters), so that an unknown
 * name is counted exactly as a known one and no name is stored. The
 * failure that brings the count to n >= OC_ASTORE_LOCK_FREE_FAILURES
 * locks the subject for OC_ASTORE_LOCK_BASE_SECONDS << (n -
 * OC_ASTORE_LOCK_FREE_FAILURES) seconds, at most
 * OC_ASTORE_LOCK_MAX_SECONDS, from now by the database's clock: the
 * first FREE_FAILURES tries come without a wait, then 30 s, 60 s, 120 s
 * ... 3600 s. A success clears the count. Times come out as Unix seconds
 * rounded up, so that a lock never reads as over early.
 */
#define OC_ASTORE_LOCK_SUBJECT_LEN   64u
#define OC_ASTORE_LOCK_FREE_FAILURES 5
#define OC_ASTORE_LOCK_BASE_SECONDS  30
#define OC_ASTORE_LOCK_MAX_SECONDS   3600

/*
 * Where subject stands now: *locked_until the Unix time its lock ends (0
 * when not locked now, by the database's clock), *failures the failures
 * counted (0 when none). Either output may be NULL. Reads only.
 * Success: ONECARD_OK. Failure (outputs 0): ONECARD_ERR_INVALID_ARG (not
 * 64 lowercase hex digits), ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_lockout_state(struct oc_astore *s, const char *subject, int64_t *locked_until,
			    int64_t *failures) OC_ASTORE_WARN_UNUSED;

/*
 * Counts one failure for subject in one statement (instances failing at
 * once each count) and sets the lock as above. *failures and
 * *locked_until (may be NULL; 0 when not locked) get the new state.
 * The statement is its own transaction (BEGIN ... COMMIT): as for a
 * login, ONECARD_ERR_DATABASE after the COMMIT was sent means the failure
 * may or may not be counted (never counted twice).
 * Success: ONECARD_OK. Failure (outputs 0): ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_DATABASE, ONECARD_ERR_NOMEM.
 */
int oc_astore_lockout_fail(struct oc_astore *s, const char *subject, int64_t *failures,
			   int64_t *locked_until) OC_ASTORE_WARN_UNUSED;

/* Clears subject's count and lock (a successful login): one DELETE, safe
 * to repeat; clearing an unknown subject is no error. ONECARD_OK; the
 * failures of oc_astore_lockout_fail. */
int oc_astore_lockout_clear(struct oc_astore *s, const char *subject) OC_ASTORE_WARN_UNUSED;

#endif /* ONECARD_AUTHD_STORE_H */
