/*
 * PostgreSQL going away and coming back, on a private set of dev
 * services (never the shared fixture: this test stops its PostgreSQL).
 *  - stopped: a store made now (authd starting while the database is
 *    down) and a store that had live connections both fail every call
 *    with ONECARD_ERR_DATABASE, quickly, with a diagnostic;
 *  - started again: the same store objects work, no restart needed;
 *  - restarted while the stores sat idle and connected: the next write
 *    finds its connection dead, resets it, and commits once.
 *
 * Environment: ONECARD_TEST_DEV_SERVICES (scripts/dev-services) and
 * ONECARD_TEST_PRIVATE_DIR (the folder for the private services).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "astore.h"
#include "astore_test.h"

/* A down database must be noticed within this many milliseconds (the
 * socket is gone: no connect_timeout should even be needed). */
#define DOWN_FAST_MS 3000

extern char **environ;

static const char *ds;	     /* scripts/dev-services */
static const char *dir_path; /* the private services' folder */
static char conninfo[1024];

/* Runs "dev-services CMD DIR", output to /dev/null; its exit status. */
static int dev_services(const char *cmd)
{
	posix_spawn_file_actions_t fa;
	char *argv[4];
	pid_t pid;
	int status = 0;

	argv[0] = (char *)ds;
	argv[1] = (char *)cmd;
	argv[2] = (char *)dir_path;
	argv[3] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0), 0);
	assert_int_equal(posix_spawn(&pid, ds, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of "export NAME='value'" in DIR/env.sh. */
static void env_value(const char *name, char *out, size_t cap)
{
	char path[512], line[1024], prefix[128];
	FILE *f;
	size_t plen, vlen;
	int found = 0;

	(void)snprintf(path, sizeof(path), "%s/env.sh", dir_path);
	(void)snprintf(prefix, sizeof(prefix), "export %s='", name);
	plen = strlen(prefix);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, prefix, plen) != 0) {
			continue;
		}
		vlen = strcspn(line + plen, "'");
		assert_true(vlen < cap);
		memcpy(out, line + plen, vlen);
		out[vlen] = '\0';
		found = 1;
	}
	(void)fclose(f);
	assert_true(found);
}

static int setup(void **state)
{
	(void)state;
	ds = getenv("ONECARD_TEST_DEV_SERVICES");
	dir_path = getenv("ONECARD_TEST_PRIVATE_DIR");
	if (ds == NULL || dir_path == NULL) {
		fail_msg("ONECARD_TEST_DEV_SERVICES and ONECARD_TEST_PRIVATE_DIR must be set");
	}
	(void)dev_services("clean"); /* left over from an interrupted run */
	assert_int_equal(dev_services("start"), 0);
	env_value("ONECARD_PG", conninfo, sizeof(conninfo));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)dev_services("clean");
	return 0;
}

/* Every call fails with ONECARD_ERR_DATABASE, each within DOWN_FAST_MS. */
static void all_down(struct oc_astore *s)
{
	struct oc_astore_challenge c = {NULL, "provincial-portal", NULL, 1800000000};
	struct at_login a;
	int64_t t0;

	at_login_success(&a);
	c.nonce_hex = a.nonce;
	t0 = at_now_ms();
	assert_int_equal(oc_astore_ping(s), ONECARD_ERR_DATABASE);
	assert_true(at_now_ms() - t0 < DOWN_FAST_MS);
	assert_string_not_equal(oc_astore_diagnostic(), "");
	t0 = at_now_ms();
	assert_int_equal(oc_astore_record_login(s, &a.l, &a.t), ONECARD_ERR_DATABASE);
	assert_true(at_now_ms() - t0 < DOWN_FAST_MS);
	assert_null(strstr(oc_astore_diagnostic(), a.nonce));
	t0 = at_now_ms();
	assert_int_equal(oc_astore_record_challenge(s, &c), ONECARD_ERR_DATABASE);
	assert_true(at_now_ms() - t0 < DOWN_FAST_MS);
	assert_int_equal(oc_astore_purge_nonces(s, 1000, NULL), ONECARD_ERR_DATABASE);
	assert_int_equal(oc_astore_migrate(s), ONECARD_ERR_DATABASE);
}

/* A login and a challenge go through and are there, once. */
static void works(struct oc_astore *s)
{
	struct oc_astore_challenge c = {"192.0.2.1", "provincial-portal", NULL, 1800000000};
	struct at_login a;
	PGconn *db;

	at_login_success(&a);
	c.nonce_hex = a.nonce;
	if (oc_astore_record_challenge(s, &c) != ONECARD_OK) {
		fail_msg("record_challenge: %s", oc_astore_diagnostic());
	}
	if (oc_astore_record_login(s, &a.l, &a.t) != ONECARD_OK) {
		fail_msg("record_login: %s", oc_astore_diagnostic());
	}
	assert_int_equal(oc_astore_ping(s), ONECARD_OK);
	assert_string_equal(oc_astore_diagnostic(), "");
	db = at_connect(conninfo);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_logins WHERE nonce = $1", a.nonce),
			 1);
	assert_int_equal(at_int(db, "SELECT count(*) FROM authd_tokens WHERE jti = $1", a.jti), 1);
	assert_int_equal(
		at_int(db, "SELECT count(*) FROM authd_challenges WHERE nonce = $1", a.nonce), 1);
	PQfinish(db);
}

static void survives_stop_and_start(void **state)
{
	struct oc_astore *live = NULL, *born_down = NULL;

	(void)state;
	assert_int_equal(oc_astore_new(conninfo, 3, "authd-live", &live), ONECARD_OK);
	if (oc_astore_migrate(live) != ONECARD_OK) {
		fail_msg("migrate: %s", oc_astore_diagnostic());
	}
	works(live);

	/* Down: the live store, and a store made while down. */
	assert_int_equal(dev_services("stop"), 0);
	all_down(live);
	assert_int_equal(oc_astore_new(conninfo, 2, "authd-born-down", &born_down), ONECARD_OK);
	all_down(born_down);

	/* Up again: the same objects. */
	assert_int_equal(dev_services("start"), 0);
	works(live);
	works(born_down);
	assert_int_equal(oc_astore_migrate(born_down), ONECARD_OK);

	/* Restarted while idle and connected: the next write resets its
	 * connection and commits once. */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(dev_services("start"), 0);
	works(live);
	works(born_down);

	oc_astore_free(born_down);
	oc_astore_free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(survives_stop_and_start),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
