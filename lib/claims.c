/* Read access to verified claims. */
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "json_strict.h"

int oc_claims_new(json_t *payload, const char *kid, onecard_claims **out)
{
	onecard_claims *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		json_decref(payload);
		return ONECARD_ERR_NOMEM;
	}
	c->payload = payload;
	/* kid was checked against ONECARD_KID_MAX_LEN when the key loaded. */
	memcpy(c->kid, kid, strlen(kid) + 1);
	*out = c;
	return ONECARD_OK;
}

void onecard_claims_free(onecard_claims *claims)
{
	if (claims == NULL) {
		return;
	}
	json_decref(claims->payload);
	free(claims);
}

const char *onecard_claims_get0_string(const onecard_claims *claims, const char *name)
{
	if (claims == NULL || name == NULL) {
		return NULL;
	}
	return oc_json_get_string(claims->payload, name, NULL);
}

int onecard_claims_get_int(const onecard_claims *claims, const char *name, int64_t *value)
{
	const json_t *v;

	if (value == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*value = 0;
	if (claims == NULL || name == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	v = json_object_get(claims->payload, name);
	if (!json_is_integer(v)) {
		return ONECARD_ERR_BAD_CLAIM;
	}
	*value = (int64_t)json_integer_value(v);
	return ONECARD_OK;
}

const char *onecard_claims_get0_kid(const onecard_claims *claims)
{
	return claims != NULL ? claims->kid : NULL;
}

int onecard_claims_to_json(const onecard_claims *claims, char **json_out)
{
	if (json_out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*json_out = NULL;
	if (claims == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return oc_json_dump(claims->payload, JSON_SORT_KEYS, json_out);
}
