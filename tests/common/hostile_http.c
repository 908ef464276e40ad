/* A misbehaving HTTP server for client robustness tests (hostile_http.h). */
#define _GNU_SOURCE /* accept4: no descriptor leaks into a program a test spawns */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "hostile_http.h"

#define HEAD_MAX     16384u	     /* bytes of a request head */
#define BODY_MAX     (1024u * 1024u) /* bytes of a request body read */
#define METHOD_MAX   16u
#define POLL_MS	     50
#define IO_TIMEOUT_S 5
#define FILL_CHUNK   16384u

/* One path: its answer, if a test gave one, and what arrived for it. */
struct slot {
	char path[HOSTILE_PATH_MAX];
	bool answered;
	char *raw;
	size_t raw_len;
	size_t filler;
	size_t requests;
	char *last_method;
	char *last_head; /* the header lines, NUL-terminated, CRLF between */
	char *last_body;
};

struct hostile_http {
	int lfd;
	unsigned port;
	char url[HOSTILE_URL_MAX];
	pthread_t thread;
	bool started;
	pthread_mutex_t mu; /* guards everything below */
	bool stop;
	size_t connections;
	struct slot slots[HOSTILE_PATHS_MAX];
};

/* What one connection's request was, once read. */
struct request {
	char method[METHOD_MAX];
	char path[HOSTILE_PATH_MAX];
	char *head;
	char *body;
	size_t body_len;
};

/* ---- small helpers ----------------------------------------------------- */

static char *copy_n(const char *s, size_t n)
{
	char *d = malloc(n + 1u);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void slot_clear(struct slot *s)
{
	free(s->raw);
	free(s->last_method);
	free(s->last_head);
	free(s->last_body);
	memset(s, 0, sizeof(*s));
}

/* The slot of path, or a free one claimed for it, or NULL (under mu). */
static struct slot *slot_for(struct hostile_http *h, const char *path, bool claim)
{
	size_t i, n = strlen(path);

	for (i = 0; i < HOSTILE_PATHS_MAX; i++) {
		if (h->slots[i].path[0] != '\0' && strcmp(h->slots[i].path, path) == 0) {
			return &h->slots[i];
		}
	}
	if (!claim || n == 0 || n >= HOSTILE_PATH_MAX) {
		return NULL;
	}
	for (i = 0; i < HOSTILE_PATHS_MAX; i++) {
		if (h->slots[i].path[0] == '\0') {
			memcpy(h->slots[i].path, path, n + 1u);
			return &h->slots[i];
		}
	}
	return NULL;
}

/* The value of header name in head (header lines separated by CRLF,
 * NUL-terminated), a copy, or NULL. */
static char *header_value(const char *head, const char *name)
{
	const char *line = head, *end, *v;
	size_t n = strlen(name);

	while (line != NULL && *line != '\0') {
		end = strstr(line, "\r\n");
		if (end == NULL) {
			end = line + strlen(line);
		}
		if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			v = line + n + 1;
			while (v < end && (*v == ' ' || *v == '\t')) {
				v++;
			}
			while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
				end--;
			}
			return copy_n(v, (size_t)(end - v));
		}
		line = *end != '\0' ? end + 2 : NULL;
	}
	return NULL;
}

/* A Content-Length: 1 to 7 decimal digits, at most BODY_MAX. */
static int parse_length(const char *s, size_t *len)
{
	size_t v = 0, i;

	*len = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 7 || s[i] < '0' || s[i] > '9') {
			return -1;
		}
		v = v * 10u + (size_t)(s[i] - '0');
	}
	if (i == 0 || v > BODY_MAX) {
		return -1;
	}
	*len = v;
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- one connection ------------------------------------------------------ */

static void request_clear(struct request *rq)
{
	free(rq->head);
	free(rq->body);
	memset(rq, 0, sizeof(*rq));
}

/* "METHOD SP PATH SP VERSION" into rq. */
static int request_line(const char *line, size_t len, struct request *rq)
{
	const char *sp1 = memchr(line, ' ', len), *sp2;
	size_t m, p;

	if (sp1 == NULL) {
		return -1;
	}
	m = (size_t)(sp1 - line);
	sp2 = memchr(sp1 + 1, ' ', len - m - 1u);
	if (sp2 == NULL) {
		return -1;
	}
	p = (size_t)(sp2 - sp1 - 1);
	if (m == 0 || m >= METHOD_MAX || p == 0 || p >= HOSTILE_PATH_MAX) {
		return -1;
	}
	memcpy(rq->method, line, m);
	rq->method[m] = '\0';
	memcpy(rq->path, sp1 + 1, p);
	rq->path[p] = '\0';
	return 0;
}

/* Reads one request from fd. Returns 0, or -1 when what came is not an
 * HTTP request this server takes (a TLS ClientHello, garbage, too long,
 * cut short): the connection is then closed without an answer. */
static int read_request(int fd, struct request *rq)
{
	char *buf = malloc(HEAD_MAX + 1u), *end, *first_crlf, *v = NULL;
	size_t got = 0, head_len, have, want = 0;
	ssize_t n;
	int r = -1;

	memset(rq, 0, sizeof(*rq));
	if (buf == NULL) {
		return -1;
	}
	for (;;) {
		n = recv(fd, buf + got, HEAD_MAX - got, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto out;
		}
		got += (size_t)n;
		buf[got] = '\0';
		/* A request line starts with a method in capitals; a TLS
		 * ClientHello starts with 0x16. */
		if (buf[0] < 'A' || buf[0] > 'Z') {
			goto out;
		}
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL) {
			break;
		}
		if (got == HEAD_MAX) {
			goto out;
		}
	}
	head_len = (size_t)(end - buf) + 4u;
	first_crlf = strstr(buf, "\r\n");
	if (request_line(buf, (size_t)(first_crlf - buf), rq) != 0) {
		goto out;
	}
	rq->head = first_crlf == end ? copy_n("", 0)
				     : copy_n(first_crlf + 2, (size_t)(end - first_crlf - 2));
	if (rq->head == NULL) {
		goto out;
	}
	v = header_value(rq->head, "Content-Length");
	if (v != NULL && parse_length(v, &want) != 0) {
		goto out;
	}
	free(v);
	v = header_value(rq->head, "Expect");
	if (v != NULL && strcasecmp(v, "100-continue") == 0 &&
	    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0) {
		goto out;
	}
	rq->body = malloc(want + 1u);
	if (rq->body == NULL) {
		goto out;
	}
	have = got - head_len;
	if (have > want) {
		goto out; /* a second request on the connection: not taken */
	}
	memcpy(rq->body, buf + head_len, have);
	while (have < want) {
		n = recv(fd, rq->body + have, want - have, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto out;
		}
		have += (size_t)n;
	}
	rq->body[want] = '\0';
	rq->body_len = want;
	r = 0;
out:
	free(v);
	free(buf);
	if (r != 0) {
		request_clear(rq);
	}
	return r;
}

/* Records rq under its path and copies out the answer to give (under mu). */
static void record(struct hostile_http *h, const struct request *rq, char **raw, size_t *raw_len,
		   size_t *filler)
{
	struct slot *s;

	*raw = NULL;
	*raw_len = 0;
	*filler = 0;
	pthread_mutex_lock(&h->mu);
	s = slot_for(h, rq->path, true);
	if (s != NULL) {
		s->requests++;
		free(s->last_method);
		free(s->last_head);
		free(s->last_body);
		s->last_method = copy_n(rq->method, strlen(rq->method));
		s->last_head = copy_n(rq->head, strlen(rq->head));
		s->last_body = copy_n(rq->body, rq->body_len);
		/* A copy: the test may change the answer while this thread
		 * is still sending it. */
		if (s->answered && s->raw_len > 0) {
			*raw = copy_n(s->raw, s->raw_len);
			*raw_len = *raw != NULL ? s->raw_len : 0;
		}
		*filler = s->answered ? s->filler : 0;
	}
	pthread_mutex_unlock(&h->mu);
}

static void answer(int fd, const char *raw, size_t raw_len, size_t filler)
{
	char fill[FILL_CHUNK];
	size_t n;

	memset(fill, 'x', sizeof(fill));
	if (raw_len > 0 && send_all(fd, raw, raw_len) != 0) {
		return;
	}
	while (filler > 0) {
		n = filler < sizeof(fill) ? filler : sizeof(fill);
		if (send_all(fd, fill, n) != 0) {
			return; /* the client stopped reading: as it should */
		}
		filler -= n;
	}
}

static void handle(struct hostile_http *h, int fd)
{
	struct timeval tv = {IO_TIMEOUT_S, 0};
	struct request rq;
	char *raw = NULL;
	size_t raw_len = 0, filler = 0;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (read_request(fd, &rq) != 0) {
		return;
	}
	record(h, &rq, &raw, &raw_len, &filler);
	answer(fd, raw, raw_len, filler);
	(void)shutdown(fd, SHUT_WR);
	free(raw);
	request_clear(&rq);
}

static void *serve(void *arg)
{
	struct hostile_http *h = arg;
	struct pollfd p;
	bool stop;
	int fd;

	for (;;) {
		pthread_mutex_lock(&h->mu);
		stop = h->stop;
		pthread_mutex_unlock(&h->mu);
		if (stop) {
			break;
		}
		p.fd = h->lfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, POLL_MS) <= 0) {
			continue;
		}
		fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			continue;
		}
		pthread_mutex_lock(&h->mu);
		h->connections++;
		pthread_mutex_unlock(&h->mu);
		handle(h, fd);
		(void)close(fd);
	}
	return NULL;
}

/* ---- the API ----------------------------------------------------------------- */

int hostile_http_start(struct hostile_http **out)
{
	struct hostile_http *h = NULL;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1, r = -1;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return -1;
	}
	h->lfd = -1;
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h);
		return -1;
	}
	h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->lfd < 0) {
		goto out;
	}
	(void)setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(h->lfd, 16) != 0 ||
	    getsockname(h->lfd, (struct sockaddr *)&sa, &len) != 0) {
		goto out;
	}
	h->port = ntohs(sa.sin_port);
	(void)snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%u", h->port);
	if (pthread_create(&h->thread, NULL, serve, h) != 0) {
		goto out;
	}
	h->started = true;
	*out = h;
	h = NULL;
	r = 0;
out:
	hostile_http_stop(h);
	return r;
}

void hostile_http_stop(struct hostile_http *h)
{
	size_t i;

	if (h == NULL) {
		return;
	}
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		pthread_mutex_unlock(&h->mu);
		(void)pthread_join(h->thread, NULL);
	}
	if (h->lfd >= 0) {
		(void)close(h->lfd);
	}
	for (i = 0; i < HOSTILE_PATHS_MAX; i++) {
		slot_clear(&h->slots[i]);
	}
	(void)pthread_mutex_destroy(&h->mu);
	free(h);
}

const char *hostile_http_url(const struct hostile_http *h)
{
	return h->url;
}

unsigned hostile_http_port(const struct hostile_http *h)
{
	return h->port;
}

int hostile_http_answer(struct hostile_http *h, const char *path, const char *raw, size_t raw_len,
			size_t filler)
{
	struct slot *s;
	char *copy = NULL;
	int r = -1;

	if (raw_len > HOSTILE_ANSWER_MAX || filler > HOSTILE_FILLER_MAX ||
	    (raw == NULL && raw_len > 0)) {
		return -1;
	}
	if (raw_len > 0) {
		copy = copy_n(raw, raw_len);
		if (copy == NULL) {
			return -1;
		}
	}
	pthread_mutex_lock(&h->mu);
	s = slot_for(h, path, true);
	if (s != NULL) {
		free(s->raw);
		s->raw = copy;
		s->raw_len = raw_len;
		s->filler = filler;
		s->answered = true;
		copy = NULL;
		r = 0;
	}
	pthread_mutex_unlock(&h->mu);
	free(copy);
	return r;
}

void hostile_http_reset(struct hostile_http *h)
{
	size_t i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < HOSTILE_PATHS_MAX; i++) {
		slot_clear(&h->slots[i]);
	}
	h->connections = 0;
	pthread_mutex_unlock(&h->mu);
}

size_t hostile_http_connections(struct hostile_http *h)
{
	size_t n;

	pthread_mutex_lock(&h->mu);
	n = h->connections;
	pthread_mutex_unlock(&h->mu);
	return n;
}

size_t hostile_http_requests(struct hostile_http *h, const char *path)
{
	const struct slot *s;
	size_t n;

	pthread_mutex_lock(&h->mu);
	s = slot_for(h, path, false);
	n = s != NULL ? s->requests : 0;
	pthread_mutex_unlock(&h->mu);
	return n;
}

enum field { FIELD_METHOD, FIELD_HEAD, FIELD_BODY };

/* A copy of a recorded field of path's last request, or NULL (with name:
 * the value of that header). */
static char *last(struct hostile_http *h, const char *path, enum field f, const char *name)
{
	const struct slot *s;
	const char *v = NULL;
	char *d = NULL;

	pthread_mutex_lock(&h->mu);
	s = slot_for(h, path, false);
	if (s != NULL) {
		v = f == FIELD_METHOD ? s->last_method
		    : f == FIELD_HEAD ? s->last_head
				      : s->last_body;
	}
	if (v != NULL) {
		d = name != NULL ? header_value(v, name) : copy_n(v, strlen(v));
	}
	pthread_mutex_unlock(&h->mu);
	return d;
}

char *hostile_http_last_method(struct hostile_http *h, const char *path)
{
	return last(h, path, FIELD_METHOD, NULL);
}

char *hostile_http_last_header(struct hostile_http *h, const char *path, const char *name)
{
	return last(h, path, FIELD_HEAD, name);
}

char *hostile_http_last_body(struct hostile_http *h, const char *path)
{
	return last(h, path, FIELD_BODY, NULL);
}
