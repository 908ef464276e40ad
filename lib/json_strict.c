/* Strict JSON parsing and compact dumping (see json_strict.h). */
#include <stdlib.h>

#include <onecard/error.h>

#include "json_strict.h"

int oc_json_parse_object(const char *buf, size_t len, json_t **out)
{
	json_t *value = NULL;
	json_error_t err;

	*out = NULL;
	value = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (value == NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!json_is_object(value)) {
		json_decref(value);
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out = value;
	return ONECARD_OK;
}

int oc_json_dump(const json_t *value, size_t flags, char **out)
{
	char *text;

	*out = NULL;
	text = json_dumps(value, flags | JSON_COMPACT);
	if (text == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	*out = text;
	return ONECARD_OK;
}

const char *oc_json_get_string(const json_t *obj, const char *name, size_t *len_out)
{
	const json_t *v = json_object_get(obj, name);

	if (len_out != NULL) {
		*len_out = 0;
	}
	if (!json_is_string(v)) {
		return NULL;
	}
	if (len_out != NULL) {
		*len_out = json_string_length(v);
	}
	return json_string_value(v);
}
