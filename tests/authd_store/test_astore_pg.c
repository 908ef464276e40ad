/*
 * The store against the fixture's PostgreSQL (FIXTURES_REQUIRED
 * services; $ONECARD_PG):
 *  - migrations: twice is harmless; authd's record table is its own, so
 *    a CA schema in the same database (schema_migrations, as every CA
 *    database already has it) and authd's never see each other;
 *  - single use: two stores (two instances) race one nonce from many
 *    threads, exactly one wins; a replay is ONECARD_ERR_EXISTS and leaves
 *    nothing of its transaction; the refused row that follows is written;
 *  - a success commits its login row and its token row, tied together;
 *  - the audit tables refuse UPDATE, DELETE and TRUNCATE;
 *  - refused input writes nothing; certs that are not a JSON array are
 *    ONECARD_ERR_BAD_FORMAT with nothing written, the nonce not used up;
 *  - the purge; the pool under more threads than connections; a
 *    connection killed while idle is reset and the call goes through.
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

/* The CA's compiled-in migrations (ca/store.h), to build a CA schema. */
extern const struct oc_pg_migration oc_migrations[];
extern const size_t oc_migrations_len;

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

static long long count_where(const char *table_and_column, const char *value)
{
	char sql[256];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s = $1", table_and_column);
	return at_int(db, sql, value);
}

static long long rows(const char *table)
{
	char sql[128];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return at_int(db, sql, NULL);
}

static void migrate_twice(void **state)
{
	(void)state;
	assert_int_equal(oc_astore_migrate(store_a), ONECARD_OK);
	assert_string_equal(oc_astore_diagnostic(), "");
	assert_int_equal(oc_astore_migrate(store_b), ONECARD_OK);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_schema_migrations", NULL),
			 (long long)oc_astore_migrations_len);
	assert_int_equal(
		at_int(db, "SELECT count(*) FROM authd_schema_migrations WHERE version = 1", NULL),
		1);
	assert_int_equal(at_int(db, "SELECT max(version) FROM authd_schema_migrations", NULL),
			 (long long)oc_astore_migrations_len);
}

/* In a schema of its own (so the shared database is not touched): the
 * CA's migrations, as any CA database has them, then authd's, then both
 * again. Each program's record table holds its own versions only. */
static void ca_and_authd_share_a_database(void **state)
{
	const struct oc_pg_schema ca = {"schema_migrations", "onecard-ca", oc_migrations,
					oc_migrations_len};
	char schema[64], sql[256], conninfo[1024], reason[256], hex[17];
	struct oc_astore *s = NULL;
	PGconn *conn;

	(void)state;
	at_hex(hex, 8);
	(void)snprintf(schema, sizeof(schema), "astore_compat_%s", hex);
	(void)snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	PQclear(PQexec(db, sql));
	(void)snprintf(conninfo, sizeof(conninfo), "%s options='-c search_path=%s'", at_conninfo(),
		       schema);
	conn = at_connect(conninfo);
	if (oc_pg_migrate(conn, &ca, reason, sizeof(reason)) != ONECARD_OK) {
		fail_msg("CA migrate: %s", reason);
	}
	assert_int_equal(oc_astore_new(conninfo, 1, "authd-compat", &s), ONECARD_OK);
	assert_int_equal(oc_astore_migrate(s), ONECARD_OK);
	assert_int_equal(oc_astore_migrate(s), ONECARD_OK);
	assert_int_equal(oc_pg_migrate(conn, &ca, reason, sizeof(reason)), ONECARD_OK);
	assert_int_equal(at_int(conn, "SELECT count(*) FROM schema_migrations", NULL),
			 (long long)oc_migrations_len);
	assert_int_equal(at_int(conn, "SELECT max(version) FROM schema_migrations", NULL),
			 (long long)oc_migrations_len);
	assert_int_equal(at_int(conn, "SELECT count(*) FROM authd_schema_migrations", NULL),
			 (long long)oc_astore_migrations_len);
	/* Both sets of tables live side by side. */
	assert_int_equal(at_int(conn,
				"SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND"
				" tablename IN ('certificates', 'audit', 'authd_logins',"
				" 'authd_nonces', 'authd_tokens', 'authd_challenges',"
				" 'authd_sessions', 'authd_session_events', 'authd_grants')",
				schema),
			 9);
	/* A CA row recorded with another SHA-256 is still refused (the
	 * runner's check, moved from the CA). */
	PQclear(PQexec(conn, "UPDATE schema_migrations SET sha256 = repeat('0', 64)"
			     " WHERE version = 1"));
	assert_int_equal(oc_pg_migrate(conn, &ca, reason, sizeof(reason)), ONECARD_ERR_DATABASE);
	assert_non_null(strstr(reason, "differs"));
	/* A newer authd schema than this program knows is refused. */
	PQclear(PQexec(conn, "INSERT INTO authd_schema_migrations (version, name, sha256)"
			     " VALUES (99, '099_future', repeat('0', 64))"));
	assert_int_equal(oc_astore_migrate(s), ONECARD_ERR_DATABASE);
	assert_non_null(strstr(oc_astore_diagnostic(), "newer than this onecard-authd"));
	oc_astore_free(s);
	PQfinish(conn);
	(void)snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
	PQclear(PQexec(db, sql));
}

static void bad_schema_refused(void **state)
{
	const struct oc_pg_schema bad_name = {"schema_migrations; DROP TABLE x", "t", oc_migrations,
					      oc_migrations_len};
	const struct oc_pg_schema bad_order = {"t_migrations", "t", oc_migrations + 1, 1};
	char reason[128];

	(void)state;
	assert_int_equal(oc_pg_migrate(db, &bad_name, reason, sizeof(reason)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_pg_migrate(db, &bad_order, reason, sizeof(reason)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_pg_migrate(db, NULL, NULL, 0), ONECARD_ERR_INVALID_ARG);
}

static void success_commits_login_and_token(void **state)
{
	struct at_login a;
	long long login_id;

	(void)state;
	at_login_success(&a);
	if (oc_astore_record_login(store_a, &a.l, &a.t) != ONECARD_OK) {
		fail_msg("record_login: %s", oc_astore_diagnostic());
	}
	assert_string_equal(oc_astore_diagnostic(), "");
	assert_int_equal(count_where("authd_nonces WHERE nonce", a.nonce), 1);
	assert_int_equal(count_where("authd_nonces WHERE instance = 'authd-a' AND nonce", a.nonce),
			 1);
	login_id = at_int(db,
			  "SELECT id FROM authd_logins WHERE jti = $1 AND outcome = 'success'"
			  " AND reason IS NULL AND instance = 'authd-a' AND remote_addr ="
			  " '192.0.2.7' AND audience = 'provincial-portal' AND person_id ="
			  " 'p-0001' AND enterprise_uscc = '91350100M000100Y43' AND card_id ="
			  " 'card-1' AND certs -> 0 ->> 'agency' = 'customs' AND"
			  " (certs -> 0 -> 'evidence' -> 0 ->> 'crl_number')::int = 7",
			  a.jti);
	assert_true(login_id > 0);
	assert_int_equal(count_where("authd_logins WHERE nonce", a.nonce), 1);
	assert_int_equal(
		at_int(db,
		       "SELECT login_id FROM authd_tokens WHERE jti = $1 AND sub = 'p-0001'"
		       " AND aud = 'provincial-portal' AND kid = 'k-2025' AND acr = 'card'"
		       " AND extract(epoch FROM exp) - extract(epoch FROM iat) = 300",
		       a.jti),
		login_id);
}

static void replay_is_exists_and_leaves_nothing(void **state)
{
	struct at_login a, b;
	long long logins, tokens;
	char detail[64];

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_OK);
	logins = rows("authd_logins");
	tokens = rows("authd_tokens");
	/* The same nonce again, at the other instance, with a new token. */
	b = a;
	at_login_fix(&b);
	at_hex(b.jti, 16);
	assert_int_equal(oc_astore_record_login(store_b, &b.l, &b.t), ONECARD_ERR_EXISTS);
	assert_non_null(strstr(oc_astore_diagnostic(), "used before"));
	assert_int_equal(rows("authd_logins"), logins);
	assert_int_equal(rows("authd_tokens"), tokens);
	assert_int_equal(count_where("authd_logins WHERE jti", b.jti), 0);
	assert_int_equal(count_where("authd_tokens WHERE jti", b.jti), 0);
	assert_int_equal(count_where("authd_nonces WHERE instance = 'authd-a' AND nonce", a.nonce),
			 1);
	/* The caller's refused row: no nonce, no token. */
	memset(&b.l, 0, sizeof(b.l));
	b.l.outcome = OC_ASTORE_REFUSED;
	b.l.reason = "challenge_replayed";
	(void)snprintf(detail, sizeof(detail), "replay of %s", b.jti);
	b.l.detail = detail;
	b.l.audience = "provincial-portal";
	b.l.remote_addr = "192.0.2.99";
	assert_int_equal(oc_astore_record_login(store_b, &b.l, NULL), ONECARD_OK);
	assert_int_equal(rows("authd_logins"), logins + 1);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM authd_logins WHERE reason ="
				" 'challenge_replayed' AND detail = $1 AND nonce IS NULL AND"
				" jti IS NULL AND outcome = 'refused' AND certs = '[]'::jsonb"
				" AND instance = 'authd-b' AND remote_addr = '192.0.2.99'",
				detail),
			 1);
	/* A refused login may use a nonce up too; a replay of it is refused. */
	at_login_success(&b);
	b.l.outcome = OC_ASTORE_REFUSED;
	b.l.reason = "cert_revoked";
	assert_int_equal(oc_astore_record_login(store_b, &b.l, NULL), ONECARD_OK);
	assert_int_equal(oc_astore_record_login(store_a, &b.l, NULL), ONECARD_ERR_EXISTS);
}

/* ---- the race ------------------------------------------------------------ */

#define RACE_THREADS 12 /* per store */
#define RACE_ROUNDS  10

struct racer {
	struct oc_astore *store;
	const char *nonce;
	pthread_barrier_t *go;
	int result;
	char jti[AT_JTI_SIZE];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct at_login a;

	at_login_success(&a);
	memcpy(a.nonce, r->nonce, AT_NONCE_SIZE);
	memcpy(r->jti, a.jti, AT_JTI_SIZE);
	(void)pthread_barrier_wait(r->go);
	r->result = oc_astore_record_login(r->store, &a.l, &a.t);
	return NULL;
}

static void two_instances_race_one_nonce(void **state)
{
	struct racer racers[2 * RACE_THREADS];
	pthread_t th[2 * RACE_THREADS];
	pthread_barrier_t go;
	char nonce[AT_NONCE_SIZE];
	int round, i, won, lost;
	long long logins, tokens;

	(void)state;
	for (round = 0; round < RACE_ROUNDS; round++) {
		at_hex(nonce, 32);
		logins = rows("authd_logins");
		tokens = rows("authd_tokens");
		assert_int_equal(pthread_barrier_init(&go, NULL, 2 * RACE_THREADS), 0);
		for (i = 0; i < 2 * RACE_THREADS; i++) {
			racers[i].store = i % 2 == 0 ? store_a : store_b;
			racers[i].nonce = nonce;
			racers[i].go = &go;
			racers[i].result = 1;
			assert_int_equal(pthread_create(&th[i], NULL, race, &racers[i]), 0);
		}
		won = 0;
		lost = 0;
		for (i = 0; i < 2 * RACE_THREADS; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			if (racers[i].result == ONECARD_OK) {
				won++;
				assert_int_equal(
					count_where("authd_tokens WHERE jti", racers[i].jti), 1);
			} else if (racers[i].result == ONECARD_ERR_EXISTS) {
				lost++;
				assert_int_equal(
					count_where("authd_logins WHERE jti", racers[i].jti), 0);
			}
		}
		(void)pthread_barrier_destroy(&go);
		assert_int_equal(won, 1);
		assert_int_equal(lost, 2 * RACE_THREADS - 1);
		assert_int_equal(rows("authd_logins"), logins + 1);
		assert_int_equal(rows("authd_tokens"), tokens + 1);
		assert_int_equal(count_where("authd_nonces WHERE nonce", nonce), 1);
		assert_int_equal(count_where("authd_logins WHERE nonce", nonce), 1);
	}
}

/* ---- append-only --------------------------------------------------------- */

static void audit_tables_are_append_only(void **state)
{
	static const char *const refused[] = {
		"UPDATE authd_logins SET detail = 'changed' WHERE jti = $1",
		"DELETE FROM authd_logins WHERE jti = $1",
		"UPDATE authd_tokens SET kid = 'other' WHERE jti = $1",
		"DELETE FROM authd_tokens WHERE jti = $1",
		"UPDATE authd_challenges SET audience = 'x' WHERE nonce = $1",
		"DELETE FROM authd_challenges WHERE nonce = $1",
	};
	static const char *const truncates[] = {
		"TRUNCATE authd_challenges",
		"TRUNCATE authd_tokens, authd_logins",
	};
	struct oc_astore_challenge c = {"192.0.2.1", "provincial-portal", NULL, 0};
	struct at_login a;
	char msg[256];
	size_t i;

	(void)state;
	at_login_success(&a);
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_OK);
	c.nonce_hex = a.nonce;
	c.expires_at = a.l.nonce_expires_at;
	assert_int_equal(oc_astore_record_challenge(store_a, &c), ONECARD_OK);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *param = strstr(refused[i], "nonce") != NULL ? a.nonce : a.jti;

		if (!at_exec_fails(db, refused[i], param, msg, sizeof(msg))) {
			fail_msg("not refused: %s", refused[i]);
		}
		assert_non_null(strstr(msg, "never changed or removed"));
	}
	for (i = 0; i < sizeof(truncates) / sizeof(truncates[0]); i++) {
		assert_true(at_exec_fails(db, truncates[i], NULL, msg, sizeof(msg)));
	}
	assert_int_equal(count_where("authd_logins WHERE jti", a.jti), 1);
	assert_int_equal(count_where("authd_tokens WHERE jti", a.jti), 1);
	assert_int_equal(count_where("authd_challenges WHERE nonce", a.nonce), 1);
	/* The database's own rules behind the store's: a success without a
	 * token row does not commit. */
	assert_true(
		at_exec_fails(db,
			      "INSERT INTO authd_logins (instance, outcome, audience, person_id,"
			      " enterprise_uscc, card_id, jti) VALUES ('x', 'success', 'a', 'p',"
			      " 'u', 'c', $1)",
			      "no-such-token", msg, sizeof(msg)));
}

/* ---- refused input writes nothing ---------------------------------------- */

static void refused_input_writes_nothing(void **state)
{
	struct at_login a;
	struct oc_astore_challenge c = {NULL, NULL, NULL, 0};
	long long logins, tokens, nonces, challenges;
	char *big;

	(void)state;
	logins = rows("authd_logins");
	tokens = rows("authd_tokens");
	nonces = rows("authd_nonces");
	challenges = rows("authd_challenges");
	at_login_success(&a);
	big = malloc(OC_ASTORE_DETAIL_MAX + 2);
	assert_non_null(big);
	memset(big, 'd', OC_ASTORE_DETAIL_MAX + 1);
	big[OC_ASTORE_DETAIL_MAX + 1] = '\0';
	a.l.detail = big;
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_ERR_TOO_LARGE);
	a.l.detail = NULL;
	a.l.card_id = "card-00000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_ERR_TOO_LARGE);
	a.l.card_id = "card-1";
	big[OC_ASTORE_AUDIENCE_MAX + 1] = '\0';
	c.audience = big;
	c.nonce_hex = a.nonce;
	c.expires_at = 1800000000;
	assert_int_equal(oc_astore_record_challenge(store_a, &c), ONECARD_ERR_TOO_LARGE);
	free(big);
	/* Not a JSON array: refused by the server, the whole transaction
	 * with it; the nonce stays unused. */
	a.l.certs_json = "[{\"sha256\": ";
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_ERR_BAD_FORMAT);
	a.l.certs_json = "{\"sha256\": \"00\"}";
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_ERR_BAD_FORMAT);
	a.l.certs_json = "[\"\\u0000\"]"; /* valid JSON that jsonb refuses */
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(oc_astore_diagnostic(), "JSON"));
	assert_int_equal(rows("authd_logins"), logins);
	assert_int_equal(rows("authd_tokens"), tokens);
	assert_int_equal(rows("authd_nonces"), nonces);
	assert_int_equal(rows("authd_challenges"), challenges);
	/* Fixed, the same login goes through: nothing was used up. */
	a.l.certs_json = "[]";
	assert_int_equal(oc_astore_record_login(store_a, &a.l, &a.t), ONECARD_OK);
}

static void purge_deletes_expired_nonces_only(void **state)
{
	struct at_login old, fresh;
	int64_t deleted = -1;

	(void)state;
	at_login_success(&old);
	old.l.nonce_expires_at = 1000; /* 1970 */
	at_login_success(&fresh);
	assert_int_equal(oc_astore_record_login(store_a, &old.l, &old.t), ONECARD_OK);
	assert_int_equal(oc_astore_record_login(store_a, &fresh.l, &fresh.t), ONECARD_OK);
	assert_int_equal(oc_astore_purge_nonces(store_b, 2000, &deleted), ONECARD_OK);
	assert_true(deleted >= 1);
	assert_int_equal(count_where("authd_nonces WHERE nonce", old.nonce), 0);
	assert_int_equal(count_where("authd_nonces WHERE nonce", fresh.nonce), 1);
	/* The login row keeps the nonce for good: a purged nonce is still
	 * refused. */
	old.l.outcome = OC_ASTORE_REFUSED;
	old.l.reason = "challenge_expired";
	assert_int_equal(oc_astore_record_login(store_a, &old.l, NULL), ONECARD_ERR_EXISTS);
	assert_int_equal(count_where("authd_nonces WHERE nonce", old.nonce), 0);
	assert_int_equal(oc_astore_purge_nonces(store_b, 2000, NULL), ONECARD_OK);
}

/* ---- the pool ------------------------------------------------------------ */

#define POOL_THREADS 16
#define POOL_CALLS   20

struct pool_worker {
	struct oc_astore *store;
	int failures;
};

static void *pool_work(void *arg)
{
	struct pool_worker *w = arg;
	struct oc_astore_challenge c = {"198.51.100.1", "provincial-portal", NULL, 1800000000};
	char nonce[AT_NONCE_SIZE];
	int i;

	c.nonce_hex = nonce;
	for (i = 0; i < POOL_CALLS; i++) {
		at_hex(nonce, 32);
		if (oc_astore_record_challenge(w->store, &c) != ONECARD_OK ||
		    oc_astore_ping(w->store) != ONECARD_OK) {
			w->failures++;
		}
	}
	return NULL;
}

static void pool_serves_more_threads_than_connections(void **state)
{
	struct pool_worker w[POOL_THREADS];
	pthread_t th[POOL_THREADS];
	struct oc_astore *s = NULL;
	char conninfo[1024], app[64], hex[17];
	int i;

	(void)state;
	at_hex(hex, 8);
	(void)snprintf(app, sizeof(app), "astore-pool-%s", hex);
	(void)snprintf(conninfo, sizeof(conninfo), "%s application_name=%s", at_conninfo(), app);
	assert_int_equal(oc_astore_new(conninfo, 2, "authd-pool", &s), ONECARD_OK);
	for (i = 0; i < POOL_THREADS; i++) {
		w[i].store = s;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, pool_work, &w[i]), 0);
	}
	for (i = 0; i < POOL_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(
		at_int(db, "SELECT count(*) FROM authd_challenges WHERE instance = 'authd-pool'",
		       NULL) >= POOL_THREADS * POOL_CALLS,
		1);
	assert_true(at_int(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
			   app) <= 2);
	oc_astore_free(s);
}

/* A backend killed while its connection sat idle in the pool: the next
 * call's BEGIN fails, the connection is reset, the transaction runs
 * again and commits once. */
static void killed_idle_connection_is_reset(void **state)
{
	struct oc_astore *s = NULL;
	struct at_login a;
	char conninfo[1024], app[64], hex[17];
	int tries;

	(void)state;
	at_hex(hex, 8);
	(void)snprintf(app, sizeof(app), "astore-kill-%s", hex);
	(void)snprintf(conninfo, sizeof(conninfo), "%s application_name=%s", at_conninfo(), app);
	assert_int_equal(oc_astore_new(conninfo, 1, "authd-kill", &s), ONECARD_OK);
	assert_int_equal(oc_astore_ping(s), ONECARD_OK);
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM"
				" pg_stat_activity WHERE application_name = $1) t",
				app),
			 1);
	for (tries = 0; tries < 100; tries++) {
		if (at_int(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
			   app) == 0) {
			break;
		}
		at_sleep_ms(20);
	}
	at_login_success(&a);
	if (oc_astore_record_login(s, &a.l, &a.t) != ONECARD_OK) {
		fail_msg("after the kill: %s", oc_astore_diagnostic());
	}
	assert_int_equal(count_where("authd_logins WHERE jti", a.jti), 1);
	assert_int_equal(count_where("authd_tokens WHERE jti", a.jti), 1);
	/* Killed again: the challenge insert goes through too. */
	assert_int_equal(at_int(db,
				"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM"
				" pg_stat_activity WHERE application_name = $1) t",
				app),
			 1);
	at_sleep_ms(100);
	{
		struct oc_astore_challenge c = {NULL, "provincial-portal", a.nonce, 1800000000};

		assert_int_equal(oc_astore_record_challenge(s, &c), ONECARD_OK);
		assert_int_equal(count_where("authd_challenges WHERE nonce", a.nonce), 1);
	}
	oc_astore_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrate_twice),
		cmocka_unit_test(ca_and_authd_share_a_database),
		cmocka_unit_test(bad_schema_refused),
		cmocka_unit_test(success_commits_login_and_token),
		cmocka_unit_test(replay_is_exists_and_leaves_nothing),
		cmocka_unit_test(two_instances_race_one_nonce),
		cmocka_unit_test(audit_tables_are_append_only),
		cmocka_unit_test(refused_input_writes_nothing),
		cmocka_unit_test(purge_deletes_expired_nonces_only),
		cmocka_unit_test(pool_serves_more_threads_than_connections),
		cmocka_unit_test(killed_idle_connection_is_reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
