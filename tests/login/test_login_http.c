/*
 * The libcurl client (pkcs11/login/http_curl.c) against answers the real
 * onecard-authd never gives, from tests/common's hostile server on
 * 127.0.0.1 (it answers the bytes each test sets, and records what came):
 * exactly what is sent (JSON, and the form bodies of docs/sso.md with
 * their media type), the answer handed back whatever its status and
 * media type, the size cap with and without Content-Length, a redirect
 * never followed, a connection closed early or without a byte, no
 * plain-text fallback for https, nobody listening, and arguments refused
 * before anything is sent. What authd does answer is tested against the
 * real authd (test_login_e2e.sh, test_login_card.sh).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <curl/curl.h>

#include <onecard/error.h>

#include "hostile_http.h"
#include "login.h"

#define JSON	 "application/json"
#define HEAD_MAX 512u
#define URL_MAX	 (HOSTILE_URL_MAX + 64u)

static struct hostile_http *srv;

static int setup(void **state)
{
	(void)state;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return -1;
	}
	return hostile_http_start(&srv);
}

static int teardown(void **state)
{
	(void)state;
	hostile_http_stop(srv);
	curl_global_cleanup();
	return 0;
}

static int reset(void **state)
{
	(void)state;
	hostile_http_reset(srv);
	return 0;
}

/* The server answers path with status, Content-Type type (NULL: none), a
 * Content-Length of body_len (or none when length is false), body. */
static void answer_with(const char *path, int status, const char *type, const char *body,
			size_t body_len, bool length)
{
	char head[HEAD_MAX], *raw;
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\n%s%s%s", status,
		     type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
		     type != NULL ? "\r\n" : "");
	assert_true(n > 0 && (size_t)n < sizeof(head));
	if (length) {
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n",
			      body_len);
		assert_true((size_t)n < sizeof(head));
	}
	n += snprintf(head + n, sizeof(head) - (size_t)n, "Connection: close\r\n\r\n");
	assert_true((size_t)n < sizeof(head));
	raw = malloc((size_t)n + body_len);
	assert_non_null(raw);
	memcpy(raw, head, (size_t)n);
	memcpy(raw + n, body, body_len);
	assert_int_equal(hostile_http_answer(srv, path, raw, (size_t)n + body_len, 0), 0);
	free(raw);
}

static void answer_json(const char *path, int status, const char *body)
{
	answer_with(path, status, JSON, body, strlen(body), true);
}

/* A client for url (fails the test otherwise). */
static struct oc_login_http *client(const char *url)
{
	struct oc_login_url u;
	struct oc_login_http *h = NULL;
	const char *why = NULL;

	assert_int_equal(oc_login_url_parse(url, &u, &why), ONECARD_OK);
	assert_int_equal(oc_login_http_new(&u, NULL, &h), ONECARD_OK);
	return h;
}

static int post(struct oc_login_http *h, const char *route, const char *body,
		struct oc_login_reply *reply, const char **why)
{
	return oc_login_http_post(h, route, body, strlen(body), reply, why);
}

/* What goes out: one POST of exactly the body, as JSON; what comes back:
 * the status and the very bytes, whatever they are. */
static void request_and_reply(void **state)
{
	static const char sent[] = "{\"audience\":\"provincial-portal\"}";
	static const char back[] = "{\"anything\": [1, 2, 3]}";
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	const char *why = NULL;
	char *v;

	(void)state;
	answer_json("/v1/challenge", 200, back);
	assert_int_equal(post(h, "/v1/challenge", sent, &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 200);
	assert_true(reply.json);
	assert_int_equal(reply.len, strlen(back));
	assert_string_equal(reply.body, back);
	oc_login_reply_clear(&reply);
	assert_null(reply.body);
	assert_int_equal(reply.len, 0);
	assert_int_equal(hostile_http_requests(srv, "/v1/challenge"), 1);
	v = hostile_http_last_method(srv, "/v1/challenge");
	assert_string_equal(v, "POST");
	free(v);
	v = hostile_http_last_body(srv, "/v1/challenge");
	assert_string_equal(v, sent);
	free(v);
	v = hostile_http_last_header(srv, "/v1/challenge", "Content-Type");
	assert_string_equal(v, JSON);
	free(v);
	/* No credentials of any kind go with a request. */
	v = hostile_http_last_header(srv, "/v1/challenge", "Authorization");
	assert_null(v);
	v = hostile_http_last_header(srv, "/v1/challenge", "Cookie");
	assert_null(v);
	oc_login_http_free(h);
	oc_login_http_free(NULL);
}

/* A form goes as a form (docs/sso.md): exactly the body built, with its
 * media type, JSON accepted back; the JSON client is unchanged after. */
static void form_request(void **state)
{
	static const char cred[] = "ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg";
	static const char back[] = "{\"session\":\"ended\"}";
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	const char *why = NULL;
	char *form = NULL, *v;
	size_t len = 0;

	(void)state;
	answer_json("/v1/logout", 200, back);
	answer_json("/v1/challenge", 200, back);
	assert_int_equal(oc_login_logout_form(cred, &form, &len), ONECARD_OK);
	assert_int_equal(oc_login_http_post_form(h, "/v1/logout", form, len, &reply, &why),
			 ONECARD_OK);
	assert_int_equal(reply.status, 200);
	assert_string_equal(reply.body, back);
	oc_login_reply_clear(&reply);
	v = hostile_http_last_body(srv, "/v1/logout");
	assert_string_equal(v, "token=ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg");
	free(v);
	v = hostile_http_last_header(srv, "/v1/logout", "Content-Type");
	assert_string_equal(v, "application/x-www-form-urlencoded");
	free(v);
	v = hostile_http_last_header(srv, "/v1/logout", "Accept");
	assert_string_equal(v, JSON);
	free(v);
	v = hostile_http_last_header(srv, "/v1/logout", "Authorization");
	assert_null(v);
	oc_login_form_free(form);
	/* The next JSON request is JSON again. */
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
	oc_login_reply_clear(&reply);
	v = hostile_http_last_header(srv, "/v1/challenge", "Content-Type");
	assert_string_equal(v, JSON);
	free(v);
	assert_int_equal(oc_login_http_post_form(NULL, "/v1/logout", "a=b", 3, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_http_post_form(h, "v1/logout", "a=b", 3, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	oc_login_http_free(h);
}

/* An error answer is kept as it came, for the caller to read. */
static void error_answer_kept(void **state)
{
	static const char body[] =
		"{\"error\":\"cert_revoked\","
		"\"error_description\":\"a certificate in the path is revoked\"}";
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	struct oc_login_error e;
	const char *why = NULL;

	(void)state;
	answer_json("/v1/login", 401, body);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 401);
	assert_true(reply.json);
	assert_int_equal(oc_login_error_parse(reply.body, reply.len, &e), ONECARD_OK);
	assert_string_equal(e.code, "cert_revoked");
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* Only application/json (with parameters or not) counts as JSON. */
static void content_types(void **state)
{
	static const struct {
		const char *type;
		bool json;
	} cases[] = {
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/jsonx", false},
		{"application/json-seq", false},
		{"text/json", false},
		{"text/html", false},
		{"", false},
		{NULL, false},
	};
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		answer_with("/v1/challenge", 200, cases[i].type, "{}", 2, true);
		assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
		assert_int_equal(reply.status, 200);
		assert_int_equal(reply.json, cases[i].json);
		assert_string_equal(reply.body, "{}");
		oc_login_reply_clear(&reply);
	}
	oc_login_http_free(h);
}

/* 64 KiB is read; a byte more ends the transfer, announced or not. */
static void size_cap(void **state)
{
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	const char *why = NULL;
	char *big = malloc(OC_LOGIN_RESPONSE_MAX + 1);
	static const char no_length[] = "HTTP/1.1 200 Test\r\nContent-Type: application/json\r\n"
					"Connection: close\r\n\r\n";
	char with_length[HEAD_MAX];
	int n;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', OC_LOGIN_RESPONSE_MAX + 1);
	big[0] = '{';
	big[OC_LOGIN_RESPONSE_MAX - 1] = '}';
	/* Exactly the limit is read. */
	answer_with("/v1/login", 200, JSON, big, OC_LOGIN_RESPONSE_MAX, true);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.len, OC_LOGIN_RESPONSE_MAX);
	oc_login_reply_clear(&reply);
	/* The limit, without Content-Length, until the close. */
	answer_with("/v1/login", 200, JSON, big, OC_LOGIN_RESPONSE_MAX, false);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.len, OC_LOGIN_RESPONSE_MAX);
	oc_login_reply_clear(&reply);
	/* One byte more, announced by Content-Length. */
	answer_with("/v1/login", 200, JSON, big, OC_LOGIN_RESPONSE_MAX + 1, true);
	reply.status = 99;
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_TOO_LARGE);
	assert_string_equal(why, "authd's answer is larger than 64 KiB");
	assert_null(reply.body);
	assert_int_equal(reply.status, 0);
	/* A length announced far beyond, and the bytes sent. */
	n = snprintf(with_length, sizeof(with_length),
		     "HTTP/1.1 200 Test\r\nContent-Type: application/json\r\n"
		     "Content-Length: %u\r\nConnection: close\r\n\r\n",
		     16u * OC_LOGIN_RESPONSE_MAX);
	assert_true(n > 0 && (size_t)n < sizeof(with_length));
	assert_int_equal(hostile_http_answer(srv, "/v1/login", with_length, (size_t)n,
					     16u * OC_LOGIN_RESPONSE_MAX),
			 0);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_TOO_LARGE);
	assert_null(reply.body);
	/* Streamed without a length, ten times the limit. */
	assert_int_equal(hostile_http_answer(srv, "/v1/login", no_length, strlen(no_length),
					     10u * OC_LOGIN_RESPONSE_MAX),
			 0);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_TOO_LARGE);
	assert_null(reply.body);
	/* The same client works on afterwards. */
	answer_json("/v1/challenge", 200, "{}");
	assert_int_equal(post(h, "/v1/challenge", "{\"audience\":\"a\"}", &reply, &why),
			 ONECARD_OK);
	assert_int_equal(reply.status, 200);
	oc_login_reply_clear(&reply);
	free(big);
	oc_login_http_free(h);
}

/* A redirect is an answer like any other: handed back, not followed,
 * whatever its target (same server, another scheme) and status. */
static void redirect_not_followed(void **state)
{
	static const int statuses[] = {301, 302, 303, 307, 308};
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	const char *why = NULL;
	char raw[HEAD_MAX];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		hostile_http_reset(srv);
		n = snprintf(raw, sizeof(raw),
			     "HTTP/1.1 %d Moved\r\nLocation: %s/elsewhere\r\n"
			     "Content-Type: application/json\r\nContent-Length: 2\r\n"
			     "Connection: close\r\n\r\n{}",
			     statuses[i], hostile_http_url(srv));
		assert_true(n > 0 && (size_t)n < sizeof(raw));
		assert_int_equal(hostile_http_answer(srv, "/v1/login", raw, (size_t)n, 0), 0);
		assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
		assert_int_equal(reply.status, statuses[i]);
		assert_int_equal(hostile_http_requests(srv, "/elsewhere"), 0);
		assert_int_equal(hostile_http_connections(srv), 1);
		assert_int_equal(oc_login_exit_for_error(NULL, reply.status),
				 OC_LOGIN_EXIT_BAD_ANSWER);
		oc_login_reply_clear(&reply);
	}
	/* To another scheme: not followed either. */
	n = snprintf(raw, sizeof(raw),
		     "HTTP/1.1 302 Moved\r\nLocation: file:///etc/passwd\r\n"
		     "Content-Length: 0\r\nConnection: close\r\n\r\n");
	assert_int_equal(hostile_http_answer(srv, "/v1/login", raw, (size_t)n, 0), 0);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 302);
	assert_false(reply.json);
	assert_int_equal(reply.len, 0);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* A server that closes early: without a byte, in the status line, before
 * the body it announced, or after garbage. No answer, a reason, ERR_IO. */
static void closed_early(void **state)
{
	static const char cut[] =
		"HTTP/1.1 200 Test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
		"Connection: close\r\n\r\n{\"access";
	static const char *const cases[] = {
		"",
		"HTTP/1.1 200 Te",
		cut,
		"garbage that is not HTTP at all\r\n\r\n",
	};
	static const char head_only[] = "HTTP/1.1 200 Test\r\nContent-Type: application/json\r\n";
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	struct oc_login_challenge c;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
			hostile_http_answer(srv, "/v1/login", cases[i], strlen(cases[i]), 0), 0);
		reply.status = 99;
		why = NULL;
		assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_IO);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
		assert_null(reply.body);
		assert_int_equal(reply.status, 0);
	}
	assert_int_equal(hostile_http_requests(srv, "/v1/login"), sizeof(cases) / sizeof(cases[0]));
	/* A head cut before its blank line: libcurl takes it as a head and an
	 * empty body, which no answer parser accepts. */
	assert_int_equal(hostile_http_answer(srv, "/v1/challenge", head_only, strlen(head_only), 0),
			 0);
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.len, 0);
	assert_int_equal(oc_login_challenge_parse(reply.body, reply.len, "a", &c, &why),
			 ONECARD_ERR_BAD_FORMAT);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

static void path_prefix(void **state)
{
	char url[URL_MAX];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "%s/auth/", hostile_http_url(srv));
	h = client(url);
	answer_json("/auth/v1/challenge", 404, "{\"error\":\"not_found\"}");
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 404);
	assert_int_equal(hostile_http_requests(srv, "/auth/v1/challenge"), 1);
	assert_int_equal(hostile_http_requests(srv, "/v1/challenge"), 0);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* localhost resolves to loopback only: the socket filter lets it through. */
static void localhost_name(void **state)
{
	char url[URL_MAX];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "http://localhost:%u", hostile_http_port(srv));
	h = client(url);
	answer_json("/v1/challenge", 200, "{}");
	assert_int_equal(post(h, "/v1/challenge", "{\"audience\":\"a\"}", &reply, &why),
			 ONECARD_OK);
	assert_int_equal(reply.status, 200);
	assert_int_equal(hostile_http_requests(srv, "/v1/challenge"), 1);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* https to a plain-text server fails in the handshake; nothing falls back
 * to http: the server sees a connection but never a request. */
static void https_no_fallback(void **state)
{
	char url[URL_MAX];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "https://127.0.0.1:%u", hostile_http_port(srv));
	h = client(url);
	answer_json("/v1/challenge", 200, "{}");
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_ERR_IO);
	assert_true(strlen(why) > 0);
	assert_null(reply.body);
	assert_true(hostile_http_connections(srv) >= 1);
	assert_int_equal(hostile_http_requests(srv, "/v1/challenge"), 0);
	oc_login_http_free(h);
}

/* A port nobody listens on: no answer, a reason, ONECARD_ERR_IO. */
static void nobody_listening(void **state)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char url[URL_MAX];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	(void)close(fd); /* bound once, now free: nobody listens there */
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	h = client(url);
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_ERR_IO);
	assert_string_equal(why, "cannot connect to authd");
	oc_login_http_free(h);
}

/* Refused before anything is sent. */
static void bad_arguments(void **state)
{
	struct oc_login_http *h = client(hostile_http_url(srv));
	struct oc_login_reply reply;
	struct oc_login_url empty;
	const char *why = NULL;
	char route[OC_LOGIN_ROUTE_MAX + 2];

	(void)state;
	assert_int_equal(oc_login_http_post(h, "v1/login", "{}", 2, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_http_post(h, NULL, "{}", 2, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_http_post(h, "/v1/login", NULL, 0, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	memset(route, 'a', sizeof(route) - 1);
	route[0] = '/';
	route[sizeof(route) - 1] = '\0';
	assert_int_equal(oc_login_http_post(h, route, "{}", 2, &reply, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(hostile_http_connections(srv), 0);
	memset(&empty, 0, sizeof(empty));
	oc_login_http_free(h);
	h = (struct oc_login_http *)&h;
	assert_int_equal(oc_login_http_new(&empty, NULL, &h), ONECARD_ERR_INVALID_ARG);
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(request_and_reply, reset),
		cmocka_unit_test_setup(form_request, reset),
		cmocka_unit_test_setup(error_answer_kept, reset),
		cmocka_unit_test_setup(content_types, reset),
		cmocka_unit_test_setup(size_cap, reset),
		cmocka_unit_test_setup(redirect_not_followed, reset),
		cmocka_unit_test_setup(closed_early, reset),
		cmocka_unit_test_setup(path_prefix, reset),
		cmocka_unit_test_setup(localhost_name, reset),
		cmocka_unit_test_setup(https_no_fallback, reset),
		cmocka_unit_test_setup(nobody_listening, reset),
		cmocka_unit_test_setup(bad_arguments, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
