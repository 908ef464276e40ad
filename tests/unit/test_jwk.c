/* JWK parsing: the keys onecard accepts, and every key it refuses (J2, J4, J12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/token.h>

#include "b64url.h"
#include "jwk.h"

/* RFC 7515 appendix A.3 (P-256) and RFC 8037 appendix A (Ed25519). */
#define EC_X   "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define EC_Y   "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define EC_D   "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
#define ED_X   "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_D   "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define ZERO32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static int parse(const char *text, enum oc_jwk_mode mode)
{
	json_t *jwk = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	oc_key *key = NULL;
	int r;

	assert_non_null(jwk);
	r = oc_jwk_parse(jwk, mode, &key);
	if (r == ONECARD_OK) {
		assert_non_null(key);
		assert_non_null(key->pkey);
	} else {
		assert_null(key);
	}
	oc_key_free(key);
	json_decref(jwk);
	return r;
}

static void accepts_valid_keys(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_PUBLIC_ONLY),
			 ONECARD_OK);
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\",\"d\":\"" EC_D "\",\"alg\":\"ES256\","
			       "\"use\":\"sig\",\"key_ops\":[\"sign\",\"verify\"]}",
			       OC_JWK_PRIVATE_REQUIRED),
			 ONECARD_OK);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_PUBLIC_ONLY),
			 ONECARD_OK);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"d\":\"" ED_D "\",\"alg\":\"EdDSA\"}",
			       OC_JWK_PRIVATE_REQUIRED),
			 ONECARD_OK);
}

static void refuses_symmetric_and_rsa(void **state)
{
	(void)state;
	/* J2/J4: an HMAC key, empty or short or long, is never a key here. */
	assert_int_equal(parse("{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"\"}", OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(
		parse("{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"" ZERO32 ZERO32 "\"}", OC_JWK_ANY),
		ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"" ZERO32
			       "\",\"e\":\"AQAB\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_other_curves(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	/* wrong_curve: an EC curve name under OKP and the reverse. */
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"P-256\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_invalid_points_and_lengths(void **state)
{
	(void)state;
	/* invalid_point: (x, 0) is not on P-256. */
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" ZERO32 "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	/* Coordinates must be exactly 32 bytes (RFC 7518 §6.2.1.2). */
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "AA\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(
		parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"11qYAYKx\"}",
		      OC_JWK_ANY),
		ONECARD_ERR_BAD_KEY);
	/* Padded base64 and a number where a string belongs. */
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "=\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(
		parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":7}", OC_JWK_ANY),
		ONECARD_ERR_BAD_KEY);
	/* Missing members. */
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"y\":\"" EC_Y "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\"}", OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_small_order_ed25519(void **state)
{
	/* The small-order points, with and without the sign bit, and y >= p. */
	static const char *const bad_x[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 00..00 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA", /* 00..80 */
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* identity */
	};
	static const uint8_t raw[][32] = {
		{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
		 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
		 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85},
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
		 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
		 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text),
			 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"%s\"}",
			 bad_x[i]);
		assert_int_equal(parse(text, OC_JWK_ANY), ONECARD_ERR_BAD_KEY);
	}
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		char x[64];

		assert_int_equal(oc_b64url_encode(raw[i], 32, x, sizeof(x)), ONECARD_OK);
		snprintf(text, sizeof(text),
			 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"%s\"}", x);
		assert_int_equal(parse(text, OC_JWK_ANY), ONECARD_ERR_BAD_KEY);
	}
}

static void refuses_mismatched_private_halves(void **state)
{
	(void)state;
	/* d of the Ed25519 vector with x of another key. */
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" EC_X
			       "\",\"d\":\"" ED_D "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	/* d of the EC vector swapped for the Ed25519 one. */
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\",\"d\":\"" ED_D "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	/* d = 0 is no scalar. */
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\",\"d\":\"" ZERO32 "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_wrong_mode(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"d\":\"" ED_D "\"}",
			       OC_JWK_PUBLIC_ONLY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_PRIVATE_REQUIRED),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_alg_use_ops_mismatch(void **state)
{
	(void)state;
	/* One key, one algorithm (RFC 8725 §3.1). */
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"alg\":\"ES256\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\",\"alg\":\"HS256\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"" EC_X
			       "\",\"y\":\"" EC_Y "\",\"alg\":\"ES384\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	/* use "enc" and encryption key_ops (CVE-2026-48526 class). */
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"use\":\"enc\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"key_ops\":[\"encrypt\"]}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\"" ED_X
			       "\",\"key_ops\":[]}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
}

static void refuses_bad_kids(void **state)
{
	char text[512];
	char kid[ONECARD_KID_MAX_LEN + 2];

	(void)state;
	assert_int_equal(
		parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\"}", OC_JWK_ANY),
		ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a b\",\"x\":\"" ED_X
			       "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":5,\"x\":\"" ED_X "\"}",
			       OC_JWK_ANY),
			 ONECARD_ERR_BAD_KEY);
	memset(kid, 'k', sizeof(kid) - 1);
	kid[sizeof(kid) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"%s\",\"x\":\"" ED_X "\"}", kid);
	assert_int_equal(parse(text, OC_JWK_ANY), ONECARD_ERR_BAD_KEY);
	kid[sizeof(kid) - 2] = '\0'; /* exactly the maximum is fine */
	snprintf(text, sizeof(text),
		 "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"%s\",\"x\":\"" ED_X "\"}", kid);
	assert_int_equal(parse(text, OC_JWK_ANY), ONECARD_OK);
}

static void generate_and_round_trip(void **state)
{
	char *text = NULL;
	json_t *jwk;
	oc_key *key = NULL;
	int alg;

	(void)state;
	for (alg = ONECARD_ALG_EDDSA; alg <= ONECARD_ALG_ES256; alg++) {
		assert_int_equal(onecard_key_generate(alg, "k-1", &text), ONECARD_OK);
		jwk = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(jwk);
		assert_string_equal(json_string_value(json_object_get(jwk, "alg")),
				    onecard_alg_name(alg));
		assert_non_null(json_object_get(jwk, "d"));
		assert_int_equal(oc_jwk_parse(jwk, OC_JWK_PRIVATE_REQUIRED, &key), ONECARD_OK);
		assert_int_equal(key->alg, alg);
		oc_key_free(key);
		json_decref(jwk);
		onecard_secret_string_free(text);
	}
	assert_int_equal(onecard_key_generate(99, "k-1", &text), ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_null(text);
	assert_int_equal(onecard_key_generate(ONECARD_ALG_EDDSA, "bad kid", &text),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_valid_keys),
		cmocka_unit_test(refuses_symmetric_and_rsa),
		cmocka_unit_test(refuses_other_curves),
		cmocka_unit_test(refuses_invalid_points_and_lengths),
		cmocka_unit_test(refuses_small_order_ed25519),
		cmocka_unit_test(refuses_mismatched_private_halves),
		cmocka_unit_test(refuses_wrong_mode),
		cmocka_unit_test(refuses_alg_use_ops_mismatch),
		cmocka_unit_test(refuses_bad_kids),
		cmocka_unit_test(generate_and_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
