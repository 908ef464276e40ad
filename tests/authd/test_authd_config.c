/*
 * onecard-authd's configuration reader (authd/server/config.c) and its
 * refusal table (reasons.c): the shipped example parses, and every
 * mistake is refused with FILE:LINE (or FILE: for a missing setting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "config.h"
#include "reasons.h"

#ifndef EXAMPLE_CONFIG
#error "EXAMPLE_CONFIG must name authd/onecard-authd.conf.example"
#endif

static const char *const minimal =
	"origin = \"http://127.0.0.1:8443\";\n"
	"policy = \"policy.conf\";\n"
	"trust = { anchors = \"/ca/ca.pem\"; crls = [ \"/ca/crl.pem\" ]; };\n"
	"directory = { uri = \"ldapi:///\"; base = \"dc=x\"; bind_dn = \"cn=a,dc=x\";\n"
	"  bind_password_file = \"pw\"; };\n"
	"database = { conninfo = \"dbname=onecard\"; };\n"
	"keys = { dir = \"/keys\"; };\n";

static char path[64];

/* Writes text to a temporary file; loads it; returns the result. */
static int load_text(const char *text, struct authd_config *cfg, char err[AUTHD_CONFIG_ERR_MAX])
{
	FILE *f;
	int fd;

	(void)snprintf(path, sizeof(path), "/tmp/authd-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return authd_config_load(path, cfg, err);
}

static void done(void)
{
	(void)unlink(path);
}

static void example_parses(void **state)
{
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(authd_config_load(EXAMPLE_CONFIG, &cfg, err), 0);
	assert_string_equal(cfg.origin, "https://login.province.example");
	assert_int_equal(cfg.port, 8443);
	assert_int_equal(cfg.ncrls, 1);
	assert_int_equal(cfg.token_max_lifetime, 600);
	assert_int_equal(cfg.challenge_lifetime, 60);
	assert_string_equal(cfg.instance, "authd-1");
}

static void minimal_gets_defaults(void **state)
{
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];
	char want[AUTHD_PATH_MAX];

	(void)state;
	assert_int_equal(load_text(minimal, &cfg, err), 0);
	assert_string_equal(cfg.issuer, "http://127.0.0.1:8443");
	assert_string_equal(cfg.instance, "127.0.0.1:8443");
	assert_string_equal(cfg.address, "127.0.0.1");
	assert_int_equal(cfg.threads, 2);
	assert_int_equal(cfg.ldap_pool, 4);
	assert_int_equal(cfg.crl_max_age, 7 * 86400);
	/* Relative paths are the configuration file's folder's. */
	(void)snprintf(want, sizeof(want), "/tmp/policy.conf");
	assert_string_equal(cfg.policy, want);
	assert_string_equal(cfg.ldap_password_file, "/tmp/pw");
	assert_string_equal(cfg.anchors, "/ca/ca.pem");
	done();
}

/* text = minimal with one line added; the error must hold want. */
static void refused(const char *extra, const char *want)
{
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];
	char text[2048];

	(void)snprintf(text, sizeof(text), "%s%s", minimal, extra);
	assert_int_equal(load_text(text, &cfg, err), ONECARD_ERR_POLICY);
	if (strstr(err, want) == NULL || strstr(err, path) != err) {
		fail_msg("for %s: got \"%s\", want \"%s\"", extra, err, want);
	}
	done();
}

static void mistakes_are_refused(void **state)
{
	(void)state;
	refused("unknown = 1;\n", ":8: unknown setting \"unknown\"");
	refused("listen = { prot = 1; };\n", ":8: unknown setting \"listen.prot\"");
	refused("listen = { port = \"80\"; };\n", ":8: \"port\" must be an integer");
	refused("listen = { port = 70000; };\n", ":8: \"port\" must be 0..65535");
	refused("token = { max_lifetime = 86400; };\n", "\"max_lifetime\" must be 30..3600");
	refused("challenge = { lifetime = 600; };\n", "\"lifetime\" must be 10..120");
	refused("issuer = 42;\n", ":8: \"issuer\" must be a string");
	refused("instance = \"\";\n", ":8: \"instance\" must not be empty");
	refused("listen = 1;\n", ":8: \"listen\" must be a group");
	refused("trust2 = { };\n", "unknown setting \"trust2\"");
}

static void bad_origins_are_refused(void **state)
{
	static const char *const bad[] = {
		"ftp://x",	  "http://",	"https://Host.example",
		"https://x/path", "http://a b", "https://user@x",
	};
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];
	char text[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "%s",
			       minimal + strlen("origin = \"http://127.0.0.1:8443\";\n"));
		(void)snprintf(text + strlen(text), sizeof(text) - strlen(text),
			       "origin = \"%s\";\n", bad[i]);
		assert_int_equal(load_text(text, &cfg, err), ONECARD_ERR_POLICY);
		assert_non_null(strstr(err, "\"origin\" must be"));
		done();
	}
}

static void missing_settings(void **state)
{
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(load_text("origin = \"http://x\";\n", &cfg, err), ONECARD_ERR_POLICY);
	assert_non_null(strstr(err, "missing setting \"policy\""));
	done();
	assert_int_equal(authd_config_load("/nonexistent/authd.conf", &cfg, err), ONECARD_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/authd.conf: cannot open"));
}

static void syntax_error_names_line(void **state)
{
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(load_text("origin = \"http://x\"\npolicy = ;\n", &cfg, err),
			 ONECARD_ERR_POLICY);
	assert_non_null(strstr(err, ":2:"));
	done();
}

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* introspection_clients: the example's client, and each refusal. */
static void introspection_clients(void **state)
{
	static const unsigned char sha_test[4] = {0x9f, 0x86, 0xd0, 0x81};
	struct authd_config cfg;
	char err[AUTHD_CONFIG_ERR_MAX];
	char text[2048];

	(void)state;
	assert_int_equal(authd_config_load(EXAMPLE_CONFIG, &cfg, err), 0);
	assert_int_equal(cfg.nclients, 1);
	assert_string_equal(cfg.clients[0].id, "city-a-customs");
	assert_memory_equal(cfg.clients[0].secret_sha256, sha_test, sizeof(sha_test));

	assert_int_equal(load_text(minimal, &cfg, err), 0);
	assert_int_equal(cfg.nclients, 0);
	done();
	(void)snprintf(text, sizeof(text),
		       "%sintrospection_clients = ( { id = \"a\"; secret_sha256 = \"%s\"; },\n"
		       "  { id = \"b\"; secret_sha256 = \"%s\"; } );\n",
		       minimal, SHA_A, SHA_A);
	assert_int_equal(load_text(text, &cfg, err), 0);
	assert_int_equal(cfg.nclients, 2);
	assert_string_equal(cfg.clients[1].id, "b");
	done();

	refused("introspection_clients = ( { id = \"a\"; } );\n", "needs id and secret_sha256");
	refused("introspection_clients = ( { id = \"a\"; secret_sha256 = \"abc\"; } );\n",
		"64 lowercase hex digits");
	refused("introspection_clients = ( { id = \"a\"; secret_sha256 = "
		"\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"; } );\n",
		"64 lowercase hex digits");
	refused("introspection_clients = ( { id = \"a:b\"; secret_sha256 = \"" SHA_A "\"; } );\n",
		"without ':'");
	refused("introspection_clients = ( { id = \"a b\"; secret_sha256 = \"" SHA_A "\"; } );\n",
		"printable ASCII without spaces");
	refused("introspection_clients = ( { id = \"a\"; secret_sha256 = \"" SHA_A "\"; "
		"secret = \"x\"; } );\n",
		"unknown setting \"secret\"");
	refused("introspection_clients = ( { id = \"a\"; secret_sha256 = \"" SHA_A "\"; },\n"
		"{ id = \"a\"; secret_sha256 = \"" SHA_A "\"; } );\n",
		"introspection client \"a\" twice");
	refused("introspection_clients = { id = \"a\"; };\n", "must be a list");
	refused("introspection_clients = ( 1 );\n", "is a group");
}

static void reason_table(void **state)
{
	int a, b;

	(void)state;
	for (a = AR_INVALID_REQUEST; a < AR_COUNT_; a++) {
		unsigned st = authd_reason_status((enum authd_reason)a);

		assert_true(st >= 400 && st < 600);
		assert_true(strlen(authd_reason_text((enum authd_reason)a)) > 0);
		for (b = a + 1; b < AR_COUNT_; b++) {
			assert_string_not_equal(authd_reason_code((enum authd_reason)a),
						authd_reason_code((enum authd_reason)b));
		}
	}
	/* Published in docs/authd.md: must never change. */
	assert_string_equal(authd_reason_code(AR_CHALLENGE_REPLAYED), "challenge_replayed");
	assert_int_equal(authd_reason_status(AR_DIRECTORY_UNAVAILABLE), 503);
	assert_int_equal(authd_reason_status(AR_CARD_SUSPENDED), 403);
	assert_int_equal(authd_reason_from_chain(OC_CHAIN_CRL_STALE), AR_CRL_STALE);
	assert_int_equal(authd_reason_from_chain(OC_CHAIN_NOT_YET_VALID), AR_CERT_EXPIRED);
	assert_int_equal(authd_reason_from_chain(OC_CHAIN_LEAF_NO_CLIENT_AUTH), AR_CERT_INVALID);
	assert_string_equal(authd_reason_code((enum authd_reason)999), "internal");
	assert_string_equal(authd_reason_code(AR_INVALID_GRANT), "invalid_grant");
	assert_int_equal(authd_reason_status(AR_INVALID_CLIENT), 401);
	assert_int_equal(authd_reason_status(AR_UNSUPPORTED_GRANT_TYPE), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_parses),	cmocka_unit_test(minimal_gets_defaults),
		cmocka_unit_test(mistakes_are_refused), cmocka_unit_test(bad_origins_are_refused),
		cmocka_unit_test(missing_settings),	cmocka_unit_test(syntax_error_names_line),
		cmocka_unit_test(reason_table),		cmocka_unit_test(introspection_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
