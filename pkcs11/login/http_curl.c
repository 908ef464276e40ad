/*
 * The one file that calls libcurl (login.h). A client talks to one authd
 * URL only: its scheme is the only protocol allowed, redirects are never
 * followed (an answer 3xx is just an unexpected answer), TLS is 1.2 or
 * later with the peer and host name verified, every transfer has
 * timeouts, and an answer body over OC_LOGIN_RESPONSE_MAX ends the
 * transfer. For plain http (loopback only, origin.c) no proxy is used and
 * a socket is opened only to a loopback address, so a name that resolves
 * elsewhere cannot carry the login off in the clear.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "login.h"

#define USER_AGENT     "onecard-login/1"
#define JSON_TYPE      "application/json"
#define FORM_TYPE      "application/x-www-form-urlencoded"
#define FORM_NAME_MAX  32u /* bytes of a form field's name */
#define URL_BYTES      (OC_LOGIN_URL_MAX + OC_LOGIN_ROUTE_MAX + 1u)
#define LOOPBACK_OCTET 127u

struct oc_login_http {
	CURL *curl;
	struct curl_slist *headers;	 /* a JSON body */
	struct curl_slist *form_headers; /* a form body */
	bool loopback_only;
	char base[OC_LOGIN_URL_MAX + 1];
};

/* The body being received: at most OC_LOGIN_RESPONSE_MAX bytes. */
struct sink {
	char *buf;
	size_t len;
	bool too_large;
};

void oc_login_reply_clear(struct oc_login_reply *r)
{
	if (r == NULL) {
		return;
	}
	if (r->body != NULL) {
		OPENSSL_cleanse(r->body, r->len);
		free(r->body);
	}
	memset(r, 0, sizeof(*r));
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	size_t n = nmemb; /* size is always 1 for a write callback */

	if (size != 1 || n > OC_LOGIN_RESPONSE_MAX - s->len) {
		s->too_large = true;
		return 0; /* ends the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
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

/* Opens the socket curl asks for, unless this client may reach loopback
 * addresses only and the address is not one. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	const struct oc_login_http *h = clientp;

	if (purpose != CURLSOCKTYPE_IPCXN) {
		return CURL_SOCKET_BAD;
	}
	if (h->loopback_only && !is_loopback(&addr->addr, addr->addrlen)) {
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

void oc_login_http_free(struct oc_login_http *h)
{
	if (h == NULL) {
		return;
	}
	curl_slist_free_all(h->headers);
	curl_slist_free_all(h->form_headers);
	curl_easy_cleanup(h->curl);
	free(h);
}

/* Appends a header; false when out of memory. */
static bool add_header(struct curl_slist **list, const char *line)
{
	struct curl_slist *n = curl_slist_append(*list, line);

	if (n == NULL) {
		return false;
	}
	*list = n;
	return true;
}

int oc_login_http_new(const struct oc_login_url *url, const char *cacert,
		      struct oc_login_http **out)
{
	struct oc_login_http *h = NULL;
	CURLcode c = CURLE_OK;
	bool http;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (url == NULL || url->base[0] == '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		goto out;
	}
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		goto out;
	}
	http = strcmp(url->scheme, "http") == 0;
	h->loopback_only = http;
	memcpy(h->base, url->base, sizeof(h->base));
	if (!add_header(&h->headers, "Content-Type: " JSON_TYPE) ||
	    !add_header(&h->headers, "Accept: " JSON_TYPE) || !add_header(&h->headers, "Expect:") ||
	    !add_header(&h->form_headers, "Content-Type: " FORM_TYPE) ||
	    !add_header(&h->form_headers, "Accept: " JSON_TYPE) ||
	    !add_header(&h->form_headers, "Expect:")) {
		goto out;
	}
	/* Each call is checked: a refused option must not leave a weaker
	 * client behind. The first failure is kept. */
	c = curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, http ? "http" : "https");
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_MAXREDIRS, 0L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	}
	if (c == CURLE_OK && cacert != NULL) {
		c = curl_easy_setopt(h->curl, CURLOPT_CAINFO, cacert);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, OC_LOGIN_CONNECT_TIMEOUT);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, OC_LOGIN_TIMEOUT);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE,
				     (curl_off_t)OC_LOGIN_RESPONSE_MAX);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_USERAGENT, USER_AGENT);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_OPENSOCKETDATA, h);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	}
	if (c == CURLE_OK && http) {
		/* "" turns off the proxy variables of the environment too. */
		c = curl_easy_setopt(h->curl, CURLOPT_PROXY, "");
	}
	if (c != CURLE_OK) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*out = h;
	h = NULL;
	r = ONECARD_OK;
out:
	oc_login_http_free(h);
	return r;
}

/* A fixed sentence for a transfer that got no answer. */
static const char *transfer_reason(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "cannot resolve the authd host name";
	case CURLE_COULDNT_CONNECT:
		return "cannot connect to authd";
	case CURLE_OPERATION_TIMEDOUT:
		return "authd did not answer in time";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "authd's TLS certificate does not verify for its host name";
	case CURLE_SSL_CONNECT_ERROR:
		return "the TLS handshake with authd failed";
	case CURLE_SSL_CACERT_BADFILE:
		return "the CA file (--cacert) cannot be read";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "the URL's protocol is not allowed";
	default:
		/* curl_easy_strerror gives fixed sentences too. */
		return curl_easy_strerror(c);
	}
}

/* One POST of body with the headers given (JSON or form). */
static int post_with(struct oc_login_http *h, struct curl_slist *headers, const char *route,
		     const char *body, size_t len, struct oc_login_reply *reply, const char **why)
{
	char url[URL_BYTES];
	struct sink sink = {NULL, 0, false};
	const char *type = NULL;
	curl_off_t retry_after = 0;
	long status = 0;
	CURLcode c;
	int w, r = ONECARD_ERR_INVALID_ARG;

	memset(reply, 0, sizeof(*reply));
	*why = "";
	if (h == NULL || route == NULL || route[0] != '/' || strlen(route) > OC_LOGIN_ROUTE_MAX ||
	    body == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	w = snprintf(url, sizeof(url), "%s%s", h->base, route);
	if (w < 0 || (size_t)w >= sizeof(url)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	sink.buf = malloc(OC_LOGIN_RESPONSE_MAX + 1u);
	if (sink.buf == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	c = curl_easy_setopt(h->curl, CURLOPT_URL, url);
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (c == CURLE_OK) {
		c = curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &sink);
	}
	if (c != CURLE_OK) {
		r = ONECARD_ERR_INTERNAL;
		*why = "libcurl refused an option";
		goto out;
	}
	c = curl_easy_perform(h->curl);
	if (sink.too_large || c == CURLE_FILESIZE_EXCEEDED) {
		r = ONECARD_ERR_TOO_LARGE;
		*why = "authd's answer is larger than 64 KiB";
		goto out;
	}
	if (c != CURLE_OK) {
		r = ONECARD_ERR_IO;
		*why = transfer_reason(c);
		goto out;
	}
	if (curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK) {
		r = ONECARD_ERR_INTERNAL;
		*why = "libcurl gave no status";
		goto out;
	}
	/* Seconds, from a delay or a date (then counted from now; one past
	 * is 0); 0 without the header. One longer than believable is left. */
	if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
	    retry_after > 0 && retry_after <= (curl_off_t)OC_LOGIN_RETRY_AFTER_MAX) {
		reply->retry_after = (int64_t)retry_after;
	}
	sink.buf[sink.len] = '\0';
	reply->status = status;
	/* "application/json" with or without parameters (charset=utf-8). */
	reply->json = type != NULL && strncasecmp(type, JSON_TYPE, strlen(JSON_TYPE)) == 0 &&
		      (type[strlen(JSON_TYPE)] == '\0' || type[strlen(JSON_TYPE)] == ';');
	reply->body = sink.buf;
	reply->len = sink.len;
	sink.buf = NULL;
	r = ONECARD_OK;
out:
	/* Answers may hold a token; the caller wipes the request body. */
	if (sink.buf != NULL) {
		OPENSSL_cleanse(sink.buf, OC_LOGIN_RESPONSE_MAX + 1u);
		free(sink.buf);
	}
	(void)curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	(void)curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, NULL);
	return r;
}

int oc_login_http_post(struct oc_login_http *h, const char *route, const char *body, size_t len,
		       struct oc_login_reply *reply, const char **why)
{
	memset(reply, 0, sizeof(*reply));
	*why = "";
	if (h == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return post_with(h, h->headers, route, body, len, reply, why);
}

int oc_login_http_post_form(struct oc_login_http *h, const char *route, const char *body,
			    size_t len, struct oc_login_reply *reply, const char **why)
{
	memset(reply, 0, sizeof(*reply));
	*why = "";
	if (h == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return post_with(h, h->form_headers, route, body, len, reply, why);
}

/* ---- form bodies (RFC 6749 Appendix B) ----------------------------------- */

void oc_login_form_free(char *body)
{
	if (body == NULL) {
		return;
	}
	OPENSSL_cleanse(body, strlen(body));
	free(body);
}

static bool form_name_ok(const char *name)
{
	size_t i, n;

	if (name == NULL) {
		return false;
	}
	n = strnlen(name, FORM_NAME_MAX + 1u);
	if (n == 0 || n > FORM_NAME_MAX) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_')) {
			return false;
		}
	}
	return true;
}

/* Appends n bytes at p to buf (capacity OC_LOGIN_FORM_MAX + 1). */
static int form_append(char *buf, size_t *pos, const char *p, size_t n)
{
	if (n > OC_LOGIN_FORM_MAX - *pos) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(buf + *pos, p, n);
	*pos += n;
	buf[*pos] = '\0';
	return ONECARD_OK;
}

int oc_login_form_build(const struct oc_login_form_field *fields, size_t n, char **body,
			size_t *len)
{
	char *buf = NULL, *esc = NULL;
	size_t pos = 0, i, vlen;
	int r = ONECARD_ERR_INVALID_ARG;

	*body = NULL;
	*len = 0;
	if (fields == NULL || n == 0 || n > OC_LOGIN_FORM_FIELDS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < n; i++) {
		if (!form_name_ok(fields[i].name) || fields[i].value == NULL) {
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	buf = malloc(OC_LOGIN_FORM_MAX + 1u);
	if (buf == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		vlen = strnlen(fields[i].value, OC_LOGIN_FORM_MAX + 1u);
		if (vlen > OC_LOGIN_FORM_MAX) {
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
		/* Length 0 would make curl take strlen(): the same here. The
		 * handle is ignored since libcurl 7.82. */
		esc = curl_easy_escape(NULL, fields[i].value, (int)vlen);
		if (esc == NULL) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
		r = i > 0 ? form_append(buf, &pos, "&", 1) : ONECARD_OK;
		if (r == ONECARD_OK) {
			r = form_append(buf, &pos, fields[i].name, strlen(fields[i].name));
		}
		if (r == ONECARD_OK) {
			r = form_append(buf, &pos, "=", 1);
		}
		if (r == ONECARD_OK) {
			r = form_append(buf, &pos, esc, strlen(esc));
		}
		OPENSSL_cleanse(esc, strlen(esc));
		curl_free(esc);
		esc = NULL;
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	*body = buf;
	*len = pos;
	buf = NULL;
	r = ONECARD_OK;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, OC_LOGIN_FORM_MAX + 1u);
		free(buf);
	}
	return r;
}

int oc_login_refresh_form(const char *credential, const char *audience, char **body, size_t *len)
{
	const struct oc_login_form_field f[] = {
		{"grant_type", "refresh_token"},
		{"refresh_token", credential},
		{"audience", audience},
	};

	*body = NULL;
	*len = 0;
	if (credential == NULL || !oc_login_session_credential_ok(credential, strlen(credential)) ||
	    !oc_login_audience_ok(audience)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_login_form_build(f, sizeof(f) / sizeof(f[0]), body, len);
}

int oc_login_logout_form(const char *credential, char **body, size_t *len)
{
	const struct oc_login_form_field f[] = {{"token", credential}};

	*body = NULL;
	*len = 0;
	if (credential == NULL || !oc_login_session_credential_ok(credential, strlen(credential))) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_login_form_build(f, 1, body, len);
}
