/*
 * onecard — tokens: JWTs in JWS compact serialization (RFC 7515, 7519),
 * signed with EdDSA/Ed25519 (RFC 8037) or ES256 (RFC 7518).
 *
 * A module that accepts onecard tokens builds one onecard_verifier from
 * authd's JWKS and calls onecard_verify() for every token, naming the
 * issuer and its own audience. Keys are parsed once, when the verifier
 * is built; verifying is then one signature check plus the JSON work.
 *
 * Ownership: _new hands over an object that the caller frees with the
 * matching _free; _free(NULL) does nothing. Strings returned through a
 * "char **" are the caller's, freed with onecard_string_free(). get0
 * results are borrowed and live as long as the object they came from.
 *
 * Thread safety: a verifier or signer, once configured, may be used
 * from many threads at once. Configuration calls are not thread-safe.
 */
#ifndef ONECARD_TOKEN_H
#define ONECARD_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/error.h>
#include <onecard/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Named maximums. */
#define ONECARD_TOKEN_MAX_LEN_DEFAULT 8192u   /* bytes of a compact token */
#define ONECARD_TOKEN_MAX_LEN_LIMIT   65536u  /* the most set_max_len accepts */
#define ONECARD_JWKS_MAX_LEN	      262144u /* bytes of a JWKS document */
#define ONECARD_JWKS_MAX_KEYS	      64u     /* keys in one JWKS */
#define ONECARD_KID_MAX_LEN	      128u    /* bytes of a kid */
#define ONECARD_LEEWAY_DEFAULT	      60u     /* seconds of clock skew allowed */
#define ONECARD_LEEWAY_MAX	      300u
#define ONECARD_TYP_ACCESS	      "at+jwt"		    /* RFC 9068 access token type */
#define ONECARD_TIME_MAX	      INT64_C(253402300799) /* 9999-12-31T23:59:59Z: the latest "now" */

/* Signature algorithms onecard signs and accepts. One key, one algorithm. */
enum onecard_alg {
	ONECARD_ALG_EDDSA = 1, /* "EdDSA" with an OKP Ed25519 key */
	ONECARD_ALG_ES256 = 2, /* "ES256" with an EC P-256 key, raw r||s signature */
};

/* Returns "EdDSA" or "ES256", or NULL for an unknown value. */
ONECARD_API const char *onecard_alg_name(int alg);

/* Parses an algorithm name exactly (case-sensitive, as JOSE requires).
 * Returns ONECARD_ALG_* or ONECARD_ERR_ALG_NOT_ALLOWED. */
ONECARD_API int onecard_alg_from_name(const char *name);

/* ---- keys ------------------------------------------------------------ */

/* Generates a new key pair for alg and returns it as a private JWK
 * (JSON text with kty, crv, x[, y], d, kid, alg, use "sig").
 * kid: 1..ONECARD_KID_MAX_LEN printable ASCII characters.
 * On success *jwk_out is set and the caller frees it with
 * onecard_secret_string_free(), which wipes it. */
ONECARD_API ONECARD_WARN_UNUSED int onecard_key_generate(int alg, const char *kid, char **jwk_out);

/* Builds a public JWKS ({"keys":[...]}) from private or public JWKs given
 * as JSON texts; private members are dropped. Fails on a duplicate kid
 * or an invalid key. On success *jwks_out is the caller's. */
ONECARD_API ONECARD_WARN_UNUSED int onecard_jwks_from_jwks_texts(const char *const *jwk_texts,
								 size_t count, char **jwks_out);

/* ---- signing --------------------------------------------------------- */

typedef struct onecard_signer onecard_signer;

/* Builds a signer from a private JWK (JSON text). The JWK must carry a
 * kid; its algorithm is fixed by its key type and curve. */
ONECARD_API ONECARD_WARN_UNUSED int onecard_signer_new(const char *jwk_text, size_t len,
						       onecard_signer **out);
ONECARD_API void onecard_signer_free(onecard_signer *signer);

/* Returns the signer's kid (borrowed). */
ONECARD_API const char *onecard_signer_get0_kid(const onecard_signer *signer);

/* Returns the signer's algorithm (ONECARD_ALG_*). */
ONECARD_API int onecard_signer_alg(const onecard_signer *signer);

/* Issues a token: takes a JSON object of claims, sets iat and nbf to now,
 * exp to now + lifetime_s and a fresh random jti (overriding any the
 * caller gave), and signs it with header {alg, kid, typ}.
 * typ: NULL means ONECARD_TYP_ACCESS. now: Unix seconds up to
 * ONECARD_TIME_MAX, 0 = the clock.
 * lifetime_s: 1 .. 86400. On success *token_out is the caller's. */
ONECARD_API ONECARD_WARN_UNUSED int onecard_signer_issue(const onecard_signer *signer,
							 const char *claims_json, size_t len,
							 const char *typ, int64_t now,
							 int64_t lifetime_s, char **token_out);

/* ---- verifying ------------------------------------------------------- */

typedef struct onecard_verifier onecard_verifier;
typedef struct onecard_claims onecard_claims;

/* Builds a verifier from a public JWKS (JSON text). Every key must be a
 * valid public OKP Ed25519 or EC P-256 key with a unique kid; a private
 * member, an unsupported key type (RSA, oct...) or a duplicate kid
 * rejects the whole set with ONECARD_ERR_BAD_KEYSET or _BAD_KEY. */
ONECARD_API ONECARD_WARN_UNUSED int onecard_verifier_new(const char *jwks_text, size_t len,
							 onecard_verifier **out);
ONECARD_API void onecard_verifier_free(onecard_verifier *verifier);

/* Seconds of clock skew tolerated on exp, nbf and iat (default 60,
 * at most ONECARD_LEEWAY_MAX). */
ONECARD_API int onecard_verifier_set_leeway(onecard_verifier *verifier, unsigned seconds);

/* The token type the header's typ must name (default "at+jwt"; the
 * "application/" prefix and letter case are ignored, RFC 7515 §4.1.9). */
ONECARD_API int onecard_verifier_set_typ(onecard_verifier *verifier, const char *typ);

/* Largest token accepted, in bytes (default 8192, at most 65536). */
ONECARD_API int onecard_verifier_set_max_len(onecard_verifier *verifier, size_t max_len);

/* Pins the verification time (Unix seconds, at most ONECARD_TIME_MAX)
 * for tests and audits; 0 returns to the system clock. */
ONECARD_API int onecard_verifier_set_time(onecard_verifier *verifier, int64_t now);

/* Returns how many keys the verifier holds. */
ONECARD_API size_t onecard_verifier_key_count(const onecard_verifier *verifier);

/* Verifies a compact token for an issuer and an audience, both required
 * and compared as exact strings. Checks, in this order: size and form,
 * header (alg allowlist, alg fits the key, kid, typ, no crit, no key-
 * carrying headers), signature, then claims (iss, aud as a string or an
 * array of strings, exp and iat required, nbf and iat not in the future).
 * Returns ONECARD_OK and sets *claims_out (caller frees with
 * onecard_claims_free), or a negative code with *claims_out NULL.
 * reason_out, if not NULL, receives a fixed human sentence naming the
 * rule that failed (never the token's own bytes); it is static. */
ONECARD_API ONECARD_WARN_UNUSED int
onecard_verify(const onecard_verifier *verifier, const char *token, size_t len, const char *issuer,
	       const char *audience, onecard_claims **claims_out, const char **reason_out);

ONECARD_API void onecard_claims_free(onecard_claims *claims);

/* Returns a string claim (borrowed), or NULL if absent or not a string. */
ONECARD_API const char *onecard_claims_get0_string(const onecard_claims *claims, const char *name);

/* Reads an integer claim. Returns ONECARD_OK, or ONECARD_ERR_BAD_CLAIM if
 * absent or not an integer (*value is then 0). */
ONECARD_API int onecard_claims_get_int(const onecard_claims *claims, const char *name,
				       int64_t *value);

/* Returns the key id that verified the token (borrowed). */
ONECARD_API const char *onecard_claims_get0_kid(const onecard_claims *claims);

/* Serializes all claims as compact JSON with sorted keys. The caller
 * frees *json_out with onecard_string_free(). */
ONECARD_API ONECARD_WARN_UNUSED int onecard_claims_to_json(const onecard_claims *claims,
							   char **json_out);

/* ---- memory ---------------------------------------------------------- */

/* Makes jansson (process-wide) wipe every block it frees, so the text of
 * a private JWK does not linger in freed heap memory. Programs that load
 * private keys call this once, before any other jansson use; libraries
 * linking onecard only to verify need not. Not thread-safe. */
ONECARD_API void onecard_json_wipe_on_free(void);

/* Frees a string returned by the library; NULL does nothing. */
ONECARD_API void onecard_string_free(char *s);

/* Wipes then frees a string holding secret material; NULL does nothing. */
ONECARD_API void onecard_secret_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif /* ONECARD_TOKEN_H */
