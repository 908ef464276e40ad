/*
 * The libcurl client (pkcs11/login/http_curl.c) against the test authd on
 * 127.0.0.1: what it sends, the answer kept whatever the status, the size
 * cap (with and without Content-Length), redirects never followed, no
 * plain-text fallback for https, and the reasons for no answer at all.
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

#include "fake_authd.h"
#include "login.h"

#define JSON "application/json"

static struct fake_authd *fa;

static int setup(void **state)
{
	(void)state;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return -1;
	}
	fa = fake_authd_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_authd_stop(fa);
	curl_global_cleanup();
	return 0;
}

static int reset(void **state)
{
	(void)state;
	fake_authd_reset(fa);
	return 0;
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

static void challenge_round_trip(void **state)
{
	struct oc_login_http *h = client(fake_authd_url(fa));
	struct oc_login_reply reply;
	struct oc_login_challenge c;
	const char *why = NULL;
	char *sent, *type;

	(void)state;
	assert_int_equal(
		post(h, "/v1/challenge", "{\"audience\":\"provincial-portal\"}", &reply, &why),
		ONECARD_OK);
	assert_int_equal(reply.status, 200);
	assert_true(reply.json);
	assert_int_equal(strlen(reply.body), reply.len);
	assert_int_equal(
		oc_login_challenge_parse(reply.body, reply.len, "provincial-portal", &c, &why),
		ONECARD_OK);
	assert_string_equal(c.origin, fake_authd_url(fa));
	oc_login_reply_clear(&reply);
	assert_null(reply.body);
	/* What went out: exactly the body, as JSON. */
	sent = fake_authd_last_body(fa, "/v1/challenge");
	type = fake_authd_last_type(fa, "/v1/challenge");
	assert_string_equal(sent, "{\"audience\":\"provincial-portal\"}");
	assert_string_equal(type, JSON);
	free(sent);
	free(type);
	assert_int_equal(fake_authd_requests(fa, "/v1/challenge"), 1);
	oc_login_http_free(h);
	oc_login_http_free(NULL);
}

static void error_answer_kept(void **state)
{
	static const char body[] =
		"{\"error\":\"cert_revoked\","
		"\"error_description\":\"a certificate in the path is revoked\"}";
	struct oc_login_http *h = client(fake_authd_url(fa));
	struct oc_login_reply reply;
	struct oc_login_error e;
	const char *why = NULL;

	(void)state;
	fake_authd_override(fa, "/v1/login", 401, JSON, body, strlen(body), false);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 401);
	assert_true(reply.json);
	assert_int_equal(oc_login_error_parse(reply.body, reply.len, &e), ONECARD_OK);
	assert_string_equal(e.code, "cert_revoked");
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

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
		{"text/html", false},
		{NULL, false},
	};
	struct oc_login_http *h = client(fake_authd_url(fa));
	struct oc_login_reply reply;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_authd_override(fa, "/v1/challenge", 200, cases[i].type, "{}", 2, false);
		assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
		assert_int_equal(reply.json, cases[i].json);
		oc_login_reply_clear(&reply);
	}
	oc_login_http_free(h);
}

static void size_cap(void **state)
{
	struct oc_login_http *h = client(fake_authd_url(fa));
	struct oc_login_reply reply;
	const char *why = NULL;
	char *big = malloc(OC_LOGIN_RESPONSE_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', OC_LOGIN_RESPONSE_MAX + 1);
	big[0] = '{';
	big[OC_LOGIN_RESPONSE_MAX - 1] = '}';
	/* Exactly the limit is read. */
	fake_authd_override(fa, "/v1/login", 200, JSON, big, OC_LOGIN_RESPONSE_MAX, false);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.len, OC_LOGIN_RESPONSE_MAX);
	oc_login_reply_clear(&reply);
	/* One byte more, announced by Content-Length. */
	fake_authd_override(fa, "/v1/login", 200, JSON, big, OC_LOGIN_RESPONSE_MAX + 1, false);
	reply.status = 99;
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_TOO_LARGE);
	assert_non_null(strstr(why, "larger"));
	assert_null(reply.body);
	assert_int_equal(reply.status, 0);
	/* Or streamed without a length until the connection closes. */
	fake_authd_override(fa, "/v1/login", 200, JSON, NULL, 10u * OC_LOGIN_RESPONSE_MAX, true);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_ERR_TOO_LARGE);
	assert_null(reply.body);
	/* The same client works on afterwards. */
	fake_authd_reset(fa);
	assert_int_equal(post(h, "/v1/challenge", "{\"audience\":\"a\"}", &reply, &why),
			 ONECARD_OK);
	assert_int_equal(reply.status, 200);
	oc_login_reply_clear(&reply);
	free(big);
	oc_login_http_free(h);
}

static void redirect_not_followed(void **state)
{
	struct oc_login_http *h = client(fake_authd_url(fa));
	struct oc_login_reply reply;
	const char *why = NULL;
	char target[FAKE_URL_MAX * 2];

	(void)state;
	(void)snprintf(target, sizeof(target), "%s/elsewhere", fake_authd_url(fa));
	fake_authd_redirect(fa, "/v1/login", target);
	assert_int_equal(post(h, "/v1/login", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 302);
	assert_false(reply.json);
	assert_int_equal(fake_authd_requests(fa, "/elsewhere"), 0);
	assert_int_equal(fake_authd_connections(fa), 1);
	assert_int_equal(oc_login_exit_for_error(NULL, reply.status), OC_LOGIN_EXIT_BAD_ANSWER);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

static void path_prefix(void **state)
{
	char url[FAKE_URL_MAX * 2];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "%s/auth/", fake_authd_url(fa));
	h = client(url);
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_OK);
	assert_int_equal(reply.status, 404);
	assert_int_equal(fake_authd_requests(fa, "/auth/v1/challenge"), 1);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* localhost resolves to loopback only: the socket filter lets it through. */
static void localhost_name(void **state)
{
	char url[FAKE_URL_MAX * 2];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "http://localhost:%u", fake_authd_port(fa));
	h = client(url);
	assert_int_equal(post(h, "/v1/challenge", "{\"audience\":\"a\"}", &reply, &why),
			 ONECARD_OK);
	assert_int_equal(reply.status, 200);
	oc_login_reply_clear(&reply);
	oc_login_http_free(h);
}

/* https to a plain-text server fails in the handshake; nothing falls
 * back to http. */
static void https_no_fallback(void **state)
{
	char url[FAKE_URL_MAX * 2];
	struct oc_login_http *h;
	struct oc_login_reply reply;
	const char *why = NULL;

	(void)state;
	(void)snprintf(url, sizeof(url), "https://127.0.0.1:%u", fake_authd_port(fa));
	h = client(url);
	assert_int_equal(post(h, "/v1/challenge", "{}", &reply, &why), ONECARD_ERR_IO);
	assert_true(strlen(why) > 0);
	assert_null(reply.body);
	assert_int_equal(fake_authd_requests(fa, "/v1/challenge"), 0);
	oc_login_http_free(h);
}

/* A port nobody listens on: no answer, a reason, ONECARD_ERR_IO. */
static void nobody_listening(void **state)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char url[FAKE_URL_MAX];
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

static void bad_arguments(void **state)
{
	struct oc_login_http *h = client(fake_authd_url(fa));
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
	assert_int_equal(fake_authd_connections(fa), 0);
	memset(&empty, 0, sizeof(empty));
	oc_login_http_free(h);
	h = (struct oc_login_http *)&h;
	assert_int_equal(oc_login_http_new(&empty, NULL, &h), ONECARD_ERR_INVALID_ARG);
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(challenge_round_trip, reset),
		cmocka_unit_test_setup(error_answer_kept, reset),
		cmocka_unit_test_setup(content_types, reset),
		cmocka_unit_test_setup(size_cap, reset),
		cmocka_unit_test_setup(redirect_not_followed, reset),
		cmocka_unit_test_setup(path_prefix, reset),
		cmocka_unit_test_setup(localhost_name, reset),
		cmocka_unit_test_setup(https_no_fallback, reset),
		cmocka_unit_test_setup(nobody_listening, reset),
		cmocka_unit_test_setup(bad_arguments, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
