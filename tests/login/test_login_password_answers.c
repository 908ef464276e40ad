/*
 * onecard-login --password, the program (docs/login.md "Password and
 * code"), against tests/common's hostile server on 127.0.0.1, which
 * answers the bytes each case sets and records what came. No card and no
 * PKCS#11 module are anywhere: the program must need none.
 *
 *   - standard input that is not a terminal: exactly two lines, every
 *     edge refused before anything is sent (a missing second line, an
 *     extra line, an over-long password or input, an empty password, a
 *     NUL, a code of the wrong form, a password that is not UTF-8); the
 *     options (--user without --password, card options, a bad user);
 *   - a login that holds: exactly one request, the body of docs/login.md
 *     byte for byte, as JSON; the token alone on stdout; the cache holds
 *     the session with acr pwd-otp and no card, --show says so; --token
 *     from that session: a token, a card-only module's refusal in
 *     authd's words (exit 11), an ended session's advice to log in again
 *     with --password (exit 15);
 *   - authd's refusals: invalid_credentials (exit 16), locked with and
 *     without Retry-After, as seconds and as a date (exit 17),
 *     access_denied, suspended, invalid_target, unavailable;
 *   - broken answers (what a real authd never sends): not JSON, a card
 *     login's level, a session credential that is not one, another
 *     audience, a redirect, over 64 KiB, a connection closed early;
 *   - the terminal, through a pty (script(1)): both prompts shown, the
 *     password and the code never echoed, a code of the wrong form
 *     refused before anything is sent.
 *
 * Every case: the exit status, the last stderr line exactly, every stderr
 * line the program's, the password and the code in no output, nothing on
 * stdout and no cache unless the login held. What the real authd answers
 * (a real password and TOTP code, a reused code, the lockout, the policy)
 * is test_login_password.sh's.
 */
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "hostile_http.h"
#include "json_strict.h"
#include "login.h"

extern char **environ;

#define ROUTE	    "/v1/login/password"
#define USER	    "p-0001"
#define AUDIENCE    "city-a-info"
#define OTHER	    "city-b-info"
#define CARD_ONLY   "city-a-customs-declaration"
#define PASSWORD    "Tr0ub4dor&3-marker"
#define CODE	    "402913"
#define TOKEN	    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwLTAwMDEifQ.c2ln"
#define TOKEN_2	    "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJjaXR5LWItaW5mbyJ9.c2lnMg"
#define SESSION	    "ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg"
#define OUT_MAX	    (64u * 1024u)
#define ARGS_MAX    16u
#define PATH_CAP    512u
#define RAW_MAX	    4096u
#define LINE_MAX_   1024u
#define CMD_MAX	    2048u
#define TTY_WAIT_MS 20000

#define GOOD_BODY                                                                            \
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"      \
	"\"refresh_token\":\"" SESSION "\",\"refresh_expires_in\":28800,"                    \
	"\"session_idle_timeout\":1800,\"sub\":\"" USER "\",\"ent\":\"91350100M000100Y43\"," \
	"\"audience\":\"" AUDIENCE "\",\"acr\":\"pwd-otp\"}"
#define SENT_BODY                                                                        \
	"{\"username\":\"" USER "\",\"password\":\"" PASSWORD "\",\"otp\":\"" CODE "\"," \
	"\"audience\":\"" AUDIENCE "\"}"

struct world {
	struct hostile_http *srv;
	const char *bin;
	char dir[PATH_CAP];
	char ccache[PATH_CAP];
	char in_path[PATH_CAP];
	char out_path[PATH_CAP];
	char err_path[PATH_CAP];
	char out[OUT_MAX];
	char err[OUT_MAX];
	char tty[OUT_MAX];
};

static struct world *w;

/* ---- setup ------------------------------------------------------------------- */

static void join(char out[PATH_CAP], const char *a, const char *b)
{
	int n = snprintf(out, PATH_CAP, "%s%s", a, b);

	assert_true(n > 0 && (size_t)n < PATH_CAP);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->bin = getenv("ONECARD_TEST_LOGIN_BIN");
	assert_non_null(w->bin);
	(void)snprintf(w->dir, sizeof(w->dir), "%s/onecard-pwlogin-XXXXXX",
		       tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(w->dir));
	join(w->ccache, w->dir, "/cc/ccache.json");
	join(w->in_path, w->dir, "/in");
	join(w->out_path, w->dir, "/out");
	join(w->err_path, w->dir, "/err");
	assert_int_equal(setenv(OC_CCACHE_ENV, w->ccache, 1), 0);
	/* script(1) runs the command with $SHELL -c. */
	assert_int_equal(setenv("SHELL", "/bin/sh", 1), 0);
	/* Nothing of a card: a module the program loaded would fail. */
	assert_int_equal(setenv("ONECARD_PKCS11_MODULE", "/nonexistent/no-module.so", 1), 0);
	(void)unsetenv("ONECARD_PIN");
	(void)unsetenv("ONECARD_AUTHD_URL");
	assert_int_equal(hostile_http_start(&w->srv), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	hostile_http_stop(w->srv);
	(void)nftw(w->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(w);
	return 0;
}

/* ---- running the program --------------------------------------------------------- */

static void slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* No password, no code in text. */
static void no_secret(const char *text)
{
	assert_null(strstr(text, PASSWORD));
	assert_null(strstr(text, CODE));
	assert_null(strstr(text, &SESSION[5]));
}

/* Runs onecard-login with argv (argv[0] the program), stdin the len
 * bytes at in, in a session of its own (no terminal); returns its exit
 * status, its output in w->out and w->err. */
static int run_in(char *const argv[], const char *in, size_t len)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char *line;
	pid_t pid;
	int status = 0;

	write_file(w->in_path, in, len);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, w->in_path, O_RDONLY, 0), 0);
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
	for (line = w->err; *line != '\0'; line++) {
		assert_true(strncmp(line, "onecard-login: ", 15) == 0);
		line = strchr(line, '\n');
		assert_non_null(line);
	}
	no_secret(w->out);
	no_secret(w->err);
	assert_int_equal(unlink(w->in_path), 0);
	return WEXITSTATUS(status);
}

/* onecard-login --password for USER and AUDIENCE at the hostile server,
 * stdin the given text. */
static int run_password(const char *in)
{
	char *argv[ARGS_MAX] = {(char *)w->bin,
				(char *)"--password",
				(char *)"--user",
				(char *)USER,
				(char *)"--audience",
				(char *)AUDIENCE,
				(char *)"--authd",
				(char *)hostile_http_url(w->srv),
				NULL};

	return run_in(argv, in, strlen(in));
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

/* The raw bytes of an answer: status, Content-Type (NULL: none), extra
 * header lines (each ending CRLF, or ""), body with its length. */
static size_t raw_answer(char *raw, size_t cap, int status, const char *type, const char *extra,
			 const char *body)
{
	int n = snprintf(raw, cap,
			 "HTTP/1.1 %d Test\r\n%s%s%s%sContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
			 type != NULL ? "\r\n" : "", extra, strlen(body), body);

	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static void answer(const char *route, int status, const char *type, const char *extra,
		   const char *body)
{
	char raw[RAW_MAX];
	size_t n = raw_answer(raw, sizeof(raw), status, type, extra, body);

	assert_int_equal(hostile_http_answer(w->srv, route, raw, n, 0), 0);
}

/* Nothing went to authd at all. */
static void nothing_sent(void)
{
	assert_int_equal(hostile_http_connections(w->srv), 0);
}

/* Exactly the one request of docs/login.md went. */
static void one_request_sent(void)
{
	char *v;

	assert_int_equal(hostile_http_requests(w->srv, ROUTE), 1);
	v = hostile_http_last_method(w->srv, ROUTE);
	assert_string_equal(v, "POST");
	free(v);
	v = hostile_http_last_header(w->srv, ROUTE, "Content-Type");
	assert_string_equal(v, "application/json");
	free(v);
	v = hostile_http_last_body(w->srv, ROUTE);
	assert_string_equal(v, SENT_BODY);
	free(v);
	assert_int_equal(hostile_http_requests(w->srv, "/v1/challenge"), 0);
	assert_int_equal(hostile_http_requests(w->srv, "/v1/login"), 0);
	assert_int_equal(hostile_http_requests(w->srv, "/elsewhere"), 0);
	assert_int_equal(hostile_http_connections(w->srv), 1);
}

static void remove_cache(void)
{
	if (exists(w->ccache)) {
		assert_int_equal(unlink(w->ccache), 0);
	}
}

/* ---- standard input and options: refused before anything is sent ------------------- */

static void input_refused(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		const char *line;
	} cases[] = {
		{"", 0,
		 "onecard-login: standard input: no password and code: give the password, then the "
		 "TOTP code, each on a line of its own; nothing was sent to authd"},
		{PASSWORD "\n", 0,
		 "onecard-login: standard input: no TOTP code: the second line is missing; nothing "
		 "was sent to authd"},
		{PASSWORD, 0,
		 "onecard-login: standard input: no TOTP code: the input holds one line; give the "
		 "password, then the code, each on a line of its own; nothing was sent to authd"},
		{PASSWORD "\n" CODE "\nextra\n", 0,
		 "onecard-login: standard input: more than two lines: give the password, then the "
		 "TOTP code, and nothing else; nothing was sent to authd"},
		{PASSWORD "\n" CODE "\n\n", 0,
		 "onecard-login: standard input: more than two lines: give the password, then the "
		 "TOTP code, and nothing else; nothing was sent to authd"},
		{"\n" CODE "\n", 0,
		 "onecard-login: standard input: the password is empty; nothing was sent to authd"},
		{"pw\0x\n" CODE "\n", 12,
		 "onecard-login: standard input: the password holds a NUL byte; nothing was sent "
		 "to "
		 "authd"},
		{PASSWORD "\n40291\n", 0,
		 "onecard-login: standard input: the TOTP code is not 6 or 8 digits; nothing was "
		 "sent to authd"},
		{PASSWORD "\n4029131\n", 0,
		 "onecard-login: standard input: the TOTP code is not 6 or 8 digits; nothing was "
		 "sent to authd"},
		{PASSWORD "\n40291x\n", 0,
		 "onecard-login: standard input: the TOTP code is not 6 or 8 digits; nothing was "
		 "sent to authd"},
		{CODE "\n" PASSWORD "\n", 0,
		 "onecard-login: standard input: the TOTP code is not 6 or 8 digits; nothing was "
		 "sent to authd"},
		{PASSWORD "\xff\n" CODE "\n", 0,
		 "onecard-login: the password is not UTF-8 text; nothing was sent to authd"},
	};
	char *argv[ARGS_MAX] = {(char *)w->bin,
				(char *)"--password",
				(char *)"--user",
				(char *)USER,
				(char *)"--audience",
				(char *)AUDIENCE,
				(char *)"--authd",
				(char *)hostile_http_url(w->srv),
				NULL};
	char line[LINE_MAX_], big[2u * OC_LOGIN_SECRETS_INPUT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		hostile_http_reset(w->srv);
		assert_int_equal(run_in(argv, cases[i].in,
					cases[i].len != 0 ? cases[i].len : strlen(cases[i].in)),
				 OC_LOGIN_EXIT_USAGE);
		assert_string_equal(last_err_line(line, sizeof(line)), cases[i].line);
		assert_string_equal(w->out, "");
		nothing_sent();
		assert_false(exists(w->ccache));
	}
	/* A password of 257 bytes; an input longer than any two lines. */
	hostile_http_reset(w->srv);
	memset(big, 'p', OC_LOGIN_PASSWORD_MAX + 1u);
	memcpy(big + OC_LOGIN_PASSWORD_MAX + 1u, "\n" CODE "\n", sizeof("\n" CODE "\n"));
	assert_int_equal(run_in(argv, big, strlen(big)), OC_LOGIN_EXIT_USAGE);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: standard input: the password is longer than 256 bytes; "
			    "nothing was sent to authd");
	memset(big, 'p', sizeof(big));
	assert_int_equal(run_in(argv, big, sizeof(big)), OC_LOGIN_EXIT_USAGE);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: standard input: the input is longer than a password "
			    "and a code can be; nothing was sent to authd");
	nothing_sent();
	assert_false(exists(w->ccache));
}

static void options_refused(void **state)
{
	static const struct {
		const char *args[ARGS_MAX];
		const char *line;
	} cases[] = {
		{{"--password", "--audience", AUDIENCE, "--authd", "URL"},
		 "onecard-login: --password needs --user ID; try 'onecard-login --help'"},
		{{"--user", USER, "--audience", AUDIENCE, "--authd", "URL"},
		 "onecard-login: --user goes with --password; try 'onecard-login --help'"},
		{{"--password", "--user", USER, "--authd", "URL"},
		 "onecard-login: --authd URL and --audience AUD are needed; try 'onecard-login "
		 "--help'"},
		{{"--password", "--user", USER, "--audience", AUDIENCE, "--authd", "URL", "--card",
		  "pkcs11:token=card1"},
		 "onecard-login: --password takes only --user, --audience, --authd, --cacert and "
		 "--no-cache: no card is used"},
		{{"--password", "--user", USER, "--audience", AUDIENCE, "--authd", "URL",
		  "--pin-file", "/dev/null"},
		 "onecard-login: --password takes only --user, --audience, --authd, --cacert and "
		 "--no-cache: no card is used"},
		{{"--password", "--user", USER, "--audience", AUDIENCE, "--authd", "URL",
		  "--module", "/x.so"},
		 "onecard-login: --password takes only --user, --audience, --authd, --cacert and "
		 "--no-cache: no card is used"},
		{{"--password", "--user", USER, "--audience", AUDIENCE, "--authd", "URL",
		  "--rsa-pss"},
		 "onecard-login: --password takes only --user, --audience, --authd, --cacert and "
		 "--no-cache: no card is used"},
		{{"--password", "--user", USER, "--token", AUDIENCE},
		 "onecard-login: --token takes only --authd, --cacert and --no-cache: no card is "
		 "used"},
		{{"--password", "--show"}, "onecard-login: --show takes no other option"},
		{{"--password", "--user", "p 0001", "--audience", AUDIENCE, "--authd", "URL"},
		 "onecard-login: --user must be a person id: 1 to 64 characters of A-Z, a-z, 0-9, "
		 "'.', '_' and '-'"},
		{{"--password", "--user", "uid=x,ou=people", "--audience", AUDIENCE, "--authd",
		  "URL"},
		 "onecard-login: --user must be a person id: 1 to 64 characters of A-Z, a-z, 0-9, "
		 "'.', '_' and '-'"},
		{{"--password", "--user", USER, "--audience", "City-A", "--authd", "URL"},
		 "onecard-login: --audience must be 1 to 255 characters of a-z, 0-9 and '-'"},
		{{"--password", "--user", USER, "--audience", AUDIENCE, "--authd",
		  "http://authd.example"},
		 NULL},
		/* The password is never an argument. */
		{{"--password", PASSWORD, "--user", USER, "--audience", AUDIENCE, "--authd", "URL"},
		 "onecard-login: unexpected argument; try 'onecard-login --help'"},
	};
	char *argv[ARGS_MAX + 1];
	char line[LINE_MAX_];
	size_t i, j;

	(void)state;
	hostile_http_reset(w->srv);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[0] = (char *)w->bin;
		for (j = 0; j < ARGS_MAX - 1u && cases[i].args[j] != NULL; j++) {
			argv[j + 1] = strcmp(cases[i].args[j], "URL") == 0
					      ? (char *)hostile_http_url(w->srv)
					      : (char *)cases[i].args[j];
		}
		argv[j + 1] = NULL;
		print_message("case %zu\n", i);
		assert_int_equal(
			run_in(argv, PASSWORD "\n" CODE "\n", strlen(PASSWORD "\n" CODE "\n")),
			OC_LOGIN_EXIT_USAGE);
		if (cases[i].line != NULL) {
			assert_string_equal(last_err_line(line, sizeof(line)), cases[i].line);
		} else {
			assert_true(strncmp(last_err_line(line, sizeof(line)),
					    "onecard-login: --authd: ", 24) == 0);
		}
		assert_string_equal(w->out, "");
	}
	nothing_sent();
	assert_false(exists(w->ccache));
}

/* ---- a login that holds, and the session it opened ------------------------------ */

static json_t *read_cache(void)
{
	struct oc_ccache_loc loc;
	json_t *root = NULL;
	const char *why = NULL;
	int dirfd = -1;

	assert_int_equal(oc_ccache_locate_from(w->ccache, NULL, NULL, &loc), ONECARD_OK);
	assert_int_equal(oc_ccache_dir_open(&loc, false, &dirfd, &why), ONECARD_OK);
	assert_int_equal(oc_ccache_read(dirfd, loc.name, &root, &why), ONECARD_OK);
	(void)close(dirfd);
	return root;
}

static void login_holds(void **state)
{
	char *argv[ARGS_MAX] = {(char *)w->bin, NULL, NULL, NULL};
	char *no_cache[ARGS_MAX] = {(char *)w->bin,	  (char *)"--password",
				    (char *)"--user",	  (char *)USER,
				    (char *)"--audience", (char *)AUDIENCE,
				    (char *)"--authd",	  (char *)hostile_http_url(w->srv),
				    (char *)"--no-cache", NULL};
	struct oc_ccache_session s;
	char line[LINE_MAX_];
	json_t *root, *e;
	char *sent;

	(void)state;
	hostile_http_reset(w->srv);
	remove_cache();
	answer(ROUTE, 200, "application/json", "", GOOD_BODY);
	assert_int_equal(run_password(PASSWORD "\n" CODE "\n"), OC_LOGIN_EXIT_OK);
	assert_string_equal(w->out, TOKEN "\n");
	assert_string_equal(w->err, "");
	one_request_sent();
	/* The cache: the session of a password login, its token. */
	root = read_cache();
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_OK);
	assert_string_equal(s.acr, OC_LOGIN_ACR_PWD_OTP);
	assert_string_equal(s.card, "");
	assert_string_equal(s.sub, USER);
	assert_string_equal(s.credential, SESSION);
	assert_int_equal(s.exp - s.issued_at, 28800);
	e = json_object_get(json_object_get(root, "tokens"), AUDIENCE);
	assert_string_equal(json_string_value(json_object_get(e, "access_token")), TOKEN);
	assert_string_equal(json_string_value(json_object_get(e, "card")), "");
	json_decref(root);
	/* CR LF lines and an unterminated second line are the same login. */
	hostile_http_reset(w->srv);
	answer(ROUTE, 200, "application/json", "", GOOD_BODY);
	assert_int_equal(run_password(PASSWORD "\r\n" CODE "\r\n"), OC_LOGIN_EXIT_OK);
	one_request_sent();
	hostile_http_reset(w->srv);
	answer(ROUTE, 200, "application/json", "", GOOD_BODY);
	assert_int_equal(run_password(PASSWORD "\n" CODE), OC_LOGIN_EXIT_OK);
	one_request_sent();
	/* --show says what kind of session it is; never the credential. */
	argv[1] = (char *)"--show";
	assert_int_equal(run_in(argv, "", 0), OC_LOGIN_EXIT_OK);
	assert_non_null(strstr(w->out,
			       "session: present (its credential is never shown)\n"
			       "  login:      password and TOTP code (acr pwd-otp); modules "
			       "that need a card refuse it\n"
			       "  subject:    " USER "\n"));
	assert_non_null(strstr(w->out, "  card:       (none)\n"));
	assert_null(strstr(w->out, "ocs1_"));
	assert_null(strstr(w->out, TOKEN));

	/* --token from that session: the form of docs/sso.md, no card. */
	hostile_http_reset(w->srv);
	answer("/v1/token", 200, "application/json", "",
	       "{\"access_token\":\"" TOKEN_2 "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
	       "\"audience\":\"" OTHER "\",\"acr\":\"pwd-otp\","
	       "\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\"}");
	argv[1] = (char *)"--token";
	argv[2] = (char *)OTHER;
	assert_int_equal(run_in(argv, "", 0), OC_LOGIN_EXIT_OK);
	assert_string_equal(w->out, TOKEN_2 "\n");
	sent = hostile_http_last_body(w->srv, "/v1/token");
	assert_string_equal(sent,
			    "grant_type=refresh_token&refresh_token=" SESSION "&audience=" OTHER);
	free(sent);
	root = read_cache();
	e = json_object_get(json_object_get(root, "tokens"), OTHER);
	assert_string_equal(json_string_value(json_object_get(e, "sub")), USER);
	assert_string_equal(json_string_value(json_object_get(e, "card")), "");
	json_decref(root);
	/* A card-only module: authd's words, exit 11, the cache as it was. */
	hostile_http_reset(w->srv);
	answer("/v1/token", 403, "application/json", "",
	       "{\"error\":\"access_denied\",\"error_description\":\"module " CARD_ONLY
	       " requires a card login\",\"missing\":{\"acr\":\"card\"}}");
	argv[2] = (char *)CARD_ONLY;
	assert_int_equal(run_in(argv, "", 0), OC_LOGIN_EXIT_DENIED);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: module " CARD_ONLY
			    " requires a card login (access_denied)");
	assert_string_equal(w->out, "");
	/* The session has ended: log in again, with the password. */
	hostile_http_reset(w->srv);
	answer("/v1/token", 400, "application/json", "",
	       "{\"error\":\"invalid_grant\",\"error_description\":\"the session has ended\"}");
	argv[2] = (char *)"city-c-info";
	assert_int_equal(run_in(argv, "", 0), OC_LOGIN_EXIT_SESSION_ENDED);
	assert_string_equal(last_err_line(line, sizeof(line)),
			    "onecard-login: the SSO session has ended (authd: the session has "
			    "ended); log in again: onecard-login --password --user " USER
			    " --audience city-c-info (invalid_grant)");
	/* --no-cache: the token, and nothing kept. */
	remove_cache();
	hostile_http_reset(w->srv);
	answer(ROUTE, 200, "application/json", "", GOOD_BODY);
	assert_int_equal(run_in(no_cache, PASSWORD "\n" CODE "\n", strlen(PASSWORD "\n" CODE "\n")),
			 OC_LOGIN_EXIT_OK);
	one_request_sent();
	assert_string_equal(w->out, TOKEN "\n");
	assert_false(exists(w->ccache));
}

/* ---- authd's refusals and broken answers -------------------------------------------- */

struct answer_case {
	const char *name;
	int status; /* 0: raw below */
	const char *type;
	const char *extra; /* header lines */
	const char *body;
	const char *raw;
	size_t filler;
	int want;
	const char *line; /* NULL: starts with the URL */
};

static void check_case(const struct answer_case *c)
{
	char line[LINE_MAX_], want_line[LINE_MAX_];

	print_message("case: %s\n", c->name);
	hostile_http_reset(w->srv);
	remove_cache();
	if (c->status != 0) {
		answer(ROUTE, c->status, c->type, c->extra, c->body);
	} else {
		assert_int_equal(
			hostile_http_answer(w->srv, ROUTE, c->raw, strlen(c->raw), c->filler), 0);
	}
	assert_int_equal(run_password(PASSWORD "\n" CODE "\n"), c->want);
	if (c->line != NULL) {
		assert_string_equal(last_err_line(line, sizeof(line)), c->line);
	} else {
		(void)snprintf(want_line, sizeof(want_line),
			       "onecard-login: %s: ", hostile_http_url(w->srv));
		assert_true(strncmp(last_err_line(line, sizeof(line)), want_line,
				    strlen(want_line)) == 0);
	}
	assert_string_equal(w->out, "");
	assert_false(exists(w->ccache));
	one_request_sent();
}

static void refusals(void **state)
{
	static const struct answer_case cases[] = {
		{"invalid_credentials", 401, "application/json", "",
		 "{\"error\":\"invalid_credentials\",\"error_description\":\"invalid user name, "
		 "password or code\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_CREDENTIALS,
		 "onecard-login: wrong user name, password or code; a code works only once: wait "
		 "for the next one (invalid_credentials)"},
		{"locked, Retry-After in seconds", 429, "application/json", "Retry-After: 120\r\n",
		 "{\"error\":\"locked\",\"error_description\":\"too many failed attempts\"}", NULL,
		 0, OC_LOGIN_EXIT_LOCKED,
		 "onecard-login: too many failed attempts: try again in 120 s (locked)"},
		{"locked, no Retry-After", 429, "application/json", "", "{\"error\":\"locked\"}",
		 NULL, 0, OC_LOGIN_EXIT_LOCKED,
		 "onecard-login: too many failed attempts: try again later (locked)"},
		{"locked, Retry-After unreadable", 429, "application/json", "Retry-After: soon\r\n",
		 "{\"error\":\"locked\"}", NULL, 0, OC_LOGIN_EXIT_LOCKED,
		 "onecard-login: too many failed attempts: try again later (locked)"},
		{"locked, Retry-After past belief", 429, "application/json",
		 "Retry-After: 9999999999\r\n", "{\"error\":\"locked\"}", NULL, 0,
		 OC_LOGIN_EXIT_LOCKED,
		 "onecard-login: too many failed attempts: try again later (locked)"},
		{"429 without a body", 429, NULL, "Retry-After: 30\r\n", "", NULL, 0,
		 OC_LOGIN_EXIT_LOCKED,
		 "onecard-login: authd answered /v1/login/password with HTTP 429 and no error "
		 "body"},
		{"a card-only module", 403, "application/json", "",
		 "{\"error\":\"access_denied\",\"error_description\":\"module " CARD_ONLY
		 " requires a card login\"}",
		 NULL, 0, OC_LOGIN_EXIT_DENIED,
		 "onecard-login: module " CARD_ONLY " requires a card login (access_denied)"},
		{"access_denied without words", 403, "application/json", "",
		 "{\"error\":\"access_denied\"}", NULL, 0, OC_LOGIN_EXIT_DENIED,
		 "onecard-login: the module's policy refuses this login (access_denied)"},
		{"person suspended", 403, "application/json", "",
		 "{\"error\":\"person_suspended\",\"error_description\":\"the person is "
		 "suspended\"}",
		 NULL, 0, OC_LOGIN_EXIT_DENIED,
		 "onecard-login: the person is suspended (person_suspended)"},
		{"enterprise suspended", 403, "application/json", "",
		 "{\"error\":\"enterprise_suspended\"}", NULL, 0, OC_LOGIN_EXIT_DENIED,
		 "onecard-login: authd refused /v1/login/password (enterprise_suspended)"},
		{"unknown module", 400, "application/json", "",
		 "{\"error\":\"invalid_target\",\"error_description\":\"unknown module\"}", NULL, 0,
		 OC_LOGIN_EXIT_REFUSED,
		 "onecard-login: authd knows no module " AUDIENCE " (invalid_target)"},
		{"no password login at this authd", 404, "application/json", "",
		 "{\"error\":\"not_found\",\"error_description\":\"this authd offers no "
		 "password + TOTP login\"}",
		 NULL, 0, OC_LOGIN_EXIT_REFUSED,
		 "onecard-login: this authd offers no password and code login: log in with your "
		 "card (not_found)"},
		{"invalid_request", 400, "application/json", "",
		 "{\"error\":\"invalid_request\",\"error_description\":\"bad body\"}", NULL, 0,
		 OC_LOGIN_EXIT_REFUSED, "onecard-login: bad body (invalid_request)"},
		{"database unavailable", 503, "application/json", "",
		 "{\"error\":\"database_unavailable\"}", NULL, 0, OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd refused /v1/login/password (database_unavailable)"},
		{"directory unavailable", 503, "application/json", "",
		 "{\"error\":\"directory_unavailable\",\"error_description\":\"the directory did "
		 "not answer\"}",
		 NULL, 0, OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: the directory did not answer (directory_unavailable)"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
	}
}

/* Retry-After as an HTTP date (RFC 9110 §10.2.3): seconds from now. */
static void locked_until_a_date(void **state)
{
	char extra[128], line[LINE_MAX_];
	struct tm tm;
	time_t when = time(NULL) + 600;
	long n = 0;

	(void)state;
	assert_non_null(gmtime_r(&when, &tm));
	assert_true(strftime(extra, sizeof(extra), "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n",
			     &tm) > 0);
	hostile_http_reset(w->srv);
	answer(ROUTE, 429, "application/json", extra, "{\"error\":\"locked\"}");
	assert_int_equal(run_password(PASSWORD "\n" CODE "\n"), OC_LOGIN_EXIT_LOCKED);
	assert_int_equal(sscanf(last_err_line(line, sizeof(line)),
				"onecard-login: too many failed attempts: try again in %ld s", &n),
			 1);
	assert_true(n > 590 && n <= 600);
	one_request_sent();
}

static void broken_answers(void **state)
{
	static const char redirect[] = "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n"
				       "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char stream[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				     "Connection: close\r\n\r\n{\"access_token\":\"";
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 400\r\nConnection: close\r\n\r\n{\"access_tok";
#define HEAD                                                                            \
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300," \
	"\"refresh_token\":\"" SESSION "\",\"refresh_expires_in\":28800,"               \
	"\"session_idle_timeout\":1800,\"sub\":\"" USER "\",\"ent\":\"91350100M000100Y43\","
	static const struct answer_case cases[] = {
		{"not JSON", 200, "text/html", "", "<html>hello</html>", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd's answer to /v1/login/password is not JSON"},
		{"an array", 200, "application/json", "", "[]", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer is not a JSON object"},
		{"a card login's level", 200, "application/json", "",
		 HEAD "\"audience\":\"" AUDIENCE "\",\"acr\":\"card\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the password login answer's acr is not pwd-otp"},
		{"another audience", 200, "application/json", "",
		 HEAD "\"audience\":\"" CARD_ONLY "\",\"acr\":\"pwd-otp\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer names another audience"},
		{"no subject", 200, "application/json", "",
		 "{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		 "\"ent\":\"e\",\"audience\":\"" AUDIENCE "\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer lacks sub or ent"},
		{"a session credential that is not one", 200, "application/json", "",
		 "{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		 "\"refresh_token\":\"" TOKEN "\",\"refresh_expires_in\":28800,"
		 "\"session_idle_timeout\":1800,\"sub\":\"" USER "\",\"ent\":\"e\","
		 "\"audience\":\"" AUDIENCE "\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer's refresh_token is not a session credential "
		 "(ocs1_...)"},
		{"the session credential as the token", 200, "application/json", "",
		 "{\"access_token\":\"" SESSION "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
		 "\"sub\":\"" USER "\",\"ent\":\"e\",\"audience\":\"" AUDIENCE "\"}",
		 NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the login answer has no access token of JWS compact form"},
		{"agencies not a list", 200, "application/json", "",
		 HEAD "\"audience\":\"" AUDIENCE "\",\"agencies\":\"customs\"}", NULL, 0,
		 OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: the password login answer's agencies are not a list of agency "
		 "ids"},
		{"control characters", 401, "application/json", "",
		 "{\"error\":\"brand_new\",\"error_description\":\"bad\\nuser\\u001b[2J\"}", NULL,
		 0, OC_LOGIN_EXIT_AUTH_FAILED, "onecard-login: bad?user?[2J (brand_new)"},
		{"a new code, an unexpected status", 418, "application/json", "",
		 "{\"error\":\"teapot\"}", NULL, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd refused /v1/login/password (teapot)"},
		{"a gateway's page", 502, "text/html", "", "<html>Bad Gateway</html>", NULL, 0,
		 OC_LOGIN_EXIT_UNAVAILABLE,
		 "onecard-login: authd answered /v1/login/password with HTTP 502 and no error "
		 "body"},
		{"a redirect", 0, NULL, NULL, NULL, redirect, 0, OC_LOGIN_EXIT_BAD_ANSWER,
		 "onecard-login: authd answered /v1/login/password with HTTP 307 and no error "
		 "body"},
		{"larger than 64 KiB", 0, NULL, NULL, NULL, stream, 2u * OC_LOGIN_RESPONSE_MAX,
		 OC_LOGIN_EXIT_BAD_ANSWER, "onecard-login: authd's answer is larger than 64 KiB"},
		{"closed before the body announced", 0, NULL, NULL, NULL, cut, 0,
		 OC_LOGIN_EXIT_UNREACHABLE, NULL},
		{"closed without a byte", 0, NULL, NULL, NULL, "", 0, OC_LOGIN_EXIT_UNREACHABLE,
		 NULL},
	};
#undef HEAD
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
	}
}

/* ---- the terminal --------------------------------------------------------------------- */

/* Reads from fd into w->tty (appending) until it holds want (NULL: until
 * the end). false when it does not come in TTY_WAIT_MS. */
static bool tty_wait(int fd, size_t *len, const char *want)
{
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n;

	for (;;) {
		if (want != NULL && strstr(w->tty, want) != NULL) {
			return true;
		}
		if (poll(&p, 1, TTY_WAIT_MS) <= 0) {
			return false;
		}
		n = read(fd, w->tty + *len, OUT_MAX - 1u - *len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return want == NULL;
		}
		*len += (size_t)n;
		w->tty[*len] = '\0';
	}
}

/* Runs onecard-login --password on a pty of script(1), answering each
 * prompt once it is shown (echo is off by then; what was typed before
 * would be flushed); code NULL: the password only is expected to be
 * asked. The whole terminal output goes to w->tty; returns the status. */
static int run_tty(const char *password, const char *code)
{
	char cmd[CMD_MAX];
	char *argv[] = {(char *)"script", (char *)"-qfec", cmd, (char *)"/dev/null", NULL};
	posix_spawn_file_actions_t fa;
	int in[2], out[2], status = 0;
	size_t len = 0;
	pid_t pid;
	int n;

	n = snprintf(cmd, sizeof(cmd),
		     "'%s' --password --user " USER " --audience " AUDIENCE " --authd '%s'", w->bin,
		     hostile_http_url(w->srv));
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, out[1], STDERR_FILENO), 0);
	assert_int_equal(posix_spawnp(&pid, "script", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	(void)close(in[0]);
	(void)close(out[1]);
	w->tty[0] = '\0';
	assert_true(tty_wait(out[0], &len, "Password for " USER ": "));
	assert_int_equal(write(in[1], password, strlen(password)), (ssize_t)strlen(password));
	assert_int_equal(write(in[1], "\n", 1), 1);
	if (code != NULL) {
		assert_true(tty_wait(out[0], &len, "TOTP code: "));
		assert_int_equal(write(in[1], code, strlen(code)), (ssize_t)strlen(code));
		assert_int_equal(write(in[1], "\n", 1), 1);
	}
	assert_true(tty_wait(out[0], &len, NULL));
	(void)close(in[1]);
	(void)close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("tty: %s\n", w->tty);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void terminal(void **state)
{
	(void)state;
	/* A login that holds: both prompts, nothing typed echoed, the token. */
	hostile_http_reset(w->srv);
	remove_cache();
	answer(ROUTE, 200, "application/json", "", GOOD_BODY);
	assert_int_equal(run_tty(PASSWORD, CODE), OC_LOGIN_EXIT_OK);
	assert_non_null(strstr(w->tty, "Password for " USER ": "));
	assert_non_null(strstr(w->tty, "TOTP code: "));
	assert_non_null(strstr(w->tty, TOKEN));
	assert_true(strstr(w->tty, "Password for") < strstr(w->tty, "TOTP code"));
	no_secret(w->tty);
	one_request_sent();
	assert_true(exists(w->ccache));
	/* A code of the wrong form, or too long: nothing sent. */
	hostile_http_reset(w->srv);
	remove_cache();
	assert_int_equal(run_tty(PASSWORD, "40291"), OC_LOGIN_EXIT_USAGE);
	assert_non_null(strstr(w->tty, "onecard-login: the TOTP code is not 6 or 8 digits; "
				       "nothing was sent to authd"));
	no_secret(w->tty);
	assert_null(strstr(w->tty, "40291"));
	assert_int_equal(run_tty(PASSWORD, "402913402913"), OC_LOGIN_EXIT_USAGE);
	assert_non_null(strstr(w->tty, "onecard-login: the TOTP code is not 6 or 8 digits; "
				       "nothing was sent to authd"));
	assert_null(strstr(w->tty, "402913402913"));
	nothing_sent();
	assert_false(exists(w->ccache));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(input_refused),
		cmocka_unit_test(options_refused),
		cmocka_unit_test(login_holds),
		cmocka_unit_test(refusals),
		cmocka_unit_test(locked_until_a_date),
		cmocka_unit_test(broken_answers),
		cmocka_unit_test(terminal),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
