/* The verifier's accepting paths, its options, and the basic refusals. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/token.h>

#include "fixtures.h"

struct world {
	oc_key *ed;
	oc_key *ec;
	onecard_verifier *v;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	oc_key *keys[2];

	if (w == NULL) {
		return -1;
	}
	w->ed = fx_key(ONECARD_ALG_EDDSA, "ed-1");
	w->ec = fx_key(ONECARD_ALG_ES256, "ec-1");
	keys[0] = w->ed;
	keys[1] = w->ec;
	w->v = fx_verifier(keys, 2);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	onecard_verifier_free(w->v);
	oc_key_free(w->ed);
	oc_key_free(w->ec);
	free(w);
	return 0;
}

/* A standard token of key with extra payload members. */
static char *token_of(const oc_key *key, const char *extra)
{
	char *h = fx_header(key), *p = fx_payload(extra);
	char *t = fx_sign(key, h, p);

	free(h);
	free(p);
	return t;
}

static void accepts_both_algorithms(void **state)
{
	struct world *w = *state;
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	char *t, *json = NULL;
	int64_t exp = 0;

	t = token_of(w->ed, "\"ent\":\"91310000MA1FL8XQ3B\"");
	assert_int_equal(onecard_verify(w->v, t, strlen(t), FX_ISS, FX_AUD, &claims, &reason),
			 ONECARD_OK);
	assert_string_equal(reason, "ok");
	assert_string_equal(onecard_claims_get0_string(claims, "sub"), "person-1");
	assert_string_equal(onecard_claims_get0_string(claims, "ent"), "91310000MA1FL8XQ3B");
	assert_null(onecard_claims_get0_string(claims, "exp"));
	assert_int_equal(onecard_claims_get_int(claims, "exp", &exp), ONECARD_OK);
	assert_int_equal(exp, FX_NOW + 300);
	assert_int_equal(onecard_claims_get_int(claims, "sub", &exp), ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(exp, 0);
	assert_string_equal(onecard_claims_get0_kid(claims), "ed-1");
	assert_int_equal(onecard_claims_to_json(claims, &json), ONECARD_OK);
	assert_non_null(strstr(json, "\"iss\":\"" FX_ISS "\""));
	onecard_string_free(json);
	onecard_claims_free(claims);
	free(t);

	t = token_of(w->ec, "");
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	free(t);
}

static void audience_array(void **state)
{
	struct world *w = *state;
	char *h = fx_header(w->ed);
	char *p, *t;

	/* J8: ["other","us"] names us. */
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":[\"other\",\"" FX_AUD "\"],\"iat\":1799999990,"
		   "\"exp\":1800000300}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	free(t);
	free(p);
	free(h);
}

static void kid_rules(void **state)
{
	struct world *w = *state;
	oc_key *other = fx_key(ONECARD_ALG_EDDSA, "ed-2");
	oc_key *keys[3];
	onecard_verifier *two_ed;
	char *p = fx_payload("");
	char *t;

	/* No kid: accepted when exactly one key serves the algorithm. */
	t = fx_sign(w->ed, "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\"}", p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	keys[0] = w->ed;
	keys[1] = w->ec;
	keys[2] = other;
	two_ed = fx_verifier(keys, 3);
	assert_int_equal(fx_verify(two_ed, t), ONECARD_ERR_UNKNOWN_KID);
	free(t);
	/* Unknown kid. */
	t = fx_sign(other, "{\"alg\":\"EdDSA\",\"kid\":\"ed-9\",\"typ\":\"at+jwt\"}", p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_ERR_UNKNOWN_KID);
	free(t);
	/* The right kid but another key's signature. */
	t = fx_sign(other, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}", p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_ERR_BAD_SIGNATURE);
	free(t);
	onecard_verifier_free(two_ed);
	oc_key_free(other);
	free(p);
}

static void times_and_leeway(void **state)
{
	struct world *w = *state;
	onecard_verifier *v = w->v;
	char *h = fx_header(w->ed);
	char *p, *t;

	/* Expired 30 s ago: inside the default 60 s leeway, outside 0 s. */
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":1799999000,"
		   "\"exp\":1799999970}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(v, t), ONECARD_OK);
	assert_int_equal(onecard_verifier_set_leeway(v, 0), ONECARD_OK);
	assert_int_equal(fx_verify(v, t), ONECARD_ERR_EXPIRED);
	assert_int_equal(onecard_verifier_set_leeway(v, ONECARD_LEEWAY_MAX + 1),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_verifier_set_leeway(v, ONECARD_LEEWAY_DEFAULT), ONECARD_OK);
	free(t);
	free(p);
	/* Exactly at exp (no leeway) is expired: exp is exclusive. */
	assert_int_equal(onecard_verifier_set_leeway(v, 0), ONECARD_OK);
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":1799999000,"
		   "\"exp\":1800000000}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(v, t), ONECARD_ERR_EXPIRED);
	assert_int_equal(onecard_verifier_set_leeway(v, ONECARD_LEEWAY_DEFAULT), ONECARD_OK);
	free(t);
	free(p);
	/* nbf 30 s ahead: inside leeway; 120 s ahead: not yet valid. */
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":1800000000,"
		   "\"nbf\":1800000030,\"exp\":1800000300}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(v, t), ONECARD_OK);
	free(t);
	free(p);
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":1800000000,"
		   "\"nbf\":1800000120,\"exp\":1800000300}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(v, t), ONECARD_ERR_NOT_YET_VALID);
	free(t);
	free(p);
	/* iat far in the future. */
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":1800009000,"
		   "\"exp\":1800009300}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(v, t), ONECARD_ERR_NOT_YET_VALID);
	free(t);
	free(p);
	free(h);
}

static void far_future_edges(void **state)
{
	struct world *w = *state;
	char *h = fx_header(w->ed);
	char *p, *t;

	/* The latest time with the largest claims: no sum may overflow. */
	assert_int_equal(onecard_verifier_set_time(w->v, ONECARD_TIME_MAX), ONECARD_OK);
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":0,\"nbf\":0,"
		   "\"exp\":9223372036854775807}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	free(t);
	free(p);
	assert_int_equal(onecard_verifier_set_time(w->v, FX_NOW), ONECARD_OK);
	p = strdup("{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD "\",\"iat\":9223372036854775807,"
		   "\"nbf\":9223372036854775807,\"exp\":9223372036854775807}");
	t = fx_sign(w->ed, h, p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_ERR_NOT_YET_VALID);
	free(t);
	free(p);
	free(h);
}

static void typ_option(void **state)
{
	struct world *w = *state;
	char *p = fx_payload("");
	char *t;

	/* RFC 7515 §4.1.9: the media type prefix and case are ignored. */
	t = fx_sign(w->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"application/AT+JWT\"}",
		    p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	free(t);
	t = fx_sign(w->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"onecard-session+jwt\"}",
		    p);
	assert_int_equal(fx_verify(w->v, t), ONECARD_ERR_WRONG_TYPE);
	assert_int_equal(onecard_verifier_set_typ(w->v, "onecard-session+jwt"), ONECARD_OK);
	assert_int_equal(fx_verify(w->v, t), ONECARD_OK);
	assert_int_equal(onecard_verifier_set_typ(w->v, ONECARD_TYP_ACCESS), ONECARD_OK);
	assert_int_equal(onecard_verifier_set_typ(w->v, ""), ONECARD_ERR_INVALID_ARG);
	free(t);
	free(p);
}

struct thread_job {
	const onecard_verifier *v;
	const char *token;
	int failures;
};

static void *verify_many(void *arg)
{
	struct thread_job *job = arg;
	int i;

	for (i = 0; i < 300; i++) {
		if (fx_verify(job->v, job->token) != ONECARD_OK) {
			job->failures++;
		}
	}
	return NULL;
}

/* One verifier, four threads, both algorithms: the documented promise. */
static void concurrent_verification(void **state)
{
	struct world *w = *state;
	char *tokens[2] = {token_of(w->ed, ""), token_of(w->ec, "")};
	struct thread_job jobs[4];
	pthread_t threads[4];
	int i;

	for (i = 0; i < 4; i++) {
		jobs[i].v = w->v;
		jobs[i].token = tokens[i % 2];
		jobs[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, verify_many, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(jobs[i].failures, 0);
	}
	free(tokens[0]);
	free(tokens[1]);
}

static void argument_checks(void **state)
{
	struct world *w = *state;
	onecard_claims *claims = (onecard_claims *)w; /* must be cleared */
	char *t = token_of(w->ed, "");

	assert_int_equal(onecard_verify(w->v, t, strlen(t), FX_ISS, "", &claims, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(claims);
	assert_int_equal(onecard_verify(w->v, t, strlen(t), NULL, FX_AUD, &claims, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_verify(NULL, t, strlen(t), FX_ISS, FX_AUD, &claims, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_verifier_set_max_len(w->v, ONECARD_TOKEN_MAX_LEN_LIMIT + 1),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_verifier_set_time(w->v, -1), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_verifier_set_time(w->v, ONECARD_TIME_MAX + 1),
			 ONECARD_ERR_INVALID_ARG);
	onecard_verifier_free(NULL);
	onecard_claims_free(NULL);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_both_algorithms),
		cmocka_unit_test(audience_array),
		cmocka_unit_test(kid_rules),
		cmocka_unit_test(times_and_leeway),
		cmocka_unit_test(far_future_edges),
		cmocka_unit_test(typ_option),
		cmocka_unit_test(concurrent_verification),
		cmocka_unit_test(argument_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
