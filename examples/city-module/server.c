/*
 * libmicrohttpd for the example city module (server.h). Every answer is
 * no-store and nosniff, with a Content-Security-Policy that allows
 * nothing to load: the page is static text. One log line per request on
 * stderr: method, path, status and the library's error code, never a
 * header's value (the token).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <onecard/error.h>

#include "guard.h"
#include "server.h"

#define THREADS		 4u
#define CONNECTION_LIMIT 64u
#define TIMEOUT_S	 10u
#define DESCRIPTION_MAX	 640u /* bytes of an error_description (cut there) */
#define CHALLENGE_MAX	 (DESCRIPTION_MAX + ONECARD_MODULE_NAME_MAX + 96u) /* WWW-Authenticate */
#define HTML		 "text/html; charset=utf-8"
#define TEXT		 "text/plain; charset=utf-8"

struct city_server {
	struct MHD_Daemon *daemon;
	const struct city_app *app;
};

/* Marks a request answered on its first call (*req_cls). */
static char answered;

/* Copies s into a quoted-string of RFC 6750 §3 (%x20-21 / %x23-5B /
 * %x5D-7E): anything else becomes '?'. */
static void quoted(char *dst, size_t size, const char *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; s[i] != '\0' && i + 1u < size; i++) {
		c = (unsigned char)s[i];
		dst[i] = (c < 0x20u || c > 0x7eu || c == '"' || c == '\\') ? '?' : (char)c;
	}
	dst[i] = '\0';
}

/* The Bearer challenge of a refusal (RFC 6750 §3), or -1. */
static int challenge(char *buf, size_t size, const char *realm, const struct city_outcome *o)
{
	char r[ONECARD_MODULE_NAME_MAX + 1], why[DESCRIPTION_MAX];
	int n;

	quoted(r, sizeof(r), realm);
	if (o->error == NULL) {
		n = snprintf(buf, size, "Bearer realm=\"%s\"", r);
	} else {
		quoted(why, sizeof(why), o->reason);
		n = snprintf(buf, size,
			     "Bearer realm=\"%s\", error=\"%s\", error_description=\"%s\"", r,
			     o->error, why);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Sends status with body (copied) and the common headers; extra header
 * (name, value) when name is not NULL. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const char *body, size_t len, const char *name, const char *value)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'") !=
		    MHD_YES ||
	    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") != MHD_YES ||
	    (name != NULL && MHD_add_response_header(resp, name, value) != MHD_YES)) {
		goto out;
	}
	ret = MHD_queue_response(conn, status, resp);
out:
	MHD_destroy_response(resp);
	return ret;
}

static void log_request(const char *method, const char *url, unsigned status, int code)
{
	char m[16], path[64];

	/* Method and path as sent may be anything: cleaned and cut for the log. */
	quoted(m, sizeof(m), method);
	quoted(path, sizeof(path), url);
	fprintf(stderr, "city-module: %s %s %u %s\n", m, path, status,
		code != 0 ? onecard_err_code(code) : "-");
}

static enum MHD_Result page(const struct city_app *app, struct MHD_Connection *conn,
			    const char *method)
{
	struct city_outcome o;
	struct city_page *p = NULL;
	char www[CHALLENGE_MAX];
	const char *auth;
	enum MHD_Result ret = MHD_NO;

	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	city_guard(app->module, auth, &o);
	log_request(method, "/", o.status, o.code);
	p = malloc(sizeof(*p));
	if (p == NULL) {
		goto out;
	}
	if (o.status == 200) {
		city_page_welcome(p, &app->info, onecard_claims_get0_string(o.claims, "sub"),
				  onecard_claims_get0_string(o.claims, "ent"));
	} else {
		city_page_refusal(p, &app->info, o.status, o.summary, o.reason, o.code);
	}
	if (p->overflow) {
		ret = reply(conn, 500, TEXT, "internal error\n", 15, NULL, NULL);
		goto out;
	}
	if (o.status == 401 || o.status == 403 || o.status == 400) {
		if (challenge(www, sizeof(www), app->info.id, &o) != 0) {
			goto out;
		}
		ret = reply(conn, o.status, HTML, p->buf, p->len, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			    www);
	} else if (o.status == 503) {
		ret = reply(conn, o.status, HTML, p->buf, p->len, MHD_HTTP_HEADER_RETRY_AFTER,
			    "60");
	} else {
		ret = reply(conn, o.status, HTML, p->buf, p->len, NULL, NULL);
	}
out:
	free(p);
	city_outcome_clear(&o);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	const struct city_server *s = cls;
	static const char ok[] = "ok\n", not_found[] = "not found\n",
			  not_allowed[] = "only GET and HEAD\n";

	(void)version;
	(void)upload_data;
	if (*req_cls == &answered) {
		/* A body after the answer (a GET has none we read): dropped. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	*req_cls = &answered;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		log_request(method, url, 405, 0);
		return reply(conn, 405, TEXT, not_allowed, sizeof(not_allowed) - 1u,
			     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	}
	if (strcmp(url, "/") == 0) {
		return page(s->app, conn, method);
	}
	if (strcmp(url, "/healthz") == 0) {
		return reply(conn, 200, TEXT, ok, sizeof(ok) - 1u, NULL, NULL);
	}
	log_request(method, url, 404, 0);
	return reply(conn, 404, TEXT, not_found, sizeof(not_found) - 1u, NULL, NULL);
}

int city_server_start(const struct city_options *o, const struct city_app *app,
		      struct city_server **out, unsigned *port, const char **why)
{
	struct city_server *s = NULL;
	struct sockaddr_storage addr;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	*out = NULL;
	*port = 0;
	memset(&addr, 0, sizeof(addr));
	if (o->listen_v6) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)o->listen_port);
		if (inet_pton(AF_INET6, o->listen_addr, &v6->sin6_addr) != 1) {
			*why = "the listen address is not an IPv6 address";
			return -1;
		}
		flags |= MHD_USE_IPv6;
	} else {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)o->listen_port);
		if (inet_pton(AF_INET, o->listen_addr, &v4->sin_addr) != 1) {
			*why = "the listen address is not an IPv4 address";
			return -1;
		}
	}
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) {
		flags |= MHD_USE_EPOLL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		*why = "out of memory";
		return -1;
	}
	s->app = app;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, THREADS,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, TIMEOUT_S, MHD_OPTION_END);
	if (s->daemon == NULL) {
		free(s);
		*why = "cannot listen at the address (in use, or not this host's)";
		return -1;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info != NULL ? info->port : o->listen_port;
	*out = s;
	return 0;
}

void city_server_stop(struct city_server *s)
{
	if (s == NULL) {
		return;
	}
	MHD_stop_daemon(s->daemon);
	free(s);
}
