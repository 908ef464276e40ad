/* The key-type decision (keypolicy.h). */
#include <onecard/error.h>

#include "ca_limits.h"
#include "keypolicy.h"
#include "policy.h"

static int check_rsa(const struct oc_key_info *key, unsigned allowed, const char **why)
{
	int min_bits;

	if ((allowed & OC_KEY_RSA_2048) != 0) {
		min_bits = 2048;
	} else if ((allowed & OC_KEY_RSA_3072) != 0) {
		min_bits = 3072;
	} else {
		*why = "the profile does not allow RSA keys";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	if (key->bits < OC_CA_RSA_MIN_BITS) {
		*why = "RSA key shorter than 2048 bits";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	if (key->bits < min_bits) {
		*why = "RSA key shorter than the profile allows";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	if (key->bits > OC_CA_RSA_MAX_BITS) {
		*why = "RSA key longer than 4096 bits";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	if (!key->rsa_exponent_ok) {
		*why = "RSA public exponent must be odd and between 2^16 and 2^256";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	return ONECARD_OK;
}

int oc_key_policy_check(const struct oc_key_info *key, unsigned allowed, const char **why)
{
	*why = NULL;
	switch (key->kind) {
	case OC_KEY_KIND_RSA:
		return check_rsa(key, allowed, why);
	case OC_KEY_KIND_EC:
		if (!key->named_curve) {
			*why = "EC key with explicit curve parameters";
			return ONECARD_ERR_KEY_FORBIDDEN;
		}
		if (key->curve != OC_CURVE_P256) {
			*why = "EC key on a curve other than P-256";
			return ONECARD_ERR_KEY_FORBIDDEN;
		}
		if ((allowed & OC_KEY_EC_P256) == 0) {
			*why = "the profile does not allow EC P-256 keys";
			return ONECARD_ERR_KEY_FORBIDDEN;
		}
		return ONECARD_OK;
	case OC_KEY_KIND_SM2:
		if (!key->named_curve || key->curve != OC_CURVE_SM2) {
			*why = "SM2 key not on the named SM2 curve";
			return ONECARD_ERR_KEY_FORBIDDEN;
		}
		if ((allowed & OC_KEY_SM2) == 0) {
			*why = "the profile does not allow SM2 keys";
			return ONECARD_ERR_KEY_FORBIDDEN;
		}
		return ONECARD_OK;
	case OC_KEY_KIND_OTHER:
	default:
		break;
	}
	*why = "key algorithm not allowed (only RSA, EC P-256 and SM2)";
	return ONECARD_ERR_KEY_FORBIDDEN;
}
