/*
 * The libmicrohttpd adapter (STYLE.md §2: the one file that touches it).
 *
 * Each request gets a small state on its first callback: the route is
 * chosen and the limits checked there, before any body byte is read, so
 * 404, 405, 413 and 414 are answered without reading the upload. The
 * body is then gathered up to body_max and the handler runs once, on
 * the pool thread, with the whole body.
 *
 * Graceful stop counts requests from their first callback to MHD's
 * completion notice; idle keep-alive connections do not hold it up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include <onecard/error.h>

#include "http_internal.h"

#define DEFAULT_ADDRESS "127.0.0.1"

struct route {
	char method[OC_HTTP_METHOD_MAX + 1];
	char path[OC_HTTP_PATH_MAX + 1];
	oc_http_handler handler;
};

struct oc_http_server {
	unsigned threads;
	unsigned connection_limit;
	unsigned timeout_seconds;
	size_t body_max;
	size_t url_max;
	oc_http_log_fn log;
	void *log_arg;
	struct sockaddr_storage addr;
	int ipv6;
	struct route *routes;
	size_t n_routes;
	void *app;
	struct MHD_Daemon *daemon;
	uint16_t port;
	pthread_mutex_t lock; /* guards in_flight */
	pthread_cond_t idle;  /* signalled when in_flight drops to 0 */
	size_t in_flight;
};

/* One request's state, from the first callback to the completion notice. */
struct request_state {
	const struct route *route;
	unsigned char *body;
	size_t body_len;
	size_t body_cap;
	int replied; /* a response was queued before the body was read */
	char remote[OC_HTTP_REMOTE_ADDR_SIZE];
};

static void log_message(const struct oc_http_server *srv, const char *message)
{
	if (srv->log != NULL) {
		srv->log(srv->log_arg, message);
	}
}

static int parse_address(const char *text, uint16_t port, struct sockaddr_storage *addr, int *ipv6)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;

	memset(addr, 0, sizeof(*addr));
	*ipv6 = 0;
	if (strnlen(text, OC_HTTP_ADDRESS_MAX + 1) > OC_HTTP_ADDRESS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		return ONECARD_OK;
	}
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*ipv6 = 1;
		return ONECARD_OK;
	}
	return ONECARD_ERR_INVALID_ARG;
}

/* A route path: "/" then printable ASCII without spaces, '?' or '#'. */
static int is_route_path(const char *path)
{
	size_t len;
	size_t i;

	if (path == NULL) {
		return 0;
	}
	len = strnlen(path, OC_HTTP_PATH_MAX + 1);
	if (len == 0 || len > OC_HTTP_PATH_MAX || path[0] != '/') {
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
			return 0;
		}
	}
	return 1;
}

static int copy_routes(const struct oc_http_route *routes, size_t n, struct route **out)
{
	struct route *copy = NULL;
	size_t i;
	size_t j;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	copy = calloc(n, sizeof(*copy));
	if (copy == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!oc_http_is_token(routes[i].method, OC_HTTP_METHOD_MAX) ||
		    !is_route_path(routes[i].path) || routes[i].handler == NULL) {
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		memcpy(copy[i].method, routes[i].method, strlen(routes[i].method) + 1);
		memcpy(copy[i].path, routes[i].path, strlen(routes[i].path) + 1);
		copy[i].handler = routes[i].handler;
		for (j = 0; j < i; j++) {
			if (strcmp(copy[j].method, copy[i].method) == 0 &&
			    strcmp(copy[j].path, copy[i].path) == 0) {
				r = ONECARD_ERR_INVALID_ARG;
				goto out;
			}
		}
	}
	*out = copy;
	copy = NULL;
	r = ONECARD_OK;
out:
	free(copy);
	return r;
}

static unsigned pick(unsigned value, unsigned fallback)
{
	return value == 0 ? fallback : value;
}

static size_t pick_size(size_t value, size_t fallback)
{
	return value == 0 ? fallback : value;
}

int oc_http_server_new(const struct oc_http_config *cfg, const struct oc_http_route *routes,
		       size_t n, void *app, oc_http_server **out)
{
	struct oc_http_server *srv = NULL;
	const char *address;
	int r = ONECARD_ERR_INTERNAL;

	if (out != NULL) {
		*out = NULL;
	}
	if (cfg == NULL || routes == NULL || out == NULL || n == 0 || n > OC_HTTP_ROUTES_MAX) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	srv->threads = pick(cfg->threads, OC_HTTP_THREADS_DEFAULT);
	srv->connection_limit = pick(cfg->connection_limit, OC_HTTP_CONN_LIMIT_DEFAULT);
	srv->timeout_seconds = pick(cfg->timeout_seconds, OC_HTTP_TIMEOUT_DEFAULT);
	srv->body_max = pick_size(cfg->body_max, OC_HTTP_BODY_MAX_DEFAULT);
	srv->url_max = pick_size(cfg->url_max, OC_HTTP_URL_MAX_DEFAULT);
	srv->log = cfg->log;
	srv->log_arg = cfg->log_arg;
	srv->app = app;
	/* libmicrohttpd shares the connection limit among the pool threads. */
	if (srv->threads > OC_HTTP_THREADS_MAX || srv->connection_limit > OC_HTTP_CONN_LIMIT_MAX ||
	    srv->connection_limit < srv->threads || srv->timeout_seconds > OC_HTTP_TIMEOUT_MAX ||
	    srv->body_max > OC_HTTP_BODY_MAX_LIMIT || srv->url_max > OC_HTTP_URL_MAX_LIMIT) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	address = cfg->address != NULL ? cfg->address : DEFAULT_ADDRESS;
	r = parse_address(address, cfg->port, &srv->addr, &srv->ipv6);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = copy_routes(routes, n, &srv->routes);
	if (r != ONECARD_OK) {
		goto out;
	}
	srv->n_routes = n;
	if (pthread_mutex_init(&srv->lock, NULL) != 0) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	if (pthread_cond_init(&srv->idle, NULL) != 0) {
		pthread_mutex_destroy(&srv->lock);
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*out = srv;
	srv = NULL;
	r = ONECARD_OK;
out:
	if (srv != NULL) {
		free(srv->routes);
		free(srv);
	}
	return r;
}

size_t oc_http_unescape(char *s)
{
	return MHD_http_unescape(s);
}

const char *oc_http_request_header(const struct oc_http_request *req, const char *name)
{
	if (req == NULL || req->conn_ == NULL || name == NULL) {
		return NULL;
	}
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn_, MHD_HEADER_KIND,
					   name);
}

/* Queues resp (its body handed to libmicrohttpd) with the headers every
 * response carries. allow is the Allow value for 405, else NULL. */
static enum MHD_Result send_response(struct oc_http_server *srv, struct MHD_Connection *conn,
				     struct oc_http_response *resp, const char *allow)
{
	static char empty[1];
	struct MHD_Response *m = NULL;
	enum MHD_Result ret = MHD_NO;
	size_t i;

	if (resp->body != NULL) {
		m = MHD_create_response_from_buffer(resp->body_len, resp->body,
						    MHD_RESPMEM_MUST_FREE);
		if (m != NULL) {
			resp->body = NULL; /* libmicrohttpd frees it now */
		}
	} else {
		m = MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT);
	}
	if (m == NULL) {
		log_message(srv, "http: cannot create a response");
		goto out;
	}
	if (MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type) !=
		    MHD_YES ||
	    MHD_add_response_header(m, "X-Content-Type-Options", "nosniff") != MHD_YES) {
		goto out;
	}
	for (i = 0; i < resp->n_headers; i++) {
		if (MHD_add_response_header(m, resp->headers[i].name, resp->headers[i].value) !=
		    MHD_YES) {
			goto out;
		}
	}
	if (!oc_http_response_has_header(resp, "Cache-Control") &&
	    MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) {
		goto out;
	}
	if (allow != NULL && MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES) {
		goto out;
	}
	ret = MHD_queue_response(conn, resp->status, m);
	if (ret != MHD_YES) {
		log_message(srv, "http: cannot queue a response");
	}
out:
	MHD_destroy_response(m);
	return ret;
}

/* Answers with the fixed JSON error body. */
static enum MHD_Result send_error(struct oc_http_server *srv, struct MHD_Connection *conn,
				  unsigned status, const char *code, const char *description,
				  const char *allow)
{
	struct oc_http_response resp;
	enum MHD_Result ret = MHD_NO;

	memset(&resp, 0, sizeof(resp));
	if (oc_http_reply_error(&resp, status, code, description) != ONECARD_OK) {
		log_message(srv, "http: cannot build an error response");
		goto out;
	}
	ret = send_response(srv, conn, &resp, allow);
out:
	oc_http_response_reset(&resp);
	return ret;
}

/* The methods routed at path, joined with ", " into allow. */
static void allowed_methods(const struct oc_http_server *srv, const char *path, char *allow,
			    size_t size)
{
	size_t used = 0;
	size_t i;

	allow[0] = '\0';
	for (i = 0; i < srv->n_routes; i++) {
		size_t len = strlen(srv->routes[i].method);
		size_t sep = used == 0 ? 0 : 2;

		if (strcmp(srv->routes[i].path, path) != 0) {
			continue;
		}
		if (used + sep + len + 1 > size) {
			break;
		}
		if (sep != 0) {
			memcpy(allow + used, ", ", 2);
		}
		memcpy(allow + used + sep, srv->routes[i].method, len);
		used += sep + len;
		allow[used] = '\0';
	}
}

/* Whether Content-Length (if any) announces more than max bytes. MHD has
 * already refused a malformed value. */
static int announced_too_large(struct MHD_Connection *conn, size_t max)
{
	const char *text;
	size_t value = 0;
	const char *p;

	text = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (text == NULL) {
		return 0;
	}
	for (p = text; *p >= '0' && *p <= '9'; p++) {
		value = value * 10u + (size_t)(*p - '0');
		if (value > max) {
			return 1;
		}
	}
	return 0;
}

static void remote_address(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *info;
	const struct sockaddr *sa;

	buf[0] = '\0';
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info == NULL || info->client_addr == NULL) {
		return;
	}
	sa = info->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)sa;

		if (inet_ntop(AF_INET, &v4->sin_addr, buf, (socklen_t)size) == NULL) {
			buf[0] = '\0';
		}
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (inet_ntop(AF_INET6, &v6->sin6_addr, buf, (socklen_t)size) == NULL) {
			buf[0] = '\0';
		}
	}
}

/* First callback: route and limits, before any body byte is read. */
static enum MHD_Result begin_request(struct oc_http_server *srv, struct MHD_Connection *conn,
				     struct request_state *st, const char *url, const char *method)
{
	char allow[OC_HTTP_HEADER_VALUE_MAX + 1];
	int path_known = 0;
	size_t i;

	remote_address(conn, st->remote, sizeof(st->remote));
	if (strnlen(url, srv->url_max + 1) > srv->url_max) {
		st->replied = 1;
		return send_error(srv, conn, 414, "invalid_request", "request URL is too long",
				  NULL);
	}
	for (i = 0; i < srv->n_routes; i++) {
		if (strcmp(srv->routes[i].path, url) != 0) {
			continue;
		}
		path_known = 1;
		if (strcmp(srv->routes[i].method, method) == 0) {
			st->route = &srv->routes[i];
			break;
		}
	}
	if (!path_known) {
		st->replied = 1;
		return send_error(srv, conn, 404, "not_found", "no such resource", NULL);
	}
	if (st->route == NULL) {
		allowed_methods(srv, url, allow, sizeof(allow));
		st->replied = 1;
		return send_error(srv, conn, 405, "invalid_request",
				  "method not allowed for this resource", allow);
	}
	if (announced_too_large(conn, srv->body_max)) {
		log_message(srv, "http: request body over the limit");
		st->replied = 1;
		return send_error(srv, conn, 413, "invalid_request", "request body is too large",
				  NULL);
	}
	return MHD_YES;
}

/* Appends a piece of the upload, up to body_max. */
static int append_body(struct oc_http_server *srv, struct request_state *st, const char *data,
		       size_t len)
{
	unsigned char *grown;
	size_t cap;

	if (len > srv->body_max - st->body_len) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (st->body_len + len > st->body_cap) {
		cap = st->body_cap == 0 ? 1024u : st->body_cap;
		while (cap < st->body_len + len) {
			cap = cap > srv->body_max / 2u ? srv->body_max : cap * 2u;
		}
		/* Not realloc: bodies carry passwords, codes and credentials,
		 * and the old buffer is wiped before it goes back. */
		grown = malloc(cap);
		if (grown == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		if (st->body != NULL) {
			memcpy(grown, st->body, st->body_len);
			OPENSSL_cleanse(st->body, st->body_cap);
			free(st->body);
		}
		st->body = grown;
		st->body_cap = cap;
	}
	memcpy(st->body + st->body_len, data, len);
	st->body_len += len;
	return ONECARD_OK;
}

static enum MHD_Result run_handler(struct oc_http_server *srv, struct MHD_Connection *conn,
				   struct request_state *st, const char *url, const char *method)
{
	struct oc_http_request req;
	struct oc_http_response resp;
	enum MHD_Result ret;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.path = url;
	req.body = st->body;
	req.body_len = st->body_len;
	req.remote_addr = st->remote;
	req.conn_ = conn;
	r = st->route->handler(srv->app, &req, &resp);
	if (r != ONECARD_OK && resp.status == 0) {
		log_message(srv, "http: handler failed without a reply");
	}
	if (resp.status == 0) {
		oc_http_response_reset(&resp);
		ret = send_error(srv, conn, 500, "internal", "internal error", NULL);
	} else {
		ret = send_response(srv, conn, &resp, NULL);
	}
	oc_http_response_reset(&resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct oc_http_server *srv = cls;
	struct request_state *st = *req_cls;
	int r;

	(void)version;
	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL) {
			log_message(srv, "http: out of memory");
			return MHD_NO;
		}
		*req_cls = st;
		pthread_mutex_lock(&srv->lock);
		srv->in_flight++;
		pthread_mutex_unlock(&srv->lock);
		return begin_request(srv, conn, st, url, method);
	}
	if (st->replied) {
		/* Already answered: drop whatever body still arrives. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		r = append_body(srv, st, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (r == ONECARD_ERR_TOO_LARGE) {
			/* A chunked body over the limit: answer 413 if
			 * libmicrohttpd lets us this early, else close. */
			log_message(srv, "http: request body over the limit");
			st->replied = 1;
			return send_error(srv, conn, 413, "invalid_request",
					  "request body is too large", NULL);
		}
		if (r != ONECARD_OK) {
			log_message(srv, "http: out of memory");
			return MHD_NO;
		}
		return MHD_YES;
	}
	st->replied = 1;
	return run_handler(srv, conn, st, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct oc_http_server *srv = cls;
	struct request_state *st = *req_cls;

	(void)conn;
	(void)toe;
	if (st == NULL) {
		return;
	}
	*req_cls = NULL;
	if (st->body != NULL) {
		OPENSSL_cleanse(st->body, st->body_cap);
	}
	free(st->body);
	free(st);
	pthread_mutex_lock(&srv->lock);
	srv->in_flight--;
	if (srv->in_flight == 0) {
		pthread_cond_broadcast(&srv->idle);
	}
	pthread_mutex_unlock(&srv->lock);
}

int oc_http_server_start(oc_http_server *srv)
{
	const union MHD_DaemonInfo *info;
	unsigned flags;

	if (srv == NULL || srv->daemon != NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* No MHD_USE_ERROR_LOG: library code never logs. MHD_USE_ITC makes
	 * MHD_quiesce_daemon available for the graceful stop. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) {
		flags |= MHD_USE_EPOLL;
	}
	if (srv->ipv6) {
		flags |= MHD_USE_IPv6;
	}
	srv->daemon =
		MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
				 (struct sockaddr *)&srv->addr, MHD_OPTION_THREAD_POOL_SIZE,
				 srv->threads, MHD_OPTION_CONNECTION_LIMIT, srv->connection_limit,
				 MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_seconds,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		log_message(srv, "http: cannot start the server");
		return ONECARD_ERR_IO;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL ? info->port : 0;
	return ONECARD_OK;
}

uint16_t oc_http_server_port(const oc_http_server *srv)
{
	return srv == NULL ? 0 : srv->port;
}

int oc_http_server_stop(oc_http_server *srv)
{
	struct timespec deadline;
	MHD_socket listener;

	if (srv == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (srv->daemon == NULL) {
		return ONECARD_OK;
	}
	listener = MHD_quiesce_daemon(srv->daemon);
	if (clock_gettime(CLOCK_REALTIME, &deadline) != 0) {
		deadline.tv_sec = 0;
		deadline.tv_nsec = 0;
	}
	deadline.tv_sec += (time_t)srv->timeout_seconds;
	pthread_mutex_lock(&srv->lock);
	while (srv->in_flight > 0) {
		if (pthread_cond_timedwait(&srv->idle, &srv->lock, &deadline) == ETIMEDOUT) {
			log_message(srv, "http: stop grace time over, closing connections");
			break;
		}
	}
	pthread_mutex_unlock(&srv->lock);
	MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	srv->port = 0;
	if (listener != MHD_INVALID_SOCKET) {
		(void)close(listener);
	}
	return ONECARD_OK;
}

void oc_http_server_free(oc_http_server *srv)
{
	if (srv == NULL) {
		return;
	}
	(void)oc_http_server_stop(srv);
	pthread_cond_destroy(&srv->idle);
	pthread_mutex_destroy(&srv->lock);
	free(srv->routes);
	free(srv);
}
