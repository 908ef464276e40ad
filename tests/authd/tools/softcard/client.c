/*
 * HTTP for the software card (softcard.h): one libcurl easy handle per
 * client, reused so that its connection stays open between requests.
 * The only libcurl user of the library.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <onecard/error.h>

#include "softcard.h"

#define CONTENT_TYPE_MAX 256u /* bytes of a Content-Type header line */

struct sc_client {
	CURL *curl;
	struct curl_slist *json_headers; /* Content-Type: application/json; no Expect */
	char base[SC_URL_MAX];
	char url[SC_URL_MAX];
	char error[CURL_ERROR_SIZE];
	char *buf; /* the answer being received */
	size_t len, cap;
	int too_large;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sc_client *c = arg;
	size_t n = size * nmemb, cap;
	char *grown;

	if (size != 0 && n / size != nmemb) {
		return 0;
	}
	if (n > SC_ANSWER_MAX - c->len) {
		c->too_large = 1;
		return 0; /* ends the transfer */
	}
	if (c->len + n + 1u > c->cap) {
		cap = c->cap == 0 ? 4096u : c->cap;
		while (cap < c->len + n + 1u) {
			cap *= 2u;
		}
		grown = realloc(c->buf, cap);
		if (grown == NULL) {
			return 0;
		}
		c->buf = grown;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* The headers of one request: Content-Type, and no "Expect:
 * 100-continue" (libcurl adds it to bodies over 1 KiB, which costs a
 * round trip). */
static struct curl_slist *headers_for(const char *content_type)
{
	char line[CONTENT_TYPE_MAX];
	struct curl_slist *list = NULL, *more = NULL;
	size_t n = strlen(content_type);

	if (n + sizeof("Content-Type: ") > sizeof(line) || strpbrk(content_type, "\r\n") != NULL) {
		return NULL;
	}
	memcpy(line, "Content-Type: ", sizeof("Content-Type: ") - 1u);
	memcpy(line + sizeof("Content-Type: ") - 1u, content_type, n + 1u);
	list = curl_slist_append(NULL, line);
	if (list == NULL) {
		return NULL;
	}
	more = curl_slist_append(list, "Expect:");
	if (more == NULL) {
		curl_slist_free_all(list);
		return NULL;
	}
	return more;
}

int sc_origin_of(const char *url, char out[SC_ORIGIN_SIZE])
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	size_t i, n, len;
	int r = ONECARD_ERR_INVALID_ARG;
	CURLUcode rc;

	out[0] = '\0';
	if (u == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		goto out;
	}
	rc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	if (rc != CURLUE_OK && rc != CURLUE_NO_PORT) {
		goto out;
	}
	n = strlen(scheme) + 3u + strlen(host) + (port != NULL ? 1u + strlen(port) : 0u);
	if (n >= SC_ORIGIN_SIZE) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	len = strlen(scheme);
	memcpy(out, scheme, len);
	memcpy(out + len, "://", 3u);
	len += 3u;
	memcpy(out + len, host, strlen(host));
	len += strlen(host);
	if (port != NULL) {
		out[len++] = ':';
		memcpy(out + len, port, strlen(port));
		len += strlen(port);
	}
	out[len] = '\0';
	for (i = 0; i < len; i++) {
		out[i] = (char)tolower((unsigned char)out[i]);
	}
	r = ONECARD_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return r;
}

int sc_client_new(const char *base_url, const char *cacert, struct sc_client **out)
{
	struct sc_client *c = NULL;
	size_t n;
	int r = ONECARD_ERR_INVALID_ARG;

	*out = NULL;
	if (base_url == NULL) {
		goto out;
	}
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1u] == '/') {
		n--;
	}
	if (n == 0) {
		goto out;
	}
	if (n >= SC_URL_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		goto out;
	}
	memcpy(c->base, base_url, n);
	c->base[n] = '\0';
	c->curl = curl_easy_init();
	c->json_headers = headers_for("application/json");
	if (c->curl == NULL || c->json_headers == NULL) {
		goto out;
	}
	r = ONECARD_ERR_INVALID_ARG;
	if (curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, SC_TIMEOUT_S) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, SC_CONNECT_S) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->error) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POST, 1L) != CURLE_OK) {
		goto out;
	}
	if (cacert != NULL && curl_easy_setopt(c->curl, CURLOPT_CAINFO, cacert) != CURLE_OK) {
		goto out;
	}
	*out = c;
	c = NULL;
	r = ONECARD_OK;
out:
	sc_client_free(c);
	return r;
}

void sc_client_free(struct sc_client *c)
{
	if (c == NULL) {
		return;
	}
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->json_headers);
	free(c->buf);
	free(c);
}

const char *sc_client_error(const struct sc_client *c)
{
	return c->error;
}

int sc_client_post(struct sc_client *c, const char *path, const char *content_type,
		   const char *body, size_t len, long *status, char **answer, size_t *answer_len)
{
	struct curl_slist *custom = NULL;
	size_t base_len = strlen(c->base), path_len;
	CURLcode rc;
	int r = ONECARD_ERR_INVALID_ARG;

	*status = 0;
	*answer = NULL;
	*answer_len = 0;
	c->error[0] = '\0';
	if (path == NULL || path[0] != '/' || body == NULL || len > SC_BODY_MAX) {
		goto out;
	}
	path_len = strlen(path);
	if (path_len >= SC_URL_MAX - base_len) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(c->url, c->base, base_len);
	memcpy(c->url + base_len, path, path_len + 1u);
	if (content_type != NULL) {
		custom = headers_for(content_type);
		if (custom == NULL) {
			goto out;
		}
	}
	c->len = 0;
	c->too_large = 0;
	if (curl_easy_setopt(c->curl, CURLOPT_URL, c->url) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER,
			     custom != NULL ? custom : c->json_headers) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK) {
		goto out;
	}
	rc = curl_easy_perform(c->curl);
	if (c->too_large) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (rc != CURLE_OK) {
		if (c->error[0] == '\0') {
			(void)snprintf(c->error, sizeof(c->error), "%s", curl_easy_strerror(rc));
		}
		r = ONECARD_ERR_IO;
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	if (c->buf == NULL) {
		c->buf = malloc(1);
		if (c->buf == NULL) {
			goto out;
		}
		c->cap = 1;
	}
	c->buf[c->len] = '\0';
	(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	*answer = c->buf;
	*answer_len = c->len;
	c->buf = NULL;
	c->len = 0;
	c->cap = 0;
	r = ONECARD_OK;
out:
	/* The handle must not keep pointers to this call's data. */
	(void)curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->json_headers);
	(void)curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
	(void)curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	curl_slist_free_all(custom);
	return r;
}
