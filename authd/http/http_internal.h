/*
 * What http_mhd.c (the libmicrohttpd adapter) and reply.c share: the
 * response a handler fills. Not installed; handlers see it opaque.
 */
#ifndef ONECARD_AUTHD_HTTP_INTERNAL_H
#define ONECARD_AUTHD_HTTP_INTERNAL_H

#include <stddef.h>

#include "http.h"

struct oc_http_header {
	char name[OC_HTTP_HEADER_NAME_MAX + 1];
	char value[OC_HTTP_HEADER_VALUE_MAX + 1];
};

struct oc_http_response {
	unsigned status; /* 0 until a reply is set */
	char content_type[OC_HTTP_CONTENT_TYPE_MAX + 1];
	unsigned char *body; /* owned (malloc), NULL when empty */
	size_t body_len;
	struct oc_http_header headers[OC_HTTP_HEADERS_MAX];
	size_t n_headers;
};

/* Frees the body and clears the response for reuse. */
void oc_http_response_reset(struct oc_http_response *resp);

/* Whether the handler set header name (case-insensitive). */
int oc_http_response_has_header(const struct oc_http_response *resp, const char *name);

/* Whether s is a non-empty HTTP token of at most max bytes. */
int oc_http_is_token(const char *s, size_t max);

/* Decodes %XX escapes of s in place (libmicrohttpd's decoder) and
 * returns the new length. The caller has checked every '%' starts a
 * valid escape. */
size_t oc_http_unescape(char *s);

#endif
