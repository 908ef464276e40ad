/*
 * SSO sessions and grants in the store, against the fixture's PostgreSQL
 * (FIXTURES_REQUIRED services; $ONECARD_PG):
 *  - a login opens its session in its own transaction: the session row
 *    (only the credential's SHA-256), tied to the login row; the token
 *    row carries the sid;
 *  - a session is found by its credential's hash and by its sid; a touch
 *    moves its idle expiry, a read (touch 0) does not; it goes idle,
 *    expires at its absolute timeout even when used all along, ends once
 *    (one event row, the first end kept), and is unknown when no row has
 *    that key. Times are the database's clock; the waits are a second or
 *    two past each timeout so that a slow (sanitized) run still holds;
 *  - the database's own rules: a session changes only its last use
 *    (forward) and its end (once); events and grants are append-only; a
 *    session only for a success of its person; a token's sid names a
 *    session of its sub;
 *  - grants: success and refused rows, the token row with the grant's id
 *    and sid; refused input and refused JSON write nothing;
 *  - the purge deletes only sessions already past; the migrations apply
 *    twice, and 002 over a 001 database with rows in it;
 *  - two instances (stores) use and end one session from many threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/rand.h>

#include <onecard/error.h>

#include "astore.h"
#include "astore_int.h"
#include "astore_test.h"
#include "pg_migrate.h"

static struct oc_astore *store_a, *store_b;
static PGconn *db;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(oc_astore_new(at_conninfo(), 4, "authd-a", &store_a), ONECARD_OK);
	assert_int_equal(oc_astore_new(at_conninfo(), 4, "authd-b", &store_b), ONECARD_OK);
	if (oc_astore_migrate(store_a) != ONECARD_OK) {
		fail_msg("migrate: %s", oc_astore_diagnostic());
	}
	db = at_connect(at_conninfo());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_astore_free(store_a);
	oc_astore_free(store_b);
	PQfinish(db);
	return 0;
}

static long long rows(const char *table)
{
	char sql[128];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return at_int(db, sql, NULL);
}

/* SELECT count(*) FROM <table_where> = $1. */
static long long count_where(const char *table_where, const char *value)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s = $1", table_where);
	return at_int(db, sql, value);
}

static long long db_now(void)
{
	return at_int(db, "SELECT floor(extract(epoch FROM now()))::bigint", NULL);
}

/* Records x's login; fails the test with the diagnostic otherwise. */
static void open_session(struct oc_astore *s, struct at_sso *x)
{
	if (oc_astore_record_login(s, &x->a.l, &x->a.t) != ONECARD_OK) {
		fail_msg("record_login: %s", oc_astore_diagnostic());
	}
}

static enum oc_astore_session_state use(struct oc_astore *s, const uint8_t *hash, const char *sid,
					int touch, struct oc_astore_session_row *row)
{
	enum oc_astore_session_state st = 0;

	if (oc_astore_session_use(s, hash, sid, touch, &st, row) != ONECARD_OK) {
		fail_msg("session_use: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
	return st;
}

/* ---- a login opens a session ---------------------------------------------- */

static void login_opens_session(void **state)
{
	struct oc_astore_session_row row, by_sid;
	struct at_sso x;
	long long login_id, now;
	char hash_hex[2 * OC_ASTORE_SESSION_HASH_LEN + 1];
	size_t i;

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	assert_string_equal(oc_astore_diagnostic(), "");
	now = db_now();
	login_id = count_where("authd_logins WHERE outcome = 'success' AND jti", x.a.jti) == 1
			   ? at_int(db, "SELECT id FROM authd_logins WHERE jti = $1", x.a.jti)
			   : -1;
	assert_true(login_id > 0);
	for (i = 0; i < OC_ASTORE_SESSION_HASH_LEN; i++) {
		(void)snprintf(hash_hex + 2 * i, 3, "%02x", x.hash[i]);
	}
	/* The row: the login's person, enterprise and card; the hash only. */
	assert_int_equal(
		at_int(db,
		       "SELECT login_id FROM authd_sessions WHERE sid = $1 AND person_id = 'p-0001'"
		       " AND enterprise_uscc = '91350100M000100Y43' AND card_id = 'card-1'"
		       " AND acr = 'card' AND amr = '[\"sc\", \"pin\"]'::jsonb"
		       " AND certs -> 1 ->> 'agency' = 'maritime' AND idle_timeout = 1800"
		       " AND expires_at - created_at = interval '28800 seconds'"
		       " AND last_used_at = created_at AND ended_at IS NULL"
		       " AND end_reason IS NULL",
		       x.sid),
		login_id);
	{
		char sql[256];

		(void)snprintf(sql, sizeof(sql),
			       "SELECT count(*) FROM authd_sessions WHERE sid = $1 AND"
			       " encode(secret_hash, 'hex') = '%s'",
			       hash_hex);
		assert_int_equal(at_int(db, sql, x.sid), 1);
	}
	/* The token row carries the sid. */
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_tokens t JOIN authd_sessions s ON"
				" s.sid = t.sid AND s.login_id = t.login_id WHERE t.jti = $1"
				" AND t.grant_id IS NULL",
				x.a.jti),
			 1);

	/* By the credential's hash, touching. */
	assert_int_equal(use(store_a, x.hash, NULL, 1, &row), OC_ASTORE_SESSION_LIVE);
	assert_string_equal(row.sid, x.sid);
	assert_string_equal(row.person_id, "p-0001");
	assert_string_equal(row.enterprise_uscc, "91350100M000100Y43");
	assert_string_equal(row.card_id, "card-1");
	assert_string_equal(row.acr, "card");
	assert_non_null(row.amr_json);
	assert_string_equal(row.amr_json, "[\"sc\", \"pin\"]");
	assert_non_null(row.certs_json);
	assert_non_null(strstr(row.certs_json, "\"der\": \"MIIC\""));
	assert_true(row.created_at <= now && row.created_at >= now - 5);
	assert_int_equal(row.expires_at - row.created_at, 28800);
	assert_true(row.idle_expires_at >= row.created_at + 1800);
	assert_int_equal(row.ended_at, 0);
	/* By its sid, at the other instance, reading only. */
	assert_int_equal(use(store_b, NULL, x.sid, 0, &by_sid), OC_ASTORE_SESSION_LIVE);
	assert_string_equal(by_sid.sid, row.sid);
	assert_string_equal(by_sid.certs_json, row.certs_json);
	assert_int_equal(by_sid.expires_at, row.expires_at);
	assert_int_equal(by_sid.idle_expires_at, row.idle_expires_at);
	/* Only the state wanted. */
	assert_int_equal(use(store_b, NULL, x.sid, 1, NULL), OC_ASTORE_SESSION_LIVE);
	oc_astore_session_row_clear(&row);
	oc_astore_session_row_clear(&by_sid);
}

/* A login without a session still works as before, its token sid NULL. */
static void login_without_session(void **state)
{
	struct at_login a;

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_OK);
	assert_int_equal(
		count_where("authd_tokens WHERE sid IS NULL AND grant_id IS NULL AND jti", a.jti),
		1);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_sessions s JOIN authd_logins l ON"
				" l.id = s.login_id WHERE l.jti = $1",
				a.jti),
			 0);
}

/* ---- time ---------------------------------------------------------------- */

static void touch_moves_idle_expiry(void **state)
{
	struct oc_astore_session_row r0, r1, r2;
	struct at_sso x;
	long long used0;

	(void)state;
	at_sso_login(&x, 60, 3600);
	open_session(store_a, &x);
	assert_int_equal(use(store_a, x.hash, NULL, 0, &r0), OC_ASTORE_SESSION_LIVE);
	used0 = at_int(db,
		       "SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM"
		       " authd_sessions WHERE sid = $1",
		       x.sid);
	at_sleep_ms(1300);
	/* A read leaves the last use where it was. */
	assert_int_equal(use(store_b, NULL, x.sid, 0, &r1), OC_ASTORE_SESSION_LIVE);
	assert_int_equal(r1.idle_expires_at, r0.idle_expires_at);
	assert_int_equal(at_int(db,
				"SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM"
				" authd_sessions WHERE sid = $1",
				x.sid),
			 used0);
	/* A touch moves it, and the idle expiry with it; not the absolute. */
	assert_int_equal(use(store_b, x.hash, NULL, 1, &r2), OC_ASTORE_SESSION_LIVE);
	assert_true(r2.idle_expires_at >= r0.idle_expires_at + 1);
	assert_int_equal(r2.expires_at, r0.expires_at);
	assert_int_equal(r2.created_at, r0.created_at);
	assert_true(at_int(db,
			   "SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM"
			   " authd_sessions WHERE sid = $1",
			   x.sid) >= used0 + 1000000);
	oc_astore_session_row_clear(&r0);
	oc_astore_session_row_clear(&r1);
	oc_astore_session_row_clear(&r2);
}

static void idle_session(void **state)
{
	struct oc_astore_session_row r1, r2;
	struct at_sso x;

	(void)state;
	at_sso_login(&x, 1, 3600);
	open_session(store_a, &x);
	at_sleep_ms(2500);
	assert_int_equal(use(store_a, x.hash, NULL, 1, &r1), OC_ASTORE_SESSION_IDLE);
	/* The row of an idle session is given, and the touch did nothing. */
	assert_string_equal(r1.sid, x.sid);
	assert_non_null(r1.certs_json);
	assert_int_equal(r1.ended_at, 0);
	assert_true(r1.idle_expires_at < r1.expires_at);
	assert_int_equal(
		count_where("authd_sessions WHERE last_used_at = created_at AND sid", x.sid), 1);
	assert_int_equal(use(store_b, NULL, x.sid, 1, &r2), OC_ASTORE_SESSION_IDLE);
	assert_int_equal(r2.idle_expires_at, r1.idle_expires_at);
	assert_int_equal(use(store_b, NULL, x.sid, 0, NULL), OC_ASTORE_SESSION_IDLE);
	oc_astore_session_row_clear(&r1);
	oc_astore_session_row_clear(&r2);
}

/* Used all along (every 300 ms, idle timeout 3 s), the session outlives
 * its idle timeout and still dies at its absolute timeout (4 s):
 * EXPIRED, never IDLE. */
static void absolute_expiry(void **state)
{
	struct oc_astore_session_row row;
	enum oc_astore_session_state st;
	struct at_sso x;
	int64_t t0, elapsed, last_live = 0;

	(void)state;
	at_sso_login(&x, 3, 4);
	t0 = at_now_ms();
	open_session(store_a, &x);
	do {
		st = use(store_a, x.hash, NULL, 1, NULL);
		elapsed = at_now_ms() - t0;
		if (st == OC_ASTORE_SESSION_LIVE) {
			last_live = elapsed;
			at_sleep_ms(300);
		}
	} while (st == OC_ASTORE_SESSION_LIVE && elapsed < 20000);
	assert_int_equal(st, OC_ASTORE_SESSION_EXPIRED);
	assert_true(last_live > 3000); /* live past the idle timeout */
	assert_true(elapsed >= 3900);
	/* Past both timeouts, the absolute one is named. */
	at_sleep_ms(3500);
	assert_int_equal(use(store_b, NULL, x.sid, 0, &row), OC_ASTORE_SESSION_EXPIRED);
	assert_true(row.expires_at <= db_now());
	assert_true(row.idle_expires_at <= db_now());
	oc_astore_session_row_clear(&row);
}

/* ---- ending -------------------------------------------------------------- */

static void end_once(void **state)
{
	struct oc_astore_session_row row;
	struct at_sso x;
	long long used;
	int ended = -1;

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	assert_int_equal(
		oc_astore_session_end(store_a, x.hash, NULL, "logout", "192.0.2.7", &ended),
		ONECARD_OK);
	assert_string_equal(oc_astore_diagnostic(), "");
	assert_int_equal(ended, 1);
	assert_int_equal(use(store_b, x.hash, NULL, 1, &row), OC_ASTORE_SESSION_ENDED);
	assert_true(row.ended_at >= row.created_at && row.ended_at > 0);
	assert_string_equal(row.sid, x.sid);
	oc_astore_session_row_clear(&row);
	assert_int_equal(use(store_b, NULL, x.sid, 0, NULL), OC_ASTORE_SESSION_ENDED);
	assert_int_equal(count_where("authd_session_events WHERE instance = 'authd-a' AND"
				     " remote_addr = '192.0.2.7' AND reason = 'logout' AND sid",
				     x.sid),
			 1);
	used = at_int(db,
		      "SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM"
		      " authd_sessions WHERE sid = $1",
		      x.sid);
	/* Again, by sid, at the other instance: nothing more is written and
	 * the first end stays. */
	ended = -1;
	assert_int_equal(oc_astore_session_end(store_b, NULL, x.sid, "revoked", NULL, &ended),
			 ONECARD_OK);
	assert_int_equal(ended, 0);
	assert_int_equal(oc_astore_session_end(store_b, x.hash, NULL, "cert_revoked", NULL, NULL),
			 ONECARD_OK);
	assert_int_equal(count_where("authd_session_events WHERE sid", x.sid), 1);
	assert_int_equal(count_where("authd_sessions WHERE end_reason = 'logout' AND sid", x.sid),
			 1);
	/* A touch of an ended session moves nothing. */
	assert_int_equal(use(store_a, x.hash, NULL, 1, NULL), OC_ASTORE_SESSION_ENDED);
	assert_int_equal(at_int(db,
				"SELECT (extract(epoch FROM last_used_at) * 1000000)::bigint FROM"
				" authd_sessions WHERE sid = $1",
				x.sid),
			 used);
}

/* An expired session not yet ended can still be ended (logout after the
 * timeout): one event, and ENDED from then on. */
static void end_after_expiry(void **state)
{
	struct at_sso x;
	int ended = 0;

	(void)state;
	at_sso_login(&x, 1, 1);
	open_session(store_a, &x);
	at_sleep_ms(2000);
	assert_int_equal(use(store_a, NULL, x.sid, 0, NULL), OC_ASTORE_SESSION_EXPIRED);
	assert_int_equal(oc_astore_session_end(store_a, NULL, x.sid, "logout", NULL, &ended),
			 ONECARD_OK);
	assert_int_equal(ended, 1);
	assert_int_equal(use(store_a, x.hash, NULL, 0, NULL), OC_ASTORE_SESSION_ENDED);
	assert_int_equal(
		count_where("authd_session_events WHERE remote_addr IS NULL AND sid", x.sid), 1);
}

static void unknown_session(void **state)
{
	struct oc_astore_session_row row;
	uint8_t hash[OC_ASTORE_SESSION_HASH_LEN];
	char sid[AT_SID_SIZE];
	enum oc_astore_session_state st = 0;
	long long events;
	int ended = -1;

	(void)state;
	assert_int_equal(RAND_bytes(hash, (int)sizeof(hash)), 1);
	at_sid(sid);
	events = rows("authd_session_events");
	memset(&row, 0x5a, sizeof(row));
	assert_int_equal(oc_astore_session_use(store_a, hash, NULL, 1, &st, &row), ONECARD_OK);
	assert_int_equal(st, OC_ASTORE_SESSION_UNKNOWN);
	assert_null(row.amr_json);
	assert_null(row.certs_json);
	assert_int_equal(row.sid[0], '\0');
	assert_int_equal(row.created_at, 0);
	assert_int_equal(use(store_a, NULL, sid, 0, NULL), OC_ASTORE_SESSION_UNKNOWN);
	assert_int_equal(use(store_b, NULL, sid, 1, &row), OC_ASTORE_SESSION_UNKNOWN);
	assert_int_equal(oc_astore_session_end(store_a, hash, NULL, "logout", NULL, &ended),
			 ONECARD_OK);
	assert_int_equal(ended, 0);
	assert_int_equal(oc_astore_session_end(store_a, NULL, sid, "revoked", "192.0.2.1", &ended),
			 ONECARD_OK);
	assert_int_equal(ended, 0);
	assert_int_equal(rows("authd_session_events"), events);
}

/* ---- the database's rules ------------------------------------------------ */

static void expect_refused(const char *sql, const char *param, const char *words)
{
	char msg[256];

	if (!at_exec_fails(db, sql, param, msg, sizeof(msg))) {
		fail_msg("not refused: %s", sql);
	}
	if (words != NULL && strstr(msg, words) == NULL) {
		fail_msg("%s: refused with \"%s\", not \"%s\"", sql, msg, words);
	}
}

/* Runs a script of several statements (values in it made by the test);
 * it must fail, with words in the message. */
static void expect_script_refused(const char *script, const char *words)
{
	PGresult *res = PQexec(db, script);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char copy[256];
	int failed = PQresultStatus(res) == PGRES_FATAL_ERROR;

	(void)snprintf(copy, sizeof(copy), "%s", msg != NULL ? msg : "");
	PQclear(res);
	PQclear(PQexec(db, "ROLLBACK"));
	if (!failed) {
		fail_msg("not refused: %s", script);
	}
	if (strstr(copy, words) == NULL) {
		fail_msg("%s: refused with \"%s\", not \"%s\"", script, copy, words);
	}
}

static void session_rows_change_only_as_allowed(void **state)
{
	struct at_sso live, done;
	struct at_login refused;
	char msg[256], detail[64], hex[17];

	(void)state;
	/* A refused login with person, enterprise and card. */
	at_login_success(&refused);
	refused.l.outcome = OC_ASTORE_REFUSED;
	refused.l.reason = "cert_revoked";
	at_hex(hex, 8);
	(void)snprintf(detail, sizeof(detail), "refused %s", hex);
	refused.l.detail = detail;
	assert_int_equal(oc_astore_record_login(store_a, &refused.l, NULL), ONECARD_OK);
	at_sso_login(&live, 1800, 28800);
	open_session(store_a, &live);
	at_sso_login(&done, 1800, 28800);
	open_session(store_a, &done);
	assert_int_equal(oc_astore_session_end(store_a, NULL, done.sid, "logout", NULL, NULL),
			 ONECARD_OK);
	/* Only the last use and the end change. */
	expect_refused("UPDATE authd_sessions SET person_id = 'p-0002' WHERE sid = $1", live.sid,
		       "only the last use and the end");
	expect_refused("UPDATE authd_sessions SET expires_at = expires_at + interval '1 hour'"
		       " WHERE sid = $1",
		       live.sid, "only the last use and the end");
	expect_refused("UPDATE authd_sessions SET secret_hash = sha256(secret_hash) WHERE sid = $1",
		       live.sid, "only the last use and the end");
	expect_refused("UPDATE authd_sessions SET idle_timeout = 7200 WHERE sid = $1", live.sid,
		       "only the last use and the end");
	expect_refused("UPDATE authd_sessions SET certs = '[]' WHERE sid = $1", live.sid,
		       "only the last use and the end");
	expect_refused("UPDATE authd_sessions SET last_used_at = last_used_at - interval '1 hour'"
		       " WHERE sid = $1",
		       live.sid, "never moves back");
	/* Never un-ended, never ended again otherwise, never used after. */
	expect_refused("UPDATE authd_sessions SET ended_at = NULL, end_reason = NULL"
		       " WHERE sid = $1",
		       done.sid, "stays as it ended");
	expect_refused("UPDATE authd_sessions SET end_reason = 'revoked' WHERE sid = $1", done.sid,
		       "stays as it ended");
	expect_refused("UPDATE authd_sessions SET ended_at = now() + interval '1 day'"
		       " WHERE sid = $1",
		       done.sid, "stays as it ended");
	expect_refused("UPDATE authd_sessions SET last_used_at = now() + interval '1 day'"
		       " WHERE sid = $1",
		       done.sid, "stays as it ended");
	/* An end needs its reason, and the reason its end. */
	expect_refused("UPDATE authd_sessions SET ended_at = now() WHERE sid = $1", live.sid, NULL);
	expect_refused("UPDATE authd_sessions SET end_reason = 'logout' WHERE sid = $1", live.sid,
		       NULL);
	expect_refused("UPDATE authd_sessions SET ended_at = now(), end_reason = 'Bad Reason'"
		       " WHERE sid = $1",
		       live.sid, NULL);
	assert_int_equal(count_where("authd_sessions WHERE person_id = 'p-0001' AND ended_at IS"
				     " NULL AND idle_timeout = 1800 AND sid",
				     live.sid),
			 1);
	assert_int_equal(
		count_where("authd_sessions WHERE end_reason = 'logout' AND sid", done.sid), 1);
	/* What the store does is allowed. */
	assert_false(at_exec_fails(db,
				   "UPDATE authd_sessions SET last_used_at = GREATEST(last_used_at,"
				   " now()) WHERE sid = $1",
				   live.sid, msg, sizeof(msg)));
	/* A session only for a success of its own person. */
	expect_refused("INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id,"
		       " enterprise_uscc, card_id, acr, amr, certs, expires_at, idle_timeout)"
		       " SELECT 'hand-written-sid-0001', sha256('x'), id, person_id,"
		       " enterprise_uscc, card_id, 'card', '[]', '[]', now() + interval '1 hour',"
		       " 60 FROM authd_logins WHERE detail = $1",
		       detail, "successful login");
	assert_int_equal(count_where("authd_logins WHERE person_id IS NOT NULL AND detail", detail),
			 1);
	expect_refused("INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id,"
		       " enterprise_uscc, card_id, acr, amr, certs, expires_at, idle_timeout)"
		       " SELECT 'hand-written-sid-0002', sha256('y'), id, 'p-other',"
		       " enterprise_uscc, card_id, 'card', '[]', '[]', now() + interval '1 hour',"
		       " 60 FROM authd_logins WHERE jti = $1",
		       live.a.jti, "successful login");
	/* Idle longer than absolute, a bad sid, a short hash. */
	expect_refused("INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id,"
		       " enterprise_uscc, card_id, acr, amr, certs, expires_at, idle_timeout)"
		       " SELECT 'hand-written-sid-0003', sha256('z'), id, person_id,"
		       " enterprise_uscc, card_id, 'card', '[]', '[]', now() + interval '1 hour',"
		       " 7200 FROM authd_logins WHERE jti = $1",
		       live.a.jti, "authd_sessions_idle_check");
}

static void events_and_grants_are_append_only(void **state)
{
	struct oc_astore_grant g = {
		NULL, "refresh_token", NULL, NULL, "city-a", OC_ASTORE_REFUSED, "invalid_grant",
		NULL};
	struct at_sso x;
	char detail[64], hex[17];

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	assert_int_equal(oc_astore_session_end(store_a, x.hash, NULL, "logout", NULL, NULL),
			 ONECARD_OK);
	at_hex(hex, 8);
	(void)snprintf(detail, sizeof(detail), "append-only %s", hex);
	g.detail = detail;
	assert_int_equal(oc_astore_record_grant(store_a, &g, NULL), ONECARD_OK);
	expect_refused("UPDATE authd_session_events SET reason = 'other' WHERE sid = $1", x.sid,
		       "never changed or removed");
	expect_refused("DELETE FROM authd_session_events WHERE sid = $1", x.sid,
		       "never changed or removed");
	expect_refused("UPDATE authd_grants SET outcome = 'error' WHERE detail = $1", detail,
		       "never changed or removed");
	expect_refused("DELETE FROM authd_grants WHERE detail = $1", detail,
		       "never changed or removed");
	expect_refused("TRUNCATE authd_session_events", NULL, "never changed or removed");
	expect_refused("TRUNCATE authd_grants, authd_tokens", NULL, NULL);
	assert_int_equal(count_where("authd_session_events WHERE sid", x.sid), 1);
	assert_int_equal(count_where("authd_grants WHERE detail", detail), 1);
	/* A success without its token row does not commit; nor a token with
	 * a sid naming no session of its sub. */
	expect_refused(
		"INSERT INTO authd_grants (instance, grant_type, sid, audience, outcome,"
		" jti) VALUES ('x', 'refresh_token', 'abcdefghijklmnop', 'a', 'success', $1)",
		"no-such-token", NULL);
	/* By hand, in a transaction as the store writes them: a grant's
	 * token for another person than the session's, one with another sid
	 * than its grant's. */
	{
		char script[1024], jti[AT_JTI_SIZE], other[AT_SID_SIZE];

		at_hex(jti, 16);
		(void)snprintf(
			script, sizeof(script),
			"BEGIN; INSERT INTO authd_grants (instance, grant_type, sid,"
			" audience, outcome, jti) VALUES ('hand', 'refresh_token', '%s',"
			" 'a', 'success', '%s'); INSERT INTO authd_tokens (jti, grant_id, sub,"
			" aud, kid, acr, iat, exp, sid) SELECT '%s', id, 'p-someone-else',"
			" 'a', 'k', 'card', now(), now() + interval '5 minutes', '%s' FROM"
			" authd_grants WHERE jti = '%s'; COMMIT",
			x.sid, jti, jti, x.sid, jti);
		expect_script_refused(script, "names a session of its sub");
		at_sid(other);
		(void)snprintf(
			script, sizeof(script),
			"BEGIN; INSERT INTO authd_grants (instance, grant_type, sid,"
			" audience, outcome, jti) VALUES ('hand', 'refresh_token', '%s',"
			" 'a', 'success', '%s'); INSERT INTO authd_tokens (jti, grant_id, sub,"
			" aud, kid, acr, iat, exp, sid) SELECT '%s', id, 'p-0001',"
			" 'a', 'k', 'card', now(), now() + interval '5 minutes', '%s' FROM"
			" authd_grants WHERE jti = '%s'; COMMIT",
			x.sid, jti, jti, other, jti);
		expect_script_refused(script, "matches its grant");
		/* The same, right, commits (the rules above are what refused). */
		(void)snprintf(
			script, sizeof(script),
			"BEGIN; INSERT INTO authd_grants (instance, grant_type, sid,"
			" audience, outcome, jti) VALUES ('hand', 'refresh_token', '%s',"
			" 'a', 'success', '%s'); INSERT INTO authd_tokens (jti, grant_id, sub,"
			" aud, kid, acr, iat, exp, sid) SELECT '%s', id, 'p-0001',"
			" 'a', 'k', 'card', now(), now() + interval '5 minutes', '%s' FROM"
			" authd_grants WHERE jti = '%s'; COMMIT",
			x.sid, jti, jti, x.sid, jti);
		PQclear(PQexec(db, script));
		assert_int_equal(
			count_where("authd_tokens WHERE grant_id IS NOT NULL AND jti", jti), 1);
	}
}

/* ---- grants -------------------------------------------------------------- */

struct grant_case {
	struct oc_astore_grant g;
	struct oc_astore_token t;
	char jti[AT_JTI_SIZE];
};

static void grant_success(struct grant_case *c, const struct at_sso *x, const char *grant)
{
	memset(c, 0, sizeof(*c));
	at_hex(c->jti, (AT_JTI_SIZE - 1) / 2);
	c->g.remote_addr = "198.51.100.4";
	c->g.grant = grant;
	c->g.subject_type = strcmp(grant, "token_exchange") == 0 ? "access_token" : NULL;
	c->g.sid = x->sid;
	c->g.audience = "city-a-customs";
	c->g.outcome = OC_ASTORE_SUCCESS;
	c->t.jti = c->jti;
	c->t.sub = "p-0001";
	c->t.aud = "city-a-customs";
	c->t.kid = "k-2025";
	c->t.acr = "card";
	c->t.iat = (int64_t)time(NULL);
	c->t.exp = c->t.iat + 300;
	c->t.sid = x->sid;
}

static void grants_and_their_tokens(void **state)
{
	struct grant_case c, e;
	struct at_sso x;
	long long grant_id;

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	/* A refresh. */
	grant_success(&c, &x, "refresh_token");
	if (oc_astore_record_grant(store_a, &c.g, &c.t) != ONECARD_OK) {
		fail_msg("record_grant: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
	grant_id = at_int(db,
			  "SELECT id FROM authd_grants WHERE jti = $1 AND instance = 'authd-a'"
			  " AND remote_addr = '198.51.100.4' AND grant_type = 'refresh_token'"
			  " AND subject_type IS NULL AND audience = 'city-a-customs'"
			  " AND outcome = 'success' AND reason IS NULL AND detail IS NULL",
			  c.jti);
	assert_true(grant_id > 0);
	assert_int_equal(
		at_int(db,
		       "SELECT grant_id FROM authd_tokens WHERE jti = $1 AND login_id IS"
		       " NULL AND sub = 'p-0001' AND aud = 'city-a-customs' AND kid ="
		       " 'k-2025' AND acr = 'card' AND extract(epoch FROM exp - iat) = 300",
		       c.jti),
		grant_id);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_tokens t JOIN authd_grants g ON"
				" g.id = t.grant_id AND g.sid = t.sid WHERE t.jti = $1",
				c.jti),
			 1);
	assert_int_equal(count_where("authd_tokens WHERE sid", x.sid), 2); /* login's too */
	/* An exchange, at the other instance. */
	grant_success(&e, &x, "token_exchange");
	assert_int_equal(oc_astore_record_grant(store_b, &e.g, &e.t), ONECARD_OK);
	assert_int_equal(count_where("authd_grants WHERE grant_type = 'token_exchange' AND"
				     " subject_type = 'access_token' AND instance = 'authd-b'"
				     " AND jti",
				     e.jti),
			 1);
	assert_int_equal(count_where("authd_tokens WHERE grant_id IS NOT NULL AND jti", e.jti), 1);
}

static void refused_grants_are_recorded(void **state)
{
	struct oc_astore_grant g;
	struct at_sso x;
	long long grants, tokens;
	char detail[64], hex[17];

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	grants = rows("authd_grants");
	tokens = rows("authd_tokens");
	at_hex(hex, 8);
	(void)snprintf(detail, sizeof(detail), "refused %s", hex);
	memset(&g, 0, sizeof(g));
	g.grant = "token_exchange";
	g.subject_type = "refresh_token";
	g.sid = x.sid;
	g.audience = "city-b-maritime";
	g.outcome = OC_ASTORE_REFUSED;
	g.reason = "access_denied";
	g.detail = detail;
	assert_int_equal(oc_astore_record_grant(store_a, &g, NULL), ONECARD_OK);
	/* Nothing known: neither session nor audience. */
	memset(&g, 0, sizeof(g));
	g.grant = "refresh_token";
	g.outcome = OC_ASTORE_ERROR;
	g.reason = "database_unavailable";
	g.detail = detail;
	assert_int_equal(oc_astore_record_grant(store_b, &g, NULL), ONECARD_OK);
	assert_int_equal(rows("authd_grants"), grants + 2);
	assert_int_equal(rows("authd_tokens"), tokens);
	assert_int_equal(count_where("authd_grants WHERE outcome = 'refused' AND reason ="
				     " 'access_denied' AND jti IS NULL AND sid IS NOT NULL"
				     " AND subject_type = 'refresh_token' AND detail",
				     detail),
			 1);
	assert_int_equal(count_where("authd_grants WHERE outcome = 'error' AND sid IS NULL AND"
				     " audience IS NULL AND subject_type IS NULL AND instance ="
				     " 'authd-b' AND detail",
				     detail),
			 1);
}

/* ---- refused calls write nothing ----------------------------------------- */

static void refused_calls_write_nothing(void **state)
{
	static const char *const tables[] = {"authd_logins", "authd_tokens",
					     "authd_nonces", "authd_sessions",
					     "authd_grants", "authd_session_events"};
	long long before[sizeof(tables) / sizeof(tables[0])];
	struct grant_case c;
	struct at_sso x, y;
	size_t i;
	int ended = -1;

	(void)state;
	at_sso_login(&y, 1800, 28800);
	open_session(store_a, &y);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		before[i] = rows(tables[i]);
	}
	/* Input rules, before the database. */
	at_sso_login(&x, 1800, 28800);
	x.s.idle_timeout = 28801;
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	at_sso_login(&x, 1800, 28800);
	x.a.l.outcome = OC_ASTORE_REFUSED;
	x.a.l.reason = "cert_revoked";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, NULL), ONECARD_ERR_INVALID_ARG);
	grant_success(&c, &y, "refresh_token");
	assert_int_equal(oc_astore_record_grant(store_a, &c.g, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_astore_session_end(store_a, NULL, "bad", "logout", NULL, &ended),
			 ONECARD_ERR_INVALID_ARG);
	/* JSON the server refuses: the whole login goes, the nonce unused. */
	at_sso_login(&x, 1800, 28800);
	x.s.amr_json = "{\"sc\": true}";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(oc_astore_diagnostic(), "JSON"));
	x.s.amr_json = "[\"sc\", 1]";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_BAD_FORMAT);
	x.s.amr_json = "[\"sc\"";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_BAD_FORMAT);
	x.s.amr_json = AT_AMR;
	x.s.certs_json = "{\"agency\": \"customs\"}";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_BAD_FORMAT);
	x.s.certs_json = "[\"\\u0000\"]";
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_BAD_FORMAT);
	/* A sid or a credential already in use: the server refuses. */
	x.s.certs_json = AT_SSO_CERTS;
	memcpy(x.sid, y.sid, AT_SID_SIZE);
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	at_sid(x.sid);
	memcpy(x.hash, y.hash, sizeof(x.hash));
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_DATABASE);
	assert_null(strstr(oc_astore_diagnostic(), x.sid));
	/* A grant whose token's sub is not the session's person; one whose
	 * sid names no session at all. */
	grant_success(&c, &y, "refresh_token");
	c.t.sub = "p-0002";
	assert_int_equal(oc_astore_record_grant(store_a, &c.g, &c.t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "no session of its sub"));
	grant_success(&c, &x, "refresh_token"); /* x never got in */
	assert_int_equal(oc_astore_record_grant(store_a, &c.g, &c.t), ONECARD_ERR_INVALID_ARG);
	/* A grant token's jti already used: the server refuses. */
	grant_success(&c, &y, "refresh_token");
	c.t.jti = y.a.jti;
	assert_int_equal(oc_astore_record_grant(store_a, &c.g, &c.t), ONECARD_ERR_DATABASE);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (rows(tables[i]) != before[i]) {
			fail_msg("%s changed", tables[i]);
		}
	}
	/* Fixed, x goes through: its nonce was never used up. */
	assert_int_equal(RAND_bytes(x.hash, (int)sizeof(x.hash)), 1);
	open_session(store_a, &x);
	assert_int_equal(use(store_a, x.hash, NULL, 0, NULL), OC_ASTORE_SESSION_LIVE);
}

/* ---- the purge ----------------------------------------------------------- */

static void purge_only_what_is_past(void **state)
{
	struct at_sso live, ended, expired, idle;
	int64_t deleted = -1;
	long long events;

	(void)state;
	at_sso_login(&live, 1800, 28800);
	open_session(store_a, &live);
	at_sso_login(&ended, 1800, 28800);
	open_session(store_a, &ended);
	at_sso_login(&expired, 1, 1);
	open_session(store_a, &expired);
	at_sso_login(&idle, 1, 3600);
	open_session(store_a, &idle);
	assert_int_equal(oc_astore_session_end(store_a, ended.hash, NULL, "logout", NULL, NULL),
			 ONECARD_OK);
	events = count_where("authd_session_events WHERE sid", ended.sid);
	at_sleep_ms(2500);
	/* Before anything of ours ended: nothing of ours goes. */
	assert_int_equal(oc_astore_purge_sessions(store_b, 1000, &deleted), ONECARD_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(count_where("authd_sessions WHERE sid", ended.sid), 1);
	/* Far in the future: the past ones go, the live one stays (live by
	 * the database's clock, whatever the caller's time says). */
	assert_int_equal(oc_astore_purge_sessions(store_b, db_now() + 86400 * 365, &deleted),
			 ONECARD_OK);
	assert_true(deleted >= 3);
	assert_int_equal(count_where("authd_sessions WHERE sid", ended.sid), 0);
	assert_int_equal(count_where("authd_sessions WHERE sid", expired.sid), 0);
	assert_int_equal(count_where("authd_sessions WHERE sid", idle.sid), 0);
	assert_int_equal(count_where("authd_sessions WHERE sid", live.sid), 1);
	assert_int_equal(use(store_a, live.hash, NULL, 1, NULL), OC_ASTORE_SESSION_LIVE);
	/* Purged is unknown; the history stays. */
	assert_int_equal(use(store_a, ended.hash, NULL, 0, NULL), OC_ASTORE_SESSION_UNKNOWN);
	assert_int_equal(count_where("authd_session_events WHERE sid", ended.sid), events);
	assert_int_equal(count_where("authd_tokens WHERE sid", expired.sid), 1);
	assert_int_equal(count_where("authd_logins WHERE jti", expired.a.jti), 1);
	/* Again: nothing more. */
	assert_int_equal(oc_astore_purge_sessions(store_a, db_now() + 86400 * 365, NULL),
			 ONECARD_OK);
	assert_int_equal(count_where("authd_sessions WHERE sid", live.sid), 1);
}

/* ---- migrations ---------------------------------------------------------- */

static void migrations_twice_and_over_001(void **state)
{
	const struct oc_pg_schema only_001 = {OC_ASTORE_MIGRATIONS_TABLE, "onecard-authd",
					      oc_astore_migrations, 1};
	char schema[64], sql[256], conninfo[1024], reason[256], hex[17];
	struct oc_astore *s = NULL;
	struct at_sso x;
	PGconn *conn;

	(void)state;
	assert_true(oc_astore_migrations_len >= 2);
	assert_int_equal(oc_astore_migrate(store_a), ONECARD_OK);
	assert_int_equal(oc_astore_migrate(store_b), ONECARD_OK);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_schema_migrations WHERE version = 2"
				" AND name = '002_sessions'",
				NULL),
			 1);
	/* A database that has only 001, with a login and its token in it. */
	at_hex(hex, 8);
	(void)snprintf(schema, sizeof(schema), "astore_upgrade_%s", hex);
	(void)snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	PQclear(PQexec(db, sql));
	(void)snprintf(conninfo, sizeof(conninfo), "%s options='-c search_path=%s'", at_conninfo(),
		       schema);
	conn = at_connect(conninfo);
	if (oc_pg_migrate(conn, &only_001, reason, sizeof(reason)) != ONECARD_OK) {
		fail_msg("001: %s", reason);
	}
	PQclear(PQexec(conn, "BEGIN"));
	PQclear(PQexec(conn, "INSERT INTO authd_logins (instance, audience, outcome, person_id,"
			     " enterprise_uscc, card_id, jti) VALUES ('old', 'portal', 'success',"
			     " 'p-old', 'u', 'c', 'old-jti')"));
	PQclear(PQexec(conn, "INSERT INTO authd_tokens (jti, login_id, sub, aud, kid, acr, iat,"
			     " exp) SELECT 'old-jti', id, 'p-old', 'portal', 'k', 'card', now(),"
			     " now() + interval '5 minutes' FROM authd_logins"));
	PQclear(PQexec(conn, "COMMIT"));
	assert_int_equal(at_int(conn, "SELECT count(*) FROM authd_tokens", NULL), 1);
	assert_int_equal(oc_astore_new(conninfo, 1, "authd-upgrade", &s), ONECARD_OK);
	if (oc_astore_migrate(s) != ONECARD_OK) {
		fail_msg("002 over 001: %s", oc_astore_diagnostic());
	}
	assert_int_equal(oc_astore_migrate(s), ONECARD_OK);
	assert_int_equal(at_int(conn, "SELECT count(*) FROM authd_schema_migrations", NULL),
			 (long long)oc_astore_migrations_len);
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM authd_tokens WHERE jti = 'old-jti' AND"
				" grant_id IS NULL AND sid IS NULL AND login_id IS NOT NULL",
				NULL),
			 1);
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND"
				" tablename IN ('authd_sessions', 'authd_session_events',"
				" 'authd_grants')",
				schema),
			 3);
	/* And the upgraded database takes a session. */
	at_sso_login(&x, 60, 120);
	open_session(s, &x);
	assert_int_equal(use(s, x.hash, NULL, 1, NULL), OC_ASTORE_SESSION_LIVE);
	oc_astore_free(s);
	PQfinish(conn);
	(void)snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
	PQclear(PQexec(db, sql));
}

/* ---- two instances, many threads ----------------------------------------- */

#define USE_THREADS 8 /* per store */
#define USE_CALLS   25

struct user {
	struct oc_astore *store;
	const struct at_sso *x;
	pthread_barrier_t *go;
	int by_sid;
	int live, other, failed, ended;
};

static void *use_many(void *arg)
{
	struct user *u = arg;
	enum oc_astore_session_state st;
	int i;

	(void)pthread_barrier_wait(u->go);
	for (i = 0; i < USE_CALLS; i++) {
		if (oc_astore_session_use(u->store, u->by_sid ? NULL : u->x->hash,
					  u->by_sid ? u->x->sid : NULL, 1, &st,
					  NULL) != ONECARD_OK) {
			u->failed++;
		} else if (st == OC_ASTORE_SESSION_LIVE) {
			u->live++;
		} else {
			u->other++;
		}
	}
	return NULL;
}

static void *end_one(void *arg)
{
	struct user *u = arg;

	(void)pthread_barrier_wait(u->go);
	if (oc_astore_session_end(u->store, u->by_sid ? NULL : u->x->hash,
				  u->by_sid ? u->x->sid : NULL, "logout", NULL,
				  &u->ended) != ONECARD_OK) {
		u->failed++;
	}
	return NULL;
}

static void run_users(struct at_sso *x, void *(*fn)(void *), struct user *users)
{
	pthread_t th[2 * USE_THREADS];
	pthread_barrier_t go;
	int i;

	assert_int_equal(pthread_barrier_init(&go, NULL, 2 * USE_THREADS), 0);
	for (i = 0; i < 2 * USE_THREADS; i++) {
		memset(&users[i], 0, sizeof(users[i]));
		users[i].store = i % 2 == 0 ? store_a : store_b;
		users[i].x = x;
		users[i].go = &go;
		users[i].by_sid = (i / 2) % 2;
		assert_int_equal(pthread_create(&th[i], NULL, fn, &users[i]), 0);
	}
	for (i = 0; i < 2 * USE_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
	}
	(void)pthread_barrier_destroy(&go);
}

static void two_instances_share_a_session(void **state)
{
	struct user users[2 * USE_THREADS];
	struct at_sso x;
	int i, ended = 0;

	(void)state;
	at_sso_login(&x, 1800, 28800);
	open_session(store_a, &x);
	run_users(&x, use_many, users);
	for (i = 0; i < 2 * USE_THREADS; i++) {
		assert_int_equal(users[i].failed, 0);
		assert_int_equal(users[i].other, 0);
		assert_int_equal(users[i].live, USE_CALLS);
	}
	assert_int_equal(count_where("authd_sessions WHERE last_used_at >= created_at AND"
				     " ended_at IS NULL AND sid",
				     x.sid),
			 1);
	/* Every thread of both instances ends it at once: one wins. */
	run_users(&x, end_one, users);
	for (i = 0; i < 2 * USE_THREADS; i++) {
		assert_int_equal(users[i].failed, 0);
		ended += users[i].ended;
	}
	assert_int_equal(ended, 1);
	assert_int_equal(count_where("authd_session_events WHERE sid", x.sid), 1);
	assert_int_equal(use(store_b, x.hash, NULL, 1, NULL), OC_ASTORE_SESSION_ENDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_opens_session),
		cmocka_unit_test(login_without_session),
		cmocka_unit_test(touch_moves_idle_expiry),
		cmocka_unit_test(idle_session),
		cmocka_unit_test(absolute_expiry),
		cmocka_unit_test(end_once),
		cmocka_unit_test(end_after_expiry),
		cmocka_unit_test(unknown_session),
		cmocka_unit_test(session_rows_change_only_as_allowed),
		cmocka_unit_test(events_and_grants_are_append_only),
		cmocka_unit_test(grants_and_their_tokens),
		cmocka_unit_test(refused_grants_are_recorded),
		cmocka_unit_test(refused_calls_write_nothing),
		cmocka_unit_test(purge_only_what_is_past),
		cmocka_unit_test(migrations_twice_and_over_001),
		cmocka_unit_test(two_instances_share_a_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
