/* Test fixtures (see fixtures.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64url.h"
#include "fixtures.h"
#include "jws.h"

static void die(const char *what)
{
	fprintf(stderr, "fixture failed: %s\n", what);
	abort();
}

oc_key *fx_key(int alg, const char *kid)
{
	oc_key *key = NULL;

	if (oc_key_generate(alg, kid, &key) != ONECARD_OK) {
		die("oc_key_generate");
	}
	return key;
}

oc_key *fx_key_from_jwk(const char *jwk_text)
{
	json_t *jwk = json_loads(jwk_text, JSON_REJECT_DUPLICATES, NULL);
	oc_key *key = NULL;

	if (jwk == NULL || oc_jwk_parse(jwk, OC_JWK_ANY, &key) != ONECARD_OK) {
		die("fx_key_from_jwk");
	}
	json_decref(jwk);
	return key;
}

char *fx_jwks(oc_key *const *keys, size_t n)
{
	json_t *doc = json_object(), *arr = json_array();
	char *text;
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *jwk = NULL;

		if (oc_jwk_to_json(keys[i], 0, &jwk) != ONECARD_OK) {
			die("oc_jwk_to_json");
		}
		json_array_append_new(arr, jwk);
	}
	json_object_set_new(doc, "keys", arr);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL) {
		die("json_dumps");
	}
	return text;
}

onecard_verifier *fx_verifier(oc_key *const *keys, size_t n)
{
	onecard_verifier *v = NULL;
	char *jwks = fx_jwks(keys, n);

	if (onecard_verifier_new(jwks, strlen(jwks), &v) != ONECARD_OK ||
	    onecard_verifier_set_time(v, FX_NOW) != ONECARD_OK) {
		die("onecard_verifier_new");
	}
	free(jwks);
	return v;
}

char *fx_sign(const oc_key *key, const char *header, const char *payload)
{
	char *token = NULL;

	if (oc_jws_sign_bytes(key, header, strlen(header), payload, strlen(payload), &token) !=
	    ONECARD_OK) {
		die("oc_jws_sign_bytes");
	}
	return token;
}

__attribute__((format(printf, 1, 2))) static char *format(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		die("vsnprintf");
	}
	out = malloc((size_t)n + 1);
	if (out == NULL) {
		die("malloc");
	}
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

char *fx_header(const oc_key *key)
{
	return format("{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"at+jwt\"}",
		      onecard_alg_name(key->alg), key->kid);
}

char *fx_payload(const char *extra)
{
	return format("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"person-1\",\"iat\":%d,"
		      "\"nbf\":%d,\"exp\":%d%s%s}",
		      FX_ISS, FX_AUD, FX_NOW - 10, FX_NOW - 10, FX_NOW + 300,
		      extra[0] != '\0' ? "," : "", extra);
}

char *fx_b64(const void *data, size_t len)
{
	char *out = NULL;

	if (oc_b64url_encode_alloc(data, len, &out) != ONECARD_OK) {
		die("oc_b64url_encode_alloc");
	}
	return out;
}

char *fx_join(const char *first, ...)
{
	va_list ap;
	const char *part;
	size_t total = 0, pos = 0;
	char *out;

	va_start(ap, first);
	for (part = first; part != NULL; part = va_arg(ap, const char *)) {
		total += strlen(part) + 1;
	}
	va_end(ap);
	out = malloc(total + 1);
	if (out == NULL) {
		die("malloc");
	}
	va_start(ap, first);
	for (part = first; part != NULL; part = va_arg(ap, const char *)) {
		size_t n = strlen(part);

		if (pos > 0) {
			out[pos++] = '.';
		}
		memcpy(out + pos, part, n);
		pos += n;
	}
	va_end(ap);
	out[pos] = '\0';
	return out;
}

int fx_verify(const onecard_verifier *v, const char *token)
{
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	int r;

	r = onecard_verify(v, token, strlen(token), FX_ISS, FX_AUD, &claims, &reason);
	if (r != ONECARD_OK && claims != NULL) {
		die("claims set on failure");
	}
	if (reason == NULL) {
		die("no reason given");
	}
	onecard_claims_free(claims);
	return r;
}
