/*
 * Reconnecting. On a private set of dev services (never the shared
 * fixture: this test stops its slapd), one oc_dir handle lives through:
 *  - slapd stopped: every call fails with ONECARD_ERR_DIRECTORY (never
 *    NOT_FOUND: authd must not take "down" for "no such certificate"),
 *    the login lookup (oc_dir_find_login) included;
 *  - slapd started again: the same handle works;
 *  - slapd restarted while the handle sat idle and connected: the next
 *    call finds the connection dead, reconnects once and succeeds;
 *  - passwords likewise: while slapd is down, setting one fails with
 *    ONECARD_ERR_DIRECTORY and checking one is UNAVAILABLE (never WRONG);
 *    after an idle restart, setting and checking one work again.
 * SIGPIPE is left at its default here, as in a program that never heard
 * of it: writing to the dead connection must not kill the process.
 *
 * Environment: ONECARD_TEST_DEV_SERVICES (scripts/dev-services) and
 * ONECARD_TEST_PRIVATE_DIR (the folder for the private services).
 */
#include <setjmp.h>
#include <signal.h>
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
#include <fcntl.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "dir_test.h"
#include "pw_file.h"

extern char **environ;

static const char *ds;	     /* scripts/dev-services */
static const char *dir_path; /* the private services' folder */
static struct oc_dir *dir;
static struct tca ca;

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
	char uri[512], base[128], bind_dn[128], pw_file[512], pw[OC_DIR_PASSWORD_MAX + 2];
	size_t len = 0;

	(void)state;
	ds = getenv("ONECARD_TEST_DEV_SERVICES");
	dir_path = getenv("ONECARD_TEST_PRIVATE_DIR");
	if (ds == NULL || dir_path == NULL) {
		fail_msg("ONECARD_TEST_DEV_SERVICES and ONECARD_TEST_PRIVATE_DIR must be set");
	}
	(void)dev_services("clean"); /* left over from an interrupted run */
	assert_int_equal(dev_services("start"), 0);
	env_value("ONECARD_LDAP_URI", uri, sizeof(uri));
	env_value("ONECARD_LDAP_BASE", base, sizeof(base));
	env_value("ONECARD_LDAP_BIND_DN", bind_dn, sizeof(bind_dn));
	env_value("ONECARD_LDAP_BIND_PW_FILE", pw_file, sizeof(pw_file));
	assert_int_equal(oc_dir_pw_from_file(pw_file, pw, sizeof(pw), &len), ONECARD_OK);
	assert_int_equal(oc_dir_open(uri, base, bind_dn, pw, len, &dir), ONECARD_OK);
	OPENSSL_cleanse(pw, sizeof(pw));
	tca_new("Reconnect Test CA", &ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_dir_free(dir);
	tca_free(&ca);
	(void)dev_services("clean");
	return 0;
}

static void sigpipe_untouched(void)
{
	struct sigaction sa;
	sigset_t mask;

	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_int_equal(sigismember(&mask, SIGPIPE), 0);
}

/* The login lookup for one certificate; *l is filled with garbage first,
 * to see it cleared on failure. */
static int find_login(const struct oc_dir_cert *c, struct oc_dir_login *l)
{
	const char *h[1] = {c->sha256};
	size_t missing = 99;
	int r;

	memset(l, 0x55, sizeof(*l));
	r = oc_dir_find_login(dir, h, 1, l, &missing);
	assert_int_equal(missing, 0);
	return r;
}

static void survives_stop_and_start(void **state)
{
	struct oc_dir_enterprise ent;
	struct oc_dir_person person;
	struct oc_dir_card card;
	struct oc_dir_cert cert, other;
	struct oc_dir_found found;
	struct oc_dir_login login;
	struct oc_dir_card_info *info = NULL;
	struct tleaf spec = {NULL, 0, "customs", NULL, NULL, NULL, NULL, "x"};
	enum oc_dir_refusal why = OC_DIR_REFUSED_NONE;
	char uscc[OC_DIR_USCC_LEN + 1], card_id[OC_DIR_CARD_ID_MAX + 1];

	(void)state;
	tuscc(uscc);
	tunique("card", card_id, sizeof(card_id));
	tfill(&ent, uscc, "Reconnect Co., Ltd.", &person, "p-reconnect", "x", &card, card_id);
	tleaf_cert(&ca, &spec, &cert);
	assert_int_equal(oc_dir_enroll(dir, &ent, &person, &card, &cert, 1, &why), ONECARD_OK);
	assert_int_equal(oc_dir_find_by_cert(dir, cert.issuer, cert.serial, &found), ONECARD_OK);
	oc_dir_found_clear(&found);

	/* Down: every call says so, none says "not found". */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(oc_dir_find_by_cert(dir, cert.issuer, cert.serial, &found),
			 ONECARD_ERR_DIRECTORY);
	assert_int_equal(found.card.status, OC_DIR_STATUS_UNKNOWN);
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	assert_int_equal(oc_dir_find_by_sha256(dir, cert.sha256, &found), ONECARD_ERR_DIRECTORY);
	assert_int_equal(find_login(&cert, &login), ONECARD_ERR_DIRECTORY);
	assert_int_equal(login.card.status, OC_DIR_STATUS_UNKNOWN);
	assert_false(oc_dir_login_active(&login));
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	assert_int_equal(oc_dir_ping(dir), ONECARD_ERR_DIRECTORY);
	assert_int_equal(oc_dir_get_card(dir, card_id, &info), ONECARD_ERR_DIRECTORY);
	assert_null(info);
	assert_int_equal(oc_dir_suspend_card(dir, card_id, NULL), ONECARD_ERR_DIRECTORY);
	tunique("card", card.id, sizeof(card.id));
	spec.ou = "maritime";
	tleaf_cert(&ca, &spec, &other);
	assert_int_equal(oc_dir_enroll(dir, &ent, &person, &card, &other, 1, &why),
			 ONECARD_ERR_DIRECTORY);
	assert_int_equal(why, OC_DIR_REFUSED_UNAVAILABLE);
	assert_int_equal(oc_dir_set_password(dir, "p-reconnect", "reconnect-password-0", 20, NULL),
			 ONECARD_ERR_DIRECTORY);
	assert_int_equal(
		oc_dir_check_password(dir, "p-reconnect", "reconnect-password-0", 20, NULL),
		OC_DIR_PW_UNAVAILABLE);
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	sigpipe_untouched();

	/* Up again: the same handle. */
	assert_int_equal(dev_services("start"), 0);
	assert_int_equal(oc_dir_find_by_cert(dir, cert.issuer, cert.serial, &found), ONECARD_OK);
	assert_string_equal(found.card.id, card_id);
	assert_true(oc_dir_found_active(&found));
	oc_dir_found_clear(&found);
	assert_string_equal(oc_dir_diagnostic(dir), "");
	assert_int_equal(find_login(&cert, &login), ONECARD_OK);
	assert_string_equal(login.card.id, card_id);
	assert_true(oc_dir_login_active(&login));

	/* Restarted while idle and connected: the next call finds the
	 * connection dead, reconnects once, and answers. */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(dev_services("start"), 0);
	assert_int_equal(oc_dir_find_by_cert(dir, cert.issuer, cert.serial, &found), ONECARD_OK);
	assert_string_equal(found.card.id, card_id);
	oc_dir_found_clear(&found);
	/* The login lookup, too. */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(dev_services("start"), 0);
	assert_int_equal(find_login(&cert, &login), ONECARD_OK);
	assert_string_equal(login.card.id, card_id);
	/* A write after an idle restart, too. */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(dev_services("start"), 0);
	assert_int_equal(oc_dir_suspend_card(dir, card_id, "after restart"), ONECARD_OK);
	assert_int_equal(oc_dir_get_card(dir, card_id, &info), ONECARD_OK);
	assert_int_equal(info->card.status, OC_DIR_STATUS_SUSPENDED);
	oc_dir_card_info_free(info);
	/* A password, set after an idle restart, then checked. */
	assert_int_equal(dev_services("stop"), 0);
	assert_int_equal(dev_services("start"), 0);
	assert_int_equal(oc_dir_set_password(dir, "p-reconnect", "reconnect-password-1", 20, NULL),
			 ONECARD_OK);
	assert_int_equal(
		oc_dir_check_password(dir, "p-reconnect", "reconnect-password-1", 20, NULL),
		OC_DIR_PW_OK);
	sigpipe_untouched();
	oc_dir_cert_clear(&other);
	oc_dir_cert_clear(&cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(survives_stop_and_start),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
