/*
 * Which public keys a profile lets the CA certify. The facts about a
 * key (struct oc_key_info) are read from its SubjectPublicKeyInfo by
 * x509_keyinfo.c; the decision here is pure, so every rule has a unit
 * test without making keys.
 *
 * Policy names (policies/ files key_types) and what they admit:
 *   ec-p256   ECDSA on P-256 given as the named curve (never explicit
 *             parameters).
 *   rsa-2048  RSA of 2048 to 4096 bits; rsa-3072 alone: 3072 to 4096.
 *             The public exponent must be odd and in (2^16, 2^256)
 *             (FIPS 186-4 B.3.1), which refuses e = 1, 3 and even e.
 *   sm2       id-ecPublicKey on the named SM2 curve (GB/T 32918).
 * Anything else (DSA, Ed25519, RSA-PSS keys, P-192, P-384, other
 * curves) is refused.
 */
#ifndef ONECARD_CA_KEYPOLICY_H
#define ONECARD_CA_KEYPOLICY_H

enum oc_key_kind {
	OC_KEY_KIND_OTHER = 0, /* any algorithm the CA never certifies */
	OC_KEY_KIND_RSA,       /* rsaEncryption */
	OC_KEY_KIND_EC,	       /* id-ecPublicKey, not the SM2 curve */
	OC_KEY_KIND_SM2,       /* id-ecPublicKey on the SM2 curve */
};

enum oc_curve {
	OC_CURVE_NONE = 0, /* not EC, or explicit parameters */
	OC_CURVE_P256,	   /* prime256v1 / secp256r1 */
	OC_CURVE_SM2,	   /* 1.2.156.10197.1.301 */
	OC_CURVE_OTHER,	   /* any other named curve */
};

struct oc_key_info {
	enum oc_key_kind kind;
	int bits;	     /* RSA modulus bits; EC field bits */
	int named_curve;     /* EC/SM2: parameters are a named-curve OID */
	enum oc_curve curve; /* EC/SM2: which named curve */
	int rsa_exponent_ok; /* RSA: e odd and 2^16 < e < 2^256 */
};

/* Checks key against the allowed key types (enum oc_key_type bits of
 * the profile). Returns ONECARD_OK or ONECARD_ERR_KEY_FORBIDDEN with *why
 * a fixed sentence. */
int oc_key_policy_check(const struct oc_key_info *key, unsigned allowed, const char **why);

#endif /* ONECARD_CA_KEYPOLICY_H */
