/*
 * The keyring: the key folder loaded as one immutable, reference-counted
 * object (keyring.h, docs/keys.md). The manifest says which key files to
 * read; each is checked for what it must be before anything is built
 * from it, and the loader names the file at fault in one line.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <openssl/crypto.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "b64url.h"
#include "json_strict.h"
#include "keys_int.h"

/* Loads tried when a rotation replaces the manifest while we read. */
#define LOAD_TRIES 3
/* "signing/" or "challenge/", a kid, ".jwk" or ".key", NUL. */
#define FILE_NAME_SIZE (16u + OC_KEYRING_KID_MAX)

struct oc_keyring {
	atomic_size_t refs;
	onecard_signer *signer;
	char *jwks;
	size_t jwks_len;
	onecard_verifier *verifier; /* the JWKS, for authd's own tokens */
	struct oc_challenge_keys *challenge;
	char signing_kid[OC_KEYRING_KID_MAX + 1];
	char challenge_kid[OC_KEYRING_KID_MAX + 1];
	char *manifest; /* the bytes it was loaded from: change detection */
	size_t manifest_len;
	int64_t refresh_at;
};

/* One load: its parameters and where its error line goes. */
struct load {
	const char *dir;
	int64_t max_token_lifetime;
	int64_t now;
	char *err;
	size_t err_size;
};

/* ---- error lines --------------------------------------------------- */

/* "DIR/FILE: WHY" (file "" names the folder itself). */
static void say(const struct load *l, const char *file, const char *why)
{
	if (l->err == NULL || l->err_size == 0) {
		return;
	}
	if (file[0] == '\0') {
		(void)snprintf(l->err, l->err_size, "%s: %s", l->dir, why);
	} else {
		(void)snprintf(l->err, l->err_size, "%s/%s: %s", l->dir, file, why);
	}
}

/* The line for a failed oc_keyfile_read: the size limit is spelled out. */
static void say_read(const struct load *l, const char *file, int r, const char *why, size_t max)
{
	if (r == ONECARD_ERR_TOO_LARGE && l->err != NULL && l->err_size > 0) {
		(void)snprintf(l->err, l->err_size, "%s/%s: larger than %zu bytes", l->dir, file,
			       max);
		return;
	}
	say(l, file, why);
}

static void say_manifest(const struct load *l, size_t line, const char *why)
{
	if (l->err == NULL || l->err_size == 0) {
		return;
	}
	if (line == 0) {
		(void)snprintf(l->err, l->err_size, "%s/manifest: %s", l->dir, why);
	} else {
		(void)snprintf(l->err, l->err_size, "%s/manifest: line %zu: %s", l->dir, line, why);
	}
}

/* ---- the keyring object ------------------------------------------- */

static void keyring_free(oc_keyring *kr)
{
	if (kr == NULL) {
		return;
	}
	onecard_signer_free(kr->signer);
	onecard_string_free(kr->jwks);
	onecard_verifier_free(kr->verifier);
	oc_challenge_keys_free(kr->challenge);
	free(kr->manifest);
	free(kr);
}

oc_keyring *oc_keyring_ref(oc_keyring *kr)
{
	if (kr != NULL) {
		/* Taking a reference needs one already held: no ordering. */
		atomic_fetch_add_explicit(&kr->refs, 1, memory_order_relaxed);
	}
	return kr;
}

void oc_keyring_unref(oc_keyring *kr)
{
	if (kr == NULL) {
		return;
	}
	/* acq_rel: every user's reads happen before the last one frees. */
	if (atomic_fetch_sub_explicit(&kr->refs, 1, memory_order_acq_rel) != 1) {
		return;
	}
	keyring_free(kr);
}

const onecard_signer *oc_keyring_signer(const oc_keyring *kr)
{
	return kr != NULL ? kr->signer : NULL;
}

const onecard_verifier *oc_keyring_verifier(const oc_keyring *kr)
{
	return kr != NULL ? kr->verifier : NULL;
}

const char *oc_keyring_jwks(const oc_keyring *kr, size_t *len)
{
	if (len != NULL) {
		*len = kr != NULL ? kr->jwks_len : 0;
	}
	return kr != NULL ? kr->jwks : NULL;
}

const struct oc_challenge_keys *oc_keyring_challenge_keys(const oc_keyring *kr)
{
	return kr != NULL ? kr->challenge : NULL;
}

const char *oc_keyring_current_kid(const oc_keyring *kr)
{
	return kr != NULL ? kr->signing_kid : NULL;
}

const char *oc_keyring_challenge_kid(const oc_keyring *kr)
{
	return kr != NULL ? kr->challenge_kid : NULL;
}

int64_t oc_keyring_refresh_at(const oc_keyring *kr)
{
	return kr != NULL ? kr->refresh_at : OC_KEYRING_NEVER;
}

/* ---- loading ------------------------------------------------------- */

/* The order keys are loaded and published in: the current key first,
 * then the others as the manifest lists them. Returns the count. */
static size_t entry_order(const struct oc_manifest_set *set, size_t order[])
{
	size_t i, n = 0;

	order[n++] = set->current;
	for (i = 0; i < set->count; i++) {
		if (i != set->current) {
			order[n++] = i;
		}
	}
	return n;
}

/* 1 if the entry is to be loaded at now: current and next keys always,
 * a retired key while now < its retirement + keep. The time a loaded
 * retired key drops out lowers *refresh_at. */
static int entry_live(const struct oc_manifest_entry *e, int64_t keep, int64_t now,
		      int64_t *refresh_at)
{
	int64_t until;

	if (e->state != OC_STATE_RETIRED) {
		return 1;
	}
	/* since <= ONECARD_TIME_MAX and keep <= a day: no overflow. */
	until = e->since + keep;
	if (now >= until) {
		return 0;
	}
	if (until < *refresh_at) {
		*refresh_at = until;
	}
	return 1;
}

/* Checks that a signing key file holds what its manifest entry promises
 * (a private EdDSA or ES256 JWK named by its kid) and builds its signer.
 * Each refusal has its own sentence; the key's bytes never appear. */
static int check_jwk(const struct load *l, const char *file, const struct oc_manifest_entry *e,
		     const struct oc_keyfile *f, onecard_signer **out)
{
	json_t *jwk = NULL;
	const char *kty, *crv, *alg, *kid;
	size_t kid_len = 0;
	int expect, r = ONECARD_ERR_BAD_KEY;

	*out = NULL;
	/* The token library takes C strings for the JWKS: a NUL would cut it. */
	if (memchr(f->data, '\0', f->len) != NULL) {
		say(l, file, "holds a NUL byte");
		goto out;
	}
	if (oc_json_parse_object(f->data, f->len, &jwk) != ONECARD_OK) {
		say(l, file, "not a JSON object (a JWK)");
		goto out;
	}
	if (json_object_get(jwk, "d") == NULL) {
		say(l, file, "not a private key (no \"d\")");
		goto out;
	}
	kty = oc_json_get_string(jwk, "kty", NULL);
	crv = oc_json_get_string(jwk, "crv", NULL);
	if (kty != NULL && crv != NULL && strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
		expect = ONECARD_ALG_EDDSA;
	} else if (kty != NULL && crv != NULL && strcmp(kty, "EC") == 0 &&
		   strcmp(crv, "P-256") == 0) {
		expect = ONECARD_ALG_ES256;
	} else {
		say(l, file, "not an EdDSA (OKP Ed25519) or ES256 (EC P-256) key");
		r = ONECARD_ERR_ALG_NOT_ALLOWED;
		goto out;
	}
	if (json_object_get(jwk, "alg") != NULL) {
		alg = oc_json_get_string(jwk, "alg", NULL);
		if (alg == NULL || onecard_alg_from_name(alg) != expect) {
			say(l, file, "its \"alg\" does not fit its key type");
			r = ONECARD_ERR_ALG_NOT_ALLOWED;
			goto out;
		}
	}
	kid = oc_json_get_string(jwk, "kid", &kid_len);
	if (kid == NULL || kid_len != e->kid_len || memcmp(kid, e->kid, kid_len) != 0) {
		say(l, file, "its \"kid\" is not its file's name");
		goto out;
	}
	r = onecard_signer_new(f->data, f->len, out);
	if (r != ONECARD_OK) {
		say(l, file, "not a valid private key");
		goto out;
	}
out:
	json_decref(jwk);
	return r;
}

static int load_signing(const struct load *l, int dfd, const struct oc_manifest_set *set,
			oc_keyring *kr)
{
	struct oc_keyfile files[OC_KEYRING_SIGNING_MAX];
	const char *texts[OC_KEYRING_SIGNING_MAX];
	size_t order[OC_KEYRING_SIGNING_MAX];
	onecard_signer *signer = NULL;
	char file[FILE_NAME_SIZE];
	const char *why = "";
	size_t i, n = 0, count;
	int sfd = -1, r;

	memset(files, 0, sizeof(files));
	sfd = oc_keys_open_dir(dfd, "signing", 0, &why);
	if (sfd < 0) {
		say(l, "signing", why);
		r = sfd;
		goto out;
	}
	count = entry_order(set, order);
	for (i = 0; i < count; i++) {
		const struct oc_manifest_entry *e = &set->entry[order[i]];

		if (!entry_live(e, l->max_token_lifetime + OC_KEYRING_SIGNING_MARGIN, l->now,
				&kr->refresh_at)) {
			continue;
		}
		/* kid is at most OC_KEYRING_KID_MAX bytes: the name fits. */
		(void)snprintf(file, sizeof(file), "signing/%s.jwk", e->kid);
		r = oc_keyfile_read(sfd, file + strlen("signing/"), OC_KEYRING_JWK_FILE_MAX,
				    OC_KEYFILE_SECRET, &files[n], &why);
		if (r != ONECARD_OK) {
			say_read(l, file, r, why, OC_KEYRING_JWK_FILE_MAX);
			goto out;
		}
		r = check_jwk(l, file, e, &files[n], &signer);
		if (r != ONECARD_OK) {
			goto out;
		}
		texts[n] = files[n].data;
		n++;
		if (e->state == OC_STATE_CURRENT) {
			memcpy(kr->signing_kid, e->kid, e->kid_len + 1u);
			kr->signer = signer;
			signer = NULL;
		}
		onecard_signer_free(signer);
		signer = NULL;
	}
	r = onecard_jwks_from_jwks_texts(texts, n, &kr->jwks);
	if (r != ONECARD_OK) {
		say(l, "signing", "cannot build the JWKS from its keys");
		goto out;
	}
	kr->jwks_len = strlen(kr->jwks);
	r = onecard_verifier_new(kr->jwks, kr->jwks_len, &kr->verifier);
	if (r != ONECARD_OK) {
		say(l, "signing", "cannot build a verifier from the JWKS");
		goto out;
	}
out:
	onecard_signer_free(signer);
	for (i = 0; i < OC_KEYRING_SIGNING_MAX; i++) {
		oc_keyfile_free(&files[i]);
	}
	if (sfd >= 0) {
		(void)close(sfd);
	}
	return r;
}

/* Reads one MAC key file (strict base64url of 32..64 bytes, one LF
 * allowed at the end) and adds it to keys. */
static int load_mac_key(const struct load *l, int cfd, const struct oc_manifest_entry *e,
			struct oc_challenge_keys *keys)
{
	struct oc_keyfile f = {NULL, 0, 0};
	uint8_t secret[OC_CHALLENGE_SECRET_MAX];
	char file[FILE_NAME_SIZE];
	const char *why = "";
	size_t len, secret_len = 0;
	int r;

	(void)snprintf(file, sizeof(file), "challenge/%s.key", e->kid);
	r = oc_keyfile_read(cfd, file + strlen("challenge/"), OC_KEYRING_MAC_FILE_MAX,
			    OC_KEYFILE_SECRET, &f, &why);
	if (r != ONECARD_OK) {
		say_read(l, file, r, why, OC_KEYRING_MAC_FILE_MAX);
		goto out;
	}
	len = f.len;
	if (len > 0 && f.data[len - 1] == '\n') {
		len--;
	}
	r = oc_b64url_decode(f.data, len, secret, sizeof(secret), &secret_len);
	if (r == ONECARD_ERR_TOO_LARGE) {
		say(l, file, "a MAC key longer than 64 bytes");
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	if (r != ONECARD_OK) {
		say(l, file, "not strict base64url (no padding, one line)");
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	if (secret_len < OC_CHALLENGE_SECRET_MIN) {
		say(l, file, "a MAC key shorter than 32 bytes");
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	r = oc_challenge_keys_add(keys, e->kid, secret, secret_len);
	if (r != ONECARD_OK) {
		say(l, file, "refused as a MAC key");
		goto out;
	}
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	oc_keyfile_free(&f);
	return r;
}

_Static_assert(OC_CHALLENGE_SECRET_MIN == 32u && OC_CHALLENGE_SECRET_MAX == 64u,
	       "update the sentences that name the MAC key sizes");

static int load_challenge(const struct load *l, int dfd, const struct oc_manifest_set *set,
			  oc_keyring *kr)
{
	struct oc_challenge_keys *keys = NULL;
	size_t order[OC_KEYRING_SIGNING_MAX];
	const struct oc_manifest_entry *current = &set->entry[set->current];
	const char *why = "";
	size_t i, count;
	int cfd = -1, r;

	cfd = oc_keys_open_dir(dfd, "challenge", 0, &why);
	if (cfd < 0) {
		say(l, "challenge", why);
		r = cfd;
		goto out;
	}
	r = oc_challenge_keys_new(&keys);
	if (r != ONECARD_OK) {
		say(l, "challenge", "out of memory");
		goto out;
	}
	count = entry_order(set, order);
	for (i = 0; i < count; i++) {
		const struct oc_manifest_entry *e = &set->entry[order[i]];

		if (!entry_live(e, OC_CHALLENGE_LIFETIME_MAX + OC_KEYRING_CHALLENGE_MARGIN, l->now,
				&kr->refresh_at)) {
			continue;
		}
		r = load_mac_key(l, cfd, e, keys);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	r = oc_challenge_keys_set_current(keys, current->kid);
	if (r != ONECARD_OK) {
		say(l, "challenge", "the current key did not load");
		goto out;
	}
	memcpy(kr->challenge_kid, current->kid, current->kid_len + 1u);
	kr->challenge = keys;
	keys = NULL;
out:
	oc_challenge_keys_free(keys);
	if (cfd >= 0) {
		(void)close(cfd);
	}
	return r;
}

/* Builds a keyring from one manifest text and the folder it names. */
static int build(const struct load *l, int dfd, const struct oc_keyfile *manifest, oc_keyring **out)
{
	struct oc_manifest m;
	oc_keyring *kr = NULL;
	const char *why = "";
	size_t line = 0;
	int r;

	*out = NULL;
	r = oc_manifest_parse(manifest->data, manifest->len, &m, &line, &why);
	if (r != ONECARD_OK) {
		say_manifest(l, line, why);
		goto out;
	}
	kr = calloc(1, sizeof(*kr));
	if (kr == NULL) {
		say(l, "", "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	atomic_init(&kr->refs, 1);
	kr->refresh_at = OC_KEYRING_NEVER;
	r = load_signing(l, dfd, &m.set[OC_KIND_SIGNING], kr);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = load_challenge(l, dfd, &m.set[OC_KIND_CHALLENGE], kr);
	if (r != ONECARD_OK) {
		goto out;
	}
	kr->manifest = malloc(manifest->len + 1u);
	if (kr->manifest == NULL) {
		say(l, "", "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(kr->manifest, manifest->data, manifest->len + 1u);
	kr->manifest_len = manifest->len;
	*out = kr;
	kr = NULL;
out:
	keyring_free(kr);
	return r;
}

static int same_bytes(const struct oc_keyfile *a, const char *b, size_t b_len)
{
	return a->len == b_len && memcmp(a->data, b, b_len) == 0;
}

/* Checks the arguments every entry point shares; sets *now from the clock
 * when it is 0. */
static int check_dir_and_now(const char *dir, int64_t *now)
{
	if (dir == NULL || dir[0] == '\0' ||
	    strnlen(dir, OC_KEYRING_DIR_MAX + 1u) > OC_KEYRING_DIR_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (*now == 0) {
		*now = (int64_t)time(NULL);
	}
	if (*now <= 0 || *now > ONECARD_TIME_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_keyring_load(const char *dir, int64_t max_token_lifetime, int64_t now, oc_keyring **out,
		    char *err, size_t err_size)
{
	struct load l = {dir != NULL ? dir : "(null)", max_token_lifetime, now, err, err_size};
	struct oc_keyfile manifest = {NULL, 0, 0}, again = {NULL, 0, 0};
	const char *file = "", *why = "";
	int dfd = -1, tries, r = ONECARD_ERR_INVALID_ARG;

	if (err != NULL && err_size > 0) {
		err[0] = '\0';
	}
	if (out == NULL) {
		say(&l, "", "no place for the keyring (a bug)");
		goto out;
	}
	*out = NULL;
	if (check_dir_and_now(dir, &l.now) != ONECARD_OK) {
		say(&l, "", "folder path empty or over 512 bytes, or the time out of range");
		goto out;
	}
	if (max_token_lifetime < 1 || max_token_lifetime > OC_KEYRING_LIFETIME_MAX) {
		say(&l, "", "max token lifetime not within 1..86400 seconds");
		goto out;
	}
	r = oc_keys_read_manifest(dir, &dfd, &manifest, &file, &why);
	if (r != ONECARD_OK) {
		say_read(&l, file, r, why, OC_KEYRING_MANIFEST_MAX);
		goto out;
	}
	for (tries = 1;; tries++) {
		r = build(&l, dfd, &manifest, out);
		if (r == ONECARD_OK || tries >= LOAD_TRIES) {
			break;
		}
		/* rotate-keys may have replaced the manifest, and deleted a
		 * file the old one named, while we read: if the manifest has
		 * changed, load again; else the error stands. */
		(void)close(dfd);
		dfd = -1;
		if (oc_keys_read_manifest(dir, &dfd, &again, &file, &why) != ONECARD_OK ||
		    same_bytes(&again, manifest.data, manifest.len)) {
			break;
		}
		oc_keyfile_free(&manifest);
		manifest = again;
		memset(&again, 0, sizeof(again));
	}
	if (r == ONECARD_OK && err != NULL && err_size > 0) {
		err[0] = '\0';
	}
out:
	oc_keyfile_free(&again);
	oc_keyfile_free(&manifest);
	if (dfd >= 0) {
		(void)close(dfd);
	}
	return r;
}

_Static_assert(OC_KEYRING_DIR_MAX == 512u && OC_KEYRING_LIFETIME_MAX == 86400,
	       "update the sentences that name the limits");

int oc_keyring_changed(const char *dir, const oc_keyring *kr, int64_t now, int *changed)
{
	struct oc_keyfile f = {NULL, 0, 0};
	const char *file = "", *why = "";
	int r = ONECARD_ERR_INVALID_ARG;

	if (changed == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*changed = 0;
	if (kr == NULL || check_dir_and_now(dir, &now) != ONECARD_OK) {
		goto out;
	}
	r = oc_keys_read_manifest(dir, NULL, &f, &file, &why);
	if (r != ONECARD_OK) {
		goto out;
	}
	*changed = !same_bytes(&f, kr->manifest, kr->manifest_len) || now >= kr->refresh_at;
out:
	oc_keyfile_free(&f);
	return r;
}
