/*
 * Fuzz target: the PKCS#11 URI parser (uri.h). Beyond memory safety it
 * checks two promises:
 *   - a refusal comes with a reason and no URI, an acceptance with both
 *     the URI and no reason;
 *   - what was accepted, written back with oc_p11_uri_append(), parses
 *     again to the same path attributes (the writer and the reader agree
 *     on percent-encoding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REBUILT_MAX (OC_P11_URI_MAX * 3u + 64u)

static const struct {
	const char *name;
	enum oc_p11_uri_attr attr;
} path_attrs[] = {
	{"token", OC_P11_URI_TOKEN},   {"manufacturer", OC_P11_URI_MANUFACTURER},
	{"model", OC_P11_URI_MODEL},   {"serial", OC_P11_URI_SERIAL},
	{"object", OC_P11_URI_OBJECT},
};

static void append(char *buf, size_t *pos, const char *name, const void *v, size_t len)
{
	if (oc_p11_uri_append(buf, REBUILT_MAX, pos, name, v, len) != ONECARD_OK) {
		abort();
	}
}

static int same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

static void round_trip(const struct oc_p11_uri *uri)
{
	static char buf[REBUILT_MAX];
	struct oc_p11_uri *again = NULL;
	enum oc_p11_uri_refusal why;
	const uint8_t *id, *id2;
	const char *v;
	size_t pos = 0, i, id_len, id2_len;
	enum oc_p11_uri_type type = oc_p11_uri_type(uri);

	for (i = 0; i < sizeof(path_attrs) / sizeof(path_attrs[0]); i++) {
		v = oc_p11_uri_get(uri, path_attrs[i].attr);
		if (v != NULL) {
			append(buf, &pos, path_attrs[i].name, v, strlen(v));
		}
	}
	id = oc_p11_uri_id(uri, &id_len);
	if (id != NULL) {
		append(buf, &pos, "id", id, id_len);
	}
	if (type == OC_P11_URI_TYPE_CERT) {
		append(buf, &pos, "type", "cert", 4);
	} else if (type == OC_P11_URI_TYPE_PRIVATE) {
		append(buf, &pos, "type", "private", 7);
	}
	if (pos == 0) {
		return; /* nothing in the path: "pkcs11:" alone */
	}
	if (oc_p11_uri_parse(buf, pos, &again, &why) != ONECARD_OK || again == NULL) {
		abort();
	}
	for (i = 0; i < sizeof(path_attrs) / sizeof(path_attrs[0]); i++) {
		if (!same_text(oc_p11_uri_get(uri, path_attrs[i].attr),
			       oc_p11_uri_get(again, path_attrs[i].attr))) {
			abort();
		}
	}
	id2 = oc_p11_uri_id(again, &id2_len);
	if ((id == NULL) != (id2 == NULL) || id_len != id2_len ||
	    (id != NULL && memcmp(id, id2, id_len) != 0) || oc_p11_uri_type(again) != type) {
		abort();
	}
	oc_p11_uri_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_p11_uri *uri = NULL;
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_NONE;
	int r;

	r = oc_p11_uri_parse((const char *)data, size, &uri, &why);
	if (r != ONECARD_OK) {
		if (uri != NULL || why == OC_P11_URI_REFUSED_NONE) {
			abort();
		}
		return 0;
	}
	if (uri == NULL || why != OC_P11_URI_REFUSED_NONE) {
		abort();
	}
	round_trip(uri);
	oc_p11_uri_free(uri);
	return 0;
}
