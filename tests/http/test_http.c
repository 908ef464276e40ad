/* The HTTP layer against a real server on 127.0.0.1:0, libcurl as client. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include <onecard/error.h>

#include "http.h"

#define TEST_BODY_MAX	   1024u
#define CAPTURE_MAX	   (64u * 1024u)
#define CONCURRENT_THREADS 4
#define CONCURRENT_TOTAL   50

/* What one libcurl request brought back. */
struct reply {
	long status;
	char body[CAPTURE_MAX + 1];
	size_t body_len;
	char headers[CAPTURE_MAX + 1];
	size_t headers_len;
};

static int echo_handler(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	json_t *in = NULL;
	json_t *out = NULL;
	int r;

	(void)app;
	r = oc_http_request_json(req, &in, resp);
	if (r != ONECARD_OK) {
		goto out;
	}
	out = json_pack("{s:O?}", "value", json_object_get(in, "value"));
	if (out == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = oc_http_reply_json(resp, 200, out);
out:
	json_decref(in);
	json_decref(out);
	return r;
}

static int unavailable_handler(void *app, const struct oc_http_request *req,
			       struct oc_http_response *resp)
{
	(void)app;
	(void)req;
	return oc_http_reply_error(resp, 503, "temporarily_unavailable", "try again later");
}

static int slow_handler(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct timespec pause = {1, 0};

	(void)app;
	(void)req;
	nanosleep(&pause, NULL);
	return oc_http_reply_bytes(resp, 200, "text/plain", "slow", 4);
}

static int cached_handler(void *app, const struct oc_http_request *req,
			  struct oc_http_response *resp)
{
	int r;

	(void)app;
	(void)req;
	r = oc_http_reply_bytes(resp, 200, "application/json", "{}", 2);
	if (r == ONECARD_OK) {
		r = oc_http_response_add_header(resp, "Cache-Control", "public, max-age=300");
	}
	return r;
}

static int failing_handler(void *app, const struct oc_http_request *req,
			   struct oc_http_response *resp)
{
	(void)app;
	(void)req;
	(void)resp;
	return ONECARD_ERR_INTERNAL;
}

static const struct oc_http_route test_routes[] = {
	{"POST", "/echo", echo_handler},
	{"PUT", "/echo", echo_handler},
	{"GET", "/unavailable", unavailable_handler},
	{"GET", "/slow", slow_handler},
	{"GET", "/cached", cached_handler},
	{"GET", "/fail", failing_handler},
};

static size_t capture_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rep = arg;
	size_t len = size * n;

	if (len > CAPTURE_MAX - rep->body_len) {
		return 0;
	}
	memcpy(rep->body + rep->body_len, data, len);
	rep->body_len += len;
	rep->body[rep->body_len] = '\0';
	return len;
}

static size_t capture_header(char *data, size_t size, size_t n, void *arg)
{
	struct reply *rep = arg;
	size_t len = size * n;

	if (len > CAPTURE_MAX - rep->headers_len) {
		return 0;
	}
	memcpy(rep->headers + rep->headers_len, data, len);
	rep->headers_len += len;
	rep->headers[rep->headers_len] = '\0';
	return len;
}

/* One request; content_type NULL sends none; chunked sends the body
 * without Content-Length. Returns the CURLcode. */
static CURLcode request_ex(uint16_t port, const char *method, const char *path,
			   const char *content_type, const char *body, size_t body_len, int chunked,
			   struct reply *rep)
{
	char url[OC_HTTP_URL_MAX_LIMIT + 64];
	char ct[256];
	struct curl_slist *headers = NULL;
	CURL *curl;
	CURLcode rc;

	memset(rep, 0, sizeof(*rep));
	curl = curl_easy_init();
	if (curl == NULL) {
		return CURLE_OUT_OF_MEMORY;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, capture_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, rep);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, rep);
	/* The server answers 413 before the body: no 100-continue dance. */
	headers = curl_slist_append(headers, "Expect:");
	if (chunked) {
		headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
	}
	if (content_type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ct);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &rep->status);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc;
}

static CURLcode request(uint16_t port, const char *method, const char *path,
			const char *content_type, const char *body, size_t body_len,
			struct reply *rep)
{
	return request_ex(port, method, path, content_type, body, body_len, 0, rep);
}

static CURLcode post_json(uint16_t port, const char *body, struct reply *rep)
{
	return request(port, "POST", "/echo", "application/json", body, strlen(body), rep);
}

/* Whether the response headers contain line (case-insensitive name). */
static int has_header(const struct reply *rep, const char *line)
{
	size_t len = strlen(line);
	const char *p = rep->headers;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, line, len) == 0 && (p[len] == '\r' || p[len] == '\n')) {
			return 1;
		}
		p = strchr(p, '\n');
		if (p != NULL) {
			p++;
		}
	}
	return 0;
}

static void assert_error_body(const struct reply *rep, const char *code)
{
	json_error_t err;
	json_t *body = json_loads(rep->body, JSON_REJECT_DUPLICATES, &err);

	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "error")), code);
	assert_true(json_is_string(json_object_get(body, "error_description")));
	assert_int_equal(json_object_size(body), 2);
	json_decref(body);
	assert_true(has_header(rep, "Content-Type: application/json"));
	assert_true(has_header(rep, "Cache-Control: no-store"));
	assert_true(has_header(rep, "X-Content-Type-Options: nosniff"));
}

static int start_server(void **state)
{
	struct oc_http_config cfg;
	oc_http_server *srv = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "127.0.0.1";
	cfg.port = 0;
	cfg.threads = 4;
	cfg.timeout_seconds = 10;
	cfg.body_max = TEST_BODY_MAX;
	if (oc_http_server_new(&cfg, test_routes, sizeof(test_routes) / sizeof(test_routes[0]),
			       NULL, &srv) != ONECARD_OK) {
		return -1;
	}
	if (oc_http_server_start(srv) != ONECARD_OK) {
		oc_http_server_free(srv);
		return -1;
	}
	*state = srv;
	return 0;
}

static int stop_server(void **state)
{
	oc_http_server_free(*state);
	*state = NULL;
	return 0;
}

static uint16_t port_of(void **state)
{
	return oc_http_server_port(*state);
}

static void test_port_getter(void **state)
{
	assert_int_not_equal(port_of(state), 0);
}

static void test_echo(void **state)
{
	struct reply rep;

	assert_int_equal(post_json(port_of(state), "{\"value\":\"hello\"}", &rep), CURLE_OK);
	assert_int_equal(rep.status, 200);
	assert_string_equal(rep.body, "{\"value\":\"hello\"}");
	assert_true(has_header(&rep, "Content-Type: application/json"));
	assert_true(has_header(&rep, "Cache-Control: no-store"));
	assert_true(has_header(&rep, "X-Content-Type-Options: nosniff"));
}

static void test_json_media_type_with_charset(void **state)
{
	struct reply rep;
	const char *body = "{\"value\":1}";

	assert_int_equal(request(port_of(state), "POST", "/echo", "application/json; charset=utf-8",
				 body, strlen(body), &rep),
			 CURLE_OK);
	assert_int_equal(rep.status, 200);
	assert_string_equal(rep.body, "{\"value\":1}");
}

static void test_not_found(void **state)
{
	struct reply rep;

	assert_int_equal(request(port_of(state), "GET", "/nothing", NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 404);
	assert_error_body(&rep, "not_found");
}

static void test_query_string_is_not_the_path(void **state)
{
	struct reply rep;

	/* libmicrohttpd strips the query; the route still matches. */
	assert_int_equal(request(port_of(state), "GET", "/unavailable?x=1", NULL, NULL, 0, &rep),
			 CURLE_OK);
	assert_int_equal(rep.status, 503);
}

static void test_method_not_allowed(void **state)
{
	struct reply rep;

	assert_int_equal(request(port_of(state), "GET", "/echo", NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 405);
	assert_true(has_header(&rep, "Allow: POST, PUT"));
	assert_error_body(&rep, "invalid_request");
}

static void test_handler_error_status(void **state)
{
	struct reply rep;

	assert_int_equal(request(port_of(state), "GET", "/unavailable", NULL, NULL, 0, &rep),
			 CURLE_OK);
	assert_int_equal(rep.status, 503);
	assert_error_body(&rep, "temporarily_unavailable");
}

static void test_handler_failure_is_500(void **state)
{
	struct reply rep;

	assert_int_equal(request(port_of(state), "GET", "/fail", NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 500);
	assert_error_body(&rep, "internal");
}

static void test_handler_cache_header_wins(void **state)
{
	struct reply rep;

	assert_int_equal(request(port_of(state), "GET", "/cached", NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 200);
	assert_true(has_header(&rep, "Cache-Control: public, max-age=300"));
	assert_false(has_header(&rep, "Cache-Control: no-store"));
	assert_true(has_header(&rep, "X-Content-Type-Options: nosniff"));
}

static void test_body_too_large(void **state)
{
	struct reply rep;
	size_t len = 256u * 1024u;
	char *big = malloc(len);

	assert_non_null(big);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	assert_int_equal(
		request(port_of(state), "POST", "/echo", "application/json", big, len, &rep),
		CURLE_OK);
	free(big);
	assert_int_equal(rep.status, 413);
	assert_error_body(&rep, "invalid_request");
	/* The server still answers. */
	assert_int_equal(post_json(port_of(state), "{\"value\":2}", &rep), CURLE_OK);
	assert_int_equal(rep.status, 200);
}

static void test_chunked_body_too_large(void **state)
{
	struct reply rep;
	size_t len = 256u * 1024u;
	char *big = malloc(len);
	CURLcode rc;

	assert_non_null(big);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	rc = request_ex(port_of(state), "POST", "/echo", "application/json", big, len, 1, &rep);
	free(big);
	/* No Content-Length to refuse early: either 413 or a closed
	 * connection, never the handler. */
	if (rc == CURLE_OK) {
		assert_int_equal(rep.status, 413);
	}
	assert_int_equal(post_json(port_of(state), "{\"value\":3}", &rep), CURLE_OK);
	assert_int_equal(rep.status, 200);
}

static void test_body_at_limit(void **state)
{
	struct reply rep;
	char body[TEST_BODY_MAX];

	memset(body, ' ', sizeof(body));
	body[0] = '{';
	body[sizeof(body) - 1] = '}';
	assert_int_equal(request(port_of(state), "POST", "/echo", "application/json", body,
				 sizeof(body), &rep),
			 CURLE_OK);
	assert_int_equal(rep.status, 200);
	assert_string_equal(rep.body, "{\"value\":null}");
}

static void test_url_too_long(void **state)
{
	struct reply rep;
	char path[OC_HTTP_URL_MAX_DEFAULT + 16];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(request(port_of(state), "GET", path, NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 414);
}

static void test_wrong_content_type(void **state)
{
	struct reply rep;
	const char *body = "{\"value\":1}";

	assert_int_equal(
		request(port_of(state), "POST", "/echo", "text/plain", body, strlen(body), &rep),
		CURLE_OK);
	assert_int_equal(rep.status, 415);
	assert_error_body(&rep, "invalid_request");
	assert_int_equal(request(port_of(state), "POST", "/echo", "application/jsonx", body,
				 strlen(body), &rep),
			 CURLE_OK);
	assert_int_equal(rep.status, 415);
	assert_int_equal(request(port_of(state), "POST", "/echo", NULL, NULL, 0, &rep), CURLE_OK);
	assert_int_equal(rep.status, 415);
}

static void test_malformed_json(void **state)
{
	static const char *const bad[] = {
		"{\"value\":", "[1,2]", "{\"value\":1,\"value\":2}", "\"text\"", "", "{} {}",
	};
	struct reply rep;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(post_json(port_of(state), bad[i], &rep), CURLE_OK);
		assert_int_equal(rep.status, 400);
		assert_error_body(&rep, "invalid_request");
	}
}

static void *concurrent_client(void *arg)
{
	uint16_t port = *(const uint16_t *)arg;
	struct reply *rep = malloc(sizeof(*rep));
	uintptr_t ok = 0;
	int i;

	if (rep == NULL) {
		return NULL;
	}
	for (i = 0; i < CONCURRENT_TOTAL / CONCURRENT_THREADS + 1; i++) {
		if (post_json(port, "{\"value\":\"c\"}", rep) == CURLE_OK && rep->status == 200 &&
		    strcmp(rep->body, "{\"value\":\"c\"}") == 0) {
			ok++;
		}
	}
	free(rep);
	return (void *)ok;
}

static void test_concurrent(void **state)
{
	pthread_t threads[CONCURRENT_THREADS];
	uint16_t port = port_of(state);
	uintptr_t total = 0;
	void *ok = NULL;
	int i;

	for (i = 0; i < CONCURRENT_THREADS; i++) {
		assert_int_equal(pthread_create(&threads[i], NULL, concurrent_client, &port), 0);
	}
	for (i = 0; i < CONCURRENT_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], &ok), 0);
		total += (uintptr_t)ok;
	}
	/* 4 threads x 13 requests: at least the 50 asked for, all answered. */
	assert_int_equal(total, (CONCURRENT_TOTAL / CONCURRENT_THREADS + 1) * CONCURRENT_THREADS);
	assert_true(total >= CONCURRENT_TOTAL);
}

struct slow_call {
	uint16_t port;
	CURLcode rc;
	struct reply rep;
};

static void *slow_client(void *arg)
{
	struct slow_call *call = arg;

	call->rc = request(call->port, "GET", "/slow", NULL, NULL, 0, &call->rep);
	return NULL;
}

static void test_graceful_stop(void **state)
{
	struct timespec pause = {0, 300 * 1000 * 1000};
	struct slow_call *call = calloc(1, sizeof(*call));
	struct reply *after = malloc(sizeof(*after));
	oc_http_server *srv = NULL;
	pthread_t thread;
	uint16_t port;

	(void)state;
	assert_non_null(call);
	assert_non_null(after);
	assert_int_equal(start_server((void **)&srv), 0);
	port = oc_http_server_port(srv);
	call->port = port;
	assert_int_equal(pthread_create(&thread, NULL, slow_client, call), 0);
	nanosleep(&pause, NULL); /* the slow handler is running now */
	assert_int_equal(oc_http_server_stop(srv), ONECARD_OK);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(call->rc, CURLE_OK);
	assert_int_equal(call->rep.status, 200);
	assert_string_equal(call->rep.body, "slow");
	/* Stopped: nobody listens any more; stop again is harmless. */
	assert_int_equal(oc_http_server_port(srv), 0);
	assert_int_not_equal(request(port, "GET", "/unavailable", NULL, NULL, 0, after), CURLE_OK);
	assert_int_equal(oc_http_server_stop(srv), ONECARD_OK);
	oc_http_server_free(srv);
	free(after);
	free(call);
}

static void test_free_null(void **state)
{
	(void)state;
	oc_http_server_free(NULL);
	assert_int_equal(oc_http_server_port(NULL), 0);
}

static void test_config_refused(void **state)
{
	struct oc_http_config cfg;
	struct oc_http_route bad_path[] = {{"GET", "no-slash", slow_handler}};
	struct oc_http_route dup[] = {{"GET", "/a", slow_handler}, {"GET", "/a", slow_handler}};
	oc_http_server *srv = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "localhost"; /* a literal is required */
	assert_int_equal(oc_http_server_new(&cfg, test_routes, 1, NULL, &srv),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(srv);
	cfg.address = "::1";
	cfg.body_max = OC_HTTP_BODY_MAX_LIMIT + 1u;
	assert_int_equal(oc_http_server_new(&cfg, test_routes, 1, NULL, &srv),
			 ONECARD_ERR_INVALID_ARG);
	cfg.body_max = 0;
	cfg.threads = OC_HTTP_THREADS_MAX + 1u;
	assert_int_equal(oc_http_server_new(&cfg, test_routes, 1, NULL, &srv),
			 ONECARD_ERR_INVALID_ARG);
	cfg.threads = 0;
	assert_int_equal(oc_http_server_new(&cfg, bad_path, 1, NULL, &srv),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_http_server_new(&cfg, dup, 2, NULL, &srv), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_http_server_new(&cfg, test_routes, 0, NULL, &srv),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_http_server_new(&cfg, test_routes, 1, NULL, &srv), ONECARD_OK);
	oc_http_server_free(srv);
}

static void test_reply_helpers_refuse(void **state)
{
	struct oc_http_response *resp = NULL;

	(void)state;
	assert_int_equal(oc_http_reply_error(resp, 400, "x", "y"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_http_response_add_header(resp, "X-A", "b"), ONECARD_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest served[] = {
		cmocka_unit_test(test_port_getter),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_json_media_type_with_charset),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_query_string_is_not_the_path),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_handler_error_status),
		cmocka_unit_test(test_handler_failure_is_500),
		cmocka_unit_test(test_handler_cache_header_wins),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_chunked_body_too_large),
		cmocka_unit_test(test_body_at_limit),
		cmocka_unit_test(test_url_too_long),
		cmocka_unit_test(test_wrong_content_type),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_concurrent),
	};
	const struct CMUnitTest standalone[] = {
		cmocka_unit_test(test_graceful_stop),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_config_refused),
		cmocka_unit_test(test_reply_helpers_refuse),
	};
	int failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return 1;
	}
	failed = cmocka_run_group_tests_name("served", served, start_server, stop_server);
	failed += cmocka_run_group_tests_name("standalone", standalone, NULL, NULL);
	curl_global_cleanup();
	return failed;
}
