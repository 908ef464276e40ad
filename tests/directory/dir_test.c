/*
 * Helpers of the directory tests (dir_test.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "dir_test.h"
#include "pw_file.h"

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static void add_entry(X509_NAME *name, const char *field, const char *value)
{
	if (value == NULL) {
		return;
	}
	assert_int_equal(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
						    (const unsigned char *)value, -1, -1, 0),
			 1);
}

static X509 *new_cert(EVP_PKEY *key, BIGNUM *serial)
{
	X509 *x = X509_new();
	ASN1_INTEGER *ai;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ai = BN_to_ASN1_INTEGER(serial, NULL);
	assert_non_null(ai);
	assert_int_equal(X509_set_serialNumber(x, ai), 1);
	ASN1_INTEGER_free(ai);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	return x;
}

void tca_new(const char *cn_utf8, struct tca *ca)
{
	X509_NAME *name = X509_NAME_new();
	BIGNUM *serial = BN_new();

	memset(ca, 0, sizeof(*ca));
	assert_non_null(name);
	assert_non_null(serial);
	ca->key = EVP_EC_gen("P-256");
	assert_non_null(ca->key);
	assert_int_equal(BN_set_word(serial, 1), 1);
	ca->cert = new_cert(ca->key, serial);
	add_entry(name, "C", "CN");
	add_entry(name, "O", "onecard test");
	add_entry(name, "CN", cn_utf8);
	assert_int_equal(X509_set_subject_name(ca->cert, name), 1);
	assert_int_equal(X509_set_issuer_name(ca->cert, name), 1);
	assert_true(X509_sign(ca->cert, ca->key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	BN_free(serial);
}

void tca_free(struct tca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	memset(ca, 0, sizeof(*ca));
}

void tleaf_der(const struct tca *ca, const struct tleaf *spec, unsigned char **der, size_t *len)
{
	X509_NAME *name = X509_NAME_new();
	BIGNUM *serial = BN_new();
	EVP_PKEY *key = EVP_EC_gen("P-256");
	unsigned char *buf = NULL;
	X509 *x;
	int n;

	assert_non_null(name);
	assert_non_null(serial);
	assert_non_null(key);
	if (spec->serial_hex == NULL) {
		assert_int_equal(BN_rand(serial, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), 1);
	} else {
		assert_true(BN_hex2bn(&serial, spec->serial_hex) > 0);
	}
	if (spec->negative) {
		BN_set_negative(serial, 1);
	}
	x = new_cert(key, serial);
	add_entry(name, "C", "CN");
	add_entry(name, "organizationIdentifier", spec->org_id);
	add_entry(name, "O", spec->org);
	add_entry(name, "OU", spec->ou);
	add_entry(name, "OU", spec->second_ou);
	add_entry(name, "UID", spec->uid);
	add_entry(name, "CN", spec->cn);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(ca->cert)), 1);
	assert_true(X509_sign(x, ca->key, EVP_sha256()) > 0);
	n = i2d_X509(x, &buf);
	assert_true(n > 0);
	*der = malloc((size_t)n);
	assert_non_null(*der);
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(buf);
	X509_free(x);
	X509_NAME_free(name);
	BN_free(serial);
	EVP_PKEY_free(key);
}

void tleaf_cert(const struct tca *ca, const struct tleaf *spec, struct oc_dir_cert *out)
{
	unsigned char *der = NULL;
	const char *why = NULL;
	size_t len = 0;

	tleaf_der(ca, spec, &der, &len);
	assert_int_equal(oc_dir_cert_from_der(der, len, out, &why), ONECARD_OK);
	free(der);
}

const char *ttag(void)
{
	static char tag[9];
	unsigned char r[4];
	size_t i;

	if (tag[0] == '\0') {
		assert_int_equal(RAND_bytes(r, sizeof(r)), 1);
		for (i = 0; i < sizeof(r); i++) {
			tag[2 * i] = "0123456789abcdef"[r[i] >> 4];
			tag[2 * i + 1] = "0123456789abcdef"[r[i] & 0x0f];
		}
		tag[8] = '\0';
	}
	return tag;
}

void tunique(const char *prefix, char *out, size_t cap)
{
	static unsigned counter;
	int n;

	n = snprintf(out, cap, "%s-%s-%u", prefix, ttag(), ++counter);
	assert_true(n > 0 && (size_t)n < cap);
}

char tuscc_check(const char *s)
{
	static const unsigned weights[17] = {1,	 3,  9,	 27, 19, 26, 16, 17, 20,
					     29, 25, 13, 8,  24, 10, 30, 28};
	unsigned sum = 0, check;
	size_t i;

	for (i = 0; i < 17; i++) {
		sum += (unsigned)(strchr(uscc_charset, s[i]) - uscc_charset) * weights[i];
	}
	check = 31u - sum % 31u;
	return uscc_charset[check == 31u ? 0 : check];
}

void tuscc(char out[OC_DIR_USCC_LEN + 1])
{
	unsigned char r[15];
	size_t i;

	assert_int_equal(RAND_bytes(r, sizeof(r)), 1);
	out[0] = '9';
	out[1] = '1';
	for (i = 0; i < sizeof(r); i++) {
		out[2 + i] = uscc_charset[r[i] % 31u];
	}
	out[17] = tuscc_check(out);
	out[18] = '\0';
}

struct oc_dir *tdir_open(void)
{
	const char *uri = getenv("ONECARD_LDAP_URI"), *base = getenv("ONECARD_LDAP_BASE");
	const char *bind_dn = getenv("ONECARD_LDAP_BIND_DN");
	const char *pw_file = getenv("ONECARD_LDAP_BIND_PW_FILE");
	char pw[OC_DIR_PASSWORD_MAX + 2];
	struct oc_dir *dir = NULL;
	size_t len = 0;

	if (uri == NULL || base == NULL || bind_dn == NULL || pw_file == NULL) {
		fail_msg("ONECARD_LDAP_* not set: run under tests/services/fixture.sh exec");
	}
	assert_int_equal(oc_dir_pw_from_file(pw_file, pw, sizeof(pw), &len), ONECARD_OK);
	assert_int_equal(oc_dir_open(uri, base, bind_dn, pw, len, &dir), ONECARD_OK);
	OPENSSL_cleanse(pw, sizeof(pw));
	assert_non_null(dir);
	return dir;
}

static void copy(char *out, size_t cap, const char *in)
{
	size_t n = strlen(in);

	assert_true(n < cap);
	memcpy(out, in, n + 1);
}

void tfill(struct oc_dir_enterprise *ent, const char *uscc, const char *ent_name,
	   struct oc_dir_person *person, const char *person_id, const char *person_name,
	   struct oc_dir_card *card, const char *card_id)
{
	memset(ent, 0, sizeof(*ent));
	memset(person, 0, sizeof(*person));
	memset(card, 0, sizeof(*card));
	copy(ent->uscc, sizeof(ent->uscc), uscc);
	copy(ent->name, sizeof(ent->name), ent_name);
	copy(person->id, sizeof(person->id), person_id);
	copy(person->name, sizeof(person->name), person_name);
	copy(person->enterprise_uscc, sizeof(person->enterprise_uscc), uscc);
	copy(card->id, sizeof(card->id), card_id);
	copy(card->holder, sizeof(card->holder), person_id);
}
