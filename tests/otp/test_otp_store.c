/*
 * The TOTP store against the fixture's PostgreSQL (FIXTURES_REQUIRED
 * services), with a direct libpq connection as the independent look at
 * the table:
 *  - migrations: applied once, recorded in authd_otp_schema_migrations,
 *    harmless again; the table's CHECKs refuse rows the C code refuses;
 *  - put and get: the sealed secret comes back; nothing in the row is
 *    the secret; re-enrolment replaces (the old secret's codes fail, the
 *    new one's pass, the replay state starts afresh); remove;
 *  - the replay rule: a code accepted once; an older step after a newer
 *    one refused; the next step accepted; a step accepted for a secret
 *    that was replaced meanwhile refused; across two stores (two
 *    connections) racing on one code, exactly one wins, round after
 *    round, for accept_step and for the whole oc_otp_verify;
 *  - rows that must not open: a bit flipped in the stored blob, another
 *    person's blob copied in, the algorithm or digits column changed,
 *    the wrong key;
 *  - a person without a secret, and a database that is not there.
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

#include "otp.h"
#include "otp_test.h"

#define ROUNDS	 40 /* races between two stores */
#define PID_SIZE 48u
#define NOWHERE	 "host=/nonexistent/onecard-otp-test dbname=onecard user=onecard connect_timeout=1"

static oc_otp_store *store;
static oc_otp_key *key;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(oc_otp_store_new(ot_conninfo(), 4, &store), ONECARD_OK);
	assert_int_equal(oc_otp_store_migrate(store), ONECARD_OK);
	key = ot_key(0x11);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_otp_store_free(store);
	oc_otp_key_free(key);
	return 0;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Enrols a new person with a random secret; returns the secret. */
static void enrol(const char *prefix, char pid[PID_SIZE], enum oc_otp_alg alg, unsigned digits,
		  struct oc_otp_secret *s)
{
	int replaced = -1;

	ot_person(prefix, pid, PID_SIZE);
	assert_int_equal(oc_otp_secret_generate(alg, digits, s), ONECARD_OK);
	assert_int_equal(oc_otp_store_put(store, key, pid, s, &replaced), ONECARD_OK);
	assert_int_equal(replaced, 0);
}

static void migrations(void **state)
{
	PGconn *c = ot_connect();
	char v[64];

	(void)state;
	/* Again, and from a second store: only checked. */
	assert_int_equal(oc_otp_store_migrate(store), ONECARD_OK);
	{
		oc_otp_store *other = NULL;

		assert_int_equal(oc_otp_store_new(ot_conninfo(), 1, &other), ONECARD_OK);
		assert_int_equal(oc_otp_store_migrate(other), ONECARD_OK);
		oc_otp_store_free(other);
	}
	ot_value(c,
		 "SELECT string_agg(version::text || ':' || name, ',' ORDER BY version) "
		 "FROM authd_otp_schema_migrations",
		 NULL, v, sizeof(v));
	assert_string_equal(v, "1:001_otp");
	PQfinish(c);
}

static void table_checks(void **state)
{
	PGconn *c = ot_connect();
	char pid[PID_SIZE];
	const char *ins = "INSERT INTO authd_otp (person_id, blob, algorithm, digits) "
			  "VALUES ($1, decode($2, 'hex'), 'sha1', 6)";
	/* 53 bytes: version 1, the rest zero. */
	char good[2 * 53 + 1], bad[2 * 53 + 1];

	(void)state;
	memset(good, '0', sizeof(good) - 1);
	good[sizeof(good) - 1] = '\0';
	good[1] = '1';
	memcpy(bad, good, sizeof(bad));
	bad[1] = '2';
	ot_person("chk", pid, sizeof(pid));
	assert_int_equal(ot_exec(c, ins, pid, bad), -1);      /* version 2 */
	assert_int_equal(ot_exec(c, ins, pid, good + 2), -1); /* 52 bytes, not 1 first */
	assert_int_equal(ot_exec(c, ins, "a b", good), -1);   /* person id */
	assert_int_equal(ot_exec(c, ins, pid, "01"), -1);     /* too short */
	assert_int_equal(ot_exec(c,
				 "INSERT INTO authd_otp (person_id, blob, algorithm, digits) "
				 "VALUES ($1, decode($2, 'hex'), 'sha1', 7)",
				 pid, good),
			 -1);
	assert_int_equal(ot_exec(c,
				 "INSERT INTO authd_otp (person_id, blob, algorithm, digits) "
				 "VALUES ($1, decode($2, 'hex'), 'md5', 6)",
				 pid, good),
			 -1);
	assert_int_equal(ot_exec(c, ins, pid, good), 1);
	assert_int_equal(
		ot_exec(c, "UPDATE authd_otp SET last_step = -1 WHERE person_id = $1", pid, NULL),
		-1);
	assert_int_equal(
		ot_exec(c, "UPDATE authd_otp SET last_step = 5 WHERE person_id = $1", pid, NULL),
		-1); /* without last_used_at */
	assert_int_equal(ot_exec(c, "DELETE FROM authd_otp WHERE person_id = $1", pid, NULL), 1);
	PQfinish(c);
}

static void put_get_remove(void **state)
{
	struct oc_otp_secret s;
	struct oc_otp_record rec;
	char pid[PID_SIZE], hex[256], v[256];
	const char *why = NULL;
	PGconn *c = ot_connect();
	size_t i;

	(void)state;
	enrol("pgr", pid, OC_OTP_SHA256, 8, &s);
	assert_int_equal(oc_otp_store_get(store, key, pid, &rec, &why), ONECARD_OK);
	assert_string_equal(rec.person_id, pid);
	assert_int_equal(rec.secret.alg, OC_OTP_SHA256);
	assert_int_equal(rec.secret.digits, 8);
	assert_int_equal(rec.secret.len, 32);
	assert_memory_equal(rec.secret.bytes, s.bytes, 32);
	assert_int_equal(rec.has_last_step, 0);
	assert_true(rec.created_at > now_s() - 600 && rec.created_at <= now_s() + 600);
	oc_otp_record_clear(&rec);

	/* The row as the server holds it: the algorithm and digits, and a
	 * blob that does not hold the secret. */
	ot_value(c, "SELECT algorithm || '/' || digits FROM authd_otp WHERE person_id = $1", pid, v,
		 sizeof(v));
	assert_string_equal(v, "sha256/8");
	ot_value(c, "SELECT encode(blob, 'hex') FROM authd_otp WHERE person_id = $1", pid, v,
		 sizeof(v));
	for (i = 0; i < 8; i++) {
		(void)snprintf(hex + 2 * i, 3, "%02x", s.bytes[i]);
	}
	assert_null(strstr(v, hex));

	assert_int_equal(oc_otp_store_remove(store, pid), ONECARD_OK);
	assert_int_equal(oc_otp_store_get(store, key, pid, &rec, &why), ONECARD_ERR_NOT_FOUND);
	assert_string_equal(why, "no secret is enrolled for this person");
	assert_int_equal(oc_otp_store_remove(store, pid), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(ot_exec(c, "SELECT 1 FROM authd_otp WHERE person_id = $1", pid, NULL), 0);
	oc_otp_secret_clear(&s);
	PQfinish(c);
}

static void replay_rule(void **state)
{
	struct oc_otp_secret s;
	char pid[PID_SIZE], code[OT_CODE_SIZE], prev[OT_CODE_SIZE], next[OT_CODE_SIZE];
	const char *why = NULL;
	uint64_t step = 0, base;
	int64_t now = now_s();
	PGconn *c = ot_connect();
	char v[64];

	(void)state;
	enrol("rpl", pid, OC_OTP_SHA1, 6, &s);
	base = (uint64_t)now / 30u;
	ot_oathtool_code(&s, now, code);
	ot_ref_code(&s, base - 1, prev);
	ot_ref_code(&s, base + 1, next);

	assert_int_equal(oc_otp_verify(store, key, pid, code, 6, now, &step, &why), ONECARD_OK);
	assert_int_equal(step, base);
	(void)snprintf(v, sizeof(v), "%llu", (unsigned long long)base);
	{
		char got[64];

		ot_value(c, "SELECT last_step::text FROM authd_otp WHERE person_id = $1", pid, got,
			 sizeof(got));
		assert_string_equal(got, v);
	}
	/* The same code again, at once and a little later in its window. */
	assert_int_equal(oc_otp_verify(store, key, pid, code, 6, now, &step, &why),
			 ONECARD_ERR_EXISTS);
	assert_string_equal(why, "the code was used already");
	assert_int_equal(step, 0);
	assert_int_equal(oc_otp_verify(store, key, pid, code, 6, now + 25, &step, &why),
			 ONECARD_ERR_EXISTS);
	/* The store's own rule, without oc_otp_verify's early check: the
	 * accepted step and an older one are refused by the UPDATE. */
	{
		struct oc_otp_record rec;

		assert_int_equal(oc_otp_store_get(store, key, pid, &rec, &why), ONECARD_OK);
		assert_int_equal(rec.has_last_step, 1);
		assert_int_equal(rec.last_step, base);
		assert_int_equal(oc_otp_store_accept_step(store, &rec, base), ONECARD_ERR_EXISTS);
		assert_int_equal(oc_otp_store_accept_step(store, &rec, base - 1),
				 ONECARD_ERR_EXISTS);
		assert_int_equal(oc_otp_store_accept_step(store, &rec, 0), ONECARD_ERR_EXISTS);
		assert_int_equal(oc_otp_store_accept_step(store, &rec, (uint64_t)INT64_MAX + 1u),
				 ONECARD_ERR_INVALID_ARG);
		oc_otp_record_clear(&rec);
	}
	/* An older step, still in the window, after a newer one. */
	if (strcmp(prev, code) != 0) {
		assert_int_equal(oc_otp_verify(store, key, pid, prev, 6, now, &step, &why),
				 ONECARD_ERR_EXISTS);
	}
	/* A wrong code is refused as such, and does not move the step. */
	{
		char wrong[OT_CODE_SIZE];

		memcpy(wrong, next, sizeof(wrong));
		wrong[0] = (char)('0' + (wrong[0] - '0' + 5) % 10);
		assert_int_equal(oc_otp_verify(store, key, pid, wrong, 6, now, &step, &why),
				 ONECARD_ERR_BAD_SIGNATURE);
		assert_int_equal(oc_otp_verify(store, key, pid, "12ab56", 6, now, &step, &why),
				 ONECARD_ERR_BAD_FORMAT);
	}
	/* The next step (a clock ahead by a step) is newer: accepted once. */
	assert_int_equal(oc_otp_verify(store, key, pid, next, 6, now, &step, &why), ONECARD_OK);
	assert_int_equal(step, base + 1);
	assert_int_equal(oc_otp_verify(store, key, pid, next, 6, now + 30, &step, &why),
			 ONECARD_ERR_EXISTS);
	/* ... and now the current step's code is old. */
	assert_int_equal(oc_otp_verify(store, key, pid, code, 6, now, &step, &why),
			 ONECARD_ERR_EXISTS);
	oc_otp_secret_clear(&s);
	PQfinish(c);
}

static void reenrolment(void **state)
{
	struct oc_otp_secret old, fresh;
	struct oc_otp_record rec_old;
	char pid[PID_SIZE], old_code[OT_CODE_SIZE], new_code[OT_CODE_SIZE];
	const char *why = NULL;
	uint64_t step = 0;
	int64_t now = now_s();
	int replaced = 0;

	(void)state;
	enrol("ren", pid, OC_OTP_SHA1, 6, &old);
	ot_ref_code(&old, (uint64_t)now / 30u, old_code);
	assert_int_equal(oc_otp_verify(store, key, pid, old_code, 6, now, &step, &why), ONECARD_OK);
	assert_int_equal(oc_otp_store_get(store, key, pid, &rec_old, &why), ONECARD_OK);

	/* Re-enrol with other parameters. */
	assert_int_equal(oc_otp_secret_generate(OC_OTP_SHA256, 8, &fresh), ONECARD_OK);
	assert_int_equal(oc_otp_store_put(store, key, pid, &fresh, &replaced), ONECARD_OK);
	assert_int_equal(replaced, 1);

	/* The old secret's next code fails (wrong length, then wrong code
	 * once the old secret is re-made as 8 digits). */
	ot_ref_code(&old, (uint64_t)now / 30u + 1, old_code);
	assert_int_equal(oc_otp_verify(store, key, pid, old_code, 6, now, &step, &why),
			 ONECARD_ERR_BAD_FORMAT);
	old.digits = 8;
	ot_ref_code(&old, (uint64_t)now / 30u + 1, old_code);
	ot_ref_code(&fresh, (uint64_t)now / 30u + 1, new_code);
	if (strcmp(old_code, new_code) != 0) {
		assert_int_equal(oc_otp_verify(store, key, pid, old_code, 8, now, &step, &why),
				 ONECARD_ERR_BAD_SIGNATURE);
	}
	/* A step accepted for the old secret, after the replacement:
	 * refused, though the step is new. */
	assert_int_equal(oc_otp_store_accept_step(store, &rec_old, (uint64_t)now / 30u + 1),
			 ONECARD_ERR_EXISTS);
	/* The new secret's code of the current step: accepted, since the
	 * replay state started afresh with the new secret. */
	ot_ref_code(&fresh, (uint64_t)now / 30u, new_code);
	assert_int_equal(oc_otp_verify(store, key, pid, new_code, 8, now, &step, &why), ONECARD_OK);
	assert_int_equal(step, (uint64_t)now / 30u);
	assert_int_equal(oc_otp_verify(store, key, pid, new_code, 8, now, &step, &why),
			 ONECARD_ERR_EXISTS);
	oc_otp_record_clear(&rec_old);
	oc_otp_secret_clear(&old);
	oc_otp_secret_clear(&fresh);
}

/* ---- races between two stores -------------------------------------------- */

struct racer {
	oc_otp_store *st;
	pthread_barrier_t *barrier;
	const struct oc_otp_record *rec;
	const char *pid;
	const char *code;
	int64_t now;
	uint64_t step;
	int whole; /* 1: oc_otp_verify; 0: oc_otp_store_accept_step */
	int result;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	uint64_t step = 0;

	(void)pthread_barrier_wait(r->barrier);
	if (r->whole) {
		r->result = oc_otp_verify(r->st, key, r->pid, r->code, strlen(r->code), r->now,
					  &step, NULL);
	} else {
		r->result = oc_otp_store_accept_step(r->st, r->rec, r->step);
	}
	return NULL;
}

static void run_races(int whole)
{
	oc_otp_store *a = NULL, *b = NULL;
	struct oc_otp_secret s;
	struct oc_otp_record rec;
	pthread_barrier_t barrier;
	pthread_t ta, tb;
	struct racer ra, rb;
	char pid[PID_SIZE], code[OT_CODE_SIZE];
	int64_t now = now_s();
	int round, wins_a = 0, wins_b = 0;

	assert_int_equal(oc_otp_store_new(ot_conninfo(), 1, &a), ONECARD_OK);
	assert_int_equal(oc_otp_store_new(ot_conninfo(), 1, &b), ONECARD_OK);
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	enrol(whole ? "rcv" : "rca", pid, OC_OTP_SHA1, 6, &s);
	assert_int_equal(oc_otp_store_get(store, key, pid, &rec, NULL), ONECARD_OK);
	for (round = 0; round < ROUNDS; round++) {
		/* Each round a newer step (accept_step), or a fresh person
		 * (verify, whose window is fixed by now). */
		if (whole && round > 0) {
			oc_otp_secret_clear(&s);
			enrol("rcv", pid, OC_OTP_SHA1, 6, &s);
		}
		ot_ref_code(&s, (uint64_t)now / 30u, code);
		memset(&ra, 0, sizeof(ra));
		ra.barrier = &barrier;
		ra.rec = &rec;
		ra.pid = pid;
		ra.code = code;
		ra.now = now;
		ra.step = (uint64_t)now / 30u + (uint64_t)round;
		ra.whole = whole;
		rb = ra;
		ra.st = a;
		rb.st = b;
		assert_int_equal(pthread_create(&ta, NULL, race, &ra), 0);
		assert_int_equal(pthread_create(&tb, NULL, race, &rb), 0);
		assert_int_equal(pthread_join(ta, NULL), 0);
		assert_int_equal(pthread_join(tb, NULL), 0);
		if (!((ra.result == ONECARD_OK && rb.result == ONECARD_ERR_EXISTS) ||
		      (rb.result == ONECARD_OK && ra.result == ONECARD_ERR_EXISTS))) {
			fail_msg("round %d: results %d and %d, want exactly one success and one "
				 "replay",
				 round, ra.result, rb.result);
		}
		wins_a += ra.result == ONECARD_OK;
		wins_b += rb.result == ONECARD_OK;
	}
	assert_int_equal(wins_a + wins_b, ROUNDS);
	oc_otp_record_clear(&rec);
	oc_otp_secret_clear(&s);
	(void)pthread_barrier_destroy(&barrier);
	oc_otp_store_free(a);
	oc_otp_store_free(b);
}

static void race_accept_step(void **state)
{
	(void)state;
	run_races(0);
}

static void race_verify(void **state)
{
	(void)state;
	run_races(1);
}

/* ---- rows that must not open --------------------------------------------- */

static void tampered_rows(void **state)
{
	struct oc_otp_secret s, t;
	struct oc_otp_record rec;
	char a[PID_SIZE], b[PID_SIZE], code[OT_CODE_SIZE];
	const char *why = NULL;
	oc_otp_key *other = ot_key(0x22);
	PGconn *c = ot_connect();
	uint64_t step = 0;
	int64_t now = now_s();
	int i;

	(void)state;
	enrol("tma", a, OC_OTP_SHA1, 6, &s);
	enrol("tmb", b, OC_OTP_SHA1, 6, &t);
	ot_ref_code(&s, (uint64_t)now / 30u, code);

	/* The wrong key. */
	assert_int_equal(oc_otp_store_get(store, other, a, &rec, &why), ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_otp_verify(store, other, a, code, 6, now, &step, &why),
			 ONECARD_ERR_BAD_KEY);

	/* A's blob copied into B's row: B cannot use A's secret. */
	assert_int_equal(ot_exec(c,
				 "UPDATE authd_otp SET blob = (SELECT blob FROM authd_otp "
				 "WHERE person_id = $1) WHERE person_id = $2",
				 a, b),
			 1);
	assert_int_equal(oc_otp_store_get(store, key, b, &rec, &why), ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_verify(store, key, b, code, 6, now, &step, &why),
			 ONECARD_ERR_MISMATCH);

	/* The algorithm or the digits changed in the row. */
	assert_int_equal(ot_exec(c,
				 "UPDATE authd_otp SET algorithm = 'sha256' WHERE person_id = $1",
				 a, NULL),
			 1);
	assert_int_equal(oc_otp_store_get(store, key, a, &rec, &why), ONECARD_ERR_MISMATCH);
	assert_int_equal(ot_exec(c,
				 "UPDATE authd_otp SET algorithm = 'sha1', digits = 8 "
				 "WHERE person_id = $1",
				 a, NULL),
			 1);
	assert_int_equal(oc_otp_store_get(store, key, a, &rec, &why), ONECARD_ERR_MISMATCH);
	assert_int_equal(
		ot_exec(c, "UPDATE authd_otp SET digits = 6 WHERE person_id = $1", a, NULL), 1);
	assert_int_equal(oc_otp_store_get(store, key, a, &rec, &why), ONECARD_OK);
	oc_otp_record_clear(&rec);

	/* A bit flipped in the nonce, the ciphertext, the tag. */
	for (i = 5; i < 53; i += 6) {
		char off[8];

		(void)snprintf(off, sizeof(off), "%d", i);
		assert_int_equal(ot_exec(c,
					 "UPDATE authd_otp SET blob = set_byte(blob, $2::int, "
					 "get_byte(blob, $2::int) # 1) WHERE person_id = $1",
					 a, off),
				 1);
		assert_int_equal(oc_otp_store_get(store, key, a, &rec, &why), ONECARD_ERR_MISMATCH);
		assert_int_equal(oc_otp_verify(store, key, a, code, 6, now, &step, &why),
				 ONECARD_ERR_MISMATCH);
		assert_int_equal(ot_exec(c,
					 "UPDATE authd_otp SET blob = set_byte(blob, $2::int, "
					 "get_byte(blob, $2::int) # 1) WHERE person_id = $1",
					 a, off),
				 1);
	}
	/* Restored: it opens, and the code works. */
	assert_int_equal(oc_otp_verify(store, key, a, code, 6, now, &step, &why), ONECARD_OK);
	oc_otp_secret_clear(&s);
	oc_otp_secret_clear(&t);
	oc_otp_key_free(other);
	PQfinish(c);
}

static void unknown_and_unreachable(void **state)
{
	oc_otp_store *nowhere = NULL;
	struct oc_otp_record rec;
	struct oc_otp_secret s;
	char pid[PID_SIZE];
	const char *why = NULL;
	uint64_t step = 7;

	(void)state;
	ot_person("nobody", pid, sizeof(pid));
	assert_int_equal(oc_otp_verify(store, key, pid, "123456", 6, now_s(), &step, &why),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(step, 0);
	/* Bad input is refused before the database is asked. */
	assert_int_equal(oc_otp_verify(store, key, "a b", "123456", 6, now_s(), &step, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_store_remove(store, ""), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_store_get(store, key, "x/y", &rec, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_store_new(NOWHERE, 0, &nowhere), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_store_new(NOWHERE, OC_OTP_POOL_MAX + 1, &nowhere),
			 ONECARD_ERR_INVALID_ARG);

	/* A store on a database that is not there: made without touching
	 * the network, then every call is ONECARD_ERR_DATABASE. */
	assert_int_equal(oc_otp_store_new(NOWHERE, 1, &nowhere), ONECARD_OK);
	assert_int_equal(oc_otp_store_migrate(nowhere), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_otp_store_get(nowhere, key, pid, &rec, &why), ONECARD_ERR_DATABASE);
	assert_true(strlen(oc_otp_store_diagnostic()) > 0);
	assert_int_equal(oc_otp_secret_generate(OC_OTP_SHA1, 6, &s), ONECARD_OK);
	assert_int_equal(oc_otp_store_put(nowhere, key, pid, &s, NULL), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_otp_store_remove(nowhere, pid), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_otp_verify(nowhere, key, pid, "123456", 6, now_s(), &step, &why),
			 ONECARD_ERR_DATABASE);
	oc_otp_store_free(nowhere);
	oc_otp_store_free(NULL);
	oc_otp_secret_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrations),
		cmocka_unit_test(table_checks),
		cmocka_unit_test(put_get_remove),
		cmocka_unit_test(replay_rule),
		cmocka_unit_test(reenrolment),
		cmocka_unit_test(race_accept_step),
		cmocka_unit_test(race_verify),
		cmocka_unit_test(tampered_rows),
		cmocka_unit_test(unknown_and_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
