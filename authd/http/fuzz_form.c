/*
 * libFuzzer target: an application/x-www-form-urlencoded body through
 * oc_http_form_parse (POST /v1/token, /v1/logout, /v1/revoke,
 * /v1/introspect). Whatever the bytes, the parser must return a code and
 * either an object of printable strings or nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	const char *key;
	json_t *form = NULL;
	json_t *v;
	size_t i, len;
	int r;

	r = oc_http_form_parse(data, size, &form, &why);
	if (r == ONECARD_OK) {
		if (form == NULL || why != NULL ||
		    json_object_size(form) > OC_HTTP_FORM_FIELDS_MAX) {
			abort();
		}
		json_object_foreach (form, key, v) {
			if (!json_is_string(v) || strlen(key) == 0 ||
			    strlen(key) > OC_HTTP_FORM_NAME_MAX) {
				abort();
			}
			len = json_string_length(v);
			if (len == 0 || len > OC_HTTP_FORM_VALUE_MAX) {
				abort();
			}
			for (i = 0; i < len; i++) {
				unsigned char c = (unsigned char)json_string_value(v)[i];

				if (c < 0x20 || c > 0x7e) {
					abort();
				}
			}
		}
	} else if (form != NULL || why == NULL) {
		abort();
	}
	json_decref(form);
	return 0;
}
