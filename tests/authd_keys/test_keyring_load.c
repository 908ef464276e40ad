/*
 * The key folder loader (authd/keys/, docs/keys.md): a good folder, every
 * refusal with its code and error line, the JWKS and the challenge keys
 * across rotations (driven by the "now" parameter, never by sleeping),
 * and change detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "challenge.h"
#include "keyring.h"
#include "keys_test.h"

#define SIGNING_KEEP   (KT_LIFETIME + OC_KEYRING_SIGNING_MARGIN)
#define CHALLENGE_KEEP (OC_CHALLENGE_LIFETIME_MAX + OC_KEYRING_CHALLENGE_MARGIN)
#define PATH_SIZE      512u
#define PUBLIC_ED25519                                          \
	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"s-1\"," \
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"

static void path_of(char out[PATH_SIZE], const char *dir, const char *rel)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s", dir, rel);

	assert_true(n > 0 && (size_t)n < PATH_SIZE);
}

/* Loads dir at now; asserts the code and that the one-line error names
 * the folder and contains want. */
static void expect_refusal(const char *dir, int64_t now, int code, const char *want)
{
	oc_keyring *kr = NULL;
	char err[OC_KEYRING_ERR_SIZE];

	assert_int_equal(kt_load(dir, now, &kr, err), code);
	assert_null(kr);
	if (strstr(err, want) == NULL || strncmp(err, dir, strlen(dir)) != 0) {
		fail_msg("error line \"%s\" lacks \"%s\"", err, want);
	}
	assert_null(strchr(err, '\n'));
}

/* ---- a good folder -------------------------------------------------- */

static void test_good_folder(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring *kr = NULL;
	char *token = NULL, *wire = NULL;
	struct oc_challenge c;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_OK);
	assert_string_equal(err, "");
	assert_string_equal(oc_keyring_current_kid(kr), "s-1");
	assert_string_equal(onecard_signer_get0_kid(oc_keyring_signer(kr)), "s-1");
	assert_int_equal(onecard_signer_alg(oc_keyring_signer(kr)), ONECARD_ALG_EDDSA);
	assert_string_equal(oc_keyring_challenge_kid(kr), "c-1");
	/* The next key is published before it signs. */
	assert_int_equal(kt_jwks_count(kr), 2);
	assert_true(kt_jwks_has(kr, "s-1"));
	assert_true(kt_jwks_has(kr, "s-2"));
	assert_int_equal(oc_keyring_refresh_at(kr), OC_KEYRING_NEVER);

	token = kt_sign(kr, KT_NOW);
	assert_int_equal(kt_verify(kr, token, KT_NOW + 1), ONECARD_OK);

	assert_int_equal(oc_challenge_issue(oc_keyring_challenge_keys(kr), KT_ORIGIN, KT_AUDIENCE,
					    KT_NOW, 60, &wire, &c),
			 ONECARD_OK);
	assert_string_equal(c.kid, "c-1");
	assert_int_equal(oc_challenge_check(oc_keyring_challenge_keys(kr), wire, strlen(wire),
					    KT_ORIGIN, KT_NOW + 1, NULL, NULL),
			 ONECARD_OK);

	/* Another reference outlives the first. */
	assert_ptr_equal(oc_keyring_ref(kr), kr);
	oc_keyring_unref(kr);
	assert_string_equal(oc_keyring_current_kid(kr), "s-1");
	oc_keyring_unref(kr);
	oc_keyring_unref(NULL);
	free(wire);
	onecard_string_free(token);
	kt_folder_remove(dir);
}

/* The folder rotate-keys makes: no trailing slash needed, "now" 0 is the
 * clock, and files the manifest does not name are ignored. */
static void test_clock_and_strays(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring *kr = NULL;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	kt_write(dir, "signing/stray.jwk", "garbage", 7, 0644);
	kt_write(dir, ".lock", "", 0, 0600);
	assert_int_equal(kt_load(dir, 0, &kr, err), ONECARD_OK);
	oc_keyring_unref(kr);
	kt_folder_remove(dir);
}

/* ---- JWKS across rotations ------------------------------------------ */

/* Rotation at KT_NOW + 3600: s-2 current, s-3 next, s-1 retired. */
static void rotate_signing(const char *dir, int64_t at)
{
	char body[512];
	int n;

	kt_signing_key(dir, "s-3", ONECARD_ALG_EDDSA);
	n = snprintf(body, sizeof(body),
		     "signing s-2 current %lld\n"
		     "signing s-3 next %lld\n"
		     "signing s-1 retired %lld\n"
		     "challenge c-1 current 1800000000\n"
		     "challenge c-2 next 1800000000\n",
		     (long long)at, (long long)at, (long long)at);
	assert_true(n > 0 && (size_t)n < sizeof(body));
	kt_manifest(dir, body);
}

static void test_jwks_across_rotation(void **state)
{
	const int64_t at = KT_NOW + 3600;
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE], path[PATH_SIZE];
	oc_keyring *before = NULL, *after = NULL, *late = NULL;
	char *old_token = NULL;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, at - 10, &before, err), ONECARD_OK);
	/* A token s-1 signed just before the rotation. */
	old_token = kt_sign(before, at - 10);
	rotate_signing(dir, at);

	/* Just before the old key's tokens (and leeway) have all expired. */
	assert_int_equal(kt_load(dir, at + SIGNING_KEEP - 1, &after, err), ONECARD_OK);
	assert_string_equal(oc_keyring_current_kid(after), "s-2");
	assert_int_equal(onecard_signer_alg(oc_keyring_signer(after)), ONECARD_ALG_ES256);
	assert_int_equal(kt_jwks_count(after), 3);
	assert_true(kt_jwks_has(after, "s-1"));
	assert_true(kt_jwks_has(after, "s-3"));
	assert_int_equal(oc_keyring_refresh_at(after), at + SIGNING_KEEP);
	/* The token signed before the rotation verifies with the new JWKS. */
	assert_int_equal(kt_verify(after, old_token, at + 1), ONECARD_OK);
	/* The JWKS is ordered: current, next, retired. */
	assert_true(strstr(oc_keyring_jwks(after, NULL), "\"s-2\"") <
		    strstr(oc_keyring_jwks(after, NULL), "\"s-1\""));

	/* From then on the old key is left out, its file still there. */
	assert_int_equal(kt_load(dir, at + SIGNING_KEEP, &late, err), ONECARD_OK);
	assert_int_equal(kt_jwks_count(late), 2);
	assert_false(kt_jwks_has(late, "s-1"));
	assert_int_equal(oc_keyring_refresh_at(late), OC_KEYRING_NEVER);
	assert_int_equal(kt_verify(late, old_token, at + 1), ONECARD_ERR_UNKNOWN_KID);
	oc_keyring_unref(late);
	late = NULL;

	/* An expired retired key is not even read: a broken file is fine. */
	path_of(path, dir, "signing/s-1.jwk");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(kt_load(dir, at + SIGNING_KEEP, &late, err), ONECARD_OK);
	oc_keyring_unref(late);
	/* ...but while it is live, a missing file is refused. */
	expect_refusal(dir, at + 1, ONECARD_ERR_NOT_FOUND, "/signing/s-1.jwk: missing");

	onecard_string_free(old_token);
	oc_keyring_unref(after);
	oc_keyring_unref(before);
	kt_folder_remove(dir);
}

/* The max token lifetime decides how long a retired key is published. */
static void test_jwks_follows_max_lifetime(void **state)
{
	const int64_t at = KT_NOW + 3600;
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring *kr = NULL;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	rotate_signing(dir, at);
	assert_int_equal(oc_keyring_load(dir, 60, at + 60 + OC_KEYRING_SIGNING_MARGIN - 1, &kr, err,
					 sizeof(err)),
			 ONECARD_OK);
	assert_true(kt_jwks_has(kr, "s-1"));
	oc_keyring_unref(kr);
	assert_int_equal(oc_keyring_load(dir, 60, at + 60 + OC_KEYRING_SIGNING_MARGIN, &kr, err,
					 sizeof(err)),
			 ONECARD_OK);
	assert_false(kt_jwks_has(kr, "s-1"));
	oc_keyring_unref(kr);
	assert_int_equal(
		oc_keyring_load(dir, OC_KEYRING_LIFETIME_MAX, at + 80000, &kr, err, sizeof(err)),
		ONECARD_OK);
	assert_true(kt_jwks_has(kr, "s-1"));
	oc_keyring_unref(kr);
	kt_folder_remove(dir);
}

/* ---- challenge keys across rotations ---------------------------------- */

static void rotate_challenge(const char *dir, int64_t at)
{
	char body[512];
	int n;

	kt_mac_key(dir, "c-3", 3);
	n = snprintf(body, sizeof(body),
		     "signing s-1 current 1800000000\n"
		     "signing s-2 next 1800000000\n"
		     "challenge c-2 current %lld\n"
		     "challenge c-3 next %lld\n"
		     "challenge c-1 retired %lld\n",
		     (long long)at, (long long)at, (long long)at);
	assert_true(n > 0 && (size_t)n < sizeof(body));
	kt_manifest(dir, body);
}

static int check_at(const oc_keyring *kr, const char *wire, int64_t now)
{
	return oc_challenge_check(oc_keyring_challenge_keys(kr), wire, strlen(wire), KT_ORIGIN, now,
				  NULL, NULL);
}

static void test_challenge_across_rotation(void **state)
{
	const int64_t at = KT_NOW + 1000;
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring *before = NULL, *after = NULL, *late = NULL;
	char *old_wire = NULL, *new_wire = NULL;
	struct oc_challenge c;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, at - 5, &before, err), ONECARD_OK);
	/* Issued under c-1 with the longest lifetime, just before rotation. */
	assert_int_equal(oc_challenge_issue(oc_keyring_challenge_keys(before), KT_ORIGIN,
					    KT_AUDIENCE, at - 1, OC_CHALLENGE_LIFETIME_MAX,
					    &old_wire, NULL),
			 ONECARD_OK);
	rotate_challenge(dir, at);
	assert_int_equal(kt_load(dir, at + 10, &after, err), ONECARD_OK);
	assert_string_equal(oc_keyring_challenge_kid(after), "c-2");
	assert_int_equal(oc_keyring_refresh_at(after), at + CHALLENGE_KEEP);
	/* The old challenge still checks at an instance that reloaded. */
	assert_int_equal(check_at(after, old_wire, at + 100), ONECARD_OK);

	/* New challenges use c-2, which the instance that has not reloaded
	 * yet accepts already: it was published as next. */
	assert_int_equal(oc_challenge_issue(oc_keyring_challenge_keys(after), KT_ORIGIN,
					    KT_AUDIENCE, at + 10, 60, &new_wire, &c),
			 ONECARD_OK);
	assert_string_equal(c.kid, "c-2");
	assert_int_equal(check_at(before, new_wire, at + 11), ONECARD_OK);

	/* Once no c-1 challenge can be alive, c-1 is gone. */
	assert_int_equal(kt_load(dir, at + CHALLENGE_KEEP, &late, err), ONECARD_OK);
	assert_int_equal(check_at(late, old_wire, at + CHALLENGE_KEEP), ONECARD_ERR_UNKNOWN_KID);
	assert_int_equal(oc_keyring_refresh_at(late), OC_KEYRING_NEVER);

	free(old_wire);
	free(new_wire);
	oc_keyring_unref(late);
	oc_keyring_unref(after);
	oc_keyring_unref(before);
	kt_folder_remove(dir);
}

/* ---- change detection ------------------------------------------------- */

static void test_changed(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE], path[PATH_SIZE];
	oc_keyring *kr = NULL;
	int changed = -1;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_OK);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 5, &changed), ONECARD_OK);
	assert_int_equal(changed, 0);
	/* The same bytes in a new file (another inode, another mtime). */
	kt_manifest(dir, "signing s-1 current 1800000000\n"
			 "signing s-2 next 1800000000\n"
			 "challenge c-1 current 1800000000\n"
			 "challenge c-2 next 1800000000\n");
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 5, &changed), ONECARD_OK);
	assert_int_equal(changed, 0);
	/* A rotation. */
	rotate_signing(dir, KT_NOW + 10);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 11, &changed), ONECARD_OK);
	assert_int_equal(changed, 1);
	oc_keyring_unref(kr);

	/* The time a retired key drops out is a change by itself. */
	assert_int_equal(kt_load(dir, KT_NOW + 11, &kr, err), ONECARD_OK);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 10 + SIGNING_KEEP - 1, &changed),
			 ONECARD_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 10 + SIGNING_KEEP, &changed),
			 ONECARD_OK);
	assert_int_equal(changed, 1);

	/* A manifest that cannot be read is an error, not a change. */
	path_of(path, dir, "manifest");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW + 12, &changed), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(changed, 0);
	assert_int_equal(oc_keyring_changed(dir, NULL, KT_NOW, &changed), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_keyring_changed(dir, kr, KT_NOW, NULL), ONECARD_ERR_INVALID_ARG);
	oc_keyring_unref(kr);
	kt_folder_remove(dir);
}

/* ---- refusals ----------------------------------------------------------- */

/* One refusal: how to break the standard folder, and what the loader
 * must say. */
struct refusal {
	const char *name;
	void (*breaker)(const char *dir);
	int code;
	const char *want; /* a part of the error line */
};

static void chmod_rel(const char *dir, const char *rel, mode_t mode)
{
	char path[PATH_SIZE];

	path_of(path, dir, rel);
	assert_int_equal(chmod(path, mode), 0);
}

static void unlink_rel(const char *dir, const char *rel)
{
	char path[PATH_SIZE];

	path_of(path, dir, rel);
	assert_int_equal(unlink(path), 0);
}

static void write_text(const char *dir, const char *rel, const char *text)
{
	kt_write(dir, rel, text, strlen(text), 0600);
}

static void no_manifest(const char *dir)
{
	unlink_rel(dir, "manifest");
}
static void bad_header(const char *dir)
{
	write_text(dir, "manifest", "onecard-keys 2\nsigning s-1 current 1800000000\n");
}
static void no_current_signing(const char *dir)
{
	kt_manifest(dir, "signing s-2 next 1800000000\nchallenge c-1 current 1800000000\n");
}
static void no_current_challenge(const char *dir)
{
	kt_manifest(dir, "signing s-1 current 1800000000\nchallenge c-2 next 1800000000\n");
}
static void unknown_current(const char *dir)
{
	kt_manifest(dir, "signing s-9 current 1800000000\nchallenge c-1 current 1800000000\n");
}
static void unknown_current_challenge(const char *dir)
{
	kt_manifest(dir, "signing s-1 current 1800000000\nchallenge c-9 current 1800000000\n");
}
static void two_current(const char *dir)
{
	kt_manifest(dir, "signing s-1 current 1800000000\nsigning s-2 current 1800000000\n"
			 "challenge c-1 current 1800000000\n");
}
static void unknown_state(const char *dir)
{
	kt_manifest(dir, "signing s-1 current 1800000000\nsigning s-2 standby 1800000000\n"
			 "challenge c-1 current 1800000000\n");
}
static void kid_path(const char *dir)
{
	kt_manifest(dir, "signing ../s-1 current 1800000000\nchallenge c-1 current 1800000000\n");
}
static void bad_time(const char *dir)
{
	kt_manifest(dir, "signing s-1 current -5\nchallenge c-1 current 1800000000\n");
}
static void no_final_newline(const char *dir)
{
	write_text(dir, "manifest",
		   "onecard-keys 1\nsigning s-1 current 1800000000\nchallenge c-1 current 1");
}
static void manifest_group_writable(const char *dir)
{
	chmod_rel(dir, "manifest", 0620);
}
static void manifest_symlink(const char *dir)
{
	char path[PATH_SIZE], target[PATH_SIZE];

	path_of(path, dir, "manifest");
	path_of(target, dir, "manifest.real");
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink("manifest.real", path), 0);
}
static void manifest_oversized(const char *dir)
{
	char text[OC_KEYRING_MANIFEST_MAX + 2];
	size_t head = strlen("onecard-keys 1\n");

	memset(text, '\n', sizeof(text));
	memcpy(text, "onecard-keys 1\n", head);
	kt_write(dir, "manifest", text, OC_KEYRING_MANIFEST_MAX + 1u, 0600);
}
static void too_many_signing(const char *dir)
{
	char body[4096];
	size_t used;
	int i, n;

	n = snprintf(body, sizeof(body),
		     "challenge c-1 current 1800000000\nsigning s-1 current 1800000000\n");
	used = (size_t)n;
	for (i = 0; i < (int)OC_KEYRING_SIGNING_MAX; i++) {
		n = snprintf(body + used, sizeof(body) - used, "signing r-%d retired 1800000000\n",
			     i);
		used += (size_t)n;
	}
	kt_manifest(dir, body);
}
static void too_many_challenge(const char *dir)
{
	char body[4096];
	size_t used;
	int i, n;

	n = snprintf(body, sizeof(body),
		     "signing s-1 current 1800000000\nchallenge c-1 current 1800000000\n");
	used = (size_t)n;
	for (i = 0; i < (int)OC_KEYRING_CHALLENGE_MAX; i++) {
		n = snprintf(body + used, sizeof(body) - used,
			     "challenge r-%d retired 1800000000\n", i);
		used += (size_t)n;
	}
	kt_manifest(dir, body);
}
static void folder_group_writable(const char *dir)
{
	chmod_rel(dir, ".", 0770);
}
static void signing_other_writable(const char *dir)
{
	chmod_rel(dir, "signing", 0703);
}
static void challenge_dir_symlink(const char *dir)
{
	char path[PATH_SIZE], target[PATH_SIZE];

	path_of(path, dir, "challenge");
	path_of(target, dir, "challenge.real");
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink("challenge.real", path), 0);
}
static void no_signing_dir(const char *dir)
{
	char from[PATH_SIZE], to[PATH_SIZE];

	path_of(from, dir, "signing");
	path_of(to, dir, "signing.gone");
	assert_int_equal(rename(from, to), 0);
}
static void current_key_missing(const char *dir)
{
	unlink_rel(dir, "signing/s-1.jwk");
}
static void next_key_missing(const char *dir)
{
	unlink_rel(dir, "signing/s-2.jwk");
}
static void key_group_readable(const char *dir)
{
	chmod_rel(dir, "signing/s-1.jwk", 0640);
}
static void key_other_readable(const char *dir)
{
	chmod_rel(dir, "signing/s-2.jwk", 0604);
}
static void mac_group_readable(const char *dir)
{
	chmod_rel(dir, "challenge/c-2.key", 0640);
}
static void key_symlink(const char *dir)
{
	char path[PATH_SIZE];

	unlink_rel(dir, "signing/s-1.jwk");
	path_of(path, dir, "signing/s-1.jwk");
	assert_int_equal(symlink("s-2.jwk", path), 0);
}
static void key_is_folder(const char *dir)
{
	char path[PATH_SIZE];

	unlink_rel(dir, "signing/s-1.jwk");
	path_of(path, dir, "signing/s-1.jwk");
	assert_int_equal(mkdir(path, 0700), 0);
}
static void key_is_fifo(const char *dir)
{
	char path[PATH_SIZE];

	unlink_rel(dir, "challenge/c-1.key");
	path_of(path, dir, "challenge/c-1.key");
	assert_int_equal(mkfifo(path, 0600), 0);
}
static void key_public(const char *dir)
{
	write_text(dir, "signing/s-1.jwk", PUBLIC_ED25519);
}
static void key_rsa(const char *dir)
{
	write_text(
		dir, "signing/s-1.jwk",
		"{\"kty\":\"RSA\",\"kid\":\"s-1\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"d\":\"AQAB\"}");
}
static void key_p384(const char *dir)
{
	write_text(dir, "signing/s-1.jwk",
		   "{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"s-1\",\"x\":\"AA\",\"y\":\"AA\","
		   "\"d\":\"AA\"}");
}
static void key_hmac(const char *dir)
{
	write_text(dir, "signing/s-1.jwk",
		   "{\"kty\":\"oct\",\"kid\":\"s-1\",\"k\":\"c2VjcmV0\",\"d\":\"AA\"}");
}
/* Replaces member name's string value in a JWK file with value. */
static void edit_jwk(const char *dir, const char *rel, const char *name, const char *value)
{
	char path[PATH_SIZE], text[OC_KEYRING_JWK_FILE_MAX], out[OC_KEYRING_JWK_FILE_MAX];
	char member[64];
	const char *at, *end;
	FILE *f;
	size_t len;
	int n;

	path_of(path, dir, rel);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	assert_int_equal(fclose(f), 0);
	text[len] = '\0';
	n = snprintf(member, sizeof(member), "\"%s\":\"", name);
	assert_true(n > 0 && (size_t)n < sizeof(member));
	at = strstr(text, member);
	assert_non_null(at);
	at += strlen(member);
	end = strchr(at, '"');
	assert_non_null(end);
	n = snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, value, end);
	assert_true(n > 0 && (size_t)n < sizeof(out));
	kt_write(dir, rel, out, (size_t)n, 0600);
}
static void key_alg_mismatch(const char *dir)
{
	/* s-2 is an ES256 key. */
	edit_jwk(dir, "signing/s-2.jwk", "alg", "EdDSA");
}
static void key_kid_mismatch(const char *dir)
{
	edit_jwk(dir, "signing/s-1.jwk", "kid", "s-2");
}
static void key_wrong_d(const char *dir)
{
	edit_jwk(dir, "signing/s-1.jwk", "d", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}
static void key_not_json(const char *dir)
{
	write_text(dir, "signing/s-1.jwk", "-----BEGIN PRIVATE KEY-----\n");
}
static void key_nul(const char *dir)
{
	kt_write(dir, "signing/s-1.jwk", "{\"d\":\"x\0\"}", 10, 0600);
}
static void key_oversized(const char *dir)
{
	char text[OC_KEYRING_JWK_FILE_MAX + 1];

	memset(text, ' ', sizeof(text));
	text[0] = '{';
	text[sizeof(text) - 1] = '}';
	kt_write(dir, "signing/s-1.jwk", text, sizeof(text), 0600);
}
static void mac_oversized(const char *dir)
{
	char text[OC_KEYRING_MAC_FILE_MAX + 1];

	memset(text, 'A', sizeof(text));
	kt_write(dir, "challenge/c-1.key", text, sizeof(text), 0600);
}
static void mac_short(const char *dir)
{
	/* 16 bytes. */
	write_text(dir, "challenge/c-1.key", "AAECAwQFBgcICQoLDA0ODw\n");
}
static void mac_long(const char *dir)
{
	/* 66 bytes: 88 characters. */
	write_text(dir, "challenge/c-1.key",
		   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		   "AAAAAAAAAAAA");
}
static void mac_padded(const char *dir)
{
	write_text(dir, "challenge/c-1.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
}
static void mac_standard_base64(const char *dir)
{
	write_text(dir, "challenge/c-1.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+h/\n");
}
static void mac_crlf(const char *dir)
{
	write_text(dir, "challenge/c-1.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\r\n");
}
static void mac_missing(const char *dir)
{
	unlink_rel(dir, "challenge/c-2.key");
}

static const struct refusal refusals[] = {
	{"no manifest", no_manifest, ONECARD_ERR_NOT_FOUND, "/manifest: missing"},
	{"bad header", bad_header, ONECARD_ERR_POLICY, "/manifest: line 1: the first line"},
	{"no current signing", no_current_signing, ONECARD_ERR_POLICY, "no current signing key"},
	{"no current challenge", no_current_challenge, ONECARD_ERR_POLICY,
	 "no current challenge key"},
	{"unknown current", unknown_current, ONECARD_ERR_NOT_FOUND, "/signing/s-9.jwk: missing"},
	{"unknown current challenge", unknown_current_challenge, ONECARD_ERR_NOT_FOUND,
	 "/challenge/c-9.key: missing"},
	{"two current", two_current, ONECARD_ERR_POLICY, "line 3: a second current key"},
	{"unknown state", unknown_state, ONECARD_ERR_POLICY, "line 3: unknown key state"},
	{"kid with a path", kid_path, ONECARD_ERR_POLICY, "line 2: bad kid"},
	{"bad time", bad_time, ONECARD_ERR_POLICY, "line 2: bad time"},
	{"no final newline", no_final_newline, ONECARD_ERR_POLICY,
	 "line 3: the last line does not end in a newline"},
	{"manifest group-writable", manifest_group_writable, ONECARD_ERR_POLICY,
	 "/manifest: writable by group or others"},
	{"manifest symlink", manifest_symlink, ONECARD_ERR_POLICY, "/manifest: is a symbolic link"},
	{"manifest oversized", manifest_oversized, ONECARD_ERR_TOO_LARGE,
	 "/manifest: larger than 8192 bytes"},
	{"too many signing keys", too_many_signing, ONECARD_ERR_TOO_LARGE,
	 "line 19: more than 16 signing keys"},
	{"too many challenge keys", too_many_challenge, ONECARD_ERR_TOO_LARGE,
	 "line 11: more than 8 challenge keys"},
	{"folder group-writable", folder_group_writable, ONECARD_ERR_POLICY,
	 ": writable by group or others (want mode 0700)"},
	{"signing/ other-writable", signing_other_writable, ONECARD_ERR_POLICY,
	 "/signing: writable by group or others"},
	{"challenge/ a symlink", challenge_dir_symlink, ONECARD_ERR_POLICY,
	 "/challenge: is a symbolic link"},
	{"no signing/", no_signing_dir, ONECARD_ERR_NOT_FOUND, "/signing: missing"},
	{"current key missing", current_key_missing, ONECARD_ERR_NOT_FOUND,
	 "/signing/s-1.jwk: missing"},
	{"next key missing", next_key_missing, ONECARD_ERR_NOT_FOUND, "/signing/s-2.jwk: missing"},
	{"key group-readable", key_group_readable, ONECARD_ERR_POLICY,
	 "/signing/s-1.jwk: group or others have access"},
	{"key other-readable", key_other_readable, ONECARD_ERR_POLICY,
	 "/signing/s-2.jwk: group or others have access"},
	{"MAC key group-readable", mac_group_readable, ONECARD_ERR_POLICY,
	 "/challenge/c-2.key: group or others have access"},
	{"key a symlink", key_symlink, ONECARD_ERR_POLICY, "/signing/s-1.jwk: is a symbolic link"},
	{"key a folder", key_is_folder, ONECARD_ERR_POLICY, "/signing/s-1.jwk: not a regular file"},
	{"key a FIFO", key_is_fifo, ONECARD_ERR_POLICY, "/challenge/c-1.key: not a regular file"},
	{"public JWK", key_public, ONECARD_ERR_BAD_KEY, "/signing/s-1.jwk: not a private key"},
	{"RSA JWK", key_rsa, ONECARD_ERR_ALG_NOT_ALLOWED,
	 "/signing/s-1.jwk: not an EdDSA (OKP Ed25519) or ES256 (EC P-256) key"},
	{"P-384 JWK", key_p384, ONECARD_ERR_ALG_NOT_ALLOWED, "/signing/s-1.jwk: not an EdDSA"},
	{"oct JWK", key_hmac, ONECARD_ERR_ALG_NOT_ALLOWED, "/signing/s-1.jwk: not an EdDSA"},
	{"alg not the key's", key_alg_mismatch, ONECARD_ERR_ALG_NOT_ALLOWED,
	 "/signing/s-2.jwk: its \"alg\" does not fit its key type"},
	{"kid not the file's", key_kid_mismatch, ONECARD_ERR_BAD_KEY,
	 "/signing/s-1.jwk: its \"kid\" is not its file's name"},
	{"d not the key's", key_wrong_d, ONECARD_ERR_BAD_KEY,
	 "/signing/s-1.jwk: not a valid private key"},
	{"not JSON", key_not_json, ONECARD_ERR_BAD_KEY, "/signing/s-1.jwk: not a JSON object"},
	{"NUL in a JWK", key_nul, ONECARD_ERR_BAD_KEY, "/signing/s-1.jwk: holds a NUL byte"},
	{"JWK oversized", key_oversized, ONECARD_ERR_TOO_LARGE,
	 "/signing/s-1.jwk: larger than 4096 bytes"},
	{"MAC file oversized", mac_oversized, ONECARD_ERR_TOO_LARGE,
	 "/challenge/c-1.key: larger than 128 bytes"},
	{"MAC key short", mac_short, ONECARD_ERR_BAD_KEY,
	 "/challenge/c-1.key: a MAC key shorter than 32 bytes"},
	{"MAC key long", mac_long, ONECARD_ERR_BAD_KEY,
	 "/challenge/c-1.key: a MAC key longer than 64 bytes"},
	{"MAC key padded", mac_padded, ONECARD_ERR_BAD_KEY,
	 "/challenge/c-1.key: not strict base64url"},
	{"MAC key standard base64", mac_standard_base64, ONECARD_ERR_BAD_KEY,
	 "/challenge/c-1.key: not strict base64url"},
	{"MAC key CRLF", mac_crlf, ONECARD_ERR_BAD_KEY, "/challenge/c-1.key: not strict base64url"},
	{"next MAC key missing", mac_missing, ONECARD_ERR_NOT_FOUND, "/challenge/c-2.key: missing"},
};

static void test_refusals(void **state)
{
	char dir[KT_DIR_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		print_message("refusal: %s\n", refusals[i].name);
		kt_folder_new(dir);
		kt_standard(dir);
		refusals[i].breaker(dir);
		expect_refusal(dir, KT_NOW, refusals[i].code, refusals[i].want);
		kt_folder_remove(dir);
	}
}

/* No error line ever carries key material. */
static void test_errors_hold_no_secret(void **state)
{
	static const char mac[] = "AAECAwQFBgcICQoLDA0ODw";
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring *kr = NULL;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	write_text(dir, "challenge/c-1.key", mac);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_ERR_BAD_KEY);
	assert_null(strstr(err, mac));
	key_wrong_d(dir);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_ERR_BAD_KEY);
	assert_null(strstr(err, "AAAAAAAAAAAA"));
	kt_folder_remove(dir);
}

static void test_bad_arguments(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE], small[8];
	char long_dir[OC_KEYRING_DIR_MAX + 2];
	oc_keyring *kr = NULL;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(oc_keyring_load(dir, 0, KT_NOW, &kr, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(err, "max token lifetime"));
	assert_int_equal(
		oc_keyring_load(dir, OC_KEYRING_LIFETIME_MAX + 1, KT_NOW, &kr, err, sizeof(err)),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_keyring_load(dir, KT_LIFETIME, -1, &kr, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(
		oc_keyring_load(dir, KT_LIFETIME, ONECARD_TIME_MAX + 1, &kr, err, sizeof(err)),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_keyring_load(NULL, KT_LIFETIME, KT_NOW, &kr, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_keyring_load("", KT_LIFETIME, KT_NOW, &kr, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	memset(long_dir, 'a', sizeof(long_dir) - 1);
	long_dir[sizeof(long_dir) - 1] = '\0';
	assert_int_equal(oc_keyring_load(long_dir, KT_LIFETIME, KT_NOW, &kr, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(kr);
	assert_int_equal(oc_keyring_load(dir, KT_LIFETIME, KT_NOW, NULL, err, sizeof(err)),
			 ONECARD_ERR_INVALID_ARG);
	/* No error buffer, or a small one: still the code, never an overflow. */
	unlink_rel(dir, "manifest");
	assert_int_equal(oc_keyring_load(dir, KT_LIFETIME, KT_NOW, &kr, NULL, 0),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_keyring_load(dir, KT_LIFETIME, KT_NOW, &kr, small, sizeof(small)),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* A folder that is not there. */
	kt_folder_remove(dir);
	expect_refusal(dir, KT_NOW, ONECARD_ERR_NOT_FOUND, ": missing");
	/* Accessors take NULL. */
	assert_null(oc_keyring_signer(NULL));
	assert_null(oc_keyring_jwks(NULL, NULL));
	assert_null(oc_keyring_challenge_keys(NULL));
	assert_null(oc_keyring_current_kid(NULL));
	assert_int_equal(oc_keyring_refresh_at(NULL), OC_KEYRING_NEVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_folder),
		cmocka_unit_test(test_clock_and_strays),
		cmocka_unit_test(test_jwks_across_rotation),
		cmocka_unit_test(test_jwks_follows_max_lifetime),
		cmocka_unit_test(test_challenge_across_rotation),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_errors_hold_no_secret),
		cmocka_unit_test(test_bad_arguments),
	};

	/* As authd does: jansson's copies of private keys are wiped too. */
	onecard_json_wipe_on_free();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
