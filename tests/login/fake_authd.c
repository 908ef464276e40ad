/* A tiny authd for the tests (fake_authd.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "b64url.h"
#include "challenge.h"
#include "fake_authd.h"
#include "json_strict.h"

#define SLOTS	     4u
#define ROUTE_MAX    64u
#define TYPE_MAX     64u
#define HEAD_MAX     16384u
#define BODY_MAX     (1024u * 1024u)
#define POLL_MS	     50
#define IO_TIMEOUT_S 5
#define LIFETIME     60
#define REFUSAL_MAX  128u
#define ANSWER_MAX   4096u
#define AGENCY_MAX   64u
#define PROOFS_MAX   16u
#define STREAM_CHUNK 4096u
#define DER_TEXT_MAX (64u * 1024u)
#define MAC_KID	     "test-1"

struct slot {
	char route[ROUTE_MAX];
	size_t requests;
	char *last_body;
	char *last_type;
	/* the override, when active */
	bool active;
	int status;
	char type[TYPE_MAX];
	bool has_type;
	char *body;
	size_t body_len;
	bool stream;
	char location[FAKE_URL_MAX * 2];
};

struct fake_authd {
	int lfd;
	unsigned port;
	char url[FAKE_URL_MAX];
	pthread_t thread;
	pthread_mutex_t mu;
	bool stop;
	struct oc_challenge_keys *keys;
	struct slot slots[SLOTS];
	size_t connections;
	size_t proofs_verified;
	char refusal[REFUSAL_MAX];
};

/* ---- bookkeeping (under mu) ---------------------------------------------- */

static struct slot *slot_for(struct fake_authd *fa, const char *route)
{
	size_t i;

	for (i = 0; i < SLOTS; i++) {
		if (strcmp(fa->slots[i].route, route) == 0) {
			return &fa->slots[i];
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (fa->slots[i].route[0] == '\0' && strlen(route) < ROUTE_MAX) {
			memcpy(fa->slots[i].route, route, strlen(route) + 1);
			return &fa->slots[i];
		}
	}
	return NULL;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---- I/O ------------------------------------------------------------------ */

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

static void answer(int fd, int status, const char *type, const char *body, size_t len,
		   const char *location)
{
	char head[512];
	int w;

	w = snprintf(
		head, sizeof(head),
		"HTTP/1.1 %d X\r\n%s%s%s%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
		status, type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
		type != NULL ? "\r\n" : "", location != NULL ? "Location: " : "",
		location != NULL ? location : "", location != NULL ? "\r\n" : "", len);
	if (w > 0 && (size_t)w < sizeof(head) && send_all(fd, head, (size_t)w) == 0) {
		(void)send_all(fd, body, len);
	}
}

static void answer_json(int fd, int status, const char *body)
{
	answer(fd, status, "application/json", body, strlen(body), NULL);
}

static void answer_error(int fd, int status, const char *code, const char *text)
{
	char body[512];

	(void)snprintf(body, sizeof(body), "{\"error\":\"%s\",\"error_description\":\"%s\"}", code,
		       text);
	answer_json(fd, status, body);
}

static void stream_body(int fd, int status, const char *type, size_t len)
{
	char head[256], chunk[STREAM_CHUNK];
	size_t n;
	int w;

	memset(chunk, 'x', sizeof(chunk));
	w = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nConnection: close\r\n\r\n", status,
		     type != NULL ? type : "application/json");
	if (w <= 0 || (size_t)w >= sizeof(head) || send_all(fd, head, (size_t)w) != 0) {
		return;
	}
	while (len > 0) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		if (send_all(fd, chunk, n) != 0) {
			return;
		}
		len -= n;
	}
}

/* ---- the default routes ---------------------------------------------------- */

static void do_challenge(struct fake_authd *fa, int fd, const char *body, size_t len)
{
	json_t *req = NULL;
	const char *aud;
	char *wire = NULL, out[ANSWER_MAX];
	struct oc_challenge c;
	int64_t now = (int64_t)time(NULL);

	if (oc_json_parse_object(body, len, &req) != ONECARD_OK) {
		answer_error(fd, 400, "invalid_request", "body not a JSON object");
		goto out;
	}
	aud = oc_json_get_string(req, "audience", NULL);
	if (aud == NULL) {
		answer_error(fd, 400, "invalid_request", "body not a JSON object with an audience");
		goto out;
	}
	if (oc_challenge_issue(fa->keys, fa->url, aud, now, LIFETIME, &wire, &c) != ONECARD_OK) {
		answer_error(fd, 400, "invalid_target",
			     "the audience is not a module of the policy");
		goto out;
	}
	(void)snprintf(out, sizeof(out),
		       "{\"challenge\":\"%s\",\"origin\":\"%s\",\"audience\":\"%s\","
		       "\"expires_at\":%lld,\"context\":\"onecard-login-v1\"}",
		       wire, fa->url, aud, (long long)c.expires_at);
	answer_json(fd, 200, out);
out:
	free(wire);
	json_decref(req);
}

static void refuse(struct fake_authd *fa, const char *why)
{
	pthread_mutex_lock(&fa->mu);
	(void)snprintf(fa->refusal, sizeof(fa->refusal), "%s", why);
	pthread_mutex_unlock(&fa->mu);
}

/* The certificate in x5c[0]: standard base64 DER, canonical. */
static X509 *x5c_cert(const json_t *x5c)
{
	const char *b64 = json_string_value(json_array_get(x5c, 0));
	unsigned char *der = NULL, *again = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	size_t n, pad = 0;
	int got;

	if (b64 == NULL) {
		return NULL;
	}
	n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n > DER_TEXT_MAX) {
		return NULL;
	}
	der = malloc(n);
	again = malloc(n + 1);
	if (der == NULL || again == NULL) {
		goto out;
	}
	got = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	if (got <= 0) {
		goto out;
	}
	pad = (size_t)(b64[n - 1] == '=') + (size_t)(b64[n - 2] == '=');
	got -= (int)pad;
	/* Canonical: encoding the bytes again gives the same text. */
	if (EVP_EncodeBlock(again, der, got) != (int)n || memcmp(again, b64, n) != 0) {
		goto out;
	}
	p = der;
	x = d2i_X509(NULL, &p, got);
	if (x != NULL && p != der + got) {
		X509_free(x);
		x = NULL;
	}
out:
	free(der);
	free(again);
	return x;
}

static int alg_of(const char *name, enum oc_proof_alg *alg)
{
	if (name == NULL) {
		return -1;
	}
	if (strcmp(name, "ES256") == 0) {
		*alg = OC_PROOF_ES256;
	} else if (strcmp(name, "RS256") == 0) {
		*alg = OC_PROOF_RS256;
	} else if (strcmp(name, "PS256") == 0) {
		*alg = OC_PROOF_PS256;
	} else {
		return -1;
	}
	return 0;
}

static void do_login(struct fake_authd *fa, int fd, const char *body, size_t len)
{
	json_t *req = NULL, *proofs, *p, *agencies = NULL;
	struct oc_challenge c;
	enum oc_challenge_refusal why = OC_CHALLENGE_ACCEPTED;
	enum oc_proof_alg alg = OC_PROOF_ES256;
	const char *text, *sig_text;
	char ou[AGENCY_MAX], *list = NULL, out[ANSWER_MAX];
	uint8_t sig[OC_PROOF_SIG_MAX], *msg = NULL;
	size_t i, n = 0, sig_len = 0, msg_len = 0, verified = 0;
	X509 *x = NULL;

	pthread_mutex_lock(&fa->mu);
	fa->proofs_verified = 0;
	fa->refusal[0] = '\0';
	pthread_mutex_unlock(&fa->mu);
	if (oc_json_parse_object(body, len, &req) != ONECARD_OK) {
		refuse(fa, "not JSON");
		answer_error(fd, 400, "invalid_request", "body not a JSON object");
		goto out;
	}
	text = oc_json_get_string(req, "challenge", &n);
	proofs = json_object_get(req, "proofs");
	if (json_object_size(req) != 2 || text == NULL || !json_is_array(proofs) ||
	    json_array_size(proofs) == 0 || json_array_size(proofs) > PROOFS_MAX) {
		refuse(fa, "request shape");
		answer_error(fd, 400, "invalid_request", "a member missing or of the wrong type");
		goto out;
	}
	if (oc_challenge_check(fa->keys, text, n, fa->url, (int64_t)time(NULL), &c, &why) !=
	    ONECARD_OK) {
		refuse(fa, oc_challenge_refusal_str(why));
		answer_error(fd, 401, "challenge_invalid", "challenge refused");
		goto out;
	}
	if (oc_proof_message(&c, &msg, &msg_len) != ONECARD_OK) {
		answer_error(fd, 500, "internal", "proof message");
		goto out;
	}
	agencies = json_array();
	json_array_foreach (proofs, i, p) {
		sig_text = oc_json_get_string(p, "sig", NULL);
		if (!json_is_object(p) || json_object_size(p) != 3 ||
		    !json_is_array(json_object_get(p, "x5c")) ||
		    alg_of(oc_json_get_string(p, "alg", NULL), &alg) != 0 || sig_text == NULL ||
		    oc_b64url_decode(sig_text, strlen(sig_text), sig, sizeof(sig), &sig_len) !=
			    ONECARD_OK) {
			refuse(fa, "proof shape");
			answer_error(fd, 400, "invalid_request", "a proof is badly encoded");
			goto out;
		}
		x = x5c_cert(json_object_get(p, "x5c"));
		if (x == NULL) {
			refuse(fa, "x5c");
			answer_error(fd, 400, "invalid_request", "x5c is not base64 DER");
			goto out;
		}
		if (oc_proof_verify(X509_get0_pubkey(x), alg, msg, msg_len, sig, sig_len) !=
		    ONECARD_OK) {
			ERR_clear_error();
			refuse(fa, "signature");
			answer_error(fd, 401, "proof_invalid",
				     "a signature does not verify with its certificate's key");
			goto out;
		}
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationalUnitName,
					      ou, sizeof(ou)) > 0) {
			(void)json_array_append_new(agencies, json_string(ou));
		}
		X509_free(x);
		x = NULL;
		verified++;
	}
	pthread_mutex_lock(&fa->mu);
	fa->proofs_verified = verified;
	pthread_mutex_unlock(&fa->mu);
	list = json_dumps(agencies, JSON_COMPACT);
	(void)snprintf(out, sizeof(out),
		       "{\"access_token\":\"" FAKE_TOKEN "\",\"token_type\":\"Bearer\","
		       "\"expires_in\":300,\"sub\":\"" FAKE_SUB "\",\"ent\":\"" FAKE_ENT "\","
		       "\"card\":\"" FAKE_CARD "\",\"agencies\":%s,\"audience\":\"%s\"}",
		       list != NULL ? list : "[]", c.audience);
	answer_json(fd, 200, out);
out:
	X509_free(x);
	free(list);
	free(msg);
	json_decref(agencies);
	json_decref(req);
}

/* ---- one connection --------------------------------------------------------- */

/* The value of header name in head (NUL-terminated), copied, or NULL. */
static char *header_value(const char *head, const char *name)
{
	const char *p = head, *end;
	size_t n = strlen(name);

	for (;;) {
		p = strstr(p, "\r\n");
		if (p == NULL) {
			return NULL;
		}
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ') {
				p++;
			}
			end = strstr(p, "\r\n");
			return end != NULL ? dup_n(p, (size_t)(end - p)) : NULL;
		}
	}
}

/* "METHOD SP PATH SP ..." into method[mcap] and route[rcap]. */
static int request_line(const char *buf, char *method, size_t mcap, char *route, size_t rcap)
{
	const char *sp1 = strchr(buf, ' '), *sp2;

	if (sp1 == NULL || (size_t)(sp1 - buf) >= mcap || sp1 == buf) {
		return -1;
	}
	sp2 = strchr(sp1 + 1, ' ');
	if (sp2 == NULL || (size_t)(sp2 - sp1 - 1) >= rcap || sp2 == sp1 + 1) {
		return -1;
	}
	memcpy(method, buf, (size_t)(sp1 - buf));
	method[sp1 - buf] = '\0';
	memcpy(route, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	route[sp2 - sp1 - 1] = '\0';
	return 0;
}

/* A Content-Length: decimal digits only, at most BODY_MAX. */
static int parse_length(const char *s, size_t *len)
{
	size_t v = 0;

	*len = 0;
	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > BODY_MAX) {
			return -1;
		}
		v = v * 10u + (size_t)(*s - '0');
	}
	if (v > BODY_MAX) {
		return -1;
	}
	*len = v;
	return 0;
}

static void handle(struct fake_authd *fa, int fd)
{
	char *buf = malloc(HEAD_MAX + BODY_MAX + 1), *end, *cl, *type = NULL;
	char method[16], route[ROUTE_MAX];
	struct timeval tv = {IO_TIMEOUT_S, 0};
	struct slot *s, ov;
	size_t got = 0, head_len, body_len = 0;
	ssize_t n;

	if (buf == NULL) {
		return;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		n = recv(fd, buf + got, HEAD_MAX - got, 0);
		if (n <= 0) {
			goto out;
		}
		got += (size_t)n;
		buf[got] = '\0';
		/* Not HTTP (a TLS ClientHello starts with 0x16): close at once. */
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
	head_len = (size_t)(end - buf) + 4;
	end[2] = '\0';
	if (request_line(buf, method, sizeof(method), route, sizeof(route)) != 0) {
		goto out;
	}
	cl = header_value(buf, "Content-Length");
	if (cl != NULL) {
		if (parse_length(cl, &body_len) != 0) {
			free(cl);
			goto out;
		}
		free(cl);
	}
	type = header_value(buf, "Content-Type");
	memmove(buf, buf + head_len, got - head_len);
	got -= head_len;
	while (got < body_len) {
		n = recv(fd, buf + got, body_len - got, 0);
		if (n <= 0) {
			goto out;
		}
		got += (size_t)n;
	}
	buf[body_len] = '\0';

	pthread_mutex_lock(&fa->mu);
	s = slot_for(fa, route);
	if (s != NULL) {
		s->requests++;
		free(s->last_body);
		s->last_body = dup_n(buf, body_len);
		free(s->last_type);
		s->last_type = type;
		type = NULL;
		ov = *s;
		/* A copy: the test may change the override once it has its
		 * answer, while this thread is still sending. */
		ov.body = s->body != NULL ? dup_n(s->body, s->body_len) : NULL;
		ov.last_body = NULL;
		ov.last_type = NULL;
	} else {
		memset(&ov, 0, sizeof(ov));
	}
	pthread_mutex_unlock(&fa->mu);

	if (ov.active && ov.location[0] != '\0') {
		answer(fd, ov.status, NULL, "", 0, ov.location);
	} else if (ov.active && ov.stream) {
		stream_body(fd, ov.status, ov.has_type ? ov.type : NULL, ov.body_len);
	} else if (ov.active) {
		answer(fd, ov.status, ov.has_type ? ov.type : NULL, ov.body != NULL ? ov.body : "",
		       ov.body != NULL ? ov.body_len : 0, NULL);
	} else if (strcmp(method, "POST") == 0 && strcmp(route, "/v1/challenge") == 0) {
		do_challenge(fa, fd, buf, body_len);
	} else if (strcmp(method, "POST") == 0 && strcmp(route, "/v1/login") == 0) {
		do_login(fa, fd, buf, body_len);
	} else {
		answer_error(fd, 404, "not_found", "no such route");
	}
	(void)shutdown(fd, SHUT_WR);
	free(ov.body);
out:
	free(type);
	free(buf);
}

static void *serve(void *arg)
{
	struct fake_authd *fa = arg;
	struct pollfd p;
	bool stop;
	int fd;

	for (;;) {
		pthread_mutex_lock(&fa->mu);
		stop = fa->stop;
		pthread_mutex_unlock(&fa->mu);
		if (stop) {
			break;
		}
		p.fd = fa->lfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, POLL_MS) <= 0) {
			continue;
		}
		fd = accept(fa->lfd, NULL, NULL);
		if (fd < 0) {
			continue;
		}
		pthread_mutex_lock(&fa->mu);
		fa->connections++;
		pthread_mutex_unlock(&fa->mu);
		handle(fa, fd);
		(void)close(fd);
	}
	return NULL;
}

/* ---- the API ------------------------------------------------------------------ */

struct fake_authd *fake_authd_start(void)
{
	static const uint8_t secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
					   12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
					   23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	struct fake_authd *fa = calloc(1, sizeof(*fa));
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	assert_non_null(fa);
	assert_int_equal(pthread_mutex_init(&fa->mu, NULL), 0);
	assert_int_equal(oc_challenge_keys_new(&fa->keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(fa->keys, MAC_KID, secret, sizeof(secret)),
			 ONECARD_OK);
	fa->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fa->lfd >= 0);
	(void)setsockopt(fa->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	assert_int_equal(bind(fa->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fa->lfd, 16), 0);
	assert_int_equal(getsockname(fa->lfd, (struct sockaddr *)&sa, &len), 0);
	fa->port = ntohs(sa.sin_port);
	(void)snprintf(fa->url, sizeof(fa->url), "http://127.0.0.1:%u", fa->port);
	assert_int_equal(pthread_create(&fa->thread, NULL, serve, fa), 0);
	return fa;
}

static void clear_slots(struct fake_authd *fa)
{
	size_t i;

	for (i = 0; i < SLOTS; i++) {
		free(fa->slots[i].last_body);
		free(fa->slots[i].last_type);
		free(fa->slots[i].body);
		memset(&fa->slots[i], 0, sizeof(fa->slots[i]));
	}
}

void fake_authd_stop(struct fake_authd *fa)
{
	if (fa == NULL) {
		return;
	}
	pthread_mutex_lock(&fa->mu);
	fa->stop = true;
	pthread_mutex_unlock(&fa->mu);
	(void)pthread_join(fa->thread, NULL);
	(void)close(fa->lfd);
	clear_slots(fa);
	oc_challenge_keys_free(fa->keys);
	(void)pthread_mutex_destroy(&fa->mu);
	free(fa);
}

const char *fake_authd_url(const struct fake_authd *fa)
{
	return fa->url;
}

unsigned fake_authd_port(const struct fake_authd *fa)
{
	return fa->port;
}

void fake_authd_override(struct fake_authd *fa, const char *route, int status, const char *type,
			 const char *body, size_t body_len, bool stream)
{
	struct slot *s;

	pthread_mutex_lock(&fa->mu);
	s = slot_for(fa, route);
	assert_non_null(s);
	free(s->body);
	s->body = NULL;
	s->active = true;
	s->status = status;
	s->has_type = type != NULL;
	(void)snprintf(s->type, sizeof(s->type), "%s", type != NULL ? type : "");
	s->stream = stream;
	s->body_len = body_len;
	s->location[0] = '\0';
	if (!stream) {
		s->body = dup_n(body != NULL ? body : "", body_len);
		assert_non_null(s->body);
	}
	pthread_mutex_unlock(&fa->mu);
}

void fake_authd_redirect(struct fake_authd *fa, const char *route, const char *target)
{
	struct slot *s;

	pthread_mutex_lock(&fa->mu);
	s = slot_for(fa, route);
	assert_non_null(s);
	s->active = true;
	s->status = 302;
	(void)snprintf(s->location, sizeof(s->location), "%s", target);
	pthread_mutex_unlock(&fa->mu);
}

void fake_authd_reset(struct fake_authd *fa)
{
	pthread_mutex_lock(&fa->mu);
	clear_slots(fa);
	fa->connections = 0;
	fa->proofs_verified = 0;
	fa->refusal[0] = '\0';
	pthread_mutex_unlock(&fa->mu);
}

size_t fake_authd_connections(struct fake_authd *fa)
{
	size_t n;

	pthread_mutex_lock(&fa->mu);
	n = fa->connections;
	pthread_mutex_unlock(&fa->mu);
	return n;
}

size_t fake_authd_requests(struct fake_authd *fa, const char *route)
{
	struct slot *s;
	size_t n;

	pthread_mutex_lock(&fa->mu);
	s = slot_for(fa, route);
	n = s != NULL ? s->requests : 0;
	pthread_mutex_unlock(&fa->mu);
	return n;
}

static char *copy_field(struct fake_authd *fa, const char *route, bool body)
{
	struct slot *s;
	char *d = NULL, *v;

	pthread_mutex_lock(&fa->mu);
	s = slot_for(fa, route);
	v = s == NULL ? NULL : body ? s->last_body : s->last_type;
	if (v != NULL) {
		d = dup_n(v, strlen(v));
	}
	pthread_mutex_unlock(&fa->mu);
	return d;
}

char *fake_authd_last_body(struct fake_authd *fa, const char *route)
{
	return copy_field(fa, route, true);
}

char *fake_authd_last_type(struct fake_authd *fa, const char *route)
{
	return copy_field(fa, route, false);
}

size_t fake_authd_proofs_verified(struct fake_authd *fa)
{
	size_t n;

	pthread_mutex_lock(&fa->mu);
	n = fa->proofs_verified;
	pthread_mutex_unlock(&fa->mu);
	return n;
}

char *fake_authd_last_refusal(struct fake_authd *fa)
{
	char *d;

	pthread_mutex_lock(&fa->mu);
	d = dup_n(fa->refusal, strlen(fa->refusal));
	pthread_mutex_unlock(&fa->mu);
	return d;
}
