/*
 * application/x-www-form-urlencoded bodies, as OAuth 2.0 endpoints take
 * them (RFC 6749 §3.2, RFC 7009, RFC 7662, RFC 8693): name=value pairs
 * joined by '&'. The percent-decoding is libmicrohttpd's; this file only
 * splits, checks every escape before it is decoded, and applies onecard's
 * limits (docs/http.md).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "http_internal.h"

#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

static int is_form_media_type(const char *content_type)
{
	size_t want = sizeof(FORM_MEDIA_TYPE) - 1;
	const char *rest;

	if (content_type == NULL || strncasecmp(content_type, FORM_MEDIA_TYPE, want) != 0) {
		return 0;
	}
	rest = content_type + want;
	while (*rest == ' ' || *rest == '\t') {
		rest++;
	}
	return *rest == '\0' || *rest == ';';
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/*
 * Decodes the len bytes at raw into buf (max + 1 bytes): '+' becomes a
 * space, every '%' must start %XX. Returns the decoded length in *out_len
 * or a reason.
 */
static const char *decode(const unsigned char *raw, size_t len, char *buf, size_t max,
			  size_t *out_len)
{
	size_t i, n;

	*out_len = 0;
	if (len > 3 * max) {
		return "a parameter is too long";
	}
	for (i = 0; i < len; i++) {
		if (raw[i] == '%') {
			if (i + 2 >= len || !is_hex(raw[i + 1]) || !is_hex(raw[i + 2])) {
				return "a '%' does not start a %XX escape";
			}
			i += 2;
		} else if (raw[i] < 0x21 || raw[i] > 0x7e) {
			return "the body holds a byte that must be escaped";
		}
	}
	memcpy(buf, raw, len);
	buf[len] = '\0';
	for (i = 0; i < len; i++) {
		if (buf[i] == '+') {
			buf[i] = ' ';
		}
	}
	n = oc_http_unescape(buf);
	if (n > max) {
		return "a parameter is too long";
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e) {
			return "a value holds a byte outside printable ASCII";
		}
	}
	*out_len = n;
	return NULL;
}

int oc_http_form_parse(const unsigned char *body, size_t len, json_t **out, const char **why)
{
	char *value = NULL;
	char name[OC_HTTP_FORM_NAME_MAX + 1];
	const char *reason = "out of memory";
	json_t *form = NULL;
	size_t start = 0, end, eq, nlen, vlen, i;
	size_t fields = 0;
	int r = ONECARD_ERR_NOMEM;

	if (out != NULL) {
		*out = NULL;
	}
	if (why != NULL) {
		*why = NULL;
	}
	if (out == NULL || (body == NULL && len > 0)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	form = json_object();
	value = malloc(3u * OC_HTTP_FORM_VALUE_MAX + 1u);
	if (form == NULL || value == NULL) {
		goto out;
	}
	r = ONECARD_ERR_BAD_FORMAT;
	while (start < len) {
		end = start;
		while (end < len && body[end] != '&') {
			end++;
		}
		if (end == start) {
			reason = "the body has an empty parameter ('&&')";
			goto out;
		}
		eq = start;
		while (eq < end && body[eq] != '=') {
			eq++;
		}
		nlen = eq - start;
		if (nlen == 0 || nlen > OC_HTTP_FORM_NAME_MAX) {
			reason = nlen == 0 ? "a parameter has no name"
					   : "a parameter name is too long";
			goto out;
		}
		for (i = start; i < eq; i++) {
			if (!is_name_char(body[i])) {
				reason =
					"a parameter name holds a character outside [A-Za-z0-9_.-]";
				goto out;
			}
		}
		memcpy(name, body + start, nlen);
		name[nlen] = '\0';
		if (json_object_get(form, name) != NULL) {
			reason = "a parameter is given twice";
			goto out;
		}
		if (++fields > OC_HTTP_FORM_FIELDS_MAX) {
			reason = "the body has too many parameters";
			goto out;
		}
		vlen = 0;
		if (eq < end) {
			reason = decode(body + eq + 1, end - eq - 1, value, OC_HTTP_FORM_VALUE_MAX,
					&vlen);
			if (reason != NULL) {
				goto out;
			}
		}
		/* An empty value is an omitted parameter (RFC 6749 §3.1); its
		 * name still counts for "given twice". */
		if (json_object_set_new(form, name,
					vlen > 0 ? json_stringn(value, vlen) : json_null()) != 0) {
			reason = "out of memory";
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
		start = end + 1;
		if (start == len && end < len) {
			reason = "the body ends with '&'";
			goto out;
		}
	}
	/* Drop the omitted parameters now that duplicates are ruled out. */
	{
		const char *key;
		json_t *v;
		void *tmp;

		json_object_foreach_safe(form, tmp, key, v)
		{
			if (json_is_null(v)) {
				(void)json_object_del(form, key);
			}
		}
	}
	*out = form;
	form = NULL;
	reason = NULL;
	r = ONECARD_OK;
out:
	if (value != NULL) {
		OPENSSL_cleanse(value, 3u * OC_HTTP_FORM_VALUE_MAX + 1u);
		free(value);
	}
	if (form != NULL) {
		/* Refused after some values were kept: they may be credentials. */
		const char *key;
		json_t *v;

		json_object_foreach (form, key, v) {
			if (json_is_string(v)) {
				OPENSSL_cleanse((char *)json_string_value(v),
						json_string_length(v));
			}
		}
	}
	json_decref(form);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

int oc_http_request_form(const struct oc_http_request *req, json_t **out,
			 struct oc_http_response *resp)
{
	const char *why = NULL;
	int r;

	if (out != NULL) {
		*out = NULL;
	}
	if (req == NULL || out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!is_form_media_type(oc_http_request_header(req, "Content-Type"))) {
		if (resp != NULL) {
			(void)oc_http_reply_error(resp, 415, "invalid_request",
						  "Content-Type must be " FORM_MEDIA_TYPE);
		}
		return ONECARD_ERR_BAD_FORMAT;
	}
	r = oc_http_form_parse(req->body, req->body_len, out, &why);
	if (r != ONECARD_OK && resp != NULL) {
		(void)oc_http_reply_error(resp, r == ONECARD_ERR_NOMEM ? 500 : 400,
					  r == ONECARD_ERR_NOMEM ? "internal" : "invalid_request",
					  why != NULL ? why : "malformed form body");
	}
	return r;
}
