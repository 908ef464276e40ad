/* Issuing tokens: the claims the signer adds, and what it refuses. */
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

static const char claims[] = "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"sub\":\"person-1\","
			     "\"exp\":1,\"iat\":2,\"jti\":\"mine\"}";

static onecard_signer *new_signer(int alg, char **jwks_out)
{
	char *priv = NULL;
	const char *texts[1];
	onecard_signer *s = NULL;

	assert_int_equal(onecard_key_generate(alg, "sig-1", &priv), ONECARD_OK);
	assert_int_equal(onecard_signer_new(priv, strlen(priv), &s), ONECARD_OK);
	texts[0] = priv;
	assert_int_equal(onecard_jwks_from_jwks_texts(texts, 1, jwks_out), ONECARD_OK);
	onecard_secret_string_free(priv);
	return s;
}

static void issues_verifiable_tokens(void **state)
{
	int alg;

	(void)state;
	for (alg = ONECARD_ALG_EDDSA; alg <= ONECARD_ALG_ES256; alg++) {
		char *jwks = NULL, *t1 = NULL, *t2 = NULL;
		onecard_signer *s = new_signer(alg, &jwks);
		onecard_verifier *v = NULL;
		onecard_claims *c = NULL;
		int64_t iat = 0, nbf = 0, exp = 0;
		char jti1[64];

		assert_int_equal(onecard_signer_alg(s), alg);
		assert_string_equal(onecard_signer_get0_kid(s), "sig-1");
		assert_int_equal(
			onecard_signer_issue(s, claims, strlen(claims), NULL, FX_NOW, 300, &t1),
			ONECARD_OK);
		assert_int_equal(onecard_verifier_new(jwks, strlen(jwks), &v), ONECARD_OK);
		assert_int_equal(onecard_verifier_set_time(v, FX_NOW), ONECARD_OK);
		assert_int_equal(onecard_verify(v, t1, strlen(t1), FX_ISS, FX_AUD, &c, NULL),
				 ONECARD_OK);
		/* iat, nbf, exp and jti are the signer's, whatever the caller sent. */
		assert_int_equal(onecard_claims_get_int(c, "iat", &iat), ONECARD_OK);
		assert_int_equal(onecard_claims_get_int(c, "nbf", &nbf), ONECARD_OK);
		assert_int_equal(onecard_claims_get_int(c, "exp", &exp), ONECARD_OK);
		assert_int_equal(iat, FX_NOW);
		assert_int_equal(nbf, FX_NOW);
		assert_int_equal(exp, FX_NOW + 300);
		assert_string_not_equal(onecard_claims_get0_string(c, "jti"), "mine");
		assert_int_equal(strlen(onecard_claims_get0_string(c, "jti")), 22);
		snprintf(jti1, sizeof(jti1), "%s", onecard_claims_get0_string(c, "jti"));
		onecard_claims_free(c);
		/* A second token gets another jti. */
		assert_int_equal(
			onecard_signer_issue(s, claims, strlen(claims), NULL, FX_NOW, 300, &t2),
			ONECARD_OK);
		assert_int_equal(onecard_verify(v, t2, strlen(t2), FX_ISS, FX_AUD, &c, NULL),
				 ONECARD_OK);
		assert_string_not_equal(onecard_claims_get0_string(c, "jti"), jti1);
		onecard_claims_free(c);
		/* Expired after its lifetime plus leeway. */
		assert_int_equal(
			onecard_verifier_set_time(v, FX_NOW + 300 + ONECARD_LEEWAY_DEFAULT),
			ONECARD_OK);
		assert_int_equal(onecard_verify(v, t1, strlen(t1), FX_ISS, FX_AUD, &c, NULL),
				 ONECARD_ERR_EXPIRED);
		onecard_string_free(t1);
		onecard_string_free(t2);
		onecard_verifier_free(v);
		onecard_signer_free(s);
		onecard_string_free(jwks);
	}
}

static void custom_typ(void **state)
{
	char *jwks = NULL, *t = NULL;
	onecard_signer *s = new_signer(ONECARD_ALG_EDDSA, &jwks);
	onecard_verifier *v = NULL;
	onecard_claims *c = NULL;

	(void)state;
	assert_int_equal(onecard_signer_issue(s, claims, strlen(claims), "onecard-session+jwt",
					      FX_NOW, 60, &t),
			 ONECARD_OK);
	assert_int_equal(onecard_verifier_new(jwks, strlen(jwks), &v), ONECARD_OK);
	assert_int_equal(onecard_verifier_set_time(v, FX_NOW), ONECARD_OK);
	assert_int_equal(onecard_verify(v, t, strlen(t), FX_ISS, FX_AUD, &c, NULL),
			 ONECARD_ERR_WRONG_TYPE);
	assert_int_equal(onecard_verifier_set_typ(v, "onecard-session+jwt"), ONECARD_OK);
	assert_int_equal(onecard_verify(v, t, strlen(t), FX_ISS, FX_AUD, &c, NULL), ONECARD_OK);
	onecard_claims_free(c);
	onecard_string_free(t);
	onecard_verifier_free(v);
	onecard_signer_free(s);
	onecard_string_free(jwks);
}

static void refusals(void **state)
{
	char *jwks = NULL, *t = NULL, *pub = NULL;
	onecard_signer *s = new_signer(ONECARD_ALG_ES256, &jwks);
	onecard_signer *none = NULL;

	(void)state;
	assert_int_equal(onecard_signer_issue(s, "[1]", 3, NULL, FX_NOW, 60, &t),
			 ONECARD_ERR_BAD_FORMAT);
	assert_null(t);
	assert_int_equal(onecard_signer_issue(s, "{\"a\":1,\"a\":2}", 13, NULL, FX_NOW, 60, &t),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(onecard_signer_issue(s, claims, strlen(claims), NULL, FX_NOW, 0, &t),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_signer_issue(s, claims, strlen(claims), NULL, FX_NOW, 86401, &t),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_signer_issue(s, claims, strlen(claims), "", FX_NOW, 60, &t),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(
		onecard_signer_issue(s, claims, strlen(claims), NULL, ONECARD_TIME_MAX + 1, 60, &t),
		ONECARD_ERR_INVALID_ARG);
	assert_null(t);
	/* A public key cannot sign; neither can garbage. */
	pub = strdup(strstr(jwks, "[") + 1);
	assert_non_null(pub);
	pub[strlen(pub) - 2] = '\0';
	assert_int_equal(onecard_signer_new(pub, strlen(pub), &none), ONECARD_ERR_BAD_KEY);
	assert_null(none);
	assert_int_equal(onecard_signer_new("{", 1, &none), ONECARD_ERR_BAD_KEY);
	assert_int_equal(onecard_signer_new(NULL, 0, &none), ONECARD_ERR_INVALID_ARG);
	onecard_signer_free(NULL);
	free(pub);
	onecard_signer_free(s);
	onecard_string_free(jwks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issues_verifiable_tokens),
		cmocka_unit_test(custom_typ),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
