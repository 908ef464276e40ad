/*
 * The retry rule, with faults injected where libpq sends a statement
 * (PQexecParams is wrapped: -Wl,--wrap=PQexecParams). A connection is
 * "lost" by shutting its socket down before or after the real call.
 *  - lost at BEGIN or at the INSERT (before the COMMIT was sent): the
 *    connection is reset once and the transaction runs again: one row;
 *  - lost right after the COMMIT went through: the outcome is unknown to
 *    the store, which must fail (ONECARD_ERR_DATABASE) and never repeat
 *    the transaction: exactly one row, the COMMIT sent once;
 *  - lost on every statement: one reset, then ONECARD_ERR_DATABASE and
 *    nothing written;
 *  - the same for the SSO calls: a session's end lost at its event row is
 *    repeated and ends it once; a grant lost after its COMMIT is not
 *    repeated; a touch lost is repeated (it only touches again);
 *  - the lockout: a failure lost before its COMMIT is counted once after
 *    the reset, one lost after it fails and is not counted twice; the
 *    state and the clear are repeated.
 * Against the fixture's PostgreSQL ($ONECARD_PG).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "astore.h"
#include "astore_test.h"

PGresult *__real_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
			      const char *const *paramValues, const int *paramLengths,
			      const int *paramFormats, int resultFormat);
PGresult *__wrap_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
			      const char *const *paramValues, const int *paramLengths,
			      const int *paramFormats, int resultFormat);

enum fault { NONE, BEFORE_BEGIN, BEFORE_INSERT, AFTER_COMMIT, ALWAYS };

static enum fault armed = NONE;
static int commits_sent;
static int faults_left;

static void lose(PGconn *conn)
{
	(void)shutdown(PQsocket(conn), SHUT_RDWR);
}

PGresult *__wrap_PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
			      const char *const *paramValues, const int *paramLengths,
			      const int *paramFormats, int resultFormat)
{
	int is_begin = strncmp(command, "BEGIN", 5) == 0;
	int is_insert = strncmp(command, "INSERT", 6) == 0;
	int is_commit = strcmp(command, "COMMIT") == 0;
	PGresult *res;

	if (is_commit) {
		commits_sent++;
	}
	if (faults_left > 0 && ((armed == BEFORE_BEGIN && is_begin) ||
				(armed == BEFORE_INSERT && is_insert) || armed == ALWAYS)) {
		faults_left--;
		lose(conn);
	}
	res = __real_PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
				  paramFormats, resultFormat);
	if (faults_left > 0 && armed == AFTER_COMMIT && is_commit &&
	    PQresultStatus(res) == PGRES_COMMAND_OK) {
		/* Committed; the answer is "lost" on the way back. */
		faults_left--;
		PQclear(res);
		lose(conn);
		res = __real_PQexecParams(conn, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
	}
	return res;
}

static struct oc_astore *store;
static PGconn *db;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(oc_astore_new(at_conninfo(), 1, "authd-faults", &store), ONECARD_OK);
	if (oc_astore_migrate(store) != ONECARD_OK) {
		fail_msg("migrate: %s", oc_astore_diagnostic());
	}
	db = at_connect(at_conninfo());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_astore_free(store);
	PQfinish(db);
	return 0;
}

static void arm(enum fault f, int times)
{
	armed = f;
	faults_left = times;
	commits_sent = 0;
}

static long long logins_with_nonce(const char *nonce)
{
	return at_int(db, "SELECT count(*) FROM authd_logins WHERE nonce = $1", nonce);
}

static void lost_before_commit_is_repeated(void **state)
{
	static const enum fault where[] = {BEFORE_BEGIN, BEFORE_INSERT};
	struct at_login a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		at_login_success(&a);
		assert_int_equal(oc_astore_ping(store), ONECARD_OK);
		arm(where[i], 1);
		if (oc_astore_record_login(store, &a.l, &a.t) != ONECARD_OK) {
			fail_msg("fault %d: %s", (int)where[i], oc_astore_diagnostic());
		}
		assert_int_equal(faults_left, 0);
		assert_int_equal(commits_sent, 1);
		assert_int_equal(logins_with_nonce(a.nonce), 1);
		assert_int_equal(
			at_int(db, "SELECT count(*) FROM authd_tokens WHERE jti = $1", a.jti), 1);
	}
	arm(NONE, 0);
}

static void lost_after_commit_is_not_repeated(void **state)
{
	struct at_login a;

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(AFTER_COMMIT, 1);
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_ERR_DATABASE);
	assert_non_null(strstr(oc_astore_diagnostic(), "outcome is unknown"));
	assert_int_equal(faults_left, 0);
	assert_int_equal(commits_sent, 1);
	/* It did commit, once. A repeat would have been refused as a replay
	 * or written a second token. */
	assert_int_equal(logins_with_nonce(a.nonce), 1);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_tokens WHERE jti = $1", a.jti), 1);
	arm(NONE, 0);
	/* The store goes on: the lost connection is reset by the next call. */
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	assert_string_equal(oc_astore_diagnostic(), "");

	/* A challenge row likewise. */
	{
		struct oc_astore_challenge c = {NULL, "provincial-portal", a.nonce, 1800000000};

		arm(AFTER_COMMIT, 1);
		assert_int_equal(oc_astore_record_challenge(store, &c), ONECARD_ERR_DATABASE);
		assert_int_equal(commits_sent, 1);
		arm(NONE, 0);
		assert_int_equal(at_int(db,
					"SELECT count(*) FROM authd_challenges WHERE nonce = $1",
					a.nonce),
				 1);
	}
}

static void lost_every_time_fails_after_one_reset(void **state)
{
	struct at_login a;

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(ALWAYS, 100);
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_ERR_DATABASE);
	/* The first try and the one after the reset, each lost at BEGIN. */
	assert_int_equal(faults_left, 98);
	assert_int_equal(commits_sent, 0);
	arm(NONE, 0);
	assert_int_equal(logins_with_nonce(a.nonce), 0);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_nonces WHERE nonce = $1", a.nonce),
			 0);
	/* And afterwards the same login goes through. */
	assert_int_equal(oc_astore_record_login(store, &a.l, &a.t), ONECARD_OK);
	assert_int_equal(logins_with_nonce(a.nonce), 1);
}

/* The purge and the ping are repeated after a lost connection too. */
static void reads_and_purge_are_repeated(void **state)
{
	int64_t n = -1;

	(void)state;
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_purge_nonces(store, 1000, &n), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_true(n >= 0);
	arm(NONE, 0);
}

static void sso_calls_follow_the_rule(void **state)
{
	struct at_sso x;
	struct oc_astore_grant g;
	struct oc_astore_token t;
	enum oc_astore_session_state st = 0;
	char jti[AT_JTI_SIZE];
	int ended = -1;

	(void)state;
	at_sso_login(&x, 1800, 28800);
	assert_int_equal(oc_astore_record_login(store, &x.a.l, &x.a.t), ONECARD_OK);
	/* The touch, lost: repeated on the reset connection. */
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_session_use(store, x.hash, NULL, 1, &st, NULL), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_int_equal(st, OC_ASTORE_SESSION_LIVE);
	/* A grant, its COMMIT's answer lost: unknown, never repeated. */
	at_hex(jti, 16);
	memset(&g, 0, sizeof(g));
	g.grant = "refresh_token";
	g.sid = x.sid;
	g.audience = "city-a-customs";
	g.outcome = OC_ASTORE_SUCCESS;
	t = x.a.t;
	t.jti = jti;
	t.aud = "city-a-customs";
	arm(AFTER_COMMIT, 1);
	assert_int_equal(oc_astore_record_grant(store, &g, &t), ONECARD_ERR_DATABASE);
	assert_non_null(strstr(oc_astore_diagnostic(), "outcome is unknown"));
	assert_int_equal(commits_sent, 1);
	arm(NONE, 0);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_grants WHERE jti = $1", jti), 1);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_tokens WHERE jti = $1", jti), 1);
	/* The end, lost at its event row (before the COMMIT): the
	 * transaction runs again, the session ends once. (The ping first
	 * reopens the connection lost above: one reset per call.) */
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(BEFORE_INSERT, 1);
	assert_int_equal(oc_astore_session_end(store, x.hash, NULL, "logout", NULL, &ended),
			 ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_int_equal(commits_sent, 1);
	assert_int_equal(ended, 1);
	arm(NONE, 0);
	assert_int_equal(
		at_int(db, "SELECT count(*) FROM authd_session_events WHERE sid = $1", x.sid), 1);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_sessions WHERE sid = $1 AND"
				" end_reason = 'logout'",
				x.sid),
			 1);
	/* The purge of sessions is repeated like the nonces'. */
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_purge_sessions(store, 1000, NULL), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	arm(NONE, 0);
}

static long long lockout_count(const char *subject)
{
	return at_int(db,
		      "SELECT COALESCE(sum(failures), 0)::bigint FROM authd_password_failures"
		      " WHERE subject = $1",
		      subject);
}

static void lockout_follows_the_rule(void **state)
{
	char subject[AT_SUBJECT_SIZE];
	int64_t failures = -1, until = -1;

	(void)state;
	at_subject(subject);
	/* Lost at BEGIN, then at the INSERT: run again, counted once each. */
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(BEFORE_BEGIN, 1);
	assert_int_equal(oc_astore_lockout_fail(store, subject, &failures, &until), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_int_equal(commits_sent, 1);
	assert_int_equal(failures, 1);
	arm(BEFORE_INSERT, 1);
	assert_int_equal(oc_astore_lockout_fail(store, subject, &failures, &until), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_int_equal(failures, 2);
	assert_int_equal(lockout_count(subject), 2);
	/* Its COMMIT's answer lost: unknown, not repeated, outputs 0. */
	arm(AFTER_COMMIT, 1);
	assert_int_equal(oc_astore_lockout_fail(store, subject, &failures, &until),
			 ONECARD_ERR_DATABASE);
	assert_non_null(strstr(oc_astore_diagnostic(), "outcome is unknown"));
	assert_int_equal(commits_sent, 1);
	assert_int_equal(failures, 0);
	assert_int_equal(until, 0);
	arm(NONE, 0);
	assert_int_equal(lockout_count(subject), 3);
	/* The state and the clear, lost once, are repeated. */
	assert_int_equal(oc_astore_ping(store), ONECARD_OK);
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_lockout_state(store, subject, &until, &failures), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	assert_int_equal(failures, 3);
	arm(ALWAYS, 1);
	assert_int_equal(oc_astore_lockout_clear(store, subject), ONECARD_OK);
	assert_int_equal(faults_left, 0);
	arm(NONE, 0);
	assert_int_equal(lockout_count(subject), 0);
	/* Lost every time: nothing counted. */
	arm(ALWAYS, 100);
	assert_int_equal(oc_astore_lockout_fail(store, subject, &failures, &until),
			 ONECARD_ERR_DATABASE);
	assert_int_equal(commits_sent, 0);
	arm(NONE, 0);
	assert_int_equal(lockout_count(subject), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lost_before_commit_is_repeated),
		cmocka_unit_test(lost_after_commit_is_not_repeated),
		cmocka_unit_test(lost_every_time_fails_after_one_reset),
		cmocka_unit_test(reads_and_purge_are_repeated),
		cmocka_unit_test(sso_calls_follow_the_rule),
		cmocka_unit_test(lockout_follows_the_rule),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
