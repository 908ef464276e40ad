/*
 * onecard-login, the program, on a SoftHSM card against the test authd
 * (fake_authd.c), both made here in a temporary folder:
 *
 *   - a wrong PIN: exit 4, the retry state the card reports, and no
 *     connection to authd at all; the final-try and locked states through
 *     the fault-injecting module of tests/pkcs11;
 *   - a login: one proof per certificate with its key (ES256 and RS256 or
 *     PS256), each verified by the test authd over the message it rebuilds
 *     from the checked challenge; the token alone on stdout; the cache
 *     written, listed without the token, removed;
 *   - authd's refusals as one line "onecard-login: TEXT (CODE)" and their
 *     exit classes; a relayed origin fails; nothing reachable;
 *   - everything refused before the card is touched: options, URL, a
 *     refused cache folder, a PIN file others may read, no PIN source;
 *   - the card chosen: several present, none matching, one without
 *     certificates.
 *
 * Each run is a child process in a new session (no terminal: a PIN prompt
 * fails at once instead of waiting), its output captured in files.
 */
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID */
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "fake_authd.h"
#include "json_strict.h"
#include "login.h"
#include "p11_fixture.h"

extern char **environ;

#define AUDIENCE "provincial-portal"
#define BAD_PIN	 "wrong-PIN-0815"
#define OUT_MAX	 (64u * 1024u)
#define ARGS_MAX 24u
#define PATH_CAP (FX_DIR_MAX + 64u)

struct world {
	struct p11fx fx;
	struct fake_authd *fa;
	const char *bin;
	const char *faulty;
	char pin[PATH_CAP];	/* FX_PIN, mode 0600 */
	char badpin[PATH_CAP];	/* BAD_PIN, mode 0600 */
	char widepin[PATH_CAP]; /* FX_PIN, mode 0644 */
	char ccdir[PATH_CAP];	/* the cache folder */
	char ccache[PATH_CAP];	/* the cache file */
	char out_path[PATH_CAP];
	char err_path[PATH_CAP];
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static struct world *w;

/* ---- the card and the files ------------------------------------------------ */

static void enroll(struct oc_card_session *s, EVP_PKEY *ca, enum oc_card_key_alg alg, uint8_t id,
		   const char *agency, long serial)
{
	EVP_PKEY *pub = NULL;
	X509 *x;

	assert_int_equal(oc_card_keygen(s, alg, &id, 1, agency, &pub), ONECARD_OK);
	x = p11fx_issue(ca, pub, agency, "Zhang San", serial);
	assert_int_equal(oc_card_write_cert(s, x, &id, 1, agency), ONECARD_OK);
	X509_free(x);
	EVP_PKEY_free(pub);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* out = a + b, failing the test if it does not fit. */
static void join(char out[PATH_CAP], const char *a, const char *b)
{
	int n = snprintf(out, PATH_CAP, "%s%s", a, b);

	assert_true(n > 0 && (size_t)n < PATH_CAP);
}

static int group_setup(void **state)
{
	static const char *const labels[] = {"card1"};
	static const uint8_t orphan_id = 0x03;
	struct oc_card_ctx *ctx = NULL;
	struct oc_card *card;
	struct oc_card_session *s;
	EVP_PKEY *ca, *soft;
	X509 *orphan;

	(void)state;
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->bin = getenv("ONECARD_TEST_LOGIN_BIN");
	w->faulty = getenv("ONECARD_TEST_FAULTY_MODULE");
	assert_non_null(w->bin);
	assert_non_null(w->faulty);
	p11fx_setup(&w->fx, labels, 1);
	/* card1: customs (EC P-256), border (RSA 2048), and a maritime
	 * certificate whose key is not on the card. */
	assert_int_equal(oc_card_ctx_new(w->fx.module, &ctx), ONECARD_OK);
	card = p11fx_card(ctx, "pkcs11:token=card1");
	s = p11fx_login(card);
	ca = p11fx_ca_key();
	enroll(s, ca, OC_CARD_KEY_EC_P256, 0x01, "customs", 1);
	enroll(s, ca, OC_CARD_KEY_RSA_2048, 0x02, "border", 2);
	soft = p11fx_soft_key("ec");
	orphan = p11fx_issue(ca, soft, "maritime", "Zhang San", 3);
	p11fx_raw_write_cert(w->fx.module, "card1", orphan, &orphan_id, 1, "maritime");
	X509_free(orphan);
	EVP_PKEY_free(soft);
	EVP_PKEY_free(ca);
	oc_card_session_close(s);
	oc_card_free(card);
	oc_card_ctx_free(ctx); /* the children load the module themselves */

	join(w->pin, w->fx.dir, "/pin");
	join(w->badpin, w->fx.dir, "/badpin");
	join(w->widepin, w->fx.dir, "/widepin");
	write_file(w->pin, FX_PIN "\n", 0600);
	write_file(w->badpin, BAD_PIN "\n", 0600);
	write_file(w->widepin, FX_PIN "\n", 0644);
	join(w->ccdir, w->fx.dir, "/cc");
	join(w->ccache, w->ccdir, "/ccache.json");
	join(w->out_path, w->fx.dir, "/out");
	join(w->err_path, w->fx.dir, "/err");
	assert_int_equal(setenv(OC_CCACHE_ENV, w->ccache, 1), 0);
	(void)unsetenv("ONECARD_PIN");
	(void)unsetenv("ONECARD_PKCS11_MODULE");
	(void)unsetenv("ONECARD_AUTHD_URL");
	(void)unsetenv("ONECARD_FAULT");
	(void)unsetenv("ONECARD_FAULT_FLAGS");
	w->fa = fake_authd_start();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fake_authd_stop(w->fa);
	p11fx_teardown(&w->fx);
	free(w);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	fake_authd_reset(w->fa);
	(void)unlink(w->ccache);
	(void)chmod(w->ccdir, 0700);
	(void)unsetenv("ONECARD_PIN");
	(void)unsetenv("ONECARD_FAULT");
	(void)unsetenv("ONECARD_FAULT_FLAGS");
	return 0;
}

/* ---- running the program ----------------------------------------------------- */

static void slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
}

/* Runs onecard-login with the NULL-terminated arguments; returns its exit
 * status, its output in w->out and w->err. */
static int run(const char *first, ...)
{
	char *argv[ARGS_MAX];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	va_list ap;
	const char *a;
	size_t n = 0;
	pid_t pid;
	int status = 0;

	argv[n++] = (char *)w->bin;
	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *)) {
		assert_true(n < ARGS_MAX - 1);
		argv[n++] = (char *)a;
	}
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, w->out_path,
							  O_WRONLY | O_CREAT | O_TRUNC, 0600),
			 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, w->err_path,
							  O_WRONLY | O_CREAT | O_TRUNC, 0600),
			 0);
	assert_int_equal(posix_spawnattr_init(&attr), 0);
	/* A new session has no controlling terminal: /dev/tty cannot open. */
	assert_int_equal(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID), 0);
	assert_int_equal(posix_spawn(&pid, w->bin, &fa, &attr, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp(w->out_path, w->out);
	slurp(w->err_path, w->err);
	print_message("exit %d\nstdout: %sstderr: %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		      w->out, w->err);
	assert_true(WIFEXITED(status));
	/* Never a PIN in the output, whatever happened. */
	assert_null(strstr(w->err, BAD_PIN));
	assert_null(strstr(w->out, BAD_PIN));
	/* Every stderr line is the program's. */
	{
		const char *line = w->err;

		while (*line != '\0') {
			assert_true(strncmp(line, "onecard-login: ", 15) == 0 ||
				    strncmp(line, "  pkcs11:", 9) == 0);
			line = strchr(line, '\n');
			assert_non_null(line);
			line++;
		}
	}
	return WEXITSTATUS(status);
}

/* The common arguments of a login, then more (NULL-terminated list). */
#define LOGIN(...)                                                                               \
	run("--authd", fake_authd_url(w->fa), "--audience", AUDIENCE, "--module", w->fx.softhsm, \
	    __VA_ARGS__, NULL)

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The last line of stderr, without its newline. */
static const char *last_err_line(char *buf, size_t cap)
{
	size_t n = strlen(w->err);
	const char *start;

	assert_true(n > 0 && w->err[n - 1] == '\n');
	start = w->err + n - 1;
	while (start > w->err && start[-1] != '\n') {
		start--;
	}
	(void)snprintf(buf, cap, "%.*s", (int)(w->err + n - 1 - start), start);
	return buf;
}

/* ---- the PIN ------------------------------------------------------------------- */

static void wrong_pin_sends_nothing(void **state)
{
	(void)state;
	assert_int_equal(LOGIN("--pin-file", w->badpin), OC_LOGIN_EXIT_PIN_INCORRECT);
	/* SoftHSM reports a wrong PIN since the last good one. */
	assert_string_equal(w->err, "onecard-login: PIN incorrect (the card reports its retry "
				    "count low); nothing was sent to authd\n");
	assert_string_equal(w->out, "");
	assert_int_equal(fake_authd_connections(w->fa), 0);
	assert_false(exists(w->ccache));
	assert_null(strstr(w->err, FX_PIN));
}

static void final_try_reported(void **state)
{
	(void)state;
	assert_int_equal(setenv("ONECARD_FAULT", "C_Login=0xa0", 1), 0);
	assert_int_equal(setenv("ONECARD_FAULT_FLAGS", "0x20000", 1), 0);
	assert_int_equal(run("--authd", fake_authd_url(w->fa), "--audience", AUDIENCE, "--module",
			     w->faulty, "--pin-file", w->badpin, NULL),
			 OC_LOGIN_EXIT_PIN_INCORRECT);
	assert_non_null(strstr(w->err, "PIN incorrect (final try left: one more wrong PIN locks "
				       "the card); nothing was sent to authd"));
	assert_int_equal(fake_authd_connections(w->fa), 0);
}

static void locked_pin(void **state)
{
	(void)state;
	/* Locked before: refused without asking (no PIN source is given and
	 * there is no terminal, so asking would end in exit 1). */
	assert_int_equal(setenv("ONECARD_FAULT_FLAGS", "0x40000", 1), 0);
	assert_int_equal(run("--authd", fake_authd_url(w->fa), "--audience", AUDIENCE, "--module",
			     w->faulty, NULL),
			 OC_LOGIN_EXIT_PIN_LOCKED);
	assert_string_equal(w->err, "onecard-login: PIN locked: the card refuses every PIN until "
				    "it is unblocked\n");
	(void)unsetenv("ONECARD_FAULT_FLAGS");
	/* Locked by this try. */
	assert_int_equal(setenv("ONECARD_FAULT", "C_Login=0xa4", 1), 0);
	assert_int_equal(run("--authd", fake_authd_url(w->fa), "--audience", AUDIENCE, "--module",
			     w->faulty, "--pin-file", w->badpin, NULL),
			 OC_LOGIN_EXIT_PIN_LOCKED);
	assert_int_equal(fake_authd_connections(w->fa), 0);
	assert_false(exists(w->ccache));
}

static void pin_sources(void **state)
{
	(void)state;
	/* No source and no terminal. */
	assert_int_equal(LOGIN("--no-cache"), OC_LOGIN_EXIT_OTHER);
	assert_non_null(strstr(w->err, "no PIN given"));
	/* A PIN file others may read is refused, not read. */
	assert_int_equal(LOGIN("--pin-file", w->widepin), OC_LOGIN_EXIT_USAGE);
	assert_non_null(strstr(w->err, "chmod 600"));
	assert_int_equal(fake_authd_connections(w->fa), 0);
	/* $ONECARD_PIN. */
	assert_int_equal(setenv("ONECARD_PIN", FX_PIN, 1), 0);
	assert_int_equal(LOGIN("--no-cache"), OC_LOGIN_EXIT_OK);
	assert_string_equal(w->out, FAKE_TOKEN "\n");
	assert_false(exists(w->ccache));
}

/* ---- the login ------------------------------------------------------------------ */

/* The algorithms of the last /v1/login, in order ("ES256,RS256"). */
static void login_algs(char *buf, size_t cap)
{
	char *body = fake_authd_last_body(w->fa, "/v1/login");
	json_t *root = NULL, *p;
	size_t i, pos = 0;

	assert_non_null(body);
	assert_int_equal(oc_json_parse_object(body, strlen(body), &root), ONECARD_OK);
	buf[0] = '\0';
	json_array_foreach (json_object_get(root, "proofs"), i, p) {
		pos += (size_t)snprintf(buf + pos, cap - pos, "%s%s", i > 0 ? "," : "",
					json_string_value(json_object_get(p, "alg")));
	}
	json_decref(root);
	free(body);
}

static void login_and_cache(void **state)
{
	struct stat st;
	char algs[64], *refusal;
	char *cache_text;
	FILE *f;
	size_t n;

	(void)state;
	assert_int_equal(LOGIN("--pin-file", w->pin), OC_LOGIN_EXIT_OK);
	refusal = fake_authd_last_refusal(w->fa);
	assert_string_equal(refusal, "");
	free(refusal);
	/* The token alone on stdout. */
	assert_string_equal(w->out, FAKE_TOKEN "\n");
	/* The maritime certificate has no key on the card: left out. */
	assert_string_equal(w->err, "onecard-login: note: certificate 'maritime' left out: its "
				    "private key is not on the card\n");
	assert_int_equal(fake_authd_requests(w->fa, "/v1/challenge"), 1);
	assert_int_equal(fake_authd_requests(w->fa, "/v1/login"), 1);
	assert_int_equal(fake_authd_proofs_verified(w->fa), 2);
	login_algs(algs, sizeof(algs));
	assert_true(strcmp(algs, "ES256,RS256") == 0 || strcmp(algs, "RS256,ES256") == 0);

	/* The cache: 0700 folder, 0600 file, holding the token. */
	assert_int_equal(stat(w->ccdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(w->ccache, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	cache_text = calloc(1, OUT_MAX);
	assert_non_null(cache_text);
	f = fopen(w->ccache, "r");
	assert_non_null(f);
	n = fread(cache_text, 1, OUT_MAX - 1, f);
	(void)fclose(f);
	cache_text[n] = '\0';
	assert_non_null(strstr(cache_text, FAKE_TOKEN));
	assert_null(strstr(cache_text, FX_PIN "\""));
	free(cache_text);

	/* --show lists it without the token. */
	assert_int_equal(run("--show", NULL), OC_LOGIN_EXIT_OK);
	assert_null(strstr(w->out, FAKE_TOKEN));
	assert_null(strstr(w->out, "eyJ"));
	assert_non_null(strstr(w->out, "audience: provincial-portal\n"));
	assert_non_null(strstr(w->out, "  subject:    " FAKE_SUB "\n"));
	assert_non_null(strstr(w->out, "  card:       " FAKE_CARD "\n"));
	assert_true(strstr(w->out, "  agencies:   customs, border\n") != NULL ||
		    strstr(w->out, "  agencies:   border, customs\n") != NULL);
	assert_non_null(strstr(w->out, "(valid, "));
	assert_non_null(strstr(w->out, "origin: "));
	assert_string_equal(w->err, "");

	/* A second audience joins the first. */
	assert_int_equal(run("--authd", fake_authd_url(w->fa), "--audience", "city-a-inspection",
			     "--module", w->fx.softhsm, "--pin-file", w->pin, NULL),
			 OC_LOGIN_EXIT_OK);
	assert_int_equal(run("--show", NULL), OC_LOGIN_EXIT_OK);
	assert_non_null(strstr(w->out, "audience: city-a-inspection\n"));
	assert_non_null(strstr(w->out, "audience: provincial-portal\n"));

	/* --logout removes it; --show then finds none. */
	assert_int_equal(run("--logout", NULL), OC_LOGIN_EXIT_OK);
	assert_non_null(strstr(w->err, "credential cache removed"));
	assert_false(exists(w->ccache));
	assert_int_equal(run("--show", NULL), OC_LOGIN_EXIT_OTHER);
	assert_non_null(strstr(w->err, "no credential cache"));
	assert_int_equal(run("--logout", NULL), OC_LOGIN_EXIT_OK);
}

static void rsa_pss(void **state)
{
	char algs[64];

	(void)state;
	assert_int_equal(LOGIN("--pin-file", w->pin, "--rsa-pss", "--no-cache"), OC_LOGIN_EXIT_OK);
	assert_int_equal(fake_authd_proofs_verified(w->fa), 2);
	login_algs(algs, sizeof(algs));
	assert_true(strcmp(algs, "ES256,PS256") == 0 || strcmp(algs, "PS256,ES256") == 0);
	assert_false(exists(w->ccache));
}

/* ---- authd's answers ------------------------------------------------------------- */

static void authd_refusals(void **state)
{
	static const struct {
		const char *route;
		int status;
		const char *type;
		const char *body;
		int want;
		const char *line;
	} cases[] = {
		{"/v1/login", 401, "application/json",
		 "{\"error\":\"cert_revoked\",\"error_description\":\"a certificate in the path "
		 "is revoked\"}",
		 OC_LOGIN_EXIT_AUTH_FAILED,
		 "onecard-login: a certificate in the path is revoked (cert_revoked)"},
		{"/v1/login", 401, "application/json",
		 "{\"error\":\"challenge_replayed\",\"error_description\":\"its nonce was used "
		 "before\"}",
		 OC_LOGIN_EXIT_AUTH_FAILED,
		 "onecard-login: its nonce was used before (challenge_replayed)"},
		{"/v1/login", 403, "application/json",
		 "{\"error\":\"access_denied\",\"error_description\":\"the module demands the tax "
		 "agency\"}",
		 OC_LOGIN_EXIT_DENIED,
		 "onecard-login: the module demands the tax agency (access_denied)"},
		{"/v1/login", 403, "application/json", "{\"error\":\"card_suspended\"}",
		 OC_LOGIN_EXIT_DENIED, "onecard-login: authd refused /v1/login (card_suspended)"},
		{"/v1/login", 503, "application/json",
		 "{\"error\":\"database_unavailable\",\"error_description\":\"PostgreSQL did not "
		 "answer\"}",
		 OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: PostgreSQL did not answer (database_unavailable)"},
		{"/v1/challenge", 400, "application/json",
		 "{\"error\":\"invalid_target\",\"error_description\":\"the audience is not a "
		 "module of the policy\"}",
		 OC_LOGIN_EXIT_REFUSED,
		 "onecard-login: the audience is not a module of the policy (invalid_target)"},
		/* Control characters in authd's text cannot break the line. */
		{"/v1/login", 401, "application/json",
		 "{\"error\":\"proof_invalid\",\"error_description\":\"bad\\nsig\\u001b[2J\"}",
		 OC_LOGIN_EXIT_AUTH_FAILED, "onecard-login: bad?sig?[2J (proof_invalid)"},
		{"/v1/login", 502, "text/html", "<html>Bad Gateway</html>",
		 OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd answered /v1/login with HTTP 502 and no error body"},
		{"/v1/login", 200, "text/html", "<html>hello</html>", OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/login is not JSON"},
		{"/v1/login", 200, "application/json", "{\"access_token\":\"x\"}",
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer has no access token of JWS compact form"},
		{"/v1/challenge", 200, "application/json", "{\"challenge\":\"AQ==\"}",
		 OC_LOGIN_EXIT_BAD_ANSWER, "onecard-login: the challenge is not strict base64url"},
		{"/v1/challenge", 404, "application/json", "{\"error\":\"not_found\"}",
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd refused /v1/challenge (not_found)"},
	};
	char line[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_authd_reset(w->fa);
		fake_authd_override(w->fa, cases[i].route, cases[i].status, cases[i].type,
				    cases[i].body, strlen(cases[i].body), false);
		assert_int_equal(LOGIN("--pin-file", w->pin), cases[i].want);
		assert_string_equal(last_err_line(line, sizeof(line)), cases[i].line);
		assert_string_equal(w->out, "");
		/* No token, so no cache. */
		assert_false(exists(w->ccache));
	}
}

static void oversized_answer(void **state)
{
	char line[1024];

	(void)state;
	fake_authd_override(w->fa, "/v1/login", 200, "application/json", NULL,
			    2u * OC_LOGIN_RESPONSE_MAX, true);
	assert_int_equal(LOGIN("--pin-file", w->pin), OC_LOGIN_EXIT_BAD_ANSWER);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: authd's answer is larger than 64 KiB");
	assert_string_equal(w->out, "");
}

/* The card signs the origin it connected to: through another name for the
 * same server (a relay, to authd), the proofs do not verify (P4). */
static void relayed_origin_fails(void **state)
{
	char url[FAKE_URL_MAX], line[1024], *refusal;

	(void)state;
	(void)snprintf(url, sizeof(url), "http://localhost:%u", fake_authd_port(w->fa));
	assert_int_equal(run("--authd", url, "--audience", AUDIENCE, "--module", w->fx.softhsm,
			     "--pin-file", w->pin, NULL),
			 OC_LOGIN_EXIT_AUTH_FAILED);
	assert_non_null(strstr(w->err, "note: authd names its origin http://127.0.0.1:"));
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: a signature does not verify with its certificate's key "
			    "(proof_invalid)");
	refusal = fake_authd_last_refusal(w->fa);
	assert_string_equal(refusal, "signature");
	free(refusal);
}

static void unreachable(void **state)
{
	char line[1024];

	(void)state;
	/* Port 1 on loopback: nobody listens (tests do not run as a daemon). */
	assert_int_equal(run("--authd", "http://127.0.0.1:1", "--audience", AUDIENCE, "--module",
			     w->fx.softhsm, "--pin-file", w->pin, NULL),
			 OC_LOGIN_EXIT_UNREACHABLE);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: http://127.0.0.1:1: cannot connect to authd");
}

/* ---- refused before the card ------------------------------------------------------ */

static void refused_first(void **state)
{
	(void)state;
	/* Each of these would be exit 4 if the wrong PIN were tried. */
	assert_int_equal(run("--authd", "http://authd.example", "--audience", AUDIENCE, "--module",
			     w->fx.softhsm, "--pin-file", w->badpin, NULL),
			 OC_LOGIN_EXIT_USAGE);
	assert_non_null(strstr(w->err, "loopback"));
	assert_int_equal(run("--authd", "https://u:p@authd.example", "--audience", AUDIENCE,
			     "--module", w->fx.softhsm, "--pin-file", w->badpin, NULL),
			 OC_LOGIN_EXIT_USAGE);
	assert_int_equal(LOGIN("--pin-file", w->badpin, "--audience", "Not_An_Audience"),
			 OC_LOGIN_EXIT_USAGE);
	assert_int_equal(run("--audience", AUDIENCE, NULL), OC_LOGIN_EXIT_USAGE);
	assert_int_equal(run("--authd", fake_authd_url(w->fa), NULL), OC_LOGIN_EXIT_USAGE);
	assert_int_equal(LOGIN("--pin-file", w->badpin, "--card", "pkcs11:token=card1;pin-value=1"),
			 OC_LOGIN_EXIT_USAGE);
	assert_int_equal(LOGIN("--bogus"), OC_LOGIN_EXIT_USAGE);
	assert_null(strstr(w->err, "bogus"));
	assert_int_equal(LOGIN("extra"), OC_LOGIN_EXIT_USAGE);
	assert_int_equal(run("--show", "--audience", AUDIENCE, NULL), OC_LOGIN_EXIT_USAGE);
	assert_int_equal(run("--authd", fake_authd_url(w->fa), "--audience", AUDIENCE, "--module",
			     "libsofthsm2.so", "--pin-file", w->badpin, NULL),
			 OC_LOGIN_EXIT_USAGE);
	/* A cache folder others may enter: refused before the PIN. */
	assert_true(mkdir(w->ccdir, 0700) == 0 || exists(w->ccdir));
	assert_int_equal(chmod(w->ccdir, 0755), 0);
	assert_int_equal(LOGIN("--pin-file", w->badpin), OC_LOGIN_EXIT_CACHE);
	assert_non_null(strstr(w->err, "group or others may use the cache folder"));
	/* --no-cache leaves it alone. */
	assert_int_equal(LOGIN("--pin-file", w->pin, "--no-cache"), OC_LOGIN_EXIT_OK);
	assert_int_equal(chmod(w->ccdir, 0700), 0);
	/* A cache file that is not a cache. */
	write_file(w->ccache, "{\"version\":9}", 0600);
	assert_int_equal(LOGIN("--pin-file", w->badpin), OC_LOGIN_EXIT_CACHE);
	assert_non_null(strstr(w->err, "--logout"));
	assert_int_equal(run("--show", NULL), OC_LOGIN_EXIT_CACHE);
	assert_int_equal(run("--logout", NULL), OC_LOGIN_EXIT_OK);
	assert_false(exists(w->ccache));
	/* Only the --no-cache login reached authd: two requests. */
	assert_int_equal(fake_authd_connections(w->fa), 2);
	/* --help. */
	assert_int_equal(run("--help", NULL), OC_LOGIN_EXIT_OK);
	assert_non_null(strstr(w->out, "Exit status:"));
	assert_non_null(strstr(w->out, "13  the credential cache"));
}

/* ---- which card ------------------------------------------------------------------- */

static void choosing_the_card(void **state)
{
	char *argv[] = {(char *)getenv("ONECARD_TEST_SOFTHSM_UTIL"),
			(char *)"--init-token",
			(char *)"--free",
			(char *)"--label",
			(char *)"card2",
			(char *)"--so-pin",
			(char *)FX_SO_PIN,
			(char *)"--pin",
			(char *)FX_PIN,
			NULL};
	pid_t pid;
	int status = 0;

	(void)state;
	assert_non_null(argv[0]);
	assert_int_equal(posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Two cards and no --card: each listed, nothing tried. */
	assert_int_equal(LOGIN("--pin-file", w->badpin), OC_LOGIN_EXIT_USAGE);
	assert_non_null(strstr(w->err, "onecard-login: 2 cards are present; name one with --card "
				       "URI:\n"));
	assert_non_null(strstr(w->err, "  pkcs11:token=card1;serial="));
	assert_non_null(strstr(w->err, "  pkcs11:token=card2;serial="));
	/* The one named. */
	assert_int_equal(LOGIN("--pin-file", w->pin, "--card", "pkcs11:token=card1", "--no-cache"),
			 OC_LOGIN_EXIT_OK);
	assert_int_equal(fake_authd_proofs_verified(w->fa), 2);
	/* None matches. */
	assert_int_equal(LOGIN("--pin-file", w->badpin, "--card", "pkcs11:token=card9"),
			 OC_LOGIN_EXIT_CARD_ABSENT);
	assert_non_null(strstr(w->err, "no card present matches --card"));
	/* A card without certificates: refused before the PIN. */
	assert_int_equal(LOGIN("--pin-file", w->badpin, "--card", "pkcs11:token=card2"),
			 OC_LOGIN_EXIT_NO_CERT);
	assert_non_null(strstr(w->err, "the card holds no certificate"));
	assert_int_equal(fake_authd_connections(w->fa), 2); /* the one login */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(wrong_pin_sends_nothing, reset),
		cmocka_unit_test_setup(final_try_reported, reset),
		cmocka_unit_test_setup(locked_pin, reset),
		cmocka_unit_test_setup(pin_sources, reset),
		cmocka_unit_test_setup(login_and_cache, reset),
		cmocka_unit_test_setup(rsa_pss, reset),
		cmocka_unit_test_setup(authd_refusals, reset),
		cmocka_unit_test_setup(oversized_answer, reset),
		cmocka_unit_test_setup(relayed_origin_fails, reset),
		cmocka_unit_test_setup(unreachable, reset),
		cmocka_unit_test_setup(refused_first, reset),
		/* last: it adds a second card */
		cmocka_unit_test_setup(choosing_the_card, reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
