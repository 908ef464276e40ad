/*
 * CA keys: generation and the encrypted PKCS#8 files they live in
 * (x509.h). The passphrase never leaves the caller's buffer except into
 * OpenSSL's PBE code; the unencrypted PKCS#8 structure OpenSSL builds on
 * the way is cleared by OpenSSL when it is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "fileio.h"
#include "x509.h"

int oc_key_generate(enum oc_ca_alg alg, EVP_PKEY **out)
{
	EVP_PKEY *key = NULL;

	*out = NULL;
	switch (alg) {
	case OC_ALG_EC:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case OC_ALG_RSA:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)OC_CA_RSA_CA_BITS);
		break;
	case OC_ALG_SM2:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
		break;
	default:
		return ONECARD_ERR_INVALID_ARG;
	}
	if (key == NULL) {
		ERR_clear_error();
		return ONECARD_ERR_CRYPTO;
	}
	*out = key;
	return ONECARD_OK;
}

int oc_key_check_alg(const EVP_PKEY *key, enum oc_ca_alg alg)
{
	char group[32];
	size_t len = 0;
	int ok = 0;

	switch (alg) {
	case OC_ALG_EC:
		ok = EVP_PKEY_is_a(key, "EC") &&
		     EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &len) ==
			     1 &&
		     strcmp(group, "prime256v1") == 0;
		break;
	case OC_ALG_RSA:
		ok = EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= OC_CA_RSA_MIN_BITS;
		break;
	case OC_ALG_SM2:
		ok = EVP_PKEY_is_a(key, "SM2");
		break;
	default:
		break;
	}
	ERR_clear_error();
	return ok ? ONECARD_OK : ONECARD_ERR_BAD_KEY;
}

int oc_key_encrypt_pem(EVP_PKEY *key, const char *pass, size_t pass_len, char **pem,
		       size_t *pem_len)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *p8 = NULL;
	BIO *bio = NULL;
	unsigned char salt[OC_CA_SCRYPT_SALT];
	char *data = NULL, *copy = NULL;
	long n;
	int r = ONECARD_ERR_CRYPTO;

	*pem = NULL;
	*pem_len = 0;
	if (pass_len == 0 || pass_len > OC_CA_PASS_MAX) {
		r = ONECARD_ERR_PASSPHRASE;
		goto out;
	}
	if (RAND_bytes(salt, (int)sizeof(salt)) != 1) {
		goto out;
	}
	p8inf = EVP_PKEY2PKCS8(key);
	if (p8inf == NULL) {
		goto out;
	}
	pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, (int)sizeof(salt), NULL,
				    OC_CA_SCRYPT_N, OC_CA_SCRYPT_R, OC_CA_SCRYPT_P);
	if (pbe == NULL) {
		goto out;
	}
	p8 = PKCS8_set0_pbe(pass, (int)pass_len, p8inf, pbe);
	if (p8 == NULL) {
		goto out;
	}
	pbe = NULL; /* owned by p8 now */
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PKCS8(bio, p8) != 1) {
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || data == NULL) {
		goto out;
	}
	copy = malloc((size_t)n + 1);
	if (copy == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	*pem = copy;
	*pem_len = (size_t)n;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
	}
	OPENSSL_cleanse(salt, sizeof(salt));
	BIO_free(bio);
	X509_SIG_free(p8);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	return r;
}

int oc_key_decrypt_pem(const unsigned char *pem, size_t pem_len, const char *pass, size_t pass_len,
		       EVP_PKEY **out)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_SIG *p8 = NULL;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	int r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	if (pem_len > OC_CA_KEY_FILE_MAX || pass_len > OC_CA_PASS_MAX) {
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (bio == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
	if (p8 == NULL) {
		goto out;
	}
	p8inf = PKCS8_decrypt(p8, pass, (int)pass_len);
	if (p8inf == NULL) {
		r = ONECARD_ERR_PASSPHRASE;
		goto out;
	}
	key = EVP_PKCS82PKEY(p8inf);
	if (key == NULL) {
		goto out;
	}
	*out = key;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
	}
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	X509_SIG_free(p8);
	BIO_free(bio);
	return r;
}
