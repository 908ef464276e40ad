/*
 * The password + TOTP login in the store (migration 003), against the
 * fixture's PostgreSQL (FIXTURES_REQUIRED services; $ONECARD_PG):
 *  - a pwd-otp login: its row (method, no nonce, no card, no
 *    certificate), the session it opens (no card, acr pwd-otp, amr
 *    ["pwd","otp"], certs []), its token; the session used, its grants
 *    (a card token from it is refused: no step-up); refused pwd-otp rows;
 *  - the database's own rules behind the store's, by hand: a pwd-otp
 *    success with a card, with a nonce, with certificates; a card success
 *    without a card; a method there is not; a cardless session that is
 *    not pwd-otp; a session whose card is not its login's; a login's
 *    token whose acr is not its method's; 001's CHECK gone, by name;
 *  - the lockout: failures counted, the lock growing 30, 60, 120 ... s
 *    up to 3600 s (durations computed by the database, not wall time),
 *    a past lock reading as none, the count held under integer's
 *    maximum, clear, an unknown subject (0/0), the table's own checks,
 *    concurrent failures from two stores all counted, each count seen
 *    once;
 *  - migration 003 over a database of 001 and 002 holding a card login
 *    with its session and a refused login.
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

static void record(struct oc_astore *s, const struct oc_astore_login *l,
		   const struct oc_astore_token *t)
{
	if (oc_astore_record_login(s, l, t) != ONECARD_OK) {
		fail_msg("record_login: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
}

/* sql with one parameter must fail, with words in the server's message. */
static void expect_refused(const char *sql, const char *param, const char *words)
{
	char msg[256];

	if (!at_exec_fails(db, sql, param, msg, sizeof(msg))) {
		fail_msg("not refused: %s", sql);
	}
	if (strstr(msg, words) == NULL) {
		fail_msg("%s: refused with \"%s\", not \"%s\"", sql, msg, words);
	}
}

/* A script of several statements (values made by the test) must fail,
 * with words in the message; what it began is rolled back. */
static void expect_script_refused(const char *script, const char *words)
{
	PGresult *res = PQexec(db, script);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	int failed = PQresultStatus(res) == PGRES_FATAL_ERROR;
	char copy[256];

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

/* ---- the login -------------------------------------------------------------- */

static void pwd_login_opens_session(void **state)
{
	struct oc_astore_session_row row;
	enum oc_astore_session_state st = 0;
	struct at_sso x;
	long long login_id;

	(void)state;
	at_pwd_login(&x, 1800, 28800);
	record(store_a, &x.a.l, &x.a.t);
	login_id = at_int(db,
			  "SELECT id FROM authd_logins WHERE jti = $1 AND method = 'pwd-otp' AND"
			  " outcome = 'success' AND nonce IS NULL AND card_id IS NULL AND certs ="
			  " '[]'::jsonb AND person_id = 'p-0001' AND enterprise_uscc ="
			  " '91350100M000100Y43' AND audience = 'provincial-portal'",
			  x.a.jti);
	assert_true(login_id > 0);
	assert_int_equal(at_int(db,
				"SELECT login_id FROM authd_sessions WHERE sid = $1 AND card_id IS"
				" NULL AND acr = 'pwd-otp' AND amr = '[\"pwd\", \"otp\"]'::jsonb"
				" AND certs = '[]'::jsonb AND person_id = 'p-0001'",
				x.sid),
			 login_id);
	assert_int_equal(count_where("authd_tokens WHERE acr = 'pwd-otp' AND sid IS NOT NULL AND"
				     " login_id IS NOT NULL AND jti",
				     x.a.jti),
			 1);
	assert_int_equal(
		count_where("authd_tokens t JOIN authd_sessions s ON s.sid = t.sid WHERE t.jti",
			    x.a.jti),
		1);
	/* The session, at the other instance: no card, acr pwd-otp. */
	assert_int_equal(oc_astore_session_use(store_b, x.hash, NULL, 1, &st, &row), ONECARD_OK);
	assert_int_equal(st, OC_ASTORE_SESSION_LIVE);
	assert_string_equal(row.sid, x.sid);
	assert_string_equal(row.card_id, "");
	assert_string_equal(row.acr, "pwd-otp");
	assert_string_equal(row.amr_json, "[\"pwd\", \"otp\"]");
	assert_string_equal(row.certs_json, "[]");
	assert_string_equal(row.person_id, "p-0001");
	oc_astore_session_row_clear(&row);
	/* Ended like any session. */
	assert_int_equal(oc_astore_session_end(store_a, NULL, x.sid, "logout", NULL, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_astore_session_use(store_a, NULL, x.sid, 0, &st, NULL), ONECARD_OK);
	assert_int_equal(st, OC_ASTORE_SESSION_ENDED);
}

/* A pwd-otp login without a session, and certificates given as "[]". */
static void pwd_login_without_session(void **state)
{
	struct at_sso x;

	(void)state;
	at_pwd_login(&x, 60, 120);
	x.a.l.session = NULL;
	x.a.t.sid = NULL;
	x.a.l.certs_json = "[]";
	record(store_b, &x.a.l, &x.a.t);
	assert_int_equal(count_where("authd_logins WHERE method = 'pwd-otp' AND instance ="
				     " 'authd-b' AND certs = '[]'::jsonb AND jti",
				     x.a.jti),
			 1);
	assert_int_equal(
		count_where("authd_tokens WHERE sid IS NULL AND acr = 'pwd-otp' AND jti", x.a.jti),
		1);
}

/* Refused password logins: one knowing nothing, one knowing the person. */
static void pwd_login_refused(void **state)
{
	struct oc_astore_login l;
	char detail[64], hex[17];

	(void)state;
	at_hex(hex, 8);
	(void)snprintf(detail, sizeof(detail), "pwd refused %s", hex);
	memset(&l, 0, sizeof(l));
	l.method = OC_ASTORE_METHOD_PWD_OTP;
	l.outcome = OC_ASTORE_REFUSED;
	l.reason = "invalid_credentials";
	l.detail = detail;
	l.remote_addr = "198.51.100.9";
	record(store_a, &l, NULL);
	l.person_id = "p-0001";
	l.enterprise_uscc = "91350100M000100Y43";
	l.audience = "city-a-info";
	l.outcome = OC_ASTORE_ERROR;
	l.reason = "directory_unavailable";
	l.certs_json = "[]";
	record(store_b, &l, NULL);
	assert_int_equal(count_where("authd_logins WHERE method = 'pwd-otp' AND outcome ="
				     " 'refused' AND person_id IS NULL AND jti IS NULL AND nonce"
				     " IS NULL AND reason = 'invalid_credentials' AND detail",
				     detail),
			 1);
	assert_int_equal(count_where("authd_logins WHERE method = 'pwd-otp' AND outcome ="
				     " 'error' AND person_id = 'p-0001' AND card_id IS NULL AND"
				     " detail",
				     detail),
			 1);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_sessions s JOIN authd_logins l ON"
				" l.id = s.login_id WHERE l.detail = $1",
				detail),
			 0);
}

/* A grant from a password session: a pwd-otp token goes; a card token is
 * refused by the database, nothing written. */
static void pwd_session_grants_keep_their_acr(void **state)
{
	struct oc_astore_grant g;
	struct oc_astore_token t;
	struct at_sso x;
	char jti[AT_JTI_SIZE];
	long long grants, tokens;

	(void)state;
	at_pwd_login(&x, 1800, 28800);
	record(store_a, &x.a.l, &x.a.t);
	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	g.grant = "token_exchange";
	g.subject_type = "refresh_token";
	g.sid = x.sid;
	g.audience = "city-a-info";
	g.outcome = OC_ASTORE_SUCCESS;
	at_hex(jti, (AT_JTI_SIZE - 1) / 2);
	t.jti = jti;
	t.sub = "p-0001";
	t.aud = "city-a-info";
	t.kid = "k-2025";
	t.acr = "pwd-otp";
	t.iat = (int64_t)time(NULL);
	t.exp = t.iat + 300;
	t.sid = x.sid;
	if (oc_astore_record_grant(store_b, &g, &t) != ONECARD_OK) {
		fail_msg("record_grant: %s", oc_astore_diagnostic());
	}
	assert_int_equal(count_where("authd_tokens WHERE grant_id IS NOT NULL AND acr = 'pwd-otp'"
				     " AND jti",
				     jti),
			 1);
	/* The same session asking for a card token. */
	grants = rows("authd_grants");
	tokens = rows("authd_tokens");
	at_hex(jti, (AT_JTI_SIZE - 1) / 2);
	t.acr = "card";
	assert_int_equal(oc_astore_record_grant(store_b, &g, &t), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(oc_astore_diagnostic(), "acr"));
	g.grant = "refresh_token";
	g.subject_type = NULL;
	assert_int_equal(oc_astore_record_grant(store_a, &g, &t), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(rows("authd_grants"), grants);
	assert_int_equal(rows("authd_tokens"), tokens);
	/* And a card session asking for a pwd-otp token: refused too. */
	at_sso_login(&x, 1800, 28800);
	record(store_a, &x.a.l, &x.a.t);
	g.sid = x.sid;
	t.sid = x.sid;
	t.acr = "pwd-otp";
	assert_int_equal(oc_astore_record_grant(store_a, &g, &t), ONECARD_ERR_INVALID_ARG);
	t.acr = "card";
	assert_int_equal(oc_astore_record_grant(store_a, &g, &t), ONECARD_OK);
}

/* The rules the store checks first: refused before the database, nothing
 * written; fixed, the login goes. */
static void store_refuses_broken_pwd_logins(void **state)
{
	static const char *const tables[] = {"authd_logins", "authd_tokens", "authd_nonces",
					     "authd_sessions"};
	long long before[sizeof(tables) / sizeof(tables[0])];
	struct at_sso x;
	struct at_login card;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		before[i] = rows(tables[i]);
	}
	at_pwd_login(&x, 1800, 28800);
	x.a.l.card_id = "card-1"; /* a pwd-otp success with a card */
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	x.a.l.card_id = NULL;
	x.a.l.nonce_hex = x.a.nonce; /* with a nonce */
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	at_pwd_fix(&x);
	x.a.l.certs_json = "[{\"sha256\": \"00ff\"}]"; /* with a certificate */
	assert_int_equal(oc_astore_record_login(store_a, &x.a.l, &x.a.t), ONECARD_ERR_INVALID_ARG);
	at_login_success(&card);
	card.l.card_id = NULL; /* a card success without a card */
	assert_int_equal(oc_astore_record_login(store_a, &card.l, &card.t),
			 ONECARD_ERR_INVALID_ARG);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (rows(tables[i]) != before[i]) {
			fail_msg("%s changed", tables[i]);
		}
	}
	x.a.l.certs_json = NULL;
	record(store_a, &x.a.l, &x.a.t);
	card.l.card_id = "card-1";
	record(store_a, &card.l, &card.t);
}

/* ---- the database's rules, by hand ------------------------------------------ */

#define LOGIN_COLS "INSERT INTO authd_logins (instance, outcome, audience, person_id,"
#define SESSION_INSERT                                                                        \
	"INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id, enterprise_uscc," \
	" card_id, acr, amr, certs, expires_at, idle_timeout) "

static void database_refuses_broken_rows(void **state)
{
	struct at_sso pwd, card;
	char script[1024], jti[AT_JTI_SIZE];

	(void)state;
	/* 001's CHECK is gone; its replacements are there. */
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM pg_constraint WHERE conrelid ="
				" 'authd_logins'::regclass AND conname = $1",
				"authd_logins_check2"),
			 0);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM pg_constraint WHERE conname IN"
				" ('authd_logins_success_who', 'authd_logins_pwd_otp_cardless',"
				" 'authd_logins_method_check', 'authd_sessions_card_acr',"
				" 'authd_sessions_cardless_certs')",
				NULL),
			 5);
	/* Logins: each refused at its INSERT, before the deferred jti. */
	expect_refused(LOGIN_COLS " enterprise_uscc, card_id, jti, method) VALUES ('hand',"
				  " 'success', 'a', 'p', 'u', 'c', $1, 'pwd-otp')",
		       "hand-jti-1", "authd_logins_pwd_otp_cardless");
	expect_refused(LOGIN_COLS " enterprise_uscc, nonce, jti, method) VALUES ('hand',"
				  " 'success', 'a', 'p', 'u', $1, 'hand-jti-2', 'pwd-otp')",
		       "00112233445566778899aabbccddeeff", "authd_logins_pwd_otp_cardless");
	expect_refused(LOGIN_COLS " enterprise_uscc, certs, jti, method) VALUES ('hand',"
				  " 'success', 'a', 'p', 'u', $1::jsonb, 'hand-jti-3', 'pwd-otp')",
		       "[{\"sha256\": \"00\"}]", "authd_logins_pwd_otp_cardless");
	expect_refused(LOGIN_COLS " enterprise_uscc, card_id, reason, method) VALUES ('hand',"
				  " 'refused', 'a', 'p', 'u', $1, 'bad_pin', 'pwd-otp')",
		       "c", "authd_logins_pwd_otp_cardless");
	expect_refused(LOGIN_COLS " enterprise_uscc, jti) VALUES ('hand', 'success', 'a', 'p',"
				  " 'u', $1)",
		       "hand-jti-4", "authd_logins_success_who");
	expect_refused(LOGIN_COLS " enterprise_uscc, jti, method) VALUES ('hand', 'success', 'a',"
				  " 'p', 'u', $1, 'card')",
		       "hand-jti-5", "authd_logins_success_who");
	expect_refused(LOGIN_COLS " jti, method) VALUES ('hand', 'success', 'a', 'p', $1,"
				  " 'pwd-otp')",
		       "hand-jti-6", "authd_logins_success_who");
	expect_refused(LOGIN_COLS " reason, method) VALUES ('hand', 'refused', 'a', 'p',"
				  " 'bad_pin', $1)",
		       "sms", "authd_logins_method_check");
	expect_refused(LOGIN_COLS " reason, method) VALUES ('hand', 'refused', 'a', 'p',"
				  " 'bad_pin', $1)",
		       "", "authd_logins_method_check");
	/* Sessions: for a pwd-otp login (no card) and a card login. */
	at_pwd_login(&pwd, 1800, 28800);
	record(store_a, &pwd.a.l, &pwd.a.t);
	at_sso_login(&card, 1800, 28800);
	record(store_a, &card.a.l, &card.a.t);
	/* A cardless session that does not say pwd-otp. */
	expect_refused(SESSION_INSERT "SELECT 'hand-written-sid-0101', sha256('a'), id,"
				      " person_id, enterprise_uscc, NULL, 'card', '[]', '[]',"
				      " now() + interval '1 hour', 60 FROM authd_logins"
				      " WHERE jti = $1",
		       pwd.a.jti, "authd_sessions_card_acr");
	/* A pwd-otp session with a card: not its login's card (none). */
	expect_refused(SESSION_INSERT "SELECT 'hand-written-sid-0102', sha256('b'), id,"
				      " person_id, enterprise_uscc, 'card-1', 'card', '[]',"
				      " '[]', now() + interval '1 hour', 60 FROM authd_logins"
				      " WHERE jti = $1",
		       pwd.a.jti, "successful login of its person, enterprise and card");
	/* A session saying pwd-otp with a card. */
	expect_refused(SESSION_INSERT "SELECT 'hand-written-sid-0103', sha256('c'), id,"
				      " person_id, enterprise_uscc, card_id, 'pwd-otp', '[]',"
				      " '[]', now() + interval '1 hour', 60 FROM authd_logins"
				      " WHERE jti = $1",
		       card.a.jti, "authd_sessions_card_acr");
	/* A card login's session without its card. */
	expect_refused(SESSION_INSERT "SELECT 'hand-written-sid-0104', sha256('d'), id,"
				      " person_id, enterprise_uscc, NULL, 'pwd-otp', '[]', '[]',"
				      " now() + interval '1 hour', 60 FROM authd_logins"
				      " WHERE jti = $1",
		       card.a.jti, "successful login of its person, enterprise and card");
	/* A cardless session holding certificates. */
	expect_refused(SESSION_INSERT "SELECT 'hand-written-sid-0105', sha256('e'), id,"
				      " person_id, enterprise_uscc, NULL, 'pwd-otp', '[]',"
				      " '[{\"der\": \"MIIB\"}]', now() + interval '1 hour', 60"
				      " FROM authd_logins WHERE jti = $1",
		       pwd.a.jti, "authd_sessions_cardless_certs");
	/* The right cardless session of a pwd-otp login is accepted (a
	 * second login of the same person, as the store would write it). */
	{
		struct at_sso y;

		at_pwd_login(&y, 1800, 28800);
		y.a.l.session = NULL;
		y.a.t.sid = NULL;
		record(store_a, &y.a.l, &y.a.t);
		assert_int_equal(
			at_int(db,
			       "WITH s AS (" SESSION_INSERT
			       "SELECT 'hand-written-sid-0106-' || substr($1, 1, 8), "
			       "sha256($1::bytea), id,"
			       " person_id, enterprise_uscc, NULL, 'pwd-otp', '[]', '[]', now() +"
			       " interval '1 hour', 60 FROM authd_logins WHERE jti = $1 RETURNING"
			       " 1) SELECT count(*) FROM s",
			       y.a.jti),
			1);
	}
	/* A login's token whose acr is not its method's, by hand in one
	 * transaction as the store writes them. */
	at_hex(jti, 16);
	(void)snprintf(script, sizeof(script),
		       "BEGIN; " LOGIN_COLS " enterprise_uscc, jti, method) VALUES ('hand',"
		       " 'success', 'a', 'p', 'u', '%s', 'pwd-otp'); INSERT INTO authd_tokens"
		       " (jti, login_id, sub, aud, kid, acr, iat, exp) SELECT '%s', id, 'p',"
		       " 'a', 'k', 'card', now(), now() + interval '5 minutes' FROM"
		       " authd_logins WHERE jti = '%s'; COMMIT",
		       jti, jti, jti);
	expect_script_refused(script, "acr of the login's method");
	at_hex(jti, 16);
	(void)snprintf(script, sizeof(script),
		       "BEGIN; " LOGIN_COLS " enterprise_uscc, card_id, jti) VALUES ('hand',"
		       " 'success', 'a', 'p', 'u', 'c', '%s'); INSERT INTO authd_tokens"
		       " (jti, login_id, sub, aud, kid, acr, iat, exp) SELECT '%s', id, 'p',"
		       " 'a', 'k', 'pwd-otp', now(), now() + interval '5 minutes' FROM"
		       " authd_logins WHERE jti = '%s'; COMMIT",
		       jti, jti, jti);
	expect_script_refused(script, "acr of the login's method");
	/* The same with the right acr commits: the rules above refused. */
	(void)snprintf(script, sizeof(script),
		       "BEGIN; " LOGIN_COLS " enterprise_uscc, jti, method) VALUES ('hand',"
		       " 'success', 'a', 'p', 'u', '%s', 'pwd-otp'); INSERT INTO authd_tokens"
		       " (jti, login_id, sub, aud, kid, acr, iat, exp) SELECT '%s', id, 'p',"
		       " 'a', 'k', 'pwd-otp', now(), now() + interval '5 minutes' FROM"
		       " authd_logins WHERE jti = '%s'; COMMIT",
		       jti, jti, jti);
	PQclear(PQexec(db, script));
	assert_int_equal(count_where("authd_tokens WHERE acr = 'pwd-otp' AND jti", jti), 1);
	/* Still append-only. */
	expect_refused("UPDATE authd_logins SET method = 'card' WHERE jti = $1", pwd.a.jti,
		       "never changed or removed");
}

/* ---- the lockout ------------------------------------------------------------- */

static void count_failure(struct oc_astore *s, const char *subject, int64_t *failures,
			  int64_t *until)
{
	if (oc_astore_lockout_fail(s, subject, failures, until) != ONECARD_OK) {
		fail_msg("lockout_fail: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
}

static void state_of(struct oc_astore *s, const char *subject, int64_t *failures, int64_t *until)
{
	if (oc_astore_lockout_state(s, subject, until, failures) != ONECARD_OK) {
		fail_msg("lockout_state: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
}

/* The lock the last failure set, in seconds, as the database computed it
 * (locked_until - last_failure_at, both from one statement's now()); -1
 * for none. */
static long long lock_seconds(const char *subject)
{
	return at_int(db,
		      "SELECT COALESCE(extract(epoch FROM locked_until - last_failure_at)::bigint,"
		      " -1) FROM authd_password_failures WHERE subject = $1",
		      subject);
}

static void lockout_grows_and_clears(void **state)
{
	/* The lock after failure n (n = 1..16), in seconds; -1: none. */
	static const long long want[] = {-1,  -1,  -1,	 -1,   30,   60,   120,	 240,
					 480, 960, 1920, 3600, 3600, 3600, 3600, 3600};
	char subject[AT_SUBJECT_SIZE];
	int64_t failures = -1, until = -1, s_failures = -1, s_until = -1;
	long long now;
	size_t i;

	(void)state;
	at_subject(subject);
	state_of(store_a, subject, &s_failures, &s_until);
	assert_int_equal(s_failures, 0);
	assert_int_equal(s_until, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* Alternate instances: one count. */
		count_failure(i % 2 == 0 ? store_a : store_b, subject, &failures, &until);
		now = db_now();
		assert_int_equal(failures, (int64_t)i + 1);
		assert_int_equal(lock_seconds(subject), want[i]);
		if (want[i] < 0) {
			assert_int_equal(until, 0);
		} else {
			/* Rounded up, from a now() a moment ago. */
			assert_true(until >= now + want[i] - 2 && until <= now + want[i] + 1);
		}
		state_of(i % 2 == 0 ? store_b : store_a, subject, &s_failures, &s_until);
		assert_int_equal(s_failures, failures);
		assert_int_equal(s_until, until);
	}
	assert_int_equal(
		count_where("authd_password_failures WHERE failures = 16 AND subject", subject), 1);
	/* A success clears it: no count, no lock, no row; again is fine. */
	assert_int_equal(oc_astore_lockout_clear(store_b, subject), ONECARD_OK);
	assert_string_equal(oc_astore_diagnostic(), "");
	state_of(store_a, subject, &s_failures, &s_until);
	assert_int_equal(s_failures, 0);
	assert_int_equal(s_until, 0);
	assert_int_equal(count_where("authd_password_failures WHERE subject", subject), 0);
	assert_int_equal(oc_astore_lockout_clear(store_a, subject), ONECARD_OK);
	/* Counting starts over. */
	count_failure(store_a, subject, &failures, &until);
	assert_int_equal(failures, 1);
	assert_int_equal(until, 0);
	count_failure(store_a, subject, NULL, NULL);
	state_of(store_a, subject, &s_failures, NULL);
	assert_int_equal(s_failures, 2);
}

/* A lock that is past reads as none; the count stays, and the next
 * failure locks for longer. */
static void lockout_expires(void **state)
{
	char subject[AT_SUBJECT_SIZE];
	int64_t failures = 0, until = 0;
	int i;

	(void)state;
	at_subject(subject);
	for (i = 0; i < 6; i++) {
		count_failure(store_a, subject, &failures, &until);
	}
	assert_int_equal(failures, 6);
	assert_int_equal(lock_seconds(subject), 60);
	assert_true(until > db_now());
	/* Moved into the past (as if 61 s had gone by). */
	assert_int_equal(
		at_int(db,
		       "WITH u AS (UPDATE authd_password_failures SET last_failure_at ="
		       " now() - interval '61 seconds', locked_until = now() - interval"
		       " '1 second' WHERE subject = $1 RETURNING 1) SELECT count(*) FROM u",
		       subject),
		1);
	failures = until = -1;
	state_of(store_b, subject, &failures, &until);
	assert_int_equal(failures, 6);
	assert_int_equal(until, 0);
	count_failure(store_b, subject, &failures, &until);
	assert_int_equal(failures, 7);
	assert_int_equal(lock_seconds(subject), 120);
	assert_true(until > db_now() + 100);
}

/* Counts near integer's maximum: no overflow, the lock at its maximum. */
static void lockout_count_is_bounded(void **state)
{
	char subject[AT_SUBJECT_SIZE];
	int64_t failures = 0, until = 0;

	(void)state;
	at_subject(subject);
	count_failure(store_a, subject, &failures, &until);
	assert_int_equal(
		at_int(db,
		       "WITH u AS (UPDATE authd_password_failures SET failures = 2147483645"
		       " WHERE subject = $1 RETURNING 1) SELECT count(*) FROM u",
		       subject),
		1);
	count_failure(store_a, subject, &failures, &until);
	assert_int_equal(failures, 2147483646);
	assert_int_equal(lock_seconds(subject), OC_ASTORE_LOCK_MAX_SECONDS);
	count_failure(store_a, subject, &failures, &until);
	assert_int_equal(failures, 2147483647);
	count_failure(store_b, subject, &failures, &until);
	assert_int_equal(failures, 2147483647);
	assert_int_equal(lock_seconds(subject), OC_ASTORE_LOCK_MAX_SECONDS);
	assert_true(until >= db_now() + OC_ASTORE_LOCK_MAX_SECONDS - 2);
}

static void lockout_unknown_and_table_rules(void **state)
{
	char subject[AT_SUBJECT_SIZE], upper[AT_SUBJECT_SIZE];
	int64_t failures = -1, until = -1;
	long long before;
	size_t i;

	(void)state;
	at_subject(subject);
	before = rows("authd_password_failures");
	state_of(store_a, subject, &failures, &until);
	assert_int_equal(failures, 0);
	assert_int_equal(until, 0);
	assert_int_equal(oc_astore_lockout_clear(store_a, subject), ONECARD_OK);
	assert_int_equal(rows("authd_password_failures"), before);
	/* Refused input reaches nothing. */
	memcpy(upper, subject, sizeof(upper));
	for (i = 0; i < AT_SUBJECT_SIZE - 1; i++) {
		if (upper[i] >= 'a' && upper[i] <= 'f') {
			upper[i] = (char)(upper[i] - 'a' + 'A');
		}
	}
	upper[0] = 'F';
	assert_int_equal(oc_astore_lockout_fail(store_a, upper, &failures, &until),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(rows("authd_password_failures"), before);
	/* The table's own checks. */
	expect_refused("INSERT INTO authd_password_failures (subject, failures) VALUES ($1, 1)",
		       upper, "authd_password_failures_subject_check");
	expect_refused("INSERT INTO authd_password_failures (subject, failures) VALUES ($1, 1)",
		       "alice", "authd_password_failures_subject_check");
	expect_refused("INSERT INTO authd_password_failures (subject, failures) VALUES ($1, 0)",
		       subject, "check");
	expect_refused("INSERT INTO authd_password_failures (subject, failures, locked_until)"
		       " VALUES ($1, 5, now() - interval '1 second')",
		       subject, "authd_password_failures_lock_check");
	assert_int_equal(rows("authd_password_failures"), before);
}

#define LOCK_THREADS 6 /* per store */
#define LOCK_CALLS   20

struct failer {
	struct oc_astore *store;
	const char *subject;
	pthread_barrier_t *go;
	int64_t seen[LOCK_CALLS];
	int failed;
};

static void *fail_many(void *arg)
{
	struct failer *f = arg;
	int64_t until = 0;
	int i;

	(void)pthread_barrier_wait(f->go);
	for (i = 0; i < LOCK_CALLS; i++) {
		if (oc_astore_lockout_fail(f->store, f->subject, &f->seen[i], &until) !=
		    ONECARD_OK) {
			f->failed++;
		}
	}
	return NULL;
}

/* Two instances, many threads, one subject: every failure counts, and
 * each count is handed to exactly one call. */
static void lockout_concurrent_failures(void **state)
{
	struct failer f[2 * LOCK_THREADS];
	pthread_t th[2 * LOCK_THREADS];
	pthread_barrier_t go;
	char subject[AT_SUBJECT_SIZE];
	unsigned char seen[2 * LOCK_THREADS * LOCK_CALLS + 1];
	int64_t failures = 0, until = 0;
	int i, j;

	(void)state;
	at_subject(subject);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(pthread_barrier_init(&go, NULL, 2 * LOCK_THREADS), 0);
	for (i = 0; i < 2 * LOCK_THREADS; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].store = i % 2 == 0 ? store_a : store_b;
		f[i].subject = subject;
		f[i].go = &go;
		assert_int_equal(pthread_create(&th[i], NULL, fail_many, &f[i]), 0);
	}
	for (i = 0; i < 2 * LOCK_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
	}
	(void)pthread_barrier_destroy(&go);
	for (i = 0; i < 2 * LOCK_THREADS; i++) {
		assert_int_equal(f[i].failed, 0);
		for (j = 0; j < LOCK_CALLS; j++) {
			assert_true(f[i].seen[j] >= 1 &&
				    f[i].seen[j] <= 2 * LOCK_THREADS * LOCK_CALLS);
			assert_int_equal(seen[f[i].seen[j]], 0);
			seen[f[i].seen[j]] = 1;
		}
	}
	state_of(store_a, subject, &failures, &until);
	assert_int_equal(failures, 2 * LOCK_THREADS * LOCK_CALLS);
	assert_true(until >= db_now() + OC_ASTORE_LOCK_MAX_SECONDS - 2);
}

/* ---- migration 003 over 001 and 002 ----------------------------------------- */

static void migration_003_over_002(void **state)
{
	const struct oc_pg_schema upto_002 = {OC_ASTORE_MIGRATIONS_TABLE, "onecard-authd",
					      oc_astore_migrations, 2};
	char schema[64], sql[256], conninfo[1024], reason[256], hex[17];
	char subject[AT_SUBJECT_SIZE];
	struct oc_astore *s = NULL;
	struct at_sso x;
	struct at_login no_card;
	enum oc_astore_session_state st = 0;
	struct oc_astore_session_row row;
	int64_t failures = 0, until = 0;
	PGconn *conn;
	PGresult *res;

	(void)state;
	assert_true(oc_astore_migrations_len >= 3);
	at_hex(hex, 8);
	(void)snprintf(schema, sizeof(schema), "astore_003_%s", hex);
	(void)snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	PQclear(PQexec(db, sql));
	(void)snprintf(conninfo, sizeof(conninfo), "%s options='-c search_path=%s'", at_conninfo(),
		       schema);
	conn = at_connect(conninfo);
	if (oc_pg_migrate(conn, &upto_002, reason, sizeof(reason)) != ONECARD_OK) {
		fail_msg("001, 002: %s", reason);
	}
	/* 001's CHECK has the name PostgreSQL generated for it. */
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM pg_constraint WHERE conrelid ="
				" 'authd_logins'::regclass AND conname = 'authd_logins_check2' AND"
				" pg_get_constraintdef(oid) LIKE '%card_id IS NOT NULL%'",
				NULL),
			 1);
	/* Rows of 002's time: a card login with its session and token, a
	 * refused login. */
	res = PQexec(conn,
		     "BEGIN;"
		     " INSERT INTO authd_logins (instance, audience, outcome, person_id,"
		     " enterprise_uscc, card_id, jti) VALUES ('old', 'portal', 'success', 'p-old',"
		     " 'u', 'c-old', 'old-jti');"
		     " INSERT INTO authd_sessions (sid, secret_hash, login_id, person_id,"
		     " enterprise_uscc, card_id, acr, amr, certs, expires_at, idle_timeout)"
		     " SELECT 'old-session-sid-0001', sha256('old'), id, 'p-old', 'u', 'c-old',"
		     " 'card', '[\"sc\", \"pin\"]', '[{\"der\": \"MIIB\"}]', now() + interval"
		     " '8 hours', 1800 FROM authd_logins WHERE jti = 'old-jti';"
		     " INSERT INTO authd_tokens (jti, login_id, sub, aud, kid, acr, iat, exp, sid)"
		     " SELECT 'old-jti', id, 'p-old', 'portal', 'k', 'card', now(), now() +"
		     " interval '5 minutes', 'old-session-sid-0001' FROM authd_logins WHERE jti"
		     " = 'old-jti';"
		     " INSERT INTO authd_logins (instance, outcome, reason) VALUES ('old',"
		     " 'refused', 'bad_pin');"
		     " COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fail_msg("old rows: %s", PQerrorMessage(conn));
	}
	PQclear(res);
	assert_int_equal(oc_astore_new(conninfo, 1, "authd-upgrade", &s), ONECARD_OK);
	if (oc_astore_migrate(s) != ONECARD_OK) {
		fail_msg("003 over 002: %s", oc_astore_diagnostic());
	}
	assert_int_equal(oc_astore_migrate(s), ONECARD_OK);
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM authd_schema_migrations WHERE version = 3 AND"
				" name = '003_password_login'",
				NULL),
			 1);
	/* The old rows are card logins; the old session is as it was. */
	assert_int_equal(
		at_int(conn, "SELECT count(*) FROM authd_logins WHERE method = 'card'", NULL), 2);
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM authd_sessions WHERE card_id = 'c-old' AND"
				" acr = 'card' AND certs -> 0 ->> 'der' = 'MIIB'",
				NULL),
			 1);
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM pg_constraint WHERE conrelid ="
				" 'authd_logins'::regclass AND conname = 'authd_logins_check2'",
				NULL),
			 0);
	assert_int_equal(oc_astore_session_use(s, NULL, "old-session-sid-0001", 1, &st, &row),
			 ONECARD_OK);
	assert_int_equal(st, OC_ASTORE_SESSION_LIVE);
	assert_string_equal(row.card_id, "c-old");
	oc_astore_session_row_clear(&row);
	/* The upgraded database takes a password login, a card login, and
	 * still refuses a card success without a card. */
	at_pwd_login(&x, 60, 120);
	record(s, &x.a.l, &x.a.t);
	assert_int_equal(oc_astore_session_use(s, x.hash, NULL, 1, &st, NULL), ONECARD_OK);
	assert_int_equal(st, OC_ASTORE_SESSION_LIVE);
	at_sso_login(&x, 60, 120);
	record(s, &x.a.l, &x.a.t);
	at_login_success(&no_card);
	assert_true(
		at_exec_fails(conn,
			      "INSERT INTO authd_logins (instance, outcome, audience, person_id,"
			      " enterprise_uscc, jti) VALUES ('x', 'success', 'a', 'p', 'u', $1)",
			      no_card.jti, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "authd_logins_success_who"));
	/* And the lockout. */
	at_subject(subject);
	assert_int_equal(oc_astore_lockout_fail(s, subject, &failures, &until), ONECARD_OK);
	assert_int_equal(failures, 1);
	oc_astore_free(s);
	PQfinish(conn);
	(void)snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
	PQclear(PQexec(db, sql));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pwd_login_opens_session),
		cmocka_unit_test(pwd_login_without_session),
		cmocka_unit_test(pwd_login_refused),
		cmocka_unit_test(pwd_session_grants_keep_their_acr),
		cmocka_unit_test(store_refuses_broken_pwd_logins),
		cmocka_unit_test(database_refuses_broken_rows),
		cmocka_unit_test(lockout_grows_and_clears),
		cmocka_unit_test(lockout_expires),
		cmocka_unit_test(lockout_count_is_bounded),
		cmocka_unit_test(lockout_unknown_and_table_rules),
		cmocka_unit_test(lockout_concurrent_failures),
		cmocka_unit_test(migration_003_over_002),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
