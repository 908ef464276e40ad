/* Keys for mkcert (mkcert.h): made, read and written. */
#include <getopt.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <onecard/error.h>

#include "fileio.h"
#include "mkcert.h"
#include "tool_util.h"

const char mk_key_types[] = "ec-p256, ec-p384, ec-explicit, rsa-1024, rsa-2048";

/* P-256 with its parameters spelled out in the key (not the named curve):
 * what NEGATIVE-TESTS X9 means by an explicit-curve EC key. */
static EVP_PKEY *ec_explicit_new(void)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
						     (char *)OSSL_PKEY_EC_ENCODING_EXPLICIT, 0);
	params[2] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 || EVP_PKEY_generate(ctx, &key) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int mk_key_new(const char *type, EVP_PKEY **out)
{
	EVP_PKEY *key = NULL;

	*out = NULL;
	if (strcmp(type, "ec-p256") == 0) {
		key = EVP_EC_gen("P-256");
	} else if (strcmp(type, "ec-p384") == 0) {
		key = EVP_EC_gen("P-384");
	} else if (strcmp(type, "ec-explicit") == 0) {
		key = ec_explicit_new();
	} else if (strcmp(type, "rsa-1024") == 0) {
		key = EVP_RSA_gen(1024);
	} else if (strcmp(type, "rsa-2048") == 0) {
		key = EVP_RSA_gen(2048);
	} else {
		tool_error(MK_PROG, "unknown key type (known: %s)", mk_key_types);
		return ONECARD_ERR_INVALID_ARG;
	}
	ERR_clear_error();
	if (key == NULL) {
		tool_error(MK_PROG, "generating a %s key failed", type);
		return ONECARD_ERR_CRYPTO;
	}
	*out = key;
	return ONECARD_OK;
}

/* No passphrase, and no prompt for one. */
static int no_pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int mk_key_read(const char *path, EVP_PKEY **out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	r = oc_file_read(path, MK_FILE_MAX, OC_FILE_FOLLOW, &buf, &len);
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: cannot read (%s)", path, onecard_strerror(r));
		return r;
	}
	r = ONECARD_ERR_NOMEM;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		goto out;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_pass_cb, NULL);
	if (*out == NULL) {
		(void)BIO_reset(bio);
		*out = PEM_read_bio_PUBKEY(bio, NULL, no_pass_cb, NULL);
	}
	r = *out != NULL ? ONECARD_OK : ONECARD_ERR_BAD_KEY;
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: not an unencrypted PEM private key or a PEM public key",
			   path);
	}
out:
	ERR_clear_error();
	BIO_free(bio);
	oc_buf_free(buf, len);
	return r;
}

int mk_key_write(const char *path, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long len = 0;
	int r = ONECARD_ERR_CRYPTO;

	if (bio == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		goto out;
	}
	len = BIO_get_mem_data(bio, &pem);
	if (len <= 0) {
		goto out;
	}
	r = oc_file_create(path, 0600, pem, (size_t)len);
out:
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: cannot write the key (%s)", path,
			   r == ONECARD_ERR_EXISTS ? "it exists" : onecard_strerror(r));
	}
	if (pem != NULL && len > 0) {
		OPENSSL_cleanse(pem, (size_t)len);
	}
	ERR_clear_error();
	BIO_free(bio);
	return r;
}

int mk_cmd_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"key-type", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *type = "ec-p256", *out_path = NULL;
	EVP_PKEY *key = NULL;
	int c, r;

	opterr = 0;
	optind = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		default:
			tool_error(MK_PROG,
				   "key: unknown option or missing value; try 'mkcert --help'");
			return TOOL_EXIT_USAGE;
		}
	}
	if (optind != argc || out_path == NULL) {
		tool_error(MK_PROG, "key: --out is required and nothing follows the options");
		return TOOL_EXIT_USAGE;
	}
	r = mk_key_new(type, &key);
	if (r == ONECARD_OK) {
		r = mk_key_write(out_path, key);
	}
	EVP_PKEY_free(key);
	return r == ONECARD_OK ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
}
