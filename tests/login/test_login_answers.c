/*
 * onecard-login, the program, when authd's answers break docs/authd.md:
 * answers the real onecard-authd never gives, from tests/common's hostile
 * server on 127.0.0.1, which answers the bytes each case sets and records
 * what came. The card is a SoftHSM token made here (tests/pkcs11's
 * fixture); the server checks nothing, so the certificate is irrelevant.
 *
 * Each case: the exit class (8 a bad answer, 7 no answer, 10/12 by the
 * HTTP status), the one message line (authd's text with control
 * characters replaced), nothing on stdout, no credential cache written,
 * and which requests were sent (no login after a broken challenge answer;
 * the challenge echoed as received). A /v1/login case gets, on
 * /v1/challenge, an answer the test writes: random bytes, never a
 * challenge any authd issued.
 *
 * The same for --token (docs/sso.md): broken answers to POST /v1/token,
 * from a credential cache that holds a session for the hostile server:
 * the exit class and message, nothing on stdout, the cache left as it
 * was, and the one form sent. And --logout when authd cannot end the
 * session (nobody listening, a 503): the cache is removed all the same,
 * the exit status says the session was not ended.
 *
 * What authd does answer (challenges, tokens, every refusal code, a wrong
 * PIN sending nothing, sessions, logout) is tested against the real
 * onecard-authd: test_login_card.sh, test_login_e2e.sh, test_login_sso.sh.
 *
 * Each run is a child process in a new session (no terminal: a PIN prompt
 * fails at once instead of waiting), its output captured in files.
 */
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/rand.h>

#include <onecard/error.h>

#include "b64url.h"
#include "hostile_http.h"
#include "json_strict.h"
#include "login.h"
#include "p11_fixture.h"

extern char **environ;

#define AUDIENCE	"provincial-portal"
#define OUT_MAX		(64u * 1024u)
#define ARGS_MAX	16u
#define PATH_CAP	(FX_DIR_MAX + 64u)
#define RAW_MAX		2048u
#define MSG_LINE_MAX	1024u
#define CHALLENGE_BYTES 64u
#define TOKEN_AUDIENCE	"city-a-maritime"
#define SESSION		"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg"
#define TOKEN		"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwLTAwMDEifQ.c2ln"
#define CACHE_MAX	(16u * 1024u)

struct world {
	struct p11fx fx;
	struct hostile_http *srv;
	const char *bin;
	char pin[PATH_CAP];
	char ccache[PATH_CAP];
	char out_path[PATH_CAP];
	char err_path[PATH_CAP];
	char out[OUT_MAX];
	char err[OUT_MAX];
	/* the /v1/challenge answer of the /v1/login cases, and its challenge */
	char challenge[2u * CHALLENGE_BYTES];
	char challenge_answer[RAW_MAX];
};

static struct world *w;

/* ---- setup ------------------------------------------------------------------ */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void join(char out[PATH_CAP], const char *a, const char *b)
{
	int n = snprintf(out, PATH_CAP, "%s%s", a, b);

	assert_true(n > 0 && (size_t)n < PATH_CAP);
}

/* The raw bytes of an answer: status, Content-Type (NULL: none), body with
 * its Content-Length, the connection closed. */
static size_t raw_answer(char *raw, size_t cap, int status, const char *type, const char *body)
{
	int n = snprintf(raw, cap,
			 "HTTP/1.1 %d Test\r\n%s%s%sContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
			 type != NULL ? "\r\n" : "", strlen(body), body);

	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static int group_setup(void **state)
{
	static const char *const labels[] = {"card1"};
	struct oc_card_ctx *ctx = NULL;
	struct oc_card *card;
	struct oc_card_session *s;
	EVP_PKEY *ca, *pub = NULL;
	X509 *x;
	uint8_t nonce[CHALLENGE_BYTES];
	char body[RAW_MAX];
	uint8_t key_id = 0x01;

	(void)state;
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->bin = getenv("ONECARD_TEST_LOGIN_BIN");
	assert_non_null(w->bin);
	p11fx_setup(&w->fx, labels, 1);
	assert_int_equal(oc_card_ctx_new(w->fx.module, &ctx), ONECARD_OK);
	card = p11fx_card(ctx, "pkcs11:token=card1");
	s = p11fx_login(card);
	ca = p11fx_ca_key();
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &key_id, 1, "customs", &pub),
			 ONECARD_OK);
	x = p11fx_issue(ca, pub, "customs", "Zhang San", 1);
	assert_int_equal(oc_card_write_cert(s, x, &key_id, 1, "customs"), ONECARD_OK);
	X509_free(x);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ca);
	oc_card_session_close(s);
	oc_card_free(card);
	oc_card_ctx_free(ctx); /* the children load the module themselves */

	join(w->pin, w->fx.dir, "/pin");
	write_file(w->pin, FX_PIN "\n", 0600);
	join(w->ccache, w->fx.dir, "/cc/ccache.json");
	join(w->out_path, w->fx.dir, "/out");
	join(w->err_path, w->fx.dir, "/err");
	assert_int_equal(setenv(OC_CCACHE_ENV, w->ccache, 1), 0);
	(void)unsetenv("ONECARD_PIN");
	(void)unsetenv("ONECARD_PKCS11_MODULE");
	(void)unsetenv("ONECARD_AUTHD_URL");

	/* Random bytes where a challenge goes: the client cannot tell, and
	 * must sign and send them as they came. */
	assert_int_equal(RAND_bytes(nonce, (int)sizeof(nonce)), 1);
	assert_int_equal(oc_b64url_encode(nonce, sizeof(nonce), w->challenge, sizeof(w->challenge)),
			 ONECARD_OK);
	(void)snprintf(body, sizeof(body),
		       "{\"challenge\":\"%s\",\"audience\":\"" AUDIENCE
		       "\",\"context\":\"onecard-login-v1\"}",
		       w->challenge);
	(void)raw_answer(w->challenge_answer, sizeof(w->challenge_answer), 200, "application/json",
			 body);
	assert_int_equal(hostile_http_start(&w->srv), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	hostile_http_stop(w->srv);
	p11fx_teardown(&w->fx);
	free(w);
	return 0;
}

/* ---- running the program ---------------------------------------------------------- */

static void slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
}

/* Runs onecard-login with argv (argv[0] the program); returns its exit
 * status, its output in w->out and w->err. */
static int run_args(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char *line;
	pid_t pid;
	int status = 0;

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
	/* Every stderr line is the program's. */
	for (line = w->err; *line != '\0'; line++) {
		assert_true(strncmp(line, "onecard-login: ", 15) == 0);
		line = strchr(line, '\n');
		assert_non_null(line);
	}
	return WEXITSTATUS(status);
}

/* onecard-login on card1 against the hostile server. */
static int run_login(void)
{
	char *argv[ARGS_MAX] = {(char *)w->bin,
				(char *)"--authd",
				(char *)hostile_http_url(w->srv),
				(char *)"--audience",
				(char *)AUDIENCE,
				(char *)"--module",
				(char *)w->fx.softhsm,
				(char *)"--pin-file",
				w->pin,
				NULL};

	return run_args(argv);
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

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- the cases ----------------------------------------------------------------------- */

struct answer_case {
	const char *name;
	const char *route; /* the route answered badly */
	int status;	   /* 0: the raw bytes below instead */
	const char *type;
	const char *body;
	const char *raw;
	size_t filler; /* 'x' bytes after raw */
	int want;
	const char *line; /* the last stderr line; NULL: starts with the URL */
};

/* Runs one case and checks what every case must hold. */
static void check_case(const struct answer_case *c)
{
	char raw[RAW_MAX], line[MSG_LINE_MAX], want_line[MSG_LINE_MAX];
	char *sent;
	json_t *doc = NULL;
	bool login_case = strcmp(c->route, "/v1/login") == 0;
	size_t n;

	print_message("case: %s\n", c->name);
	hostile_http_reset(w->srv);
	if (login_case) {
		assert_int_equal(hostile_http_answer(w->srv, "/v1/challenge", w->challenge_answer,
						     strlen(w->challenge_answer), 0),
				 0);
	}
	if (c->status != 0) {
		n = raw_answer(raw, sizeof(raw), c->status, c->type, c->body);
		assert_int_equal(hostile_http_answer(w->srv, c->route, raw, n, c->filler), 0);
	} else {
		assert_int_equal(
			hostile_http_answer(w->srv, c->route, c->raw, strlen(c->raw), c->filler),
			0);
	}
	assert_int_equal(run_login(), c->want);
	if (c->line != NULL) {
		assert_string_equal(last_err_line(line, sizeof(line)), c->line);
	} else {
		(void)snprintf(want_line, sizeof(want_line),
			       "onecard-login: %s: ", hostile_http_url(w->srv));
		assert_true(strncmp(last_err_line(line, sizeof(line)), want_line,
				    strlen(want_line)) == 0);
	}
	/* No token, so nothing printed and no cache. */
	assert_string_equal(w->out, "");
	assert_false(exists(w->ccache));
	/* What was sent: one challenge request; a login only after a
	 * challenge answer that holds, echoing the challenge as received. */
	assert_int_equal(hostile_http_requests(w->srv, "/v1/challenge"), 1);
	assert_int_equal(hostile_http_requests(w->srv, "/v1/login"), login_case ? 1 : 0);
	if (login_case) {
		sent = hostile_http_last_body(w->srv, "/v1/login");
		assert_non_null(sent);
		assert_int_equal(oc_json_parse_object(sent, strlen(sent), &doc), ONECARD_OK);
		assert_string_equal(json_string_value(json_object_get(doc, "challenge")),
				    w->challenge);
		assert_int_equal(json_array_size(json_object_get(doc, "proofs")), 1);
		json_decref(doc);
		free(sent);
	}
	assert_int_equal(hostile_http_requests(w->srv, "/elsewhere"), 0);
}

/* Broken answers to POST /v1/challenge: no login follows. */
static void challenge_answers(void **state)
{
	static const char redirect[] = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
				       "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char stream[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				     "Connection: close\r\n\r\n{\"challenge\":\"";
	static const struct answer_case cases[] = {
		{"not JSON", "/v1/challenge", 200, "text/html", "<html>hello</html>", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/challenge is not JSON"},
		{"JSON, but not the media type", "/v1/challenge", 200, "application/jsonx",
		 "{\"challenge\":\"AAAA\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/challenge is not JSON"},
		{"no media type", "/v1/challenge", 200, NULL, "{\"challenge\":\"AAAA\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/challenge is not JSON"},
		{"an array", "/v1/challenge", 200, "application/json", "[1,2]", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge answer is not a JSON object"},
		{"a member twice", "/v1/challenge", 200, "application/json",
		 "{\"challenge\":\"AAAA\",\"challenge\":\"BBBB\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge answer is not a JSON object"},
		{"no challenge", "/v1/challenge", 200, "application/json", "{\"challenge\":5}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge answer has no \"challenge\" string"},
		{"padded base64", "/v1/challenge", 200, "application/json",
		 "{\"challenge\":\"AQ==\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge is not strict base64url"},
		{"another audience", "/v1/challenge", 200, "application/json",
		 "{\"challenge\":\"AAAA\",\"audience\":\"city-b-info\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge answer names another audience"},
		{"another context", "/v1/challenge", 200, "application/json",
		 "{\"challenge\":\"AAAA\",\"context\":\"onecard-login-v2\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd speaks another proof context than onecard-login-v1"},
		{"a bad expiry", "/v1/challenge", 200, "application/json",
		 "{\"challenge\":\"AAAA\",\"expires_at\":\"soon\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the challenge answer has a bad \"expires_at\""},
		{"an unknown code, an unexpected status", "/v1/challenge", 404, "application/json",
		 "{\"error\":\"not_found\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd refused /v1/challenge (not_found)"},
		{"a redirect", "/v1/challenge", 0, NULL, NULL, redirect, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd answered /v1/challenge with HTTP 302 and no error body"},
		{"larger than 64 KiB, no length", "/v1/challenge", 0, NULL, NULL, stream,
		 2u * OC_LOGIN_RESPONSE_MAX, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer is larger than 64 KiB"},
		{"closed without a byte", "/v1/challenge", 0, NULL, NULL, "", 0,
		 OC_LOGIN_EXIT_UNREACHABLE, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
	}
}

/* Broken answers to POST /v1/login, after a challenge answer that holds. */
static void login_answers(void **state)
{
	static const char length[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				     "Content-Length: 131073\r\nConnection: close\r\n\r\n";
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 400\r\nConnection: close\r\n\r\n{\"access_tok";
	static const struct answer_case cases[] = {
		{"not JSON", "/v1/login", 200, "text/html", "<html>hello</html>", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/login is not JSON"},
		{"a token that is not one", "/v1/login", 200, "application/json",
		 "{\"access_token\":\"x\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer has no access token of JWS compact form"},
		{"an array", "/v1/login", 200, "application/json", "[]", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER, "onecard-login: the login answer is not a JSON object"},
		{"a gateway's page", "/v1/login", 502, "text/html", "<html>Bad Gateway</html>",
		 NULL, 0, OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd answered /v1/login with HTTP 502 and no error body"},
		{"503 without a body", "/v1/login", 503, NULL, "", NULL, 0,
		 OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd answered /v1/login with HTTP 503 and no error body"},
		/* Control characters in authd's text cannot break the line. */
		{"control characters", "/v1/login", 401, "application/json",
		 "{\"error\":\"proof_invalid\",\"error_description\":\"bad\\nsig\\u001b[2J\"}",
		 NULL, 0, OC_LOGIN_EXIT_AUTH_FAILED, "onecard-login: bad?sig?[2J (proof_invalid)"},
		/* A code authd adds later falls into its status's class. */
		{"a new code", "/v1/login", 401, "application/json",
		 "{\"error\":\"brand_new_refusal\"}", NULL, 0, OC_LOGIN_EXIT_AUTH_FAILED,
		 "onecard-login: authd refused /v1/login (brand_new_refusal)"},
		{"a new code, an unexpected status", "/v1/login", 418, "application/json",
		 "{\"error\":\"teapot\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd refused /v1/login (teapot)"},
		{"larger than 64 KiB, announced", "/v1/login", 0, NULL, NULL, length,
		 2u * OC_LOGIN_RESPONSE_MAX + 1u, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer is larger than 64 KiB"},
		{"closed before the body announced", "/v1/login", 0, NULL, NULL, cut, 0,
		 OC_LOGIN_EXIT_UNREACHABLE, NULL},
		/* A session credential that is not one fails the login: no
		 * cache keeps it. */
		{"a session credential that is not one", "/v1/login", 200, "application/json",
		 "{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		 "\"sub\":\"p-0001\",\"ent\":\"e\",\"card\":\"c\",\"agencies\":[\"customs\"],"
		 "\"audience\":\"" AUDIENCE "\",\"refresh_token\":\"" TOKEN "\","
		 "\"refresh_expires_in\":28800,\"session_idle_timeout\":1800}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer's refresh_token is not a session credential "
		 "(ocs1_...)"},
		{"closed without a byte", "/v1/login", 0, NULL, NULL, "", 0,
		 OC_LOGIN_EXIT_UNREACHABLE, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
	}
}

/* ---- --token and --logout ------------------------------------------------------------ */

/* Writes a credential cache holding a session (SESSION) for authd at url
 * and a live token for provincial-portal; its text in text[CACHE_MAX]. */
static void write_session_cache(const char *url, char *text)
{
	struct oc_login_url u;
	struct oc_login_token t;
	struct oc_ccache_loc loc;
	json_t *root = NULL;
	const char *why = NULL;
	bool replaced = false;
	int dirfd = -1;

	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_OK);
	memset(&t, 0, sizeof(t));
	t.access_token = strdup(TOKEN);
	assert_non_null(t.access_token);
	t.expires_in = 300;
	(void)snprintf(t.sub, sizeof(t.sub), "p-0001");
	(void)snprintf(t.ent, sizeof(t.ent), "91350100M000100Y43");
	(void)snprintf(t.card, sizeof(t.card), "card-1");
	t.agencies = json_pack("[s]", "customs");
	assert_non_null(t.agencies);
	(void)snprintf(t.session.credential, sizeof(t.session.credential), "%s", SESSION);
	t.session.expires_in = 28800;
	t.session.idle_timeout = 1800;
	assert_int_equal(oc_ccache_put(&root, &u, AUDIENCE, &t, (int64_t)time(NULL), &replaced),
			 ONECARD_OK);
	assert_int_equal(oc_ccache_locate_from(w->ccache, NULL, NULL, &loc), ONECARD_OK);
	assert_int_equal(oc_ccache_dir_open(&loc, true, &dirfd, &why), ONECARD_OK);
	assert_int_equal(oc_ccache_write(dirfd, loc.name, root), ONECARD_OK);
	(void)close(dirfd);
	json_decref(root);
	oc_login_token_clear(&t);
	slurp(w->ccache, text);
}

static int run_token(void)
{
	char *argv[ARGS_MAX] = {(char *)w->bin, (char *)"--token", (char *)TOKEN_AUDIENCE, NULL};

	return run_args(argv);
}

static int run_logout(void)
{
	char *argv[ARGS_MAX] = {(char *)w->bin, (char *)"--logout", NULL};

	return run_args(argv);
}

/* Runs one --token case: what every case must hold. */
static void check_token_case(const struct answer_case *c)
{
	char raw[RAW_MAX], line[MSG_LINE_MAX], want_line[MSG_LINE_MAX];
	char before[CACHE_MAX], after[CACHE_MAX];
	char *sent;
	size_t n;

	print_message("case: %s\n", c->name);
	hostile_http_reset(w->srv);
	write_session_cache(hostile_http_url(w->srv), before);
	if (c->status != 0) {
		n = raw_answer(raw, sizeof(raw), c->status, c->type, c->body);
		assert_int_equal(hostile_http_answer(w->srv, c->route, raw, n, c->filler), 0);
	} else {
		assert_int_equal(
			hostile_http_answer(w->srv, c->route, c->raw, strlen(c->raw), c->filler),
			0);
	}
	assert_int_equal(run_token(), c->want);
	if (c->line != NULL) {
		assert_string_equal(last_err_line(line, sizeof(line)), c->line);
	} else {
		(void)snprintf(want_line, sizeof(want_line),
			       "onecard-login: %s: ", hostile_http_url(w->srv));
		assert_true(strncmp(last_err_line(line, sizeof(line)), want_line,
				    strlen(want_line)) == 0);
	}
	/* No token printed, the cache as it was, the credential never shown. */
	assert_string_equal(w->out, "");
	slurp(w->ccache, after);
	assert_string_equal(after, before);
	assert_null(strstr(w->err, &SESSION[5]));
	/* One request: the form of docs/sso.md, nothing else. */
	assert_int_equal(hostile_http_requests(w->srv, "/v1/token"), 1);
	sent = hostile_http_last_body(w->srv, "/v1/token");
	assert_string_equal(sent, "grant_type=refresh_token&refresh_token=" SESSION
				  "&audience=" TOKEN_AUDIENCE);
	free(sent);
	sent = hostile_http_last_header(w->srv, "/v1/token", "Content-Type");
	assert_string_equal(sent, "application/x-www-form-urlencoded");
	free(sent);
	assert_int_equal(hostile_http_requests(w->srv, "/elsewhere"), 0);
	assert_int_equal(hostile_http_requests(w->srv, "/v1/challenge"), 0);
	assert_int_equal(unlink(w->ccache), 0);
}

/* Broken answers to POST /v1/token. */
static void token_answers(void **state)
{
	static const char redirect[] = "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n"
				       "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char stream[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				     "Connection: close\r\n\r\n{\"access_token\":\"";
#define GRANT_HEAD "{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
	static const struct answer_case cases[] = {
		{"not JSON", "/v1/token", 200, "text/html", "<html>hello</html>", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/token is not JSON"},
		{"an array", "/v1/token", 200, "application/json", "[]", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER, "onecard-login: the token answer is not a JSON object"},
		/* J9: the session credential handed back as an access token */
		{"a session credential as the token", "/v1/token", 200, "application/json",
		 "{\"access_token\":\"" SESSION "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		 "\"audience\":\"" TOKEN_AUDIENCE "\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the token answer has no access token of JWS compact form"},
		{"another audience", "/v1/token", 200, "application/json",
		 GRANT_HEAD "\"audience\":\"city-b-maritime\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the token answer names another audience"},
		{"a refresh token issued", "/v1/token", 200, "application/json",
		 GRANT_HEAD
		 "\"audience\":\"" TOKEN_AUDIENCE "\","
		 "\"issued_token_type\":\"urn:ietf:params:oauth:token-type:refresh_token\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the token answer's issued_token_type is not an access token"},
		{"a lifetime too long", "/v1/token", 200, "application/json",
		 "{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":86401,"
		 "\"audience\":\"" TOKEN_AUDIENCE "\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the token answer's expires_in is not 1 to 86400 seconds"},
		{"a redirect", "/v1/token", 0, NULL, NULL, redirect, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd answered /v1/token with HTTP 307 and no error body"},
		{"a gateway's page", "/v1/token", 502, "text/html", "<html>Bad Gateway</html>",
		 NULL, 0, OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd answered /v1/token with HTTP 502 and no error body"},
		{"a new code, an unexpected status", "/v1/token", 418, "application/json",
		 "{\"error\":\"teapot\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd refused /v1/token (teapot)"},
		/* Control characters in authd's text cannot break the line. */
		{"control characters", "/v1/token", 403, "application/json",
		 "{\"error\":\"access_denied\",\"error_description\":\"no\\ncustoms\\u001b[2J\"}",
		 NULL, 0, OC_LOGIN_EXIT_DENIED, "onecard-login: no?customs?[2J (access_denied)"},
		{"larger than 64 KiB", "/v1/token", 0, NULL, NULL, stream,
		 2u * OC_LOGIN_RESPONSE_MAX, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer is larger than 64 KiB"},
		{"closed without a byte", "/v1/token", 0, NULL, NULL, "", 0,
		 OC_LOGIN_EXIT_UNREACHABLE, NULL},
	};
#undef GRANT_HEAD
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_token_case(&cases[i]);
	}
}

/* Sets the cache's session to null. */
static void drop_session(void)
{
	struct oc_ccache_loc loc;
	json_t *root = NULL;
	const char *why = NULL;
	int dirfd = -1;

	assert_int_equal(oc_ccache_locate_from(w->ccache, NULL, NULL, &loc), ONECARD_OK);
	assert_int_equal(oc_ccache_dir_open(&loc, false, &dirfd, &why), ONECARD_OK);
	assert_int_equal(oc_ccache_read(dirfd, loc.name, &root, &why), ONECARD_OK);
	assert_int_equal(json_object_set_new(root, "session", json_null()), 0);
	assert_int_equal(oc_ccache_write(dirfd, loc.name, root), ONECARD_OK);
	json_decref(root);
	(void)close(dirfd);
}

/* A port on 127.0.0.1 nobody listens on (bound, then closed). */
static unsigned dead_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(close(fd), 0);
	return ntohs(a.sin_port);
}

/* --logout when authd does not end the session: the cache goes anyway. */
static void logout_not_ended(void **state)
{
	char url[64], text[CACHE_MAX], line[MSG_LINE_MAX], raw[RAW_MAX];
	char *sent;
	size_t n;

	(void)state;
	/* Nobody listening. */
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", dead_port());
	write_session_cache(url, text);
	assert_int_equal(run_logout(), OC_LOGIN_EXIT_UNREACHABLE);
	assert_false(exists(w->ccache));
	assert_string_equal(w->out, "");
	assert_non_null(strstr(w->err, "onecard-login: http://127.0.0.1:"));
	assert_non_null(strstr(w->err, ": cannot connect to authd\n"));
	assert_true(strncmp(last_err_line(line, sizeof(line)),
			    "onecard-login: the SSO session could not be ended at authd", 58) == 0);
	assert_null(strstr(w->err, &SESSION[5]));
	/* authd cannot answer now. */
	hostile_http_reset(w->srv);
	n = raw_answer(raw, sizeof(raw), 503, "application/json",
		       "{\"error\":\"database_unavailable\"}");
	assert_int_equal(hostile_http_answer(w->srv, "/v1/logout", raw, n, 0), 0);
	write_session_cache(hostile_http_url(w->srv), text);
	assert_int_equal(run_logout(), OC_LOGIN_EXIT_UNAVAILABLE);
	assert_false(exists(w->ccache));
	assert_int_equal(hostile_http_requests(w->srv, "/v1/logout"), 1);
	sent = hostile_http_last_body(w->srv, "/v1/logout");
	assert_string_equal(sent, "token=" SESSION);
	free(sent);
	assert_non_null(strstr(w->err, "onecard-login: authd refused /v1/logout "
				       "(database_unavailable)\n"));
	assert_true(strncmp(last_err_line(line, sizeof(line)),
			    "onecard-login: the SSO session could not be ended at authd", 58) == 0);
	/* A cache without a session sends nothing: there is nothing to end. */
	hostile_http_reset(w->srv);
	write_session_cache(hostile_http_url(w->srv), text);
	drop_session();
	assert_int_equal(run_logout(), OC_LOGIN_EXIT_OK);
	assert_false(exists(w->ccache));
	assert_int_equal(hostile_http_connections(w->srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(challenge_answers),
		cmocka_unit_test(login_answers),
		cmocka_unit_test(token_answers),
		cmocka_unit_test(logout_not_ended),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
