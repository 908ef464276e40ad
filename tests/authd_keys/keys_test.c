/* Helpers for the key folder tests (keys_test.h). */
#define _XOPEN_SOURCE 700 /* nftw */

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "b64url.h"
#include "keys_test.h"

#define PATH_SIZE 512u

static void join(char out[PATH_SIZE], const char *dir, const char *rel)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s", dir, rel);

	assert_true(n > 0 && (size_t)n < PATH_SIZE);
}

void kt_folder_new(char dir[KT_DIR_SIZE])
{
	char path[PATH_SIZE];
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, KT_DIR_SIZE, "%s/onecard-keys-test.XXXXXX",
		     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_true(n > 0 && (size_t)n < KT_DIR_SIZE);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0700), 0);
	join(path, dir, "signing");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0700), 0);
	join(path, dir, "challenge");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0700), 0);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP) {
		(void)chmod(path, 0700);
		return rmdir(path);
	}
	return unlink(path);
}

void kt_folder_remove(const char *dir)
{
	char path[PATH_SIZE];

	/* Tests may have made folders unwritable. */
	(void)chmod(dir, 0700);
	join(path, dir, "signing");
	(void)chmod(path, 0700);
	join(path, dir, "challenge");
	(void)chmod(path, 0700);
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

void kt_write(const char *dir, const char *rel, const char *text, size_t len, mode_t mode)
{
	char path[PATH_SIZE], tmp[PATH_SIZE];
	int fd, n;

	join(path, dir, rel);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_true(n > 0 && (size_t)n < sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	if (len > 0) {
		assert_int_equal(write(fd, text, len), (ssize_t)len);
	}
	assert_int_equal(close(fd), 0);
	assert_int_equal(rename(tmp, path), 0);
}

void kt_manifest(const char *dir, const char *body)
{
	char text[OC_KEYRING_MANIFEST_MAX * 2];
	int n;

	n = snprintf(text, sizeof(text), "onecard-keys 1\n%s", body);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	kt_write(dir, "manifest", text, (size_t)n, 0600);
}

void kt_signing_key(const char *dir, const char *kid, int alg)
{
	char rel[128];
	char *jwk = NULL;
	int n;

	assert_int_equal(onecard_key_generate(alg, kid, &jwk), ONECARD_OK);
	n = snprintf(rel, sizeof(rel), "signing/%s.jwk", kid);
	assert_true(n > 0 && (size_t)n < sizeof(rel));
	kt_write(dir, rel, jwk, strlen(jwk), 0600);
	onecard_secret_string_free(jwk);
}

void kt_mac_key(const char *dir, const char *kid, uint8_t seed)
{
	uint8_t secret[32];
	char text[64], rel[128];
	size_t i;
	int n;

	for (i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)(seed + i * 13u);
	}
	assert_int_equal(oc_b64url_encode(secret, sizeof(secret), text, sizeof(text)), ONECARD_OK);
	n = snprintf(rel, sizeof(rel), "challenge/%s.key", kid);
	assert_true(n > 0 && (size_t)n < sizeof(rel));
	/* With the trailing newline rotate-keys writes. */
	n = (int)strlen(text);
	text[n] = '\n';
	kt_write(dir, rel, text, (size_t)n + 1u, 0600);
}

void kt_standard(const char *dir)
{
	kt_signing_key(dir, "s-1", ONECARD_ALG_EDDSA);
	kt_signing_key(dir, "s-2", ONECARD_ALG_ES256);
	kt_mac_key(dir, "c-1", 1);
	kt_mac_key(dir, "c-2", 2);
	kt_manifest(dir, "signing s-1 current 1800000000\n"
			 "signing s-2 next 1800000000\n"
			 "challenge c-1 current 1800000000\n"
			 "challenge c-2 next 1800000000\n");
}

int kt_load(const char *dir, int64_t now, oc_keyring **out, char *err)
{
	return oc_keyring_load(dir, KT_LIFETIME, now, out, err, OC_KEYRING_ERR_SIZE);
}

static json_t *jwks_keys(const oc_keyring *kr, json_t **doc)
{
	json_error_t e;
	size_t len = 0;
	const char *text = oc_keyring_jwks(kr, &len);
	json_t *keys;

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	*doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(*doc);
	keys = json_object_get(*doc, "keys");
	assert_true(json_is_array(keys));
	return keys;
}

int kt_jwks_has(const oc_keyring *kr, const char *kid)
{
	json_t *doc = NULL, *keys, *k;
	size_t i;
	int found = 0;

	keys = jwks_keys(kr, &doc);
	json_array_foreach (keys, i, k) {
		/* Never a private member in what authd publishes. */
		assert_null(json_object_get(k, "d"));
		if (strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0) {
			found = 1;
		}
	}
	json_decref(doc);
	return found;
}

size_t kt_jwks_count(const oc_keyring *kr)
{
	json_t *doc = NULL;
	size_t n;

	n = json_array_size(jwks_keys(kr, &doc));
	json_decref(doc);
	return n;
}

char *kt_sign(const oc_keyring *kr, int64_t now)
{
	static const char claims[] =
		"{\"iss\":\"" KT_ISSUER "\",\"aud\":\"" KT_AUDIENCE "\",\"sub\":\"p-0001\"}";
	char *token = NULL;

	assert_int_equal(onecard_signer_issue(oc_keyring_signer(kr), claims, strlen(claims), NULL,
					      now, KT_LIFETIME, &token),
			 ONECARD_OK);
	return token;
}

int kt_verify(const oc_keyring *kr, const char *token, int64_t now)
{
	onecard_verifier *v = NULL;
	onecard_claims *claims = NULL;
	size_t len = 0;
	const char *jwks = oc_keyring_jwks(kr, &len);
	int r;

	assert_int_equal(onecard_verifier_new(jwks, len, &v), ONECARD_OK);
	assert_int_equal(onecard_verifier_set_time(v, now), ONECARD_OK);
	r = onecard_verify(v, token, strlen(token), KT_ISSUER, KT_AUDIENCE, &claims, NULL);
	onecard_claims_free(claims);
	onecard_verifier_free(v);
	return r;
}
