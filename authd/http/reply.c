/* Replies and strict JSON requests (http.h); no libmicrohttpd here. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <onecard/error.h>

#include "http_internal.h"
#include "json_strict.h"

#define JSON_MEDIA_TYPE "application/json"

void oc_http_response_reset(struct oc_http_response *resp)
{
	if (resp == NULL) {
		return;
	}
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int oc_http_response_has_header(const struct oc_http_response *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->n_headers; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0) {
			return 1;
		}
	}
	return 0;
}

int oc_http_is_token(const char *s, size_t max)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	size_t len;
	size_t i;

	if (s == NULL) {
		return 0;
	}
	len = strnlen(s, max + 1);
	if (len == 0 || len > max) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int alnum =
			(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (!alnum && strchr(extra, c) == NULL) {
			return 0;
		}
	}
	return 1;
}

/* A header value: printable ASCII, space and tab; never CR, LF or NUL. */
static int is_header_value(const char *s, size_t max)
{
	size_t len;
	size_t i;

	len = strnlen(s, max + 1);
	if (len > max) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\t' && (c < 0x20 || c > 0x7e)) {
			return 0;
		}
	}
	return 1;
}

int oc_http_reply_bytes(struct oc_http_response *resp, unsigned status, const char *content_type,
			const void *bytes, size_t len)
{
	unsigned char *copy = NULL;
	size_t ct_len;
	int r = ONECARD_ERR_INTERNAL;

	if (resp == NULL || content_type == NULL || (bytes == NULL && len != 0)) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (status < 100 || status > 599) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	ct_len = strnlen(content_type, OC_HTTP_CONTENT_TYPE_MAX + 1);
	if (ct_len == 0 || !is_header_value(content_type, OC_HTTP_CONTENT_TYPE_MAX)) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (len > OC_HTTP_RESPONSE_BODY_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
		memcpy(copy, bytes, len);
	}
	free(resp->body);
	resp->body = copy;
	copy = NULL;
	resp->body_len = len;
	memcpy(resp->content_type, content_type, ct_len);
	resp->content_type[ct_len] = '\0';
	resp->status = status;
	r = ONECARD_OK;
out:
	free(copy);
	return r;
}

int oc_http_reply_json(struct oc_http_response *resp, unsigned status, const json_t *value)
{
	char *text = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (resp == NULL || value == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_json_dump(value, 0, &text);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_http_reply_bytes(resp, status, JSON_MEDIA_TYPE, text, strlen(text));
out:
	free(text);
	return r;
}

int oc_http_reply_error(struct oc_http_response *resp, unsigned status, const char *code,
			const char *description)
{
	json_t *body = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (resp == NULL || code == NULL || description == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (strnlen(code, OC_HTTP_ERROR_CODE_MAX + 1) > OC_HTTP_ERROR_CODE_MAX ||
	    strnlen(description, OC_HTTP_ERROR_DESC_MAX + 1) > OC_HTTP_ERROR_DESC_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	body = json_object();
	if (body == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (json_object_set_new(body, "error", json_string(code)) != 0 ||
	    json_object_set_new(body, "error_description", json_string(description)) != 0) {
		/* json_string fails on invalid UTF-8 as well as on memory. */
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_http_reply_json(resp, status, body);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!oc_http_response_has_header(resp, "Cache-Control")) {
		r = oc_http_response_add_header(resp, "Cache-Control", "no-store");
	}
out:
	json_decref(body);
	return r;
}

int oc_http_response_add_header(struct oc_http_response *resp, const char *name, const char *value)
{
	struct oc_http_header *h;
	size_t name_len;
	size_t value_len;

	if (resp == NULL || value == NULL || !oc_http_is_token(name, OC_HTTP_HEADER_NAME_MAX) ||
	    !is_header_value(value, OC_HTTP_HEADER_VALUE_MAX)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* The layer sets these itself. */
	if (strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (resp->n_headers >= OC_HTTP_HEADERS_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	name_len = strlen(name);
	value_len = strlen(value);
	h = &resp->headers[resp->n_headers];
	memcpy(h->name, name, name_len);
	h->name[name_len] = '\0';
	memcpy(h->value, value, value_len);
	h->value[value_len] = '\0';
	resp->n_headers++;
	return ONECARD_OK;
}

/* "application/json", any case, optionally followed by parameters. */
static int is_json_media_type(const char *content_type)
{
	size_t want = sizeof(JSON_MEDIA_TYPE) - 1;
	const char *rest;

	if (content_type == NULL || strncasecmp(content_type, JSON_MEDIA_TYPE, want) != 0) {
		return 0;
	}
	rest = content_type + want;
	while (*rest == ' ' || *rest == '\t') {
		rest++;
	}
	return *rest == '\0' || *rest == ';';
}

int oc_http_request_json(const struct oc_http_request *req, json_t **out,
			 struct oc_http_response *resp)
{
	json_t *value = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (out != NULL) {
		*out = NULL;
	}
	if (req == NULL || out == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (!is_json_media_type(oc_http_request_header(req, "Content-Type"))) {
		r = ONECARD_ERR_BAD_FORMAT;
		if (resp != NULL) {
			(void)oc_http_reply_error(resp, 415, "invalid_request",
						  "Content-Type must be application/json");
		}
		goto out;
	}
	if (req->body == NULL || req->body_len == 0 ||
	    oc_json_parse_object((const char *)req->body, req->body_len, &value) != ONECARD_OK) {
		r = ONECARD_ERR_BAD_FORMAT;
		if (resp != NULL) {
			(void)oc_http_reply_error(resp, 400, "invalid_request",
						  "request body must be one JSON object");
		}
		goto out;
	}
	*out = value;
	value = NULL;
	r = ONECARD_OK;
out:
	json_decref(value);
	return r;
}
