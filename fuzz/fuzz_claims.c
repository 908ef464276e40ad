/*
 * Fuzz target: header and claims rules behind a valid signature.
 *
 * fuzz_token rarely gets past the signature check, because a fuzzer
 * cannot forge one. Here the input is signed with the fixed test key
 * before it is verified, so the JSON and claims checks that only run on
 * authenticated tokens are fuzzed too.
 *
 * Input: one selector byte, then the bytes of one token part.
 *   bit 0 of the selector: 0 signs with Ed25519, 1 with P-256;
 *   bit 1: 0 means the rest is the payload (with a fixed valid header),
 *          1 means the rest is the header (with a fixed valid payload).
 * The seed files start with '0'..'3' so that they stay readable.
 *
 * Property: with the fixed header, a token we signed never fails as a
 * bad signature, whatever its payload.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/token.h>

#include "fuzz.h"
#include "fuzz_keys.h"
#include "jwk.h"
#include "jws.h"

#define SEL_ES256  0x01u
#define SEL_HEADER 0x02u

static const char header_eddsa[] =
	"{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed25519\",\"typ\":\"at+jwt\"}";
static const char header_es256[] = "{\"alg\":\"ES256\",\"kid\":\"fuzz-p256\",\"typ\":\"at+jwt\"}";

/* A valid payload for OC_FUZZ_NOW (iat = nbf = now, exp = now + 3600). */
static const char fixed_payload[] =
	"{\"iss\":\"https://authd.example\",\"aud\":\"provincial-portal\",\"sub\":\"person-1\","
	"\"iat\":1767225600,\"nbf\":1767225600,\"exp\":1767229200,\"jti\":\"fuzz\"}";

/* Built on the first input and kept for the life of the process. */
static onecard_verifier *verifier;
static oc_key *key_eddsa;
static oc_key *key_es256;

static oc_key *load_private(const char *text)
{
	json_t *jwk = NULL;
	oc_key *key = NULL;

	jwk = json_loads(text, 0, NULL);
	if (jwk == NULL || oc_jwk_parse(jwk, OC_JWK_PRIVATE_REQUIRED, &key) != ONECARD_OK) {
		abort(); /* the fixed keys must load */
	}
	json_decref(jwk);
	return key;
}

static void setup(void)
{
	onecard_verifier *v = NULL;

	if (verifier != NULL) {
		return;
	}
	key_eddsa = load_private(oc_fuzz_ed25519_jwk);
	key_es256 = load_private(oc_fuzz_p256_jwk);
	if (onecard_verifier_new(oc_fuzz_jwks, strlen(oc_fuzz_jwks), &v) != ONECARD_OK ||
	    onecard_verifier_set_time(v, OC_FUZZ_NOW) != ONECARD_OK) {
		abort();
	}
	verifier = v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const oc_key *key;
	const char *header, *payload, *iss, *reason = NULL;
	size_t header_len, payload_len;
	onecard_claims *claims = NULL;
	char *token = NULL;
	unsigned sel;
	int r;

	if (size < 1) {
		return 0;
	}
	setup();
	sel = data[0];
	key = (sel & SEL_ES256) != 0 ? key_es256 : key_eddsa;
	if ((sel & SEL_HEADER) != 0) {
		header = (const char *)data + 1;
		header_len = size - 1;
		payload = fixed_payload;
		payload_len = sizeof(fixed_payload) - 1;
	} else {
		header = (sel & SEL_ES256) != 0 ? header_es256 : header_eddsa;
		header_len = strlen(header);
		payload = (const char *)data + 1;
		payload_len = size - 1;
	}
	if (oc_jws_sign_bytes(key, header, header_len, payload, payload_len, &token) !=
	    ONECARD_OK) {
		return 0; /* too large to sign: not interesting */
	}
	r = onecard_verify(verifier, token, strlen(token), OC_FUZZ_ISSUER, OC_FUZZ_AUDIENCE,
			   &claims, &reason);
	if (reason == NULL || (r == ONECARD_OK) != (claims != NULL) || r > 0) {
		abort();
	}
	if ((sel & SEL_HEADER) == 0 && r == ONECARD_ERR_BAD_SIGNATURE) {
		abort(); /* we signed it, with the key its header names */
	}
	if (r == ONECARD_OK) {
		iss = onecard_claims_get0_string(claims, "iss");
		if (iss == NULL || strcmp(iss, OC_FUZZ_ISSUER) != 0) {
			abort();
		}
	}
	onecard_claims_free(claims);
	free(token);
	return 0;
}
