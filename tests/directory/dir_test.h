/*
 * Helpers of the directory tests: throwaway certificates made in-process
 * with OpenSSL (a test CA, then leaves with chosen subject and serial),
 * identifiers unique to one test run (tests share the fixture's slapd and
 * may run in parallel), and a connection from the fixture's environment.
 */
#ifndef ONECARD_DIR_TEST_H
#define ONECARD_DIR_TEST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "directory.h"

/* A test CA: key and self-signed certificate. */
struct tca {
	EVP_PKEY *key;
	X509 *cert;
};

/* What a leaf certificate carries; NULL fields are left out. */
struct tleaf {
	const char *serial_hex; /* NULL: 16 random octets */
	int negative;		/* the serial negated */
	const char *ou;		/* the agency */
	const char *second_ou;	/* a second OU after the first */
	const char *uid;	/* the person id */
	const char *org_id;	/* organizationIdentifier: the USCC */
	const char *org;	/* O */
	const char *cn;		/* CN (UTF-8) */
};

/* Makes a CA named CN=cn_utf8,O=onecard test,C=CN (P-256). Aborts the
 * test on failure. */
void tca_new(const char *cn_utf8, struct tca *ca);
void tca_free(struct tca *ca);

/* Issues a leaf under ca; *der new (free()). Aborts the test on failure. */
void tleaf_der(const struct tca *ca, const struct tleaf *spec, unsigned char **der, size_t *len);

/* tleaf_der() then oc_dir_cert_from_der(), which must succeed. */
void tleaf_cert(const struct tca *ca, const struct tleaf *spec, struct oc_dir_cert *out);

/* A tag unique to this process (8 hex digits), the same on every call. */
const char *ttag(void);

/* Writes "<prefix>-<tag>-<n>" into out[cap], n counting per process. */
void tunique(const char *prefix, char *out, size_t cap);

/* A fresh valid USCC (random, with its GB 32100 check character). */
void tuscc(char out[OC_DIR_USCC_LEN + 1]);

/* The GB 32100 check character of the first 17 characters of s. */
char tuscc_check(const char *s);

/* Opens the fixture's directory (ONECARD_LDAP_* from the environment);
 * fails the test when it cannot. */
struct oc_dir *tdir_open(void);

/* Fills the entries for one enrollment. */
void tfill(struct oc_dir_enterprise *ent, const char *uscc, const char *ent_name,
	   struct oc_dir_person *person, const char *person_id, const char *person_name,
	   struct oc_dir_card *card, const char *card_id);

#endif /* ONECARD_DIR_TEST_H */
