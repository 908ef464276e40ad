/*
 * The algorithm family of a CA: its two keys and every signature it
 * makes. ec: P-256 keys, ECDSA with SHA-256. rsa: 3072-bit keys,
 * PKCS#1 v1.5 with SHA-256. sm2: SM2 keys, SM2 signatures over SM3 with
 * the GM/T 0009 distinguishing ID.
 */
#ifndef ONECARD_CA_ALG_H
#define ONECARD_CA_ALG_H

enum oc_ca_alg {
	OC_ALG_EC = 0,
	OC_ALG_RSA,
	OC_ALG_SM2,
};

/* Parses "ec", "rsa" or "sm2" (exactly). ONECARD_ERR_INVALID_ARG else. */
int oc_alg_parse(const char *name, enum oc_ca_alg *out);

/* "ec", "rsa" or "sm2"; never NULL. */
const char *oc_alg_name(enum oc_ca_alg alg);

#endif /* ONECARD_CA_ALG_H */
