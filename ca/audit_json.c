/*
 * The audit detail object (audit.h). The only file of the CA that calls
 * jansson.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/error.h>

#include "audit.h"
#include "check.h"

int oc_audit_json(const struct oc_audit_pair *pairs, size_t n, char **out)
{
	json_t *obj = NULL, *s;
	char *text = NULL;
	const char *value;
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	if (n > OC_AUDIT_PAIRS_MAX) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	obj = json_object();
	if (obj == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (pairs[i].value == NULL) {
			continue;
		}
		value = pairs[i].value;
		if (!oc_utf8_printable((const unsigned char *)value, strlen(value))) {
			value = "(not UTF-8)";
		}
		s = json_string(value);
		if (s == NULL || json_object_set_new(obj, pairs[i].key, s) != 0) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
	}
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (strlen(text) >= OC_AUDIT_JSON_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	*out = text;
	text = NULL;
	r = ONECARD_OK;
out:
	free(text);
	json_decref(obj);
	return r;
}
