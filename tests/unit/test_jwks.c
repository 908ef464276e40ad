/* JWKS: what a verifier loads, and the sets it refuses whole (J12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/token.h>

#include "fixtures.h"
#include "jwks.h"

#define ED_X	    "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_D	    "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define ED_PUB(kid) "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"" kid "\",\"x\":\"" ED_X "\"}"

static int load(const char *text)
{
	onecard_verifier *v = NULL;
	int r = onecard_verifier_new(text, strlen(text), &v);

	if (r == ONECARD_OK) {
		assert_non_null(v);
	} else {
		assert_null(v);
	}
	onecard_verifier_free(v);
	return r;
}

static void loads_a_good_set(void **state)
{
	oc_key *keys[2];
	char *jwks;
	onecard_verifier *v = NULL;

	(void)state;
	keys[0] = fx_key(ONECARD_ALG_EDDSA, "ed-1");
	keys[1] = fx_key(ONECARD_ALG_ES256, "ec-1");
	jwks = fx_jwks(keys, 2);
	assert_int_equal(onecard_verifier_new(jwks, strlen(jwks), &v), ONECARD_OK);
	assert_int_equal(onecard_verifier_key_count(v), 2);
	onecard_verifier_free(v);
	free(jwks);
	oc_key_free(keys[0]);
	oc_key_free(keys[1]);
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") "]}"), ONECARD_OK);
	/* Unknown members of the set are ignored (RFC 7517 §5). */
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") "],\"note\":1}"), ONECARD_OK);
}

static void refuses_bad_sets(void **state)
{
	(void)state;
	assert_int_equal(load("{\"keys\":[]}"), ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load("{\"keys\":{}}"), ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load("{}"), ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load("[" ED_PUB("a") "]"), ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load("not json"), ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load(""), ONECARD_ERR_BAD_KEYSET);
	/* Duplicate kid, and a duplicate "keys" member (J13 parser differential). */
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") "," ED_PUB("a") "]}"),
			 ONECARD_ERR_BAD_KEYSET);
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") "],\"keys\":[" ED_PUB("b") "]}"),
			 ONECARD_ERR_BAD_KEYSET);
	/* A mixed public/private set: private material never belongs here. */
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") ",{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
							"\"kid\":\"b\",\"x\":\"" ED_X
							"\",\"d\":\"" ED_D "\"}]}"),
			 ONECARD_ERR_BAD_KEY);
	/* One bad key spoils the set: no half-loaded sets. */
	assert_int_equal(
		load("{\"keys\":[" ED_PUB("a") ",{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"AAAA\"}]}"),
		ONECARD_ERR_BAD_KEY);
	assert_int_equal(load("{\"keys\":[" ED_PUB("a") ",7]}"), ONECARD_ERR_BAD_KEY);
}

static void bounded(void **state)
{
	char *text;
	size_t i, pos;
	const char *entry = ED_PUB("k") ",";

	(void)state;
	/* More than ONECARD_JWKS_MAX_KEYS keys. The kids repeat, but the
	 * count is checked first. */
	text = malloc(64 + (ONECARD_JWKS_MAX_KEYS + 1) * strlen(entry));
	assert_non_null(text);
	memcpy(text, "{\"keys\":[", 9);
	pos = 9;
	for (i = 0; i <= ONECARD_JWKS_MAX_KEYS; i++) {
		memcpy(text + pos, entry, strlen(entry));
		pos += strlen(entry);
	}
	memcpy(text + pos - 1, "]}", 3);
	assert_int_equal(load(text), ONECARD_ERR_BAD_KEYSET);
	free(text);
	/* Over the byte limit: refused before parsing. */
	text = calloc(ONECARD_JWKS_MAX_LEN + 2, 1);
	assert_non_null(text);
	memset(text, ' ', ONECARD_JWKS_MAX_LEN + 1);
	assert_int_equal(load(text), ONECARD_ERR_TOO_LARGE);
	free(text);
}

static void publishes_public_set(void **state)
{
	char *priv[2] = {NULL, NULL};
	char *jwks = NULL;
	const char *texts[2];

	(void)state;
	assert_int_equal(onecard_key_generate(ONECARD_ALG_EDDSA, "one", &priv[0]), ONECARD_OK);
	assert_int_equal(onecard_key_generate(ONECARD_ALG_ES256, "two", &priv[1]), ONECARD_OK);
	texts[0] = priv[0];
	texts[1] = priv[1];
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 2, &jwks), ONECARD_OK);
	assert_null(strstr(jwks, "\"d\""));
	assert_int_equal(load(jwks), ONECARD_OK);
	onecard_string_free(jwks);
	jwks = NULL;
	texts[1] = priv[0];
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 2, &jwks), ONECARD_ERR_BAD_KEYSET);
	assert_null(jwks);
	texts[1] = "{\"kty\":\"oct\"}";
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 2, &jwks), ONECARD_ERR_BAD_KEY);
	assert_null(jwks);
	texts[1] = "{";
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 2, &jwks), ONECARD_ERR_BAD_KEY);
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 0, &jwks), ONECARD_ERR_INVALID_ARG);
	onecard_secret_string_free(priv[0]);
	onecard_secret_string_free(priv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_a_good_set),
		cmocka_unit_test(refuses_bad_sets),
		cmocka_unit_test(bounded),
		cmocka_unit_test(publishes_public_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
