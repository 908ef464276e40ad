/* Card test fixtures (p11_fixture.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dlfcn.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "p11_fixture.h"

extern char **environ;

#define DEFAULT_SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define DEFAULT_UTIL	"softhsm2-util"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : fallback;
}

/* Runs argv (PATH searched) with stdout and stderr to /dev/null;
 * fails the test unless it exits 0. */
static void run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;

	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0), 0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0), 0);
	assert_int_equal(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

void p11fx_setup(struct p11fx *fx, const char *const *labels, size_t n)
{
	char tokens[FX_DIR_MAX + 16];
	char *argv[12];
	FILE *f;
	size_t i;
	int w;

	memset(fx, 0, sizeof(*fx));
	w = snprintf(fx->dir, sizeof(fx->dir), "%s/onecard-p11-XXXXXX", env_or("TMPDIR", "/tmp"));
	assert_true(w > 0 && (size_t)w < sizeof(fx->dir));
	assert_non_null(mkdtemp(fx->dir));
	w = snprintf(tokens, sizeof(tokens), "%s/tokens", fx->dir);
	assert_true(w > 0 && (size_t)w < sizeof(tokens));
	assert_int_equal(mkdir(tokens, 0700), 0);
	w = snprintf(fx->conf, sizeof(fx->conf), "%s/softhsm2.conf", fx->dir);
	assert_true(w > 0 && (size_t)w < sizeof(fx->conf));
	f = fopen(fx->conf, "w");
	assert_non_null(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		tokens);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(setenv("SOFTHSM2_CONF", fx->conf, 1), 0);
	fx->softhsm = env_or("ONECARD_TEST_SOFTHSM_MODULE", DEFAULT_SOFTHSM);
	fx->module = env_or("ONECARD_TEST_MODULE", fx->softhsm);
	for (i = 0; i < n; i++) {
		argv[0] = (char *)env_or("ONECARD_TEST_SOFTHSM_UTIL", DEFAULT_UTIL);
		argv[1] = (char *)"--init-token";
		argv[2] = (char *)"--free";
		argv[3] = (char *)"--label";
		argv[4] = (char *)labels[i];
		argv[5] = (char *)"--so-pin";
		argv[6] = (char *)FX_SO_PIN;
		argv[7] = (char *)"--pin";
		argv[8] = (char *)FX_PIN;
		argv[9] = NULL;
		run(argv);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void p11fx_teardown(struct p11fx *fx)
{
	if (fx->dir[0] != '\0') {
		(void)nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		fx->dir[0] = '\0';
	}
}

char *p11fx_pin(char buf[16], const char *pin)
{
	size_t len = strlen(pin);

	assert_true(len < 16);
	memcpy(buf, pin, len + 1);
	return buf;
}

struct oc_card_session *p11fx_login(struct oc_card *card)
{
	struct oc_card_session *s = NULL;
	char pin[16];

	p11fx_pin(pin, FX_PIN);
	assert_int_equal(oc_card_session_open(card, pin, strlen(FX_PIN), &s), ONECARD_OK);
	assert_non_null(s);
	/* The library wipes the caller's PIN. */
	assert_int_equal(pin[0], 0);
	return s;
}

struct oc_card *p11fx_card(struct oc_card_ctx *ctx, const char *uri_text)
{
	struct oc_p11_uri *uri = NULL;
	struct oc_card *card = NULL;

	assert_int_equal(oc_p11_uri_parse(uri_text, strlen(uri_text), &uri, NULL), ONECARD_OK);
	assert_int_equal(oc_card_open(ctx, uri, &card), ONECARD_OK);
	oc_p11_uri_free(uri);
	return card;
}

EVP_PKEY *p11fx_soft_key(const char *type)
{
	EVP_PKEY *key;

	if (strcmp(type, "ec") == 0) {
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	} else {
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	}
	assert_non_null(key);
	return key;
}

EVP_PKEY *p11fx_ca_key(void)
{
	return p11fx_soft_key("ec");
}

X509 *p11fx_issue(EVP_PKEY *ca_key, EVP_PKEY *pub, const char *agency, const char *cn, long serial)
{
	X509 *x = X509_new();
	X509_NAME *subject = X509_NAME_new(), *issuer = X509_NAME_new();

	assert_non_null(x);
	assert_non_null(subject);
	assert_non_null(issuer);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "C", MBSTRING_UTF8,
						    (const unsigned char *)"CN", -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
						    (const unsigned char *)"Example Trading Co.",
						    -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "OU", MBSTRING_UTF8,
						    (const unsigned char *)agency, -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_UTF8,
						    (const unsigned char *)"onecard test CA", -1,
						    -1, 0),
			 1);
	assert_int_equal(X509_set_subject_name(x, subject), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
	X509_NAME_free(subject);
	X509_NAME_free(issuer);
	return x;
}

int p11fx_verify(X509 *cert, enum oc_card_mech mech, const uint8_t *msg, size_t msg_len,
		 const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	assert_non_null(key);
	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key), 1);
	if (mech == OC_CARD_RSA_PSS_SHA256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
	}
	ok = EVP_DigestVerify(md, sig, sig_len, msg, msg_len);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

const struct oc_card_cert *p11fx_find(const struct oc_card_certs *certs, const char *label)
{
	size_t i;

	for (i = 0; i < oc_card_certs_count(certs); i++) {
		if (strcmp(oc_card_cert_label(oc_card_certs_get0(certs, i)), label) == 0) {
			return oc_card_certs_get0(certs, i);
		}
	}
	return NULL;
}

/* ---- direct PKCS#11 ------------------------------------------------------ */

struct raw {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE h;
};

static void raw_open(struct raw *r, const char *module, const char *token, bool rw)
{
	CK_C_GetFunctionList get;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	char label[33];
	size_t len;

	r->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(r->dl);
	get = (CK_C_GetFunctionList)dlsym(r->dl, "C_GetFunctionList");
	assert_non_null(get);
	assert_int_equal(get(&r->f), CKR_OK);
	rv = r->f->C_Initialize(NULL);
	/* The library under test initialized it; this copy must not. */
	assert_int_equal(rv, CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(r->f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(r->f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		memcpy(label, ti.label, 32);
		len = 32;
		while (len > 0 && label[len - 1] == ' ') {
			len--;
		}
		label[len] = '\0';
		if (strcmp(label, token) == 0) {
			assert_int_equal(
				r->f->C_OpenSession(slots[i],
						    CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
						    NULL, NULL, &r->h),
				CKR_OK);
			return;
		}
	}
	fail_msg("no token %s", token);
}

static void raw_close(struct raw *r)
{
	assert_int_equal(r->f->C_CloseSession(r->h), CKR_OK);
	(void)dlclose(r->dl);
}

void p11fx_raw_write_cert(const char *module, const char *token, X509 *cert, const uint8_t *id,
			  size_t id_len, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	unsigned char *der = NULL, *subject = NULL;
	int der_len = i2d_X509(cert, &der);
	int subject_len = i2d_X509_NAME(X509_get_subject_name(cert), &subject);
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof(cls)},
		{CKA_CERTIFICATE_TYPE, &type, sizeof(type)},
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_ID, (void *)id, id_len},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_SUBJECT, subject, (CK_ULONG)subject_len},
		{CKA_VALUE, der, (CK_ULONG)der_len},
	};
	CK_OBJECT_HANDLE obj;
	struct raw r;

	assert_true(der_len > 0 && subject_len > 0);
	raw_open(&r, module, token, true);
	assert_int_equal(r.f->C_CreateObject(r.h, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &obj),
			 CKR_OK);
	raw_close(&r);
	OPENSSL_free(der);
	OPENSSL_free(subject);
}

size_t p11fx_raw_count(const char *module, const char *token, const uint8_t *id, size_t id_len)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_ID, (void *)id, id_len}};
	CK_OBJECT_HANDLE objs[64];
	CK_ULONG got = 0;
	struct raw r;

	raw_open(&r, module, token, false);
	assert_int_equal(r.f->C_FindObjectsInit(r.h, tmpl, 1), CKR_OK);
	assert_int_equal(r.f->C_FindObjects(r.h, objs, 64, &got), CKR_OK);
	assert_int_equal(r.f->C_FindObjectsFinal(r.h), CKR_OK);
	raw_close(&r);
	return got;
}

unsigned long p11fx_raw_read_private_value(const char *module, const char *token, const uint8_t *id,
					   size_t id_len)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, (void *)id, id_len}};
	CK_OBJECT_HANDLE obj;
	CK_ULONG got = 0;
	uint8_t value[1024];
	CK_ATTRIBUTE a = {CKA_VALUE, value, sizeof(value)};
	CK_RV rv;
	struct raw r;

	raw_open(&r, module, token, false);
	assert_int_equal(r.f->C_FindObjectsInit(r.h, tmpl, 2), CKR_OK);
	assert_int_equal(r.f->C_FindObjects(r.h, &obj, 1, &got), CKR_OK);
	assert_int_equal(r.f->C_FindObjectsFinal(r.h), CKR_OK);
	assert_int_equal(got, 1);
	rv = r.f->C_GetAttributeValue(r.h, obj, &a, 1);
	raw_close(&r);
	return rv;
}

bool p11fx_raw_logged_in(const char *module, const char *token)
{
	CK_SESSION_INFO si;
	struct raw r;
	bool user;

	raw_open(&r, module, token, false);
	assert_int_equal(r.f->C_GetSessionInfo(r.h, &si), CKR_OK);
	user = si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS;
	raw_close(&r);
	return user;
}
