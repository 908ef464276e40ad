/*
 * mkcert: crafted certificates and CRLs for authd's negative tests
 * (mkcert.h). main() picks the command from its table; the CA, files and
 * signing shared by the commands live here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <onecard/error.h>

#include "fileio.h"
#include "mkcert.h"
#include "pass.h"
#include "tool_util.h"
#include "x509.h"

static const char usage_text[] =
	"usage: mkcert COMMAND [OPTIONS]   (test-only: crafted certificates and CRLs)\n"
	"\n"
	"mkcert cert --ca-cert CA.pem --ca-key CA.key [--ca-pass-file FILE] --out CERT.pem\n"
	"            (--key KEY.pem | --new-key NEWKEY.pem [--key-type TYPE])\n"
	"            [--policy FILE] [--profile P] [--uscc U] [--enterprise-name N]\n"
	"            [--person-id ID] [--person-name N] [--serial HEX]\n"
	"            [--not-before OFFSET] [--not-after OFFSET]\n"
	"            [--eku client-auth|server-auth|any|none] [--ku digital-signature|\n"
	"             key-encipherment|none] [--policy-oid OID|none]\n"
	"            [--ca-true] [--no-basic-constraints] [--unknown-critical] [--sha1]\n"
	"    A card certificate as onecard-ca makes it for profile P (default customs:\n"
	"    subject C, organizationIdentifier, O, OU=agency, UID, CN from the policy;\n"
	"    its key usage, EKU and policy OID; valid from now-60s for the profile's\n"
	"    lifetime), except what the options change. --key certifies an existing\n"
	"    key (private or public PEM); --new-key makes one (TYPE: ec-p256 default,\n"
	"    ec-p384, ec-explicit, rsa-1024, rsa-2048) and writes it. --serial takes\n"
	"    any hex (a leading '-' makes it negative; 0 and >20 octets are allowed).\n"
	"\n"
	"mkcert crl --ca-cert CA.pem --ca-key CA.key [--ca-pass-file FILE] --out CRL.pem\n"
	"           [--revoke SERIAL]... [--this-update OFFSET] [--next-update OFFSET |\n"
	"            --no-next-update] [--number N] [--sign-with KEY.pem]\n"
	"    A v2 CRL of the CA (AKI, cRLNumber N, default 1; thisUpdate now-60s,\n"
	"    nextUpdate now+7d by default), listing the serials; --sign-with signs it\n"
	"    with another (unencrypted PEM) key, as a wrong signer would.\n"
	"\n"
	"mkcert key --key-type TYPE --out KEY.pem\n"
	"    A fresh private key (unencrypted PKCS#8 PEM, mode 0600).\n"
	"\n"
	"OFFSET: [+|-]N[s|m|h|d] from now (\"-1d\", \"+30d\", \"-90s\"; seconds without a unit).\n"
	"Output files must not exist. Exit status: 0 ok, 1 failed, 2 usage.\n";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{"cert", mk_cmd_cert},
	{"crl", mk_cmd_crl},
	{"key", mk_cmd_key},
};

/* The passphrase for PEM_read_bio_PrivateKey: u holds it; none means no
 * prompt (OpenSSL would otherwise ask on the terminal). */
struct pass_arg {
	const char *pass;
	size_t len;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	const struct pass_arg *p = u;

	(void)rwflag;
	if (p == NULL || p->pass == NULL || size < 0 || p->len > (size_t)size) {
		return -1;
	}
	memcpy(buf, p->pass, p->len);
	return (int)p->len;
}

int mk_ca_load(const char *cert_path, const char *key_path, const char *pass_file, struct mk_ca *ca)
{
	unsigned char *cert_buf = NULL, *key_buf = NULL;
	size_t cert_len = 0, key_len = 0, pass_len = 0;
	struct pass_arg arg = {NULL, 0};
	const char *why = NULL;
	char *pass = NULL;
	BIO *bio = NULL;
	int r;

	memset(ca, 0, sizeof(*ca));
	r = oc_file_read(cert_path, MK_FILE_MAX, OC_FILE_FOLLOW, &cert_buf, &cert_len);
	if (r == ONECARD_OK) {
		r = oc_x509_from_pem(cert_buf, cert_len, &ca->cert);
	}
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: not a readable PEM certificate (%s)", cert_path,
			   onecard_strerror(r));
		goto out;
	}
	if (pass_file != NULL) {
		r = oc_pass_get(pass_file, &pass, &pass_len, &why);
		if (r != ONECARD_OK) {
			tool_error(MK_PROG, "%s: %s", pass_file,
				   why != NULL ? why : onecard_strerror(r));
			goto out;
		}
		arg.pass = pass;
		arg.len = pass_len;
	}
	r = oc_file_read(key_path, MK_FILE_MAX, OC_FILE_FOLLOW, &key_buf, &key_len);
	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: cannot read (%s)", key_path, onecard_strerror(r));
		goto out;
	}
	r = ONECARD_ERR_BAD_KEY;
	bio = BIO_new_mem_buf(key_buf, (int)key_len);
	if (bio == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	ca->key = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &arg);
	if (ca->key == NULL) {
		tool_error(MK_PROG,
			   "%s: not a PEM private key, or the passphrase does not open it%s",
			   key_path, pass_file == NULL ? " (encrypted? give --ca-pass-file)" : "");
		goto out;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		tool_error(MK_PROG, "%s is not the key of %s", key_path, cert_path);
		goto out;
	}
	r = ONECARD_OK;
out:
	ERR_clear_error();
	BIO_free(bio);
	oc_pass_free(pass, pass_len);
	oc_buf_free(key_buf, key_len);
	oc_buf_free(cert_buf, cert_len);
	if (r != ONECARD_OK) {
		mk_ca_clear(ca);
	}
	return r;
}

void mk_ca_clear(struct mk_ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	ca->cert = NULL;
	ca->key = NULL;
}

int mk_pem_write(const char *path, const char *pem)
{
	int r = oc_file_create(path, 0644, pem, strlen(pem));

	if (r != ONECARD_OK) {
		tool_error(MK_PROG, "%s: cannot create (%s)", path,
			   r == ONECARD_ERR_EXISTS ? "it exists" : onecard_strerror(r));
	}
	return r;
}

int mk_sign_cert(X509 *cert, EVP_PKEY *key, int sha1)
{
	EVP_MD_CTX *mctx = NULL;
	int r = ONECARD_ERR_CRYPTO;

	if (!sha1) {
		r = oc_x509_sign_cert(cert, key);
		goto out;
	}
	if (oc_key_is_sm2(key)) {
		tool_error(MK_PROG, "--sha1: an SM2 CA signs with SM3 only");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit_ex(mctx, NULL, "SHA1", NULL, NULL, key, NULL) != 1 ||
	    X509_sign_ctx(cert, mctx) <= 0) {
		goto out;
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK && r != ONECARD_ERR_INVALID_ARG) {
		tool_error(MK_PROG, "signing the certificate failed (%s)", onecard_strerror(r));
	}
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	return r;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return TOOL_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	tool_error(MK_PROG, "unknown command; try 'mkcert --help'");
	return TOOL_EXIT_USAGE;
}
