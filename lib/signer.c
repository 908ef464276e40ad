/* Token issuing: claims in, a signed compact JWT out. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <onecard/token.h>

#include "b64url.h"
#include "json_strict.h"
#include "jwk.h"
#include "jws.h"

#define LIFETIME_MAX 86400 /* a day: tokens live minutes, never longer than this */
#define JTI_BYTES    16u
#define TYP_MAX_LEN  64u

struct onecard_signer {
	oc_key *key;
};

void onecard_signer_free(onecard_signer *signer)
{
	if (signer == NULL) {
		return;
	}
	oc_key_free(signer->key);
	free(signer);
}

int onecard_signer_new(const char *jwk_text, size_t len, onecard_signer **out)
{
	onecard_signer *signer = NULL;
	json_t *jwk = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (jwk_text == NULL) {
		goto out;
	}
	if (len > ONECARD_JWKS_MAX_LEN) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (oc_json_parse_object(jwk_text, len, &jwk) != ONECARD_OK) {
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	signer = calloc(1, sizeof(*signer));
	if (signer == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = oc_jwk_parse(jwk, OC_JWK_PRIVATE_REQUIRED, &signer->key);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = signer;
	signer = NULL;
out:
	onecard_signer_free(signer);
	json_decref(jwk);
	return r;
}

const char *onecard_signer_get0_kid(const onecard_signer *signer)
{
	return signer != NULL ? signer->key->kid : NULL;
}

int onecard_signer_alg(const onecard_signer *signer)
{
	return signer != NULL ? signer->key->alg : ONECARD_ERR_INVALID_ARG;
}

static int set_int(json_t *obj, const char *name, int64_t v)
{
	return json_object_set_new(obj, name, json_integer((json_int_t)v)) == 0 ? ONECARD_OK
										: ONECARD_ERR_NOMEM;
}

static int set_fresh_jti(json_t *claims)
{
	uint8_t raw[JTI_BYTES];
	char text[32];
	int r;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	r = oc_b64url_encode(raw, sizeof(raw), text, sizeof(text));
	if (r != ONECARD_OK) {
		return r;
	}
	return json_object_set_new(claims, "jti", json_string(text)) == 0 ? ONECARD_OK
									  : ONECARD_ERR_NOMEM;
}

int onecard_signer_issue(const onecard_signer *signer, const char *claims_json, size_t len,
			 const char *typ, int64_t now, int64_t lifetime_s, char **token_out)
{
	json_t *claims = NULL, *header = NULL;
	char *header_text = NULL, *payload_text = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	if (token_out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*token_out = NULL;
	if (signer == NULL || claims_json == NULL || lifetime_s < 1 || lifetime_s > LIFETIME_MAX ||
	    now < 0 || now > ONECARD_TIME_MAX) {
		goto out;
	}
	if (typ == NULL) {
		typ = ONECARD_TYP_ACCESS;
	}
	if (strlen(typ) == 0 || strlen(typ) > TYP_MAX_LEN) {
		goto out;
	}
	if (len > ONECARD_TOKEN_MAX_LEN_LIMIT) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (now == 0) {
		now = (int64_t)time(NULL);
	}
	r = oc_json_parse_object(claims_json, len, &claims);
	if (r != ONECARD_OK) {
		goto out;
	}
	if ((r = set_int(claims, "iat", now)) != ONECARD_OK ||
	    (r = set_int(claims, "nbf", now)) != ONECARD_OK ||
	    (r = set_int(claims, "exp", now + lifetime_s)) != ONECARD_OK ||
	    (r = set_fresh_jti(claims)) != ONECARD_OK) {
		goto out;
	}
	header = json_pack("{s:s, s:s, s:s}", "alg", onecard_alg_name(signer->key->alg), "kid",
			   signer->key->kid, "typ", typ);
	if (header == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if ((r = oc_json_dump(header, 0, &header_text)) != ONECARD_OK ||
	    (r = oc_json_dump(claims, 0, &payload_text)) != ONECARD_OK) {
		goto out;
	}
	r = oc_jws_sign_bytes(signer->key, header_text, strlen(header_text), payload_text,
			      strlen(payload_text), token_out);
out:
	free(header_text);
	free(payload_text);
	json_decref(header);
	json_decref(claims);
	return r;
}
