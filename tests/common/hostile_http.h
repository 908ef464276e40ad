/*
 * A misbehaving HTTP server for client robustness tests: what a real
 * onecard-authd never does (an answer too large, with or without
 * Content-Length; a redirect; a body that is not JSON or not the JSON
 * asked for; a wrong Content-Type; a connection closed early; plain text
 * where TLS was asked for). Everything authd does answer is tested
 * against the real onecard-authd instead.
 *
 * It knows nothing of authd: no challenge, proof or token. A test gives,
 * per request path, the exact bytes to answer (status line, headers and
 * body as they go on the wire), optionally followed by filler bytes ('x');
 * the server sends them and closes the connection. A path without an
 * answer gets its connection closed without a byte. Only the test decides
 * what goes out, so nothing is ever a "success" unless a test writes one.
 *
 * Plain sockets on 127.0.0.1, an ephemeral port, one thread, one request
 * per connection. What arrived is recorded for the test to check: the
 * connections accepted, the requests per path, and the last request's
 * head and body per path. Test code only.
 */
#ifndef ONECARD_TEST_HOSTILE_HTTP_H
#define ONECARD_TEST_HOSTILE_HTTP_H

#include <stddef.h>

#define HOSTILE_URL_MAX	   32u			 /* "http://127.0.0.1:65535" and its NUL */
#define HOSTILE_PATH_MAX   128u			 /* bytes of a request path */
#define HOSTILE_PATHS_MAX  8u			 /* paths with an answer or a record */
#define HOSTILE_ANSWER_MAX (1024u * 1024u)	 /* bytes of an answer's given part */
#define HOSTILE_FILLER_MAX (64u * 1024u * 1024u) /* filler bytes after it */

struct hostile_http;

/* Starts the server on 127.0.0.1:0. Returns 0 and *out
 * (hostile_http_stop), or -1 (*out NULL). */
int hostile_http_start(struct hostile_http **out);

/* Stops the thread, closes the socket, frees; NULL does nothing. */
void hostile_http_stop(struct hostile_http *h);

/* "http://127.0.0.1:PORT", and the port. */
const char *hostile_http_url(const struct hostile_http *h);
unsigned hostile_http_port(const struct hostile_http *h);

/* Every request for path is answered with the raw_len bytes at raw, then
 * filler bytes of 'x', then the connection is closed. raw_len 0 and filler
 * 0: closed without a byte. Returns 0, or -1 (path too long, too many
 * paths, raw_len or filler over their maximum, no memory). */
int hostile_http_answer(struct hostile_http *h, const char *path, const char *raw, size_t raw_len,
			size_t filler);

/* Forgets every answer and every record. */
void hostile_http_reset(struct hostile_http *h);

/* Connections accepted (an HTTP request on them or not). */
size_t hostile_http_connections(struct hostile_http *h);

/* Requests read for path. */
size_t hostile_http_requests(struct hostile_http *h, const char *path);

/* The last request for path: its method, the value of header name
 * (case-insensitive, the first one), its body. Each a NUL-terminated copy
 * (free()), or NULL when there is none. */
char *hostile_http_last_method(struct hostile_http *h, const char *path);
char *hostile_http_last_header(struct hostile_http *h, const char *path, const char *name);
char *hostile_http_last_body(struct hostile_http *h, const char *path);

#endif /* ONECARD_TEST_HOSTILE_HTTP_H */
