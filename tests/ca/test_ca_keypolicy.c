/*
 * Which keys a profile lets the CA certify: the pure rule
 * (ca/keypolicy.c) on made-up facts, and the facts as read from real
 * keys (ca/x509_keyinfo.c), so that each refused kind of key is refused
 * for the right reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <onecard/error.h>

#include "keypolicy.h"
#include "policy.h"
#include "x509.h"

#define ALL (OC_KEY_EC_P256 | OC_KEY_RSA_2048 | OC_KEY_RSA_3072 | OC_KEY_SM2)

static int decide(enum oc_key_kind kind, int bits, int named, enum oc_curve curve, int e_ok,
		  unsigned allowed)
{
	struct oc_key_info ki;
	const char *why = "unset";
	int r;

	memset(&ki, 0, sizeof(ki));
	ki.kind = kind;
	ki.bits = bits;
	ki.named_curve = named;
	ki.curve = curve;
	ki.rsa_exponent_ok = e_ok;
	r = oc_key_policy_check(&ki, allowed, &why);
	if (r == ONECARD_OK) {
		assert_null(why);
	} else {
		assert_int_equal(r, ONECARD_ERR_KEY_FORBIDDEN);
		assert_non_null(why);
	}
	return r;
}

static void rsa_rule(void **state)
{
	(void)state;
	assert_int_equal(decide(OC_KEY_KIND_RSA, 2048, 0, OC_CURVE_NONE, 1, ALL), ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 3072, 0, OC_CURVE_NONE, 1, ALL), ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 4096, 0, OC_CURVE_NONE, 1, ALL), ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 2047, 0, OC_CURVE_NONE, 1, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 1024, 0, OC_CURVE_NONE, 1, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 4097, 0, OC_CURVE_NONE, 1, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 2048, 0, OC_CURVE_NONE, 0, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	/* rsa-3072 alone: 3072 and up. */
	assert_int_equal(decide(OC_KEY_KIND_RSA, 2048, 0, OC_CURVE_NONE, 1, OC_KEY_RSA_3072),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 3072, 0, OC_CURVE_NONE, 1, OC_KEY_RSA_3072),
			 ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_RSA, 2048, 0, OC_CURVE_NONE, 1, OC_KEY_RSA_2048),
			 ONECARD_OK);
	assert_int_equal(
		decide(OC_KEY_KIND_RSA, 3072, 0, OC_CURVE_NONE, 1, OC_KEY_EC_P256 | OC_KEY_SM2),
		ONECARD_ERR_KEY_FORBIDDEN);
}

static void ec_and_sm2_rule(void **state)
{
	(void)state;
	assert_int_equal(decide(OC_KEY_KIND_EC, 256, 1, OC_CURVE_P256, 0, ALL), ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_EC, 256, 1, OC_CURVE_P256, 0, OC_KEY_SM2),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_EC, 256, 0, OC_CURVE_NONE, 0, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_EC, 384, 1, OC_CURVE_OTHER, 0, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_SM2, 256, 1, OC_CURVE_SM2, 0, ALL), ONECARD_OK);
	assert_int_equal(decide(OC_KEY_KIND_SM2, 256, 1, OC_CURVE_SM2, 0, OC_KEY_EC_P256),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_SM2, 256, 0, OC_CURVE_NONE, 0, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_OTHER, 256, 0, OC_CURVE_NONE, 0, ALL),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(decide(OC_KEY_KIND_EC, 256, 1, OC_CURVE_P256, 0, 0),
			 ONECARD_ERR_KEY_FORBIDDEN);
}

/* The facts of a real key, then the rule with every type allowed. */
static int judge(EVP_PKEY *key, struct oc_key_info *ki)
{
	const char *why = NULL;

	assert_non_null(key);
	assert_int_equal(oc_key_info_from_pkey(key, ki), ONECARD_OK);
	EVP_PKEY_free(key);
	return oc_key_policy_check(ki, ALL, &why);
}

static EVP_PKEY *rsa_key(unsigned bits, unsigned e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[3];
	size_t b = bits;
	unsigned int ee = e;

	params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &b);
	params[1] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &ee);
	params[2] = OSSL_PARAM_construct_end();
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_params(ctx, params), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &key), 1);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *ec_key(const char *group, const char *encoding)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] =
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, (char *)encoding, 0);
	params[2] = OSSL_PARAM_construct_end();
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_params(ctx, params), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &key), 1);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static void real_keys(void **state)
{
	struct oc_key_info ki;

	(void)state;
	assert_int_equal(judge(rsa_key(2048, 65537), &ki), ONECARD_OK);
	assert_int_equal(ki.kind, OC_KEY_KIND_RSA);
	assert_int_equal(ki.bits, 2048);
	assert_int_equal(judge(rsa_key(1024, 65537), &ki), ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(ki.bits, 1024);
	assert_int_equal(judge(rsa_key(2048, 3), &ki), ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(ki.rsa_exponent_ok, 0);

	assert_int_equal(judge(ec_key("P-256", "named_curve"), &ki), ONECARD_OK);
	assert_int_equal(ki.kind, OC_KEY_KIND_EC);
	assert_int_equal(ki.curve, OC_CURVE_P256);
	assert_int_equal(judge(ec_key("P-256", "explicit"), &ki), ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(ki.named_curve, 0);
	assert_int_equal(judge(ec_key("P-384", "named_curve"), &ki), ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(ki.curve, OC_CURVE_OTHER);
	assert_int_equal(judge(ec_key("P-224", "named_curve"), &ki), ONECARD_ERR_KEY_FORBIDDEN);

	assert_int_equal(judge(EVP_PKEY_Q_keygen(NULL, NULL, "SM2"), &ki), ONECARD_OK);
	assert_int_equal(ki.kind, OC_KEY_KIND_SM2);
	assert_int_equal(ki.curve, OC_CURVE_SM2);

	assert_int_equal(judge(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), &ki),
			 ONECARD_ERR_KEY_FORBIDDEN);
	assert_int_equal(ki.kind, OC_KEY_KIND_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_rule),
		cmocka_unit_test(ec_and_sm2_rule),
		cmocka_unit_test(real_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
