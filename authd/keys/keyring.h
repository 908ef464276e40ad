/*
 * The key folder every authd instance shares (docs/keys.md): the token
 * signing keys (private JWKs) and the challenge MAC keys, named by one
 * manifest that scripts/rotate-keys replaces atomically.
 *
 * oc_keyring_load() reads the folder into an immutable, reference-counted
 * keyring: the current signer, the JWKS authd serves, and the challenge
 * MAC keys with the current one set. authd keeps the keyring in an
 * oc_keyring_holder, polls oc_keyring_changed() every few seconds and
 * swaps in a fresh keyring when it says so; requests that took a
 * reference to the old one finish with it.
 *
 * Library code: nothing here logs or exits. Every function returns 0
 * (ONECARD_OK) or a negative code from <onecard/error.h>; the loader also
 * writes one line naming the file at fault into the caller's buffer.
 * Secrets (private JWKs, MAC keys) are wiped when freed and never appear
 * in an error line. Programs call onecard_json_wipe_on_free() once,
 * before the first load, so that jansson's copies of private JWKs are
 * wiped too.
 */
#ifndef ONECARD_AUTHD_KEYRING_H
#define ONECARD_AUTHD_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/token.h>
#include <onecard/visibility.h>

#include "challenge.h"

/* Named maxima. */
#define OC_KEYRING_DIR_MAX	 512u  /* bytes of the folder's path */
#define OC_KEYRING_ERR_SIZE	 768u  /* room for any error line, NUL included */
#define OC_KEYRING_MANIFEST_MAX	 8192u /* bytes of KEYS/manifest */
#define OC_KEYRING_JWK_FILE_MAX	 4096u /* bytes of a signing/<kid>.jwk */
#define OC_KEYRING_MAC_FILE_MAX	 128u  /* bytes of a challenge/<kid>.key (86 characters + LF) */
#define OC_KEYRING_KID_MAX	 64u   /* bytes of a kid, either kind */
#define OC_KEYRING_SIGNING_MAX	 16u   /* signing keys in the manifest */
#define OC_KEYRING_CHALLENGE_MAX OC_CHALLENGE_KEYS_MAX /* MAC keys in the manifest */
#define OC_KEYRING_LIFETIME_MAX	 86400 /* seconds: onecard_signer_issue's longest token */

/* How long a retired key is kept after it stopped being current, beyond
 * the lifetime of what it made. Signing: a verifier may accept a token up
 * to ONECARD_LEEWAY_MAX (300 s) after its exp, plus 60 s of difference
 * between the hosts' clocks. Challenge: OC_CHALLENGE_SKEW_MAX plus the
 * same clock difference, rounded up. scripts/rotate-keys uses the same
 * values (tests/authd_keys checks that they agree). */
#define OC_KEYRING_SIGNING_MARGIN   360
#define OC_KEYRING_CHALLENGE_MARGIN 60
/* Seconds a "next" key is published before rotate-keys makes it current
 * without --force: longer than the JWKS cache (max-age 60) plus authd's
 * reload poll, so every verifier knows a key before a token uses it. */
#define OC_KEYRING_PUBLISH_MIN 300

/* oc_keyring_refresh_at() when no key will drop out by itself. */
#define OC_KEYRING_NEVER INT64_MAX

typedef struct oc_keyring oc_keyring;

/* Loads the key folder dir (1..OC_KEYRING_DIR_MAX bytes) as it is at now
 * (Unix seconds up to ONECARD_TIME_MAX; 0 = the clock).
 *
 * Signing keys: the current key becomes the signer; the JWKS holds the
 * public halves of the current key, the next key and each retired key
 * whose retirement is younger than max_token_lifetime (1..
 * OC_KEYRING_LIFETIME_MAX: the longest token authd issues) +
 * OC_KEYRING_SIGNING_MARGIN. Older retired keys are not read at all.
 * Challenge keys: the current, the next and each retired key younger than
 * OC_CHALLENGE_LIFETIME_MAX + OC_KEYRING_CHALLENGE_MARGIN are accepted;
 * new challenges are issued under the current one.
 *
 * Refuses: the folder, signing/ or challenge/ writable by group or
 * others; the manifest missing, malformed, writable by group or others,
 * over OC_KEYRING_MANIFEST_MAX, with no current key of a kind, or with
 * more than OC_KEYRING_SIGNING_MAX / OC_KEYRING_CHALLENGE_MAX entries; a
 * key file missing, a symbolic link or not a regular file, with any
 * permission for group or others, or over its maximum; a JWK that is not
 * private, not EdDSA/Ed25519 or ES256/P-256, invalid, or whose kid is not
 * its file's name; a MAC key not strict base64url of 32..64 bytes.
 * A manifest replaced while loading is read again (a few times).
 *
 * Returns 0 and *out (one reference, the caller's: oc_keyring_unref), or
 * ONECARD_ERR_INVALID_ARG, _NOT_FOUND (a file missing), _IO, _POLICY
 * (manifest, folder or file mode), _TOO_LARGE, _BAD_KEY,
 * _ALG_NOT_ALLOWED, _NOMEM or _CRYPTO; then, when err is not NULL, err
 * (err_size bytes, OC_KEYRING_ERR_SIZE suffice) holds one line
 * "PATH: reason" without a newline. */
ONECARD_WARN_UNUSED int oc_keyring_load(const char *dir, int64_t max_token_lifetime, int64_t now,
					oc_keyring **out, char *err, size_t err_size);

/* Takes one more reference (atomic, any thread). Returns kr; NULL gives NULL. */
oc_keyring *oc_keyring_ref(oc_keyring *kr);

/* Drops one reference (atomic, any thread); the last one frees the
 * keyring and wipes its secrets. NULL does nothing. */
void oc_keyring_unref(oc_keyring *kr);

/* The current signing key (borrowed; lives as long as the reference).
 * A signer may be used from many threads at once. */
const onecard_signer *oc_keyring_signer(const oc_keyring *kr);

/* The JWKS to serve at /.well-known/jwks.json (borrowed, NUL-terminated;
 * *len, when len is not NULL, gets its length). */
const char *oc_keyring_jwks(const oc_keyring *kr, size_t *len);

/* A verifier holding exactly the keys of oc_keyring_jwks() (borrowed),
 * with the library's defaults (leeway, typ at+jwt): how authd checks
 * tokens it issued itself (token exchange, introspection, /v1/authz).
 * onecard_verify only reads it, so many threads may use it at once. */
const onecard_verifier *oc_keyring_verifier(const oc_keyring *kr);

/* The challenge MAC keys (borrowed): for oc_challenge_issue and
 * oc_challenge_check, which only read them and may run on many threads. */
const struct oc_challenge_keys *oc_keyring_challenge_keys(const oc_keyring *kr);

/* The kid of the current signing key / the current MAC key (borrowed). */
const char *oc_keyring_current_kid(const oc_keyring *kr);
const char *oc_keyring_challenge_kid(const oc_keyring *kr);

/* The earliest time (Unix seconds) at which a retired key drops out of
 * this keyring's content by itself, or OC_KEYRING_NEVER. */
int64_t oc_keyring_refresh_at(const oc_keyring *kr);

/* Tells whether loading dir now would give another keyring than kr: the
 * manifest's bytes differ from those kr was loaded from, or now (0 = the
 * clock) reached oc_keyring_refresh_at(kr). Reads only the manifest (a
 * few hundred bytes), so authd can call it every few seconds. Key files
 * are never changed once the manifest names them, so the manifest is all
 * there is to compare. Returns 0 and *changed (0 or 1), or the manifest
 * errors of oc_keyring_load (*changed 0). */
ONECARD_WARN_UNUSED int oc_keyring_changed(const char *dir, const oc_keyring *kr, int64_t now,
					   int *changed);

/* ---- the holder: one current keyring shared by the request threads ---- */

typedef struct oc_keyring_holder oc_keyring_holder;

/* Creates an empty holder. Returns 0 and *out (oc_keyring_holder_free),
 * ONECARD_ERR_NOMEM or ONECARD_ERR_INTERNAL. */
ONECARD_WARN_UNUSED int oc_keyring_holder_new(oc_keyring_holder **out);

/* Drops the held reference and frees the holder; NULL does nothing. No
 * other thread may use the holder any more. */
void oc_keyring_holder_free(oc_keyring_holder *holder);

/* Returns a new reference to the held keyring (the caller unrefs it), or
 * NULL when the holder is empty. Thread-safe. */
ONECARD_WARN_UNUSED oc_keyring *oc_keyring_holder_get(oc_keyring_holder *holder);

/* Makes kr the held keyring: the holder takes its own reference (the
 * caller keeps its own) and drops its reference to the previous one,
 * which lives on until its last user unrefs it. kr NULL empties the
 * holder. Thread-safe. Returns 0, ONECARD_ERR_INVALID_ARG or
 * ONECARD_ERR_INTERNAL. */
ONECARD_WARN_UNUSED int oc_keyring_holder_replace(oc_keyring_holder *holder, oc_keyring *kr);

#endif /* ONECARD_AUTHD_KEYRING_H */
