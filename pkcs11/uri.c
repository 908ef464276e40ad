/*
 * RFC 7512 PKCS#11 URIs, the strict subset described in uri.h. The
 * grammar, from RFC 7512 §2.3, as far as this file accepts it:
 *
 *   pk11-URI    = "pkcs11:" pk11-path [ "?" pk11-query ]
 *   pk11-path   = [ pk11-pattr *(";" pk11-pattr) ]
 *   pk11-query  = pk11-qattr *("&" pk11-qattr)
 *   pk11-pattr  = name "=" 1*pk11-pchar      (token manufacturer model
 *                                             serial object id type)
 *   pk11-qattr  = name "=" 1*pk11-qchar      (module-path pin-source)
 *   pk11-pchar  = unreserved / pct-encoded / ":" / "[" / "]" / "@" / "!"
 *                 / "$" / "'" / "(" / ")" / "*" / "+" / "," / "=" / "&"
 *   pk11-qchar  = the same without "&", plus "/" / "?" / "|"
 *
 * Stricter than the RFC on purpose: empty values, empty segments and a
 * '?' with nothing after it are refused, as is every attribute onecard
 * does not act on, so that nothing in a URI is silently ignored.
 */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "uri.h"

#define SCHEME	   "pkcs11:"
#define SCHEME_LEN (sizeof(SCHEME) - 1)
#define TYPE_MAX   16u /* bytes of a type= value we would ever accept */

struct oc_p11_uri {
	char *text[OC_P11_URI_ATTR_COUNT]; /* NULL: absent */
	uint8_t *id;			   /* NULL: absent */
	size_t id_len;
	enum oc_p11_uri_type type;
};

enum uri_part { PART_PATH, PART_QUERY };
enum value_kind { KIND_TEXT, KIND_ID, KIND_TYPE };

/* The schema: every attribute accepted, where, and how long it may be. */
static const struct attr_spec {
	const char *name;
	enum uri_part part;
	enum value_kind kind;
	enum oc_p11_uri_attr attr; /* for KIND_TEXT */
	size_t max;		   /* decoded bytes */
} attr_specs[] = {
	{"token", PART_PATH, KIND_TEXT, OC_P11_URI_TOKEN, 32},
	{"manufacturer", PART_PATH, KIND_TEXT, OC_P11_URI_MANUFACTURER, 32},
	{"model", PART_PATH, KIND_TEXT, OC_P11_URI_MODEL, 16},
	{"serial", PART_PATH, KIND_TEXT, OC_P11_URI_SERIAL, 16},
	{"object", PART_PATH, KIND_TEXT, OC_P11_URI_OBJECT, OC_P11_URI_LABEL_MAX},
	{"id", PART_PATH, KIND_ID, OC_P11_URI_ATTR_COUNT, OC_P11_URI_ID_MAX},
	{"type", PART_PATH, KIND_TYPE, OC_P11_URI_ATTR_COUNT, TYPE_MAX},
	{"module-path", PART_QUERY, KIND_TEXT, OC_P11_URI_MODULE_PATH, OC_P11_URI_PATH_MAX},
	{"pin-source", PART_QUERY, KIND_TEXT, OC_P11_URI_PIN_SOURCE, OC_P11_URI_PATH_MAX},
};

#define ATTR_SPEC_COUNT (sizeof(attr_specs) / sizeof(attr_specs[0]))

static const char *const refusal_text[] = {
	[OC_P11_URI_REFUSED_NONE] = "accepted",
	[OC_P11_URI_REFUSED_EMPTY] = "the URI is empty",
	[OC_P11_URI_REFUSED_TOO_LONG] = "the URI is too long",
	[OC_P11_URI_REFUSED_SCHEME] = "the URI does not start with 'pkcs11:'",
	[OC_P11_URI_REFUSED_CHAR] = "the URI has a character that must be percent-encoded",
	[OC_P11_URI_REFUSED_ESCAPE] = "the URI has a '%' not followed by two hex digits",
	[OC_P11_URI_REFUSED_EMPTY_ATTR] = "the URI has an empty attribute or value",
	[OC_P11_URI_REFUSED_UNKNOWN_ATTR] = "the URI has an attribute onecard does not accept",
	[OC_P11_URI_REFUSED_DUPLICATE] = "the URI names an attribute twice",
	[OC_P11_URI_REFUSED_PIN_VALUE] = "pin-value is not accepted: a PIN never travels in a URI",
	[OC_P11_URI_REFUSED_TYPE] = "the URI type must be 'cert' or 'private'",
	[OC_P11_URI_REFUSED_VALUE_TOO_LONG] = "a URI attribute value is too long",
	[OC_P11_URI_REFUSED_NUL] = "a URI text attribute contains %00",
};

const char *oc_p11_uri_refusal_str(enum oc_p11_uri_refusal why)
{
	if ((size_t)why >= sizeof(refusal_text) / sizeof(refusal_text[0])) {
		return "the URI was refused";
	}
	return refusal_text[why];
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* A character allowed unencoded in a value of the given part. */
static int is_value_char(unsigned char c, enum uri_part part)
{
	if (is_unreserved(c) || strchr(":[]@!$'()*+,=", c) != NULL) {
		return c != '\0';
	}
	if (part == PART_PATH) {
		return c == '&';
	}
	return c == '/' || c == '?' || c == '|';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/*
 * Decodes value[0..len) into out[0..max). Sets *out_len. Returns the
 * refusal, or OC_P11_URI_REFUSED_NONE.
 */
static enum oc_p11_uri_refusal decode_value(const char *value, size_t len, enum uri_part part,
					    uint8_t *out, size_t max, size_t *out_len)
{
	size_t i = 0, n = 0;
	int hi, lo;
	unsigned char c;

	*out_len = 0;
	if (len == 0) {
		return OC_P11_URI_REFUSED_EMPTY_ATTR;
	}
	while (i < len) {
		c = (unsigned char)value[i];
		if (c == '%') {
			if (len - i < 3) {
				return OC_P11_URI_REFUSED_ESCAPE;
			}
			hi = hex_value((unsigned char)value[i + 1]);
			lo = hex_value((unsigned char)value[i + 2]);
			if (hi < 0 || lo < 0) {
				return OC_P11_URI_REFUSED_ESCAPE;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 3;
		} else if (is_value_char(c, part)) {
			i++;
		} else {
			return OC_P11_URI_REFUSED_CHAR;
		}
		if (n >= max) {
			return OC_P11_URI_REFUSED_VALUE_TOO_LONG;
		}
		out[n++] = c;
	}
	*out_len = n;
	return OC_P11_URI_REFUSED_NONE;
}

static const struct attr_spec *find_spec(const char *name, size_t len, size_t *index)
{
	size_t i;

	for (i = 0; i < ATTR_SPEC_COUNT; i++) {
		if (strlen(attr_specs[i].name) == len &&
		    memcmp(attr_specs[i].name, name, len) == 0) {
			*index = i;
			return &attr_specs[i];
		}
	}
	return NULL;
}

/* Stores one decoded value; the spec says where it goes. */
static int store_value(struct oc_p11_uri *uri, const struct attr_spec *spec, const uint8_t *val,
		       size_t len, enum oc_p11_uri_refusal *why)
{
	char *text = NULL;

	if (spec->kind == KIND_TYPE) {
		if (len == 4 && memcmp(val, "cert", 4) == 0) {
			uri->type = OC_P11_URI_TYPE_CERT;
		} else if (len == 7 && memcmp(val, "private", 7) == 0) {
			uri->type = OC_P11_URI_TYPE_PRIVATE;
		} else {
			*why = OC_P11_URI_REFUSED_TYPE;
			return ONECARD_ERR_BAD_FORMAT;
		}
		return ONECARD_OK;
	}
	if (spec->kind == KIND_ID) {
		uri->id = malloc(len);
		if (uri->id == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		memcpy(uri->id, val, len);
		uri->id_len = len;
		return ONECARD_OK;
	}
	if (memchr(val, '\0', len) != NULL) {
		*why = OC_P11_URI_REFUSED_NUL;
		return ONECARD_ERR_BAD_FORMAT;
	}
	text = malloc(len + 1);
	if (text == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	memcpy(text, val, len);
	text[len] = '\0';
	uri->text[spec->attr] = text;
	return ONECARD_OK;
}

/*
 * Parses one "name=value" segment of a part. seen[] marks the attributes
 * already given; buf is scratch space of OC_P11_URI_PATH_MAX bytes.
 */
static int parse_attr(struct oc_p11_uri *uri, const char *seg, size_t len, enum uri_part part,
		      unsigned char *seen, uint8_t *buf, enum oc_p11_uri_refusal *why)
{
	const struct attr_spec *spec;
	const char *eq;
	size_t name_len, index = 0, val_len = 0;

	eq = memchr(seg, '=', len);
	if (eq == NULL || eq == seg) {
		*why = OC_P11_URI_REFUSED_EMPTY_ATTR;
		return ONECARD_ERR_BAD_FORMAT;
	}
	name_len = (size_t)(eq - seg);
	/* Refused by name, wherever it appears and whatever its value. */
	if (name_len == 9 && memcmp(seg, "pin-value", 9) == 0) {
		*why = OC_P11_URI_REFUSED_PIN_VALUE;
		return ONECARD_ERR_BAD_FORMAT;
	}
	spec = find_spec(seg, name_len, &index);
	if (spec == NULL || spec->part != part) {
		*why = OC_P11_URI_REFUSED_UNKNOWN_ATTR;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (seen[index]) {
		*why = OC_P11_URI_REFUSED_DUPLICATE;
		return ONECARD_ERR_BAD_FORMAT;
	}
	seen[index] = 1;
	*why = decode_value(eq + 1, len - name_len - 1, part, buf, spec->max, &val_len);
	if (*why != OC_P11_URI_REFUSED_NONE) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	return store_value(uri, spec, buf, val_len, why);
}

/* Parses a part: segments separated by sep, none of them empty. */
static int parse_part(struct oc_p11_uri *uri, const char *text, size_t len, enum uri_part part,
		      unsigned char *seen, uint8_t *buf, enum oc_p11_uri_refusal *why)
{
	char sep = part == PART_PATH ? ';' : '&';
	const char *end;
	size_t seg_len;
	int r;

	while (len > 0) {
		end = memchr(text, sep, len);
		seg_len = end != NULL ? (size_t)(end - text) : len;
		if (seg_len == 0) {
			*why = OC_P11_URI_REFUSED_EMPTY_ATTR;
			return ONECARD_ERR_BAD_FORMAT;
		}
		r = parse_attr(uri, text, seg_len, part, seen, buf, why);
		if (r != ONECARD_OK) {
			return r;
		}
		if (end == NULL) {
			return ONECARD_OK;
		}
		/* A separator must be followed by another segment. */
		text = end + 1;
		len -= seg_len + 1;
		if (len == 0) {
			*why = OC_P11_URI_REFUSED_EMPTY_ATTR;
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	return ONECARD_OK;
}

int oc_p11_uri_parse(const char *text, size_t len, struct oc_p11_uri **out,
		     enum oc_p11_uri_refusal *why)
{
	struct oc_p11_uri *uri = NULL;
	enum oc_p11_uri_refusal reason = OC_P11_URI_REFUSED_NONE;
	unsigned char seen[ATTR_SPEC_COUNT] = {0};
	uint8_t *buf = NULL;
	const char *path, *query;
	size_t path_len;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out != NULL) {
		*out = NULL;
	}
	if (why != NULL) {
		*why = OC_P11_URI_REFUSED_NONE;
	}
	if (text == NULL || out == NULL) {
		goto out;
	}
	r = ONECARD_ERR_BAD_FORMAT;
	if (len == 0) {
		reason = OC_P11_URI_REFUSED_EMPTY;
		goto out;
	}
	if (len > OC_P11_URI_MAX) {
		reason = OC_P11_URI_REFUSED_TOO_LONG;
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (len < SCHEME_LEN || memcmp(text, SCHEME, SCHEME_LEN) != 0) {
		reason = OC_P11_URI_REFUSED_SCHEME;
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		reason = OC_P11_URI_REFUSED_CHAR;
		goto out;
	}
	uri = calloc(1, sizeof(*uri));
	buf = malloc(OC_P11_URI_PATH_MAX);
	if (uri == NULL || buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	path = text + SCHEME_LEN;
	/* '?' is not a path character, so the first one starts the query. */
	query = memchr(path, '?', len - SCHEME_LEN);
	path_len = query != NULL ? (size_t)(query - path) : len - SCHEME_LEN;
	r = parse_part(uri, path, path_len, PART_PATH, seen, buf, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (query != NULL) {
		query++;
		if (query == text + len) {
			reason = OC_P11_URI_REFUSED_EMPTY_ATTR;
			r = ONECARD_ERR_BAD_FORMAT;
			goto out;
		}
		r = parse_part(uri, query, (size_t)(text + len - query), PART_QUERY, seen, buf,
			       &reason);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	*out = uri;
	uri = NULL;
	r = ONECARD_OK;
out:
	free(buf);
	oc_p11_uri_free(uri);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

void oc_p11_uri_free(struct oc_p11_uri *uri)
{
	size_t i;

	if (uri == NULL) {
		return;
	}
	for (i = 0; i < OC_P11_URI_ATTR_COUNT; i++) {
		free(uri->text[i]);
	}
	free(uri->id);
	free(uri);
}

const char *oc_p11_uri_get(const struct oc_p11_uri *uri, enum oc_p11_uri_attr attr)
{
	if (uri == NULL || (size_t)attr >= OC_P11_URI_ATTR_COUNT) {
		return NULL;
	}
	return uri->text[attr];
}

const uint8_t *oc_p11_uri_id(const struct oc_p11_uri *uri, size_t *len)
{
	*len = 0;
	if (uri == NULL || uri->id == NULL) {
		return NULL;
	}
	*len = uri->id_len;
	return uri->id;
}

enum oc_p11_uri_type oc_p11_uri_type(const struct oc_p11_uri *uri)
{
	return uri != NULL ? uri->type : OC_P11_URI_TYPE_ANY;
}

int oc_p11_uri_append(char *buf, size_t cap, size_t *pos, const char *name, const uint8_t *value,
		      size_t value_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t at, need, i, name_len;

	if (buf == NULL || pos == NULL || name == NULL || (value == NULL && value_len > 0) ||
	    *pos >= cap) {
		return ONECARD_ERR_INVALID_ARG;
	}
	name_len = strlen(name);
	/* Worst case first, so that nothing is written when it cannot fit:
	 * prefix, name, '=', three bytes per value byte, the NUL. */
	if (value_len > (cap - *pos) / 3) {
		return ONECARD_ERR_TOO_LARGE;
	}
	need = (*pos == 0 ? SCHEME_LEN : 1) + name_len + 1 + 3 * value_len + 1;
	if (need > cap - *pos) {
		return ONECARD_ERR_TOO_LARGE;
	}
	at = *pos;
	if (at == 0) {
		memcpy(buf, SCHEME, SCHEME_LEN);
		at = SCHEME_LEN;
	} else {
		buf[at++] = ';';
	}
	memcpy(buf + at, name, name_len);
	at += name_len;
	buf[at++] = '=';
	for (i = 0; i < value_len; i++) {
		if (is_unreserved(value[i])) {
			buf[at++] = (char)value[i];
		} else {
			buf[at++] = '%';
			buf[at++] = hex[value[i] >> 4];
			buf[at++] = hex[value[i] & 0x0f];
		}
	}
	buf[at] = '\0';
	*pos = at;
	return ONECARD_OK;
}
