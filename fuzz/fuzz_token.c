/*
 * Fuzz target: onecard_verify on arbitrary bytes, against a verifier
 * built once from a fixed JWKS (one Ed25519 and one P-256 key) with the
 * time pinned, so that the seed tokens verify and every run is the same.
 *
 * Besides memory errors, it checks what onecard_verify promises: a
 * reason always, claims exactly on success, and on success the issuer,
 * a known kid and an unexpired exp.
 */
#include <stdlib.h>
#include <string.h>

#include <onecard/token.h>

#include "fuzz.h"
#include "fuzz_keys.h"

/* Built on the first input and kept for the life of the process. */
static onecard_verifier *verifier;

static const onecard_verifier *get_verifier(void)
{
	onecard_verifier *v = NULL;

	if (verifier != NULL) {
		return verifier;
	}
	if (onecard_verifier_new(oc_fuzz_jwks, strlen(oc_fuzz_jwks), &v) != ONECARD_OK ||
	    onecard_verifier_set_time(v, OC_FUZZ_NOW) != ONECARD_OK) {
		abort(); /* the fixed keys must load */
	}
	verifier = v;
	return verifier;
}

/* Reads back a verified token's claims the way a module would. */
static void check_claims(const onecard_claims *claims)
{
	const char *iss, *kid;
	char *json = NULL;
	int64_t exp = 0;

	iss = onecard_claims_get0_string(claims, "iss");
	if (iss == NULL || strcmp(iss, OC_FUZZ_ISSUER) != 0) {
		abort();
	}
	kid = onecard_claims_get0_kid(claims);
	if (kid == NULL || (strcmp(kid, "fuzz-ed25519") != 0 && strcmp(kid, "fuzz-p256") != 0)) {
		abort();
	}
	if (onecard_claims_get_int(claims, "exp", &exp) != ONECARD_OK ||
	    exp <= OC_FUZZ_NOW - (int64_t)ONECARD_LEEWAY_DEFAULT) {
		abort();
	}
	(void)onecard_claims_get0_string(claims, "sub");
	if (onecard_claims_to_json(claims, &json) != ONECARD_OK || json == NULL) {
		abort();
	}
	onecard_string_free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const onecard_verifier *v = get_verifier();
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	int r;

	r = onecard_verify(v, (const char *)data, size, OC_FUZZ_ISSUER, OC_FUZZ_AUDIENCE, &claims,
			   &reason);
	if (reason == NULL) {
		abort();
	}
	if (r == ONECARD_OK) {
		if (claims == NULL) {
			abort();
		}
		check_claims(claims);
	} else if (claims != NULL || r > 0) {
		abort();
	}
	onecard_claims_free(claims);
	return 0;
}
