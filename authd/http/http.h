/*
 * The HTTP layer authd uses (docs/http.md): a small server over
 * libmicrohttpd with a route table, bounded requests and JSON replies.
 *
 * Library code: nothing here logs (an optional callback receives fixed
 * messages, never request or response bytes) or exits. Every fallible
 * function returns 0 (ONECARD_OK) or a negative code from
 * <onecard/error.h>.
 *
 * Every response carries "X-Content-Type-Options: nosniff" and, unless
 * the handler set its own Cache-Control, "Cache-Control: no-store":
 * tokens pass through here.
 */
#ifndef ONECARD_AUTHD_HTTP_H
#define ONECARD_AUTHD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Named maxima and defaults; a config field of 0 takes the default. */
#define OC_HTTP_THREADS_DEFAULT	   2u
#define OC_HTTP_THREADS_MAX	   64u
#define OC_HTTP_CONN_LIMIT_DEFAULT 256u
#define OC_HTTP_CONN_LIMIT_MAX	   65536u
#define OC_HTTP_TIMEOUT_DEFAULT	   30u	  /* seconds a connection may idle */
#define OC_HTTP_TIMEOUT_MAX	   3600u  /* seconds */
#define OC_HTTP_BODY_MAX_DEFAULT   65536u /* bytes of a request body */
#define OC_HTTP_BODY_MAX_LIMIT	   (16u * 1024u * 1024u)
#define OC_HTTP_URL_MAX_DEFAULT	   2048u /* bytes of a request URL */
#define OC_HTTP_URL_MAX_LIMIT	   16384u
#define OC_HTTP_ADDRESS_MAX	   64u	/* bytes of a listen address literal */
#define OC_HTTP_REMOTE_ADDR_SIZE   64u	/* buffer for a numeric peer address */
#define OC_HTTP_ROUTES_MAX	   64u	/* entries in a route table */
#define OC_HTTP_PATH_MAX	   256u /* bytes of a route path */
#define OC_HTTP_METHOD_MAX	   16u	/* bytes of a route method */
#define OC_HTTP_HEADERS_MAX	   8u	/* extra headers a handler may set */
#define OC_HTTP_HEADER_NAME_MAX	   64u	/* bytes */
#define OC_HTTP_HEADER_VALUE_MAX   512u /* bytes */
#define OC_HTTP_CONTENT_TYPE_MAX   128u /* bytes */
#define OC_HTTP_RESPONSE_BODY_MAX  (1024u * 1024u)
#define OC_HTTP_ERROR_CODE_MAX	   64u	/* bytes of an "error" code */
#define OC_HTTP_ERROR_DESC_MAX	   256u /* bytes of an "error_description" */

typedef struct oc_http_server oc_http_server;
struct oc_http_response; /* opaque: filled through the oc_http_reply_* calls */

/* Receives a fixed, static message (never request data); may be called
 * from any server thread at the same time. */
typedef void (*oc_http_log_fn)(void *log_arg, const char *message);

struct oc_http_config {
	const char *address; /* IPv4 or IPv6 literal; NULL means "127.0.0.1" */
	uint16_t port;	     /* 0: an ephemeral port (see oc_http_server_port) */
	unsigned threads;    /* worker thread pool size */
	unsigned connection_limit;
	unsigned timeout_seconds; /* per connection; also the stop grace time */
	size_t body_max;	  /* larger bodies get 413, unread */
	size_t url_max;		  /* longer URLs get 414 */
	oc_http_log_fn log;	  /* optional */
	void *log_arg;
};

/* A request, valid only during the handler call. body is the complete
 * body (NULL when empty); nothing here is NUL-terminated except the
 * strings. */
struct oc_http_request {
	const char *method;
	const char *path;
	const unsigned char *body;
	size_t body_len;
	const char *remote_addr; /* numeric, "" when unknown */
	void *conn_;		 /* private to the layer: header lookup */
};

/* Returns 0 when resp was filled. A nonzero return without a reply
 * gives the client 500 {"error": "internal"}. app is the pointer given
 * to oc_http_server_new. Handlers run on pool threads concurrently. */
typedef int (*oc_http_handler)(void *app, const struct oc_http_request *req,
			       struct oc_http_response *resp);

struct oc_http_route {
	const char *method; /* "GET", "POST"... matched exactly */
	const char *path;   /* matched exactly, no query string */
	oc_http_handler handler;
};

/* Checks cfg and copies it and the route table (strings included); the
 * server does not listen until oc_http_server_start. Returns 0 and *out,
 * ONECARD_ERR_INVALID_ARG (bad address, a limit over its maximum, a
 * route table over OC_HTTP_ROUTES_MAX or with a bad entry) or
 * ONECARD_ERR_NOMEM. */
int oc_http_server_new(const struct oc_http_config *cfg, const struct oc_http_route *routes,
		       size_t n, void *app, oc_http_server **out);

/* Binds and starts the pool. ONECARD_ERR_IO when the daemon cannot
 * start (address in use...), ONECARD_ERR_INVALID_ARG if started twice. */
int oc_http_server_start(oc_http_server *srv);

/* The bound port after a successful start, 0 before. */
uint16_t oc_http_server_port(const oc_http_server *srv);

/* Graceful: stops accepting, waits (at most timeout_seconds) for the
 * requests already being handled to be answered, then closes every
 * connection. Safe to call when not started, and twice. */
int oc_http_server_stop(oc_http_server *srv);

/* Stops if needed and frees; NULL does nothing. */
void oc_http_server_free(oc_http_server *srv);

/* The value of request header name (case-insensitive), borrowed for the
 * handler call, or NULL when absent. */
const char *oc_http_request_header(const struct oc_http_request *req, const char *name);

/* Parses the body strictly (duplicates rejected, object only) after
 * checking Content-Type is application/json. Returns 0 and *out (a new
 * reference). On failure, when resp is not NULL, it also fills resp:
 * 415 invalid_request for another media type, 400 invalid_request for
 * a body that is not one JSON object. Returns ONECARD_ERR_BAD_FORMAT. */
int oc_http_request_json(const struct oc_http_request *req, json_t **out,
			 struct oc_http_response *resp);

/* Named maxima of a form body (oc_http_request_form). */
#define OC_HTTP_FORM_FIELDS_MAX 16u   /* parameters in one body */
#define OC_HTTP_FORM_NAME_MAX	64u   /* bytes of a parameter name */
#define OC_HTTP_FORM_VALUE_MAX	8192u /* bytes of a decoded value */

/*
 * Parses an application/x-www-form-urlencoded body (RFC 6749 §3.2, the
 * form OAuth endpoints take) into a JSON object of name -> string.
 * Strict: names are [A-Za-z0-9_.-]; '+' is a space and %XX an octet,
 * any other '%' is refused; a decoded value must be printable ASCII
 * (0x20..0x7e: every value onecard takes is); a name given twice is
 * refused (RFC 6749 §3.1); a parameter without a value counts as absent
 * (RFC 6749 §3.1); at most the maxima above.
 * Returns 0 and *out (a new reference). On failure, when resp is not
 * NULL, it also fills resp: 415 invalid_request for another media type,
 * 400 invalid_request naming the rule broken. Returns
 * ONECARD_ERR_BAD_FORMAT, ONECARD_ERR_INVALID_ARG or ONECARD_ERR_NOMEM.
 */
int oc_http_request_form(const struct oc_http_request *req, json_t **out,
			 struct oc_http_response *resp);

/* The same rules on bytes alone (what oc_http_request_form applies to a
 * body; also the fuzz target's entry). why, when not NULL, gets a fixed
 * sentence on failure. */
int oc_http_form_parse(const unsigned char *body, size_t len, json_t **out, const char **why);

/* Replies with status and the compact serialisation of value
 * (borrowed), Content-Type application/json. */
int oc_http_reply_json(struct oc_http_response *resp, unsigned status, const json_t *value);

/* Replies {"error": code, "error_description": description}, Content-Type
 * application/json, Cache-Control: no-store. */
int oc_http_reply_error(struct oc_http_response *resp, unsigned status, const char *code,
			const char *description);

/* Replies with a copy of len bytes and content_type. */
int oc_http_reply_bytes(struct oc_http_response *resp, unsigned status, const char *content_type,
			const void *bytes, size_t len);

/* Adds a response header (e.g. Cache-Control for JWKS). Names are
 * tokens, values have no CR, LF or NUL; at most OC_HTTP_HEADERS_MAX. */
int oc_http_response_add_header(struct oc_http_response *resp, const char *name, const char *value);

#endif /* ONECARD_AUTHD_HTTP_H */
