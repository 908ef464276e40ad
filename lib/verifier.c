/*
 * Token verification (RFC 7519 §7.2, RFC 8725). The order is fixed:
 * form, header, signature, and only then the payload's claims, so that
 * nothing from an unauthenticated payload is ever parsed or trusted.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <onecard/token.h>

#include "b64url.h"
#include "claims.h"
#include "jose_sig.h"
#include "json_strict.h"
#include "jwks.h"
#include "jws.h"

#define HEADER_MAX    1024u /* decoded header bytes; ours are under 100 */
#define TYP_MAX_LEN   64u
#define SIG_B64_MAX   128u
#define PAYLOAD_STACK 4096u /* decoded payloads up to this size need no malloc */

struct onecard_verifier {
	oc_keyset *keys;
	unsigned leeway;
	size_t max_len;
	int64_t pinned_now; /* 0: the system clock */
	char typ[TYP_MAX_LEN + 1];
};

/* A failure: the code and the fixed sentence that names its rule. */
#define FAIL(code, why)         \
	do {                    \
		r = (code);     \
		reason = (why); \
		goto out;       \
	} while (0)

int onecard_verifier_new(const char *jwks_text, size_t len, onecard_verifier **out)
{
	onecard_verifier *v = NULL;
	int r;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	r = oc_keyset_parse(jwks_text, len, &v->keys);
	if (r != ONECARD_OK) {
		free(v);
		return r;
	}
	v->leeway = ONECARD_LEEWAY_DEFAULT;
	v->max_len = ONECARD_TOKEN_MAX_LEN_DEFAULT;
	memcpy(v->typ, ONECARD_TYP_ACCESS, sizeof(ONECARD_TYP_ACCESS));
	*out = v;
	return ONECARD_OK;
}

void onecard_verifier_free(onecard_verifier *verifier)
{
	if (verifier == NULL) {
		return;
	}
	oc_keyset_free(verifier->keys);
	free(verifier);
}

int onecard_verifier_set_leeway(onecard_verifier *verifier, unsigned seconds)
{
	if (verifier == NULL || seconds > ONECARD_LEEWAY_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	verifier->leeway = seconds;
	return ONECARD_OK;
}

int onecard_verifier_set_typ(onecard_verifier *verifier, const char *typ)
{
	size_t len;

	if (verifier == NULL || typ == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	len = strlen(typ);
	if (len == 0 || len > TYP_MAX_LEN) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memcpy(verifier->typ, typ, len + 1);
	return ONECARD_OK;
}

int onecard_verifier_set_max_len(onecard_verifier *verifier, size_t max_len)
{
	if (verifier == NULL || max_len < 16 || max_len > ONECARD_TOKEN_MAX_LEN_LIMIT) {
		return ONECARD_ERR_INVALID_ARG;
	}
	verifier->max_len = max_len;
	return ONECARD_OK;
}

int onecard_verifier_set_time(onecard_verifier *verifier, int64_t now)
{
	if (verifier == NULL || now < 0 || now > ONECARD_TIME_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	verifier->pinned_now = now;
	return ONECARD_OK;
}

size_t onecard_verifier_key_count(const onecard_verifier *verifier)
{
	return verifier != NULL ? verifier->keys->count : 0;
}

/* typ matches ignoring case and an "application/" prefix (RFC 7515 §4.1.9). */
static int typ_matches(const char *got, const char *want)
{
	static const char prefix[] = "application/";

	if (strncasecmp(got, prefix, sizeof(prefix) - 1) == 0) {
		got += sizeof(prefix) - 1;
	}
	return strcasecmp(got, want) == 0;
}

/*
 * Header rules. Only alg, kid and typ may appear: crit is refused outright
 * (we understand no extension, J11), and a header that carries or points
 * to a key (jwk, jku, x5u, x5c, x5t...) is refused, never followed (J6).
 */
static int check_header(const onecard_verifier *v, const json_t *header, const oc_key **key_out,
			const char **reason_out)
{
	const char *name, *alg_name, *typ, *kid;
	const json_t *value;
	const oc_key *key;
	size_t kid_len = 0;
	int alg;

	*key_out = NULL;
	if (json_object_get(header, "crit") != NULL) {
		*reason_out = "header has crit: no extension is supported";
		return ONECARD_ERR_CRIT_UNSUPPORTED;
	}
	json_object_foreach ((json_t *)header, name, value) {
		if (strcmp(name, "alg") != 0 && strcmp(name, "kid") != 0 &&
		    strcmp(name, "typ") != 0) {
			*reason_out = "header has a parameter other than alg, kid and typ";
			return ONECARD_ERR_HEADER_NOT_ALLOWED;
		}
	}
	alg_name = oc_json_get_string(header, "alg", NULL);
	alg = onecard_alg_from_name(alg_name);
	if (alg < 0) {
		*reason_out = "alg is missing or not EdDSA/ES256";
		return ONECARD_ERR_ALG_NOT_ALLOWED;
	}
	typ = oc_json_get_string(header, "typ", NULL);
	if (typ == NULL || !typ_matches(typ, v->typ)) {
		*reason_out = "typ is missing or names another token type";
		return ONECARD_ERR_WRONG_TYPE;
	}
	value = json_object_get(header, "kid");
	if (value != NULL) {
		kid = json_string_value(value);
		if (kid == NULL) {
			*reason_out = "kid is not a string";
			return ONECARD_ERR_BAD_FORMAT;
		}
		kid_len = json_string_length(value);
		key = kid_len <= ONECARD_KID_MAX_LEN ? oc_keyset_find(v->keys, kid, kid_len) : NULL;
		if (key == NULL) {
			*reason_out = "no key has this kid";
			return ONECARD_ERR_UNKNOWN_KID;
		}
		if (key->alg != alg) {
			*reason_out = "alg does not fit the key named by kid";
			return ONECARD_ERR_ALG_NOT_ALLOWED;
		}
	} else {
		key = oc_keyset_only_for_alg(v->keys, alg);
		if (key == NULL) {
			*reason_out = "no kid, and not exactly one key fits alg";
			return ONECARD_ERR_UNKNOWN_KID;
		}
	}
	*key_out = key;
	return ONECARD_OK;
}

/* Reads an optional NumericDate claim as a non-negative integer. */
static int get_time_claim(const json_t *claims, const char *name, int required, int64_t *out,
			  int *present)
{
	const json_t *v = json_object_get(claims, name);

	*out = 0;
	*present = 0;
	if (v == NULL) {
		return required ? ONECARD_ERR_BAD_CLAIM : ONECARD_OK;
	}
	/* Integers only: no strings, reals, booleans or null (J15). */
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		return ONECARD_ERR_BAD_CLAIM;
	}
	*out = (int64_t)json_integer_value(v);
	*present = 1;
	return ONECARD_OK;
}

/* aud is a string or a non-empty array of strings; one must equal ours. */
static int check_audience(const json_t *aud, const char *audience, const char **reason_out)
{
	size_t i, n;

	if (json_is_string(aud)) {
		if (strcmp(json_string_value(aud), audience) != 0) {
			*reason_out = "aud does not name this audience";
			return ONECARD_ERR_WRONG_AUDIENCE;
		}
		return ONECARD_OK;
	}
	if (!json_is_array(aud)) {
		*reason_out = "aud is missing or neither a string nor an array";
		return ONECARD_ERR_BAD_CLAIM;
	}
	n = json_array_size(aud);
	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(aud, i))) {
			*reason_out = "aud array holds a non-string";
			return ONECARD_ERR_BAD_CLAIM;
		}
	}
	for (i = 0; i < n; i++) {
		if (strcmp(json_string_value(json_array_get(aud, i)), audience) == 0) {
			return ONECARD_OK;
		}
	}
	*reason_out = "aud does not name this audience";
	return ONECARD_ERR_WRONG_AUDIENCE;
}

static int check_claims(const onecard_verifier *v, const json_t *claims, const char *issuer,
			const char *audience, const char **reason_out)
{
	const json_t *iss = json_object_get(claims, "iss");
	const json_t *sub = json_object_get(claims, "sub");
	const json_t *jti = json_object_get(claims, "jti");
	int64_t now, exp, nbf, iat;
	int has_exp, has_nbf, has_iat, r;

	if (!json_is_string(iss)) {
		*reason_out = "iss is missing or not a string";
		return ONECARD_ERR_BAD_CLAIM;
	}
	/* Exact equality: no prefix, substring, case folding or array (J7). */
	if (strcmp(json_string_value(iss), issuer) != 0) {
		*reason_out = "iss is not the expected issuer";
		return ONECARD_ERR_WRONG_ISSUER;
	}
	r = check_audience(json_object_get(claims, "aud"), audience, reason_out);
	if (r != ONECARD_OK) {
		return r;
	}
	if ((sub != NULL && !json_is_string(sub)) || (jti != NULL && !json_is_string(jti))) {
		*reason_out = "sub or jti is not a string";
		return ONECARD_ERR_BAD_CLAIM;
	}
	if (get_time_claim(claims, "exp", 1, &exp, &has_exp) != ONECARD_OK) {
		*reason_out = "exp is missing or not a non-negative integer";
		return ONECARD_ERR_BAD_CLAIM;
	}
	if (get_time_claim(claims, "iat", 1, &iat, &has_iat) != ONECARD_OK) {
		*reason_out = "iat is missing or not a non-negative integer";
		return ONECARD_ERR_BAD_CLAIM;
	}
	if (get_time_claim(claims, "nbf", 0, &nbf, &has_nbf) != ONECARD_OK) {
		*reason_out = "nbf is not a non-negative integer";
		return ONECARD_ERR_BAD_CLAIM;
	}
	now = v->pinned_now != 0 ? v->pinned_now : (int64_t)time(NULL);
	/* Written so that nothing can overflow: now, exp, nbf and iat are
	 * non-negative and the leeway is at most ONECARD_LEEWAY_MAX. */
	if (now - (int64_t)v->leeway >= exp) {
		*reason_out = "exp has passed";
		return ONECARD_ERR_EXPIRED;
	}
	if (has_nbf && nbf - (int64_t)v->leeway > now) {
		*reason_out = "nbf is in the future";
		return ONECARD_ERR_NOT_YET_VALID;
	}
	if (iat - (int64_t)v->leeway > now) {
		*reason_out = "iat is in the future";
		return ONECARD_ERR_NOT_YET_VALID;
	}
	return ONECARD_OK;
}

int onecard_verify(const onecard_verifier *v, const char *token, size_t len, const char *issuer,
		   const char *audience, onecard_claims **claims_out, const char **reason_out)
{
	const char *reason = "ok";
	oc_jws_parts parts;
	const oc_key *key = NULL;
	json_t *header = NULL, *payload = NULL;
	char header_buf[HEADER_MAX];
	uint8_t sig[SIG_B64_MAX];
	char payload_stack[PAYLOAD_STACK];
	char *payload_buf = NULL, *payload_heap = NULL;
	size_t payload_cap = 0;
	size_t header_len = 0, payload_len = 0, sig_len = 0;
	int r = ONECARD_ERR_INTERNAL;

	if (claims_out != NULL) {
		*claims_out = NULL;
	}
	if (v == NULL || token == NULL || issuer == NULL || audience == NULL ||
	    claims_out == NULL || issuer[0] == '\0' || audience[0] == '\0') {
		FAIL(ONECARD_ERR_INVALID_ARG, "verifier, token, issuer and audience are required");
	}
	if (len > v->max_len) {
		FAIL(ONECARD_ERR_TOO_LARGE, "token is longer than the limit");
	}
	if (oc_jws_split(token, len, &parts) != ONECARD_OK) {
		FAIL(ONECARD_ERR_BAD_FORMAT, "not a compact JWS of three base64url segments");
	}
	if (oc_b64url_decode_public(parts.header, parts.header_len, (uint8_t *)header_buf,
				    sizeof(header_buf), &header_len) != ONECARD_OK ||
	    oc_json_parse_object(header_buf, header_len, &header) != ONECARD_OK) {
		FAIL(ONECARD_ERR_BAD_FORMAT, "header is not base64url of a JSON object");
	}
	r = check_header(v, header, &key, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (parts.signature_len == 0 ||
	    oc_b64url_decode_public(parts.signature, parts.signature_len, sig, sizeof(sig),
				    &sig_len) != ONECARD_OK) {
		FAIL(ONECARD_ERR_BAD_FORMAT, "signature is missing or not base64url");
	}
	r = oc_jose_verify(key, (const uint8_t *)token, parts.signing_input_len, sig, sig_len);
	if (r != ONECARD_OK) {
		reason = r == ONECARD_ERR_BAD_SIGNATURE ? "signature does not verify with the key"
							: "signature check failed inside OpenSSL";
		goto out;
	}
	payload_cap = oc_b64url_decoded_max(parts.payload_len);
	if (payload_cap <= sizeof(payload_stack)) {
		payload_buf = payload_stack;
	} else {
		payload_heap = malloc(payload_cap);
		if (payload_heap == NULL) {
			FAIL(ONECARD_ERR_NOMEM, "out of memory");
		}
		payload_buf = payload_heap;
	}
	if (oc_b64url_decode_public(parts.payload, parts.payload_len, (uint8_t *)payload_buf,
				    payload_cap, &payload_len) != ONECARD_OK ||
	    oc_json_parse_object(payload_buf, payload_len, &payload) != ONECARD_OK) {
		FAIL(ONECARD_ERR_BAD_FORMAT, "payload is not base64url of a JSON object");
	}
	r = check_claims(v, payload, issuer, audience, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_claims_new(payload, key->kid, claims_out);
	payload = NULL; /* taken by the claims, even on failure */
	if (r != ONECARD_OK) {
		reason = "out of memory";
	}
out:
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	json_decref(header);
	json_decref(payload);
	free(payload_heap);
	return r;
}
