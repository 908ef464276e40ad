/* Public key-management calls: generate a private JWK, publish a JWKS. */
#include <stdlib.h>
#include <string.h>

#include <onecard/token.h>

#include "json_strict.h"
#include "jwk.h"

int onecard_key_generate(int alg, const char *kid, char **jwk_out)
{
	oc_key *key = NULL;
	json_t *jwk = NULL;
	int r;

	if (jwk_out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*jwk_out = NULL;
	r = oc_key_generate(alg, kid, &key);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_jwk_to_json(key, 1, &jwk);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_json_dump(jwk, 0, jwk_out);
out:
	/* jansson's own copies of d are wiped only in programs that called
	 * onecard_json_wipe_on_free(); the caller wipes the returned text. */
	json_decref(jwk);
	oc_key_free(key);
	return r;
}

int onecard_jwks_from_jwks_texts(const char *const *jwk_texts, size_t count, char **jwks_out)
{
	json_t *doc = NULL, *keys = NULL;
	oc_key **parsed = NULL;
	size_t i, j, done = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (jwks_out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*jwks_out = NULL;
	if (jwk_texts == NULL || count == 0 || count > ONECARD_JWKS_MAX_KEYS) {
		goto out;
	}
	parsed = calloc(count, sizeof(*parsed));
	doc = json_object();
	keys = json_array();
	if (parsed == NULL || doc == NULL || keys == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		json_t *in = NULL, *pub = NULL;

		if (jwk_texts[i] == NULL) {
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		r = oc_json_parse_object(jwk_texts[i], strlen(jwk_texts[i]), &in);
		if (r != ONECARD_OK) {
			r = ONECARD_ERR_BAD_KEY;
			goto out;
		}
		r = oc_jwk_parse(in, OC_JWK_ANY, &parsed[i]);
		json_decref(in);
		if (r != ONECARD_OK) {
			goto out;
		}
		done = i + 1;
		for (j = 0; j < i; j++) {
			if (parsed[j]->kid_len == parsed[i]->kid_len &&
			    memcmp(parsed[j]->kid, parsed[i]->kid, parsed[i]->kid_len) == 0) {
				r = ONECARD_ERR_BAD_KEYSET; /* duplicate kid */
				goto out;
			}
		}
		r = oc_jwk_to_json(parsed[i], 0, &pub);
		if (r != ONECARD_OK) {
			goto out;
		}
		if (json_array_append_new(keys, pub) != 0) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
	}
	if (json_object_set(doc, "keys", keys) != 0) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = oc_json_dump(doc, 0, jwks_out);
out:
	for (i = 0; i < done; i++) {
		oc_key_free(parsed[i]);
	}
	free(parsed);
	json_decref(keys);
	json_decref(doc);
	return r;
}
