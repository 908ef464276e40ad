/* JWKS parsing and lookup (see jwks.h). */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "json_strict.h"
#include "jwks.h"

void oc_keyset_free(oc_keyset *set)
{
	size_t i;

	if (set == NULL) {
		return;
	}
	for (i = 0; i < set->count; i++) {
		oc_key_free(set->keys[i]);
	}
	free(set->keys);
	free(set);
}

const oc_key *oc_keyset_find(const oc_keyset *set, const char *kid, size_t kid_len)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		const oc_key *k = set->keys[i];

		if (k->kid_len == kid_len && memcmp(k->kid, kid, kid_len) == 0) {
			return k;
		}
	}
	return NULL;
}

const oc_key *oc_keyset_only_for_alg(const oc_keyset *set, int alg)
{
	const oc_key *found = NULL;
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (set->keys[i]->alg == alg) {
			if (found != NULL) {
				return NULL;
			}
			found = set->keys[i];
		}
	}
	return found;
}

int oc_keyset_parse(const char *text, size_t len, oc_keyset **out)
{
	oc_keyset *set = NULL;
	json_t *doc = NULL;
	const json_t *keys;
	size_t i, n;
	int r = ONECARD_ERR_BAD_KEYSET;

	*out = NULL;
	if (text == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (len > ONECARD_JWKS_MAX_LEN) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (oc_json_parse_object(text, len, &doc) != ONECARD_OK) {
		goto out;
	}
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		goto out;
	}
	n = json_array_size(keys);
	if (n == 0 || n > ONECARD_JWKS_MAX_KEYS) {
		goto out;
	}
	set = calloc(1, sizeof(*set));
	if (set == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	set->keys = calloc(n, sizeof(*set->keys));
	if (set->keys == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		oc_key *key = NULL;

		/* A private member in a public set is refused (J12). */
		r = oc_jwk_parse(json_array_get(keys, i), OC_JWK_PUBLIC_ONLY, &key);
		if (r != ONECARD_OK) {
			goto out;
		}
		if (oc_keyset_find(set, key->kid, key->kid_len) != NULL) {
			oc_key_free(key);
			r = ONECARD_ERR_BAD_KEYSET; /* duplicate kid */
			goto out;
		}
		r = oc_key_prepare_verify(key);
		if (r != ONECARD_OK) {
			oc_key_free(key);
			goto out;
		}
		set->keys[set->count++] = key;
	}
	*out = set;
	set = NULL;
	r = ONECARD_OK;
out:
	oc_keyset_free(set);
	json_decref(doc);
	return r;
}
