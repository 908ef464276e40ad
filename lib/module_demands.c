/*
 * A module's demands from authd's module list (include/onecard/module.h,
 * docs/module.md "Demands from GET /v1/modules"): the parser of the
 * GET /v1/modules answer, the object it fills, and the name and value
 * rules the module verifier's configuration shares (module_demands.h).
 * Pure: no I/O (module.c fetches), so that it is fuzzed on its own
 * (fuzz_module_list.c).
 *
 * The whole document is checked, not only the module's entry: a list
 * whose shape is wrong anywhere, or that names a module twice, is not
 * something authd sends, and a module must not start on it. The limits
 * of a module's configuration (how many levels and agencies, their
 * characters) apply to the module's own entry only: another module's
 * entry that a verifier could not take says nothing about this one.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/module.h>

#include "module_demands.h"

#define R_ARG	       "invalid argument"
#define R_NOMEM	       "out of memory"
#define R_TOO_LARGE    "the module list answer is larger than allowed"
#define R_NOT_JSON     "the module list is not valid JSON"
#define R_DUP_MEMBER   "the module list names a member twice in one object"
#define R_NOT_OBJECT   "the module list is not a JSON object"
#define R_NO_MODULES   "the module list has no \"modules\" array"
#define R_TOO_MANY     "the module list has more modules than allowed"
#define R_ENTRY	       "an entry of the module list is not an object"
#define R_ID	       "an entry of the module list has no string id"
#define R_PLATFORM     "an entry of the module list has no string platform"
#define R_ACR	       "an entry of the module list has no acr array of strings"
#define R_AGENCIES     "an entry of the module list has no agencies array of strings"
#define R_LIFETIME     "an entry of the module list has no integer token_lifetime"
#define R_DUP_ID       "the module list lists a module id twice"
#define R_NOT_FOUND    "the module list does not list this module"
#define R_BAD_PLATFORM "the module's platform is empty, too long or has a control character"
#define R_ACR_COUNT    "the module's entry lists no assurance level (acr), or more than allowed"
#define R_ACR_VALUE \
	"an assurance level (acr) of the module is not [A-Za-z0-9._-]{1,64}, or is listed twice"
#define R_AGENCY_COUNT "the module's entry requires more agencies than allowed"
#define R_AGENCY_VALUE "an agency of the module is not [A-Za-z0-9._-]{1,64}, or is listed twice"
#define R_LIFETIME_OUT "the module's token_lifetime is out of range"
#define R_READ	       "the module's demands were read"

struct onecard_module_demands {
	char id[ONECARD_MODULE_NAME_MAX + 1];
	char platform[ONECARD_MODULE_NAME_MAX + 1];
	char acr[ONECARD_MODULE_ACR_MAX][ONECARD_MODULE_VALUE_MAX + 1];
	const char *acr_list[ONECARD_MODULE_ACR_MAX]; /* pointers into acr */
	size_t acr_count;
	char agencies[ONECARD_MODULE_AGENCIES_MAX][ONECARD_MODULE_VALUE_MAX + 1];
	const char *agency_list[ONECARD_MODULE_AGENCIES_MAX]; /* pointers into agencies */
	size_t agency_count;
	unsigned token_lifetime;
};

/* ---- rules shared with the configuration (module_demands.h) -------------- */

bool oc_module_copy_name(char dst[ONECARD_MODULE_NAME_MAX + 1], const char *src)
{
	size_t len, i;

	if (src == NULL) {
		return false;
	}
	len = strnlen(src, ONECARD_MODULE_NAME_MAX + 1u);
	if (len == 0 || len > ONECARD_MODULE_NAME_MAX) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)src[i] < 0x20u || (unsigned char)src[i] == 0x7fu) {
			return false;
		}
	}
	if (dst != NULL) {
		memcpy(dst, src, len + 1u);
	}
	return true;
}

static bool value_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool oc_module_copy_values(char (*dst)[ONECARD_MODULE_VALUE_MAX + 1], const char *const *src,
			   size_t count)
{
	size_t i, j, len;

	for (i = 0; i < count; i++) {
		if (src[i] == NULL) {
			return false;
		}
		len = strnlen(src[i], ONECARD_MODULE_VALUE_MAX + 1u);
		if (len == 0 || len > ONECARD_MODULE_VALUE_MAX) {
			return false;
		}
		for (j = 0; j < len; j++) {
			if (!value_char(src[i][j])) {
				return false;
			}
		}
		for (j = 0; j < i; j++) {
			if (strcmp(dst[j], src[i]) == 0) {
				return false;
			}
		}
		memcpy(dst[i], src[i], len + 1u);
	}
	return true;
}

/* ---- the document ----------------------------------------------------------- */

/* true when v is an array of strings only. */
static bool string_array(const json_t *v)
{
	const json_t *item;
	size_t i;

	if (!json_is_array(v)) {
		return false;
	}
	json_array_foreach (v, i, item) {
		if (!json_is_string(item)) {
			return false;
		}
	}
	return true;
}

/* The shape every entry must have; *reason names the first fault. */
static int check_entry(const json_t *entry, const char **reason)
{
	if (!json_is_object(entry)) {
		*reason = R_ENTRY;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!json_is_string(json_object_get(entry, "id"))) {
		*reason = R_ID;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!json_is_string(json_object_get(entry, "platform"))) {
		*reason = R_PLATFORM;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!string_array(json_object_get(entry, "acr"))) {
		*reason = R_ACR;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!string_array(json_object_get(entry, "agencies"))) {
		*reason = R_AGENCIES;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!json_is_integer(json_object_get(entry, "token_lifetime"))) {
		*reason = R_LIFETIME;
		return ONECARD_ERR_BAD_FORMAT;
	}
	return ONECARD_OK;
}

/* Copies a string array of count <= max values into dst and list (a
 * checked entry: every item is a string). */
static bool copy_list(const json_t *arr, size_t count, char (*dst)[ONECARD_MODULE_VALUE_MAX + 1],
		      const char **list)
{
	size_t i;

	for (i = 0; i < count; i++) {
		list[i] = json_string_value(json_array_get(arr, i));
	}
	if (!oc_module_copy_values(dst, list, count)) {
		return false;
	}
	for (i = 0; i < count; i++) {
		list[i] = dst[i];
	}
	return true;
}

/* Fills d from the module's own (checked) entry, within the limits of a
 * module's configuration. */
static int fill(onecard_module_demands *d, const char *module_id, const json_t *entry,
		const char **reason)
{
	const json_t *acr = json_object_get(entry, "acr");
	const json_t *agencies = json_object_get(entry, "agencies");
	json_int_t lifetime = json_integer_value(json_object_get(entry, "token_lifetime"));

	/* module_id passed the same check, and the entry's id equals it. */
	if (!oc_module_copy_name(d->id, module_id)) {
		*reason = R_ARG;
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_module_copy_name(d->platform,
				 json_string_value(json_object_get(entry, "platform")))) {
		*reason = R_BAD_PLATFORM;
		return ONECARD_ERR_BAD_FORMAT;
	}
	d->acr_count = json_array_size(acr);
	if (d->acr_count == 0) {
		*reason = R_ACR_COUNT;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (d->acr_count > ONECARD_MODULE_ACR_MAX) {
		*reason = R_ACR_COUNT;
		return ONECARD_ERR_TOO_LARGE;
	}
	if (!copy_list(acr, d->acr_count, d->acr, d->acr_list)) {
		*reason = R_ACR_VALUE;
		return ONECARD_ERR_BAD_FORMAT;
	}
	d->agency_count = json_array_size(agencies);
	if (d->agency_count > ONECARD_MODULE_AGENCIES_MAX) {
		*reason = R_AGENCY_COUNT;
		return ONECARD_ERR_TOO_LARGE;
	}
	if (!copy_list(agencies, d->agency_count, d->agencies, d->agency_list)) {
		*reason = R_AGENCY_VALUE;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (lifetime < 1 || lifetime > (json_int_t)ONECARD_MODULE_LIFETIME_MAX) {
		*reason = R_LIFETIME_OUT;
		return ONECARD_ERR_BAD_FORMAT;
	}
	d->token_lifetime = (unsigned)lifetime;
	return ONECARD_OK;
}

/* Checks every entry of modules and finds module_id's: *found borrowed
 * from modules, NULL when the list does not have it. */
static int scan(const json_t *modules, const char *module_id, const json_t **found,
		const char **reason)
{
	json_t *seen = NULL;
	const json_t *entry;
	const char *id;
	size_t i;
	int r = ONECARD_OK;

	*found = NULL;
	/* A set of the ids seen (a jansson object as a hash table), so that
	 * the duplicate check is linear in the list, not quadratic. */
	seen = json_object();
	if (seen == NULL) {
		*reason = R_NOMEM;
		return ONECARD_ERR_NOMEM;
	}
	json_array_foreach (modules, i, entry) {
		r = check_entry(entry, reason);
		if (r != ONECARD_OK) {
			goto out;
		}
		id = json_string_value(json_object_get(entry, "id"));
		if (json_object_get(seen, id) != NULL) {
			*reason = R_DUP_ID;
			r = ONECARD_ERR_BAD_FORMAT;
			goto out;
		}
		if (json_object_set_new(seen, id, json_null()) != 0) {
			*reason = R_NOMEM;
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
		/* jansson strings hold no NUL (it refuses \u0000 when parsing). */
		if (strcmp(id, module_id) == 0) {
			*found = entry;
		}
	}
out:
	json_decref(seen);
	return r;
}

int onecard_module_demands_parse(const char *body, size_t len, const char *module_id,
				 onecard_module_demands **out, const char **reason_out)
{
	onecard_module_demands *d = NULL;
	json_t *doc = NULL;
	const json_t *modules, *entry = NULL;
	json_error_t err;
	const char *reason = R_ARG;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out != NULL) {
		*out = NULL;
	}
	if (body == NULL || out == NULL || !oc_module_copy_name(NULL, module_id)) {
		goto out;
	}
	if (len > ONECARD_MODULE_LIST_MAX_LEN) {
		reason = R_TOO_LARGE;
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL) {
		reason = R_NOT_JSON;
		r = ONECARD_ERR_BAD_FORMAT;
		if (json_error_code(&err) == json_error_duplicate_key) {
			reason = R_DUP_MEMBER;
		} else if (json_error_code(&err) == json_error_out_of_memory) {
			reason = R_NOMEM;
			r = ONECARD_ERR_NOMEM;
		}
		goto out;
	}
	if (!json_is_object(doc)) {
		reason = R_NOT_OBJECT;
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	modules = json_object_get(doc, "modules");
	if (!json_is_array(modules)) {
		reason = R_NO_MODULES;
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	if (json_array_size(modules) > ONECARD_MODULE_LIST_MAX_ENTRIES) {
		reason = R_TOO_MANY;
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = scan(modules, module_id, &entry, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (entry == NULL) {
		reason = R_NOT_FOUND;
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		reason = R_NOMEM;
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = fill(d, module_id, entry, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = d;
	d = NULL;
	reason = R_READ;
out:
	free(d);
	json_decref(doc);
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	return r;
}

void onecard_module_demands_free(onecard_module_demands *d)
{
	free(d);
}

const char *onecard_module_demands_get0_id(const onecard_module_demands *d)
{
	return d != NULL ? d->id : NULL;
}

const char *onecard_module_demands_get0_platform(const onecard_module_demands *d)
{
	return d != NULL ? d->platform : NULL;
}

const char *const *onecard_module_demands_get0_acr(const onecard_module_demands *d,
						   size_t *count_out)
{
	if (count_out != NULL) {
		*count_out = d != NULL ? d->acr_count : 0;
	}
	return d != NULL ? d->acr_list : NULL;
}

const char *const *onecard_module_demands_get0_agencies(const onecard_module_demands *d,
							size_t *count_out)
{
	if (count_out != NULL) {
		*count_out = d != NULL ? d->agency_count : 0;
	}
	return d != NULL ? d->agency_list : NULL;
}

unsigned onecard_module_demands_token_lifetime(const onecard_module_demands *d)
{
	return d != NULL ? d->token_lifetime : 0;
}
