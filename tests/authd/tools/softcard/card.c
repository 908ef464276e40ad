/*
 * The software card: certificates and keys from PEM files, and the
 * signatures a card would make (softcard.h). The only OpenSSL user of
 * the library besides the base64 of x5c in body.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <onecard/error.h>

#include "softcard.h"

#define PSS_SALT_LEN 32 /* docs/authd.md: PS256 salt 32 */

/* Reads all of path (at most SC_FILE_MAX bytes) into a new buffer;
 * *len excludes the NUL placed after the data. */
static int read_file(const char *path, unsigned char **out, size_t *len)
{
	unsigned char *buf = malloc(SC_FILE_MAX + 1u);
	FILE *f = NULL;
	size_t n = 0;
	int r = ONECARD_ERR_IO;

	*out = NULL;
	*len = 0;
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		goto out;
	}
	n = fread(buf, 1, SC_FILE_MAX + 1u, f);
	if (ferror(f)) {
		goto out;
	}
	if (n > SC_FILE_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	r = ONECARD_OK;
out:
	if (f != NULL) {
		(void)fclose(f);
	}
	if (buf != NULL) {
		OPENSSL_cleanse(buf, SC_FILE_MAX + 1u);
		free(buf);
	}
	return r;
}

static void wipe_free(unsigned char *buf)
{
	if (buf != NULL) {
		OPENSSL_cleanse(buf, SC_FILE_MAX + 1u);
		free(buf);
	}
}

/* No passphrase, and no prompt for one: software card keys are plain. */
static int no_pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The DER of one certificate, checked against SC_CERT_DER_MAX. */
static int cert_der(X509 *cert, unsigned char **der, size_t *der_len)
{
	unsigned char *buf = NULL;
	int n = i2d_X509(cert, &buf);

	*der = NULL;
	*der_len = 0;
	if (n <= 0) {
		ERR_clear_error();
		return ONECARD_ERR_BAD_FORMAT;
	}
	if ((size_t)n > SC_CERT_DER_MAX) {
		OPENSSL_free(buf);
		return ONECARD_ERR_TOO_LARGE;
	}
	*der = buf;
	*der_len = (size_t)n;
	return ONECARD_OK;
}

int sc_key_read(const char *path, EVP_PKEY **out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	r = read_file(path, &buf, &len);
	if (r != ONECARD_OK) {
		return r;
	}
	r = ONECARD_ERR_NOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		goto out;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_pass_cb, NULL);
	r = *out != NULL ? ONECARD_OK : ONECARD_ERR_BAD_KEY;
out:
	ERR_clear_error();
	BIO_free(bio);
	wipe_free(buf);
	return r;
}

void sc_card_clear(struct sc_card *card)
{
	size_t i;

	for (i = 0; i < card->nproofs; i++) {
		OPENSSL_free(card->proofs[i].der);
		EVP_PKEY_free(card->proofs[i].key);
	}
	for (i = 0; i < card->nchain; i++) {
		OPENSSL_free(card->chain[i]);
	}
	memset(card, 0, sizeof(*card));
}

int sc_card_add_proof(struct sc_card *card, const char *cert_path, const char *key_path)
{
	struct sc_proof p = {NULL, 0, NULL};
	unsigned char *buf = NULL;
	size_t len = 0;
	X509 *cert = NULL;
	BIO *bio = NULL;
	int r;

	if (card->nproofs >= SC_PROOFS_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	r = read_file(cert_path, &buf, &len);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		goto out;
	}
	cert = PEM_read_bio_X509(bio, NULL, no_pass_cb, NULL);
	if (cert == NULL) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	r = cert_der(cert, &p.der, &p.der_len);
	if (r == ONECARD_OK) {
		r = sc_key_read(key_path, &p.key);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	card->proofs[card->nproofs++] = p;
	p.der = NULL;
	p.key = NULL;
out:
	ERR_clear_error();
	OPENSSL_free(p.der);
	EVP_PKEY_free(p.key);
	X509_free(cert);
	BIO_free(bio);
	wipe_free(buf);
	return r;
}

int sc_card_add_chain(struct sc_card *card, const char *pem_path)
{
	unsigned char *buf = NULL;
	size_t len = 0, added = 0;
	X509 *cert = NULL;
	BIO *bio = NULL;
	int r;

	r = read_file(pem_path, &buf, &len);
	if (r != ONECARD_OK) {
		return r;
	}
	r = ONECARD_ERR_NOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		goto out;
	}
	for (;;) {
		cert = PEM_read_bio_X509(bio, NULL, no_pass_cb, NULL);
		if (cert == NULL) {
			break;
		}
		if (card->nchain >= SC_CHAIN_MAX) {
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
		r = cert_der(cert, &card->chain[card->nchain], &card->chain_len[card->nchain]);
		if (r != ONECARD_OK) {
			goto out;
		}
		card->nchain++;
		added++;
		X509_free(cert);
		cert = NULL;
	}
	r = added > 0 ? ONECARD_OK : ONECARD_ERR_BAD_FORMAT;
out:
	ERR_clear_error();
	X509_free(cert);
	BIO_free(bio);
	wipe_free(buf);
	return r;
}

int sc_default_alg(EVP_PKEY *key, const char **name)
{
	*name = NULL;
	if (EVP_PKEY_is_a(key, "SM2")) {
		*name = "SM2-SM3";
	} else if (EVP_PKEY_is_a(key, "EC")) {
		*name = "ES256";
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		*name = "RS256";
	} else {
		return ONECARD_ERR_BAD_KEY;
	}
	return ONECARD_OK;
}

/* 1 when key can make a signature named alg. */
static int alg_fits(EVP_PKEY *key, const char *alg)
{
	if (strcmp(alg, "SM2-SM3") == 0) {
		return EVP_PKEY_is_a(key, "SM2");
	}
	if (EVP_PKEY_is_a(key, "SM2")) {
		return 0;
	}
	if (strcmp(alg, "ES256") == 0) {
		return EVP_PKEY_is_a(key, "EC");
	}
	if (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0) {
		return EVP_PKEY_is_a(key, "RSA");
	}
	return 0;
}

int sc_sign(EVP_PKEY *key, const char *alg, const uint8_t *msg, size_t len, uint8_t **sig,
	    size_t *sig_len)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
	uint8_t *buf = NULL;
	size_t n = 0;
	int r;

	*sig = NULL;
	*sig_len = 0;
	if (alg == NULL || !alg_fits(key, alg)) {
		r = sc_default_alg(key, &alg);
		if (r != ONECARD_OK) {
			return r;
		}
	}
	r = ONECARD_ERR_NOMEM;
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL) {
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (EVP_DigestSignInit_ex(mctx, &pctx, strcmp(alg, "SM2-SM3") == 0 ? "SM3" : "SHA256", NULL,
				  NULL, key, NULL) != 1) {
		goto out;
	}
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PSS_SALT_LEN) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) <= 0)) {
		goto out;
	}
	/* OpenSSL 3.0 takes the SM2 ID only after the init (docs/challenge.md). */
	if (strcmp(alg, "SM2-SM3") == 0 &&
	    EVP_PKEY_CTX_set1_id(pctx, OC_PROOF_SM2_ID, strlen(OC_PROOF_SM2_ID)) <= 0) {
		goto out;
	}
	if (EVP_DigestSign(mctx, NULL, &n, msg, len) != 1 || n == 0 || n > OC_PROOF_SIG_MAX) {
		goto out;
	}
	buf = OPENSSL_malloc(n);
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(mctx, buf, &n, msg, len) != 1) {
		goto out;
	}
	*sig = buf;
	*sig_len = n;
	buf = NULL;
	r = ONECARD_OK;
out:
	ERR_clear_error();
	OPENSSL_free(buf);
	EVP_MD_CTX_free(mctx);
	return r;
}
