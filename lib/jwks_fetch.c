/*
 * The one file of the token library that calls libcurl (jwks_fetch.h).
 *
 * A JWKS and a module list are public, but whoever can change one in
 * transit can make a module accept their tokens (their keys) or drop its
 * demands (an empty agency list), so: the URL's own scheme is the only
 * protocol allowed, redirects are never followed (a 3xx is a failed
 * fetch), TLS is 1.2 or later with the peer and host name verified,
 * every fetch has a connect and a total timeout, and an answer over the
 * document's maximum ends the transfer. The two documents differ only in
 * what a `struct doc` below says: Accept header, media types, maximum and
 * the words of the reasons. Plain http is for a
 * loopback host only: no proxy is used for it and a socket is opened only
 * to a loopback address, so a name that resolves elsewhere cannot carry
 * the fetch off in the clear. https follows the usual proxy variables of
 * the environment (TLS still ends at authd).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include <onecard/module.h>

#include "cache_control.h"
#include "jwks_fetch.h"

#define USER_AGENT     "onecard-module/1"
#define LOOPBACK_OCTET 127u
#define HOST_TEXT_MAX  64u /* bytes of "[v6 address]" we look at */
#define DOC_TYPES_MAX  2u  /* media types one document may be served as */

/* One kind of document: how it is asked for, what is taken, and the
 * fixed sentences that name it. */
struct doc {
	const char *accept; /* the Accept header line */
	const char *types[DOC_TYPES_MAX];
	size_t max_len;
	const char *resolve, *connect, *timeout, *peer, *handshake, *protocol;
	const char *too_large, *redirect, *status, *not_json, *fetched;
};

static const struct doc docs[] = {
	[OC_FETCH_JWKS] =
		{
			.accept = "Accept: application/jwk-set+json, application/json",
			/* RFC 7517 §8.5.1 */
			.types = {"application/json", "application/jwk-set+json"},
			.max_len = ONECARD_MODULE_FETCH_MAX_LEN,
			.resolve = "cannot resolve the JWKS URL's host name",
			.connect = "cannot connect to the JWKS URL",
			.timeout = "the JWKS URL did not answer in time",
			.peer = "the JWKS URL's TLS certificate does not verify for its host name",
			.handshake = "the TLS handshake with the JWKS URL failed",
			.protocol = "the JWKS URL's protocol is not allowed",
			.too_large = "the JWKS answer is larger than allowed",
			.redirect =
				"the JWKS URL answered with a redirect, which is never followed",
			.status = "the JWKS URL answered with a status other than 200",
			.not_json = "the JWKS answer is not served as JSON",
			.fetched = "the key set was fetched",
		},
	[OC_FETCH_MODULE_LIST] =
		{
			.accept = "Accept: application/json",
			.types = {"application/json", NULL},
			.max_len = ONECARD_MODULE_LIST_MAX_LEN,
			.resolve = "cannot resolve the module list URL's host name",
			.connect = "cannot connect to the module list URL",
			.timeout = "the module list URL did not answer in time",
			.peer = "the module list URL's TLS certificate does not verify for its "
				"host name",
			.handshake = "the TLS handshake with the module list URL failed",
			.protocol = "the module list URL's protocol is not allowed",
			.too_large = "the module list answer is larger than allowed",
			.redirect = "the module list URL answered with a redirect, which is never "
				    "followed",
			.status = "the module list URL answered with a status other than 200",
			.not_json = "the module list answer is not served as JSON",
			.fetched = "the module list was fetched",
		},
};
#define DOCS (sizeof(docs) / sizeof(docs[0]))

struct oc_fetch_source {
	const struct doc *doc;
	char url[ONECARD_MODULE_URL_MAX + 1];
	char ca_file[ONECARD_MODULE_PATH_MAX + 1]; /* "" for the system's store */
	bool loopback_only;			   /* http: loopback addresses only */
	long timeout_s;
	long connect_timeout_s;
};

/* The body being received: at most max bytes (the document's maximum). */
struct sink {
	char *buf;
	size_t len;
	size_t max;
	bool too_large;
};

/* curl_global_init once per process (thread-safe since libcurl 7.84);
 * a library never calls curl_global_cleanup: the program may use curl. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_started = CURLE_FAILED_INIT;

static void start_curl(void)
{
	curl_started = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool host_is_loopback(const char *host)
{
	char text[HOST_TEXT_MAX];
	struct in_addr v4;
	struct in6_addr v6;
	size_t len = strlen(host);

	if (strcasecmp(host, "localhost") == 0) {
		return true;
	}
	if (inet_pton(AF_INET, host, &v4) == 1) {
		return (ntohl(v4.s_addr) >> 24) == LOOPBACK_OCTET;
	}
	/* libcurl gives an IPv6 host in brackets. */
	if (len < 3 || len - 2 >= sizeof(text) || host[0] != '[' || host[len - 1] != ']') {
		return false;
	}
	memcpy(text, host + 1, len - 2);
	text[len - 2] = '\0';
	return inet_pton(AF_INET6, text, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* Checks the URL as the header describes; *loopback_only tells http. */
static int check_url(const char *url, bool *loopback_only)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL, *fragment = NULL;
	size_t len, i;
	int r = ONECARD_ERR_INVALID_ARG;

	*loopback_only = false;
	len = strnlen(url, ONECARD_MODULE_URL_MAX + 1u);
	if (len == 0 || len > ONECARD_MODULE_URL_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)url[i] <= 0x20u || (unsigned char)url[i] >= 0x7fu) {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	u = curl_url();
	if (u == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	/* No flags: the scheme must be given, never guessed. */
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		goto out;
	}
	/* Anything but "there is none" (there is one, or out of memory) refuses. */
	if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &password, 0) != CURLUE_NO_PASSWORD ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) != CURLUE_NO_FRAGMENT) {
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0) {
		r = ONECARD_OK;
	} else if (strcasecmp(scheme, "http") == 0 && host_is_loopback(host)) {
		*loopback_only = true;
		r = ONECARD_OK;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(password);
	curl_free(fragment);
	curl_url_cleanup(u);
	return r;
}

int oc_fetch_source_new(enum oc_fetch_doc doc, const char *url, const char *ca_file,
			unsigned timeout_s, struct oc_fetch_source **out)
{
	struct oc_fetch_source *src = NULL;
	size_t ca_len = 0;
	bool loopback_only = false;
	int r;

	*out = NULL;
	if ((size_t)doc >= DOCS || url == NULL || timeout_s == 0 ||
	    timeout_s > ONECARD_MODULE_TIMEOUT_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (ca_file != NULL) {
		ca_len = strnlen(ca_file, ONECARD_MODULE_PATH_MAX + 1u);
		if (ca_len == 0 || ca_len > ONECARD_MODULE_PATH_MAX) {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	if (pthread_once(&curl_once, start_curl) != 0 || curl_started != CURLE_OK) {
		return ONECARD_ERR_INTERNAL;
	}
	r = check_url(url, &loopback_only);
	if (r != ONECARD_OK) {
		return r;
	}
	src = calloc(1, sizeof(*src));
	if (src == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	src->doc = &docs[doc];
	memcpy(src->url, url, strlen(url) + 1u);
	if (ca_file != NULL) {
		memcpy(src->ca_file, ca_file, ca_len + 1u);
	}
	src->loopback_only = loopback_only;
	src->timeout_s = (long)timeout_s;
	src->connect_timeout_s = timeout_s < ONECARD_MODULE_CONNECT_TIMEOUT_MAX
					 ? (long)timeout_s
					 : (long)ONECARD_MODULE_CONNECT_TIMEOUT_MAX;
	*out = src;
	return ONECARD_OK;
}

void oc_fetch_source_free(struct oc_fetch_source *src)
{
	free(src);
}

void oc_fetch_answer_clear(struct oc_fetch_answer *answer)
{
	if (answer == NULL) {
		return;
	}
	free(answer->body);
	answer->body = NULL;
	answer->len = 0;
	answer->lifetime = -1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	size_t n = nmemb; /* size is always 1 for a write callback */

	if (size != 1 || n > s->max - s->len) {
		s->too_large = true;
		return 0; /* ends the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/* Each header line of the answer; a status line starts a new answer (an
 * interim 1xx came first), so what the earlier one said is forgotten. */
static size_t on_header(char *data, size_t size, size_t nitems, void *userp)
{
	struct oc_cache_control *cc = userp;

	if (size != 1) {
		return 0;
	}
	if (nitems >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		oc_cache_control_reset(cc);
	} else {
		oc_cache_control_feed(cc, data, nitems);
	}
	return nitems;
}

static bool is_loopback(const struct sockaddr *sa, curl_socklen_t len)
{
	const struct sockaddr_in *v4;
	const struct sockaddr_in6 *v6;

	if (sa->sa_family == AF_INET && len >= (curl_socklen_t)sizeof(*v4)) {
		v4 = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(v4->sin_addr.s_addr) >> 24) == LOOPBACK_OCTET;
	}
	if (sa->sa_family == AF_INET6 && len >= (curl_socklen_t)sizeof(*v6)) {
		v6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
	}
	return false;
}

/* Opens the socket curl asks for, unless the source may reach loopback
 * addresses only and the address is not one. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	const struct oc_fetch_source *src = clientp;

	if (purpose != CURLSOCKTYPE_IPCXN) {
		return CURL_SOCKET_BAD;
	}
	if (src->loopback_only && !is_loopback(&addr->addr, addr->addrlen)) {
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* Sets every option of one fetch; the first refusal is returned, so that
 * a refused option never leaves a weaker transfer behind. */
static CURLcode set_options(CURL *curl, const struct oc_fetch_source *src,
			    struct curl_slist *headers, struct sink *sink,
			    struct oc_cache_control *cc)
{
	const char *scheme = src->loopback_only ? "http" : "https";
	CURLcode c;

	c = curl_easy_setopt(curl, CURLOPT_URL, src->url);
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, scheme);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, scheme);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 0L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	}
	if (c == CURLE_OK && src->ca_file[0] != '\0') {
		c = curl_easy_setopt(curl, CURLOPT_CAINFO, src->ca_file);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, src->connect_timeout_s);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_TIMEOUT, src->timeout_s);
	}
	if (c == CURLE_OK) {
		/* Timeouts without SIGALRM: the caller's program has threads. */
		c = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
				     (curl_off_t)src->doc->max_len);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_USERAGENT, USER_AGENT);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, (void *)src);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(curl, CURLOPT_HEADERDATA, cc);
	}
	if (c == CURLE_OK && src->loopback_only) {
		/* "" turns off the proxy variables of the environment too. */
		c = curl_easy_setopt(curl, CURLOPT_PROXY, "");
	}
	return c;
}

/* A fixed sentence for a transfer that got no answer. */
static const char *transfer_reason(const struct doc *doc, CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return doc->resolve;
	case CURLE_COULDNT_CONNECT:
		return doc->connect;
	case CURLE_OPERATION_TIMEDOUT:
		return doc->timeout;
	case CURLE_PEER_FAILED_VERIFICATION:
		return doc->peer;
	case CURLE_SSL_CONNECT_ERROR:
		return doc->handshake;
	case CURLE_SSL_CACERT_BADFILE:
		return "the CA file cannot be read";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return doc->protocol;
	default:
		/* curl_easy_strerror gives fixed sentences too. */
		return curl_easy_strerror(c);
	}
}

/* One of the document's media types, with or without parameters. */
static bool is_json_type(const struct doc *doc, const char *type)
{
	size_t i, n;

	if (type == NULL) {
		return false;
	}
	for (i = 0; i < DOC_TYPES_MAX && doc->types[i] != NULL; i++) {
		n = strlen(doc->types[i]);
		if (strncasecmp(type, doc->types[i], n) == 0 &&
		    (type[n] == '\0' || type[n] == ';')) {
			return true;
		}
	}
	return false;
}

int oc_fetch(const struct oc_fetch_source *src, struct oc_fetch_answer *answer, const char **reason)
{
	CURL *curl = NULL;
	struct curl_slist *headers = NULL;
	struct sink sink = {NULL, 0, 0, false};
	struct oc_cache_control cc;
	const char *type = NULL;
	long status = 0;
	CURLcode c;
	int r = ONECARD_ERR_NOMEM;

	answer->body = NULL;
	answer->len = 0;
	answer->lifetime = -1;
	*reason = "out of memory";
	oc_cache_control_reset(&cc);
	if (src == NULL) {
		*reason = "no source to fetch from";
		return ONECARD_ERR_INVALID_ARG;
	}
	sink.max = src->doc->max_len;
	sink.buf = malloc(sink.max + 1u);
	if (sink.buf == NULL) {
		goto out;
	}
	curl = curl_easy_init();
	if (curl == NULL) {
		goto out;
	}
	headers = curl_slist_append(NULL, src->doc->accept);
	if (headers == NULL) {
		goto out;
	}
	if (set_options(curl, src, headers, &sink, &cc) != CURLE_OK) {
		r = ONECARD_ERR_INTERNAL;
		*reason = "libcurl refused an option";
		goto out;
	}
	c = curl_easy_perform(curl);
	if (sink.too_large || c == CURLE_FILESIZE_EXCEEDED) {
		r = ONECARD_ERR_TOO_LARGE;
		*reason = src->doc->too_large;
		goto out;
	}
	if (c != CURLE_OK) {
		r = ONECARD_ERR_IO;
		*reason = transfer_reason(src->doc, c);
		goto out;
	}
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK) {
		r = ONECARD_ERR_INTERNAL;
		*reason = "libcurl gave no status";
		goto out;
	}
	if (status >= 300 && status < 400) {
		r = ONECARD_ERR_IO;
		*reason = src->doc->redirect;
		goto out;
	}
	if (status != 200) {
		r = ONECARD_ERR_IO;
		*reason = src->doc->status;
		goto out;
	}
	if (!is_json_type(src->doc, type)) {
		r = ONECARD_ERR_BAD_FORMAT;
		*reason = src->doc->not_json;
		goto out;
	}
	sink.buf[sink.len] = '\0';
	answer->body = sink.buf;
	answer->len = sink.len;
	answer->lifetime = oc_cache_control_lifetime(&cc);
	sink.buf = NULL;
	r = ONECARD_OK;
	*reason = src->doc->fetched;
out:
	free(sink.buf);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return r;
}
