/*
 * The two credentials authd hands out, told apart and checked
 * (docs/sso.md): access tokens (JWS compact, typ at+jwt, signed with the
 * keyring's current key) and session credentials ("ocs1_" and 43
 * base64url characters, opaque, stored hashed). Neither can pass for the
 * other: a session credential has no '.', an access token never starts
 * with the prefix.
 */
#ifndef ONECARD_AUTHD_OWN_TOKEN_H
#define ONECARD_AUTHD_OWN_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/token.h>

#include "authd.h"
#include "reasons.h"

#define AUTHD_SESSION_PREFIX	 "ocs1_"
#define AUTHD_SESSION_SECRET_LEN 32u /* random bytes in a credential */
/* "ocs1_" + 43 base64url characters + NUL */
#define AUTHD_SESSION_CRED_SIZE (sizeof(AUTHD_SESSION_PREFIX) - 1u + 43u + 1u)
#define AUTHD_SID_BYTES		16u /* random bytes of a session id */
#define AUTHD_SID_SIZE		23u /* 22 base64url characters + NUL */
#define AUTHD_ACCESS_TOKEN_MAX	8192u

/* 1 when s (len bytes) has the form of a session credential. */
int authd_is_session_credential(const char *s, size_t len);

/* A new session credential and the SHA-256 to store of it. */
int authd_session_credential_new(char cred[AUTHD_SESSION_CRED_SIZE], uint8_t hash[32])
	__attribute__((warn_unused_result));

/* The SHA-256 of a credential of the right form (checked first):
 * ONECARD_OK or ONECARD_ERR_BAD_FORMAT. */
int authd_session_credential_hash(const char *cred, size_t len, uint8_t hash[32])
	__attribute__((warn_unused_result));

/* A new session id: 16 random bytes, base64url. */
int authd_sid_new(char sid[AUTHD_SID_SIZE]) __attribute__((warn_unused_result));

/*
 * Verifies an access token authd issued (len bytes, at most
 * AUTHD_ACCESS_TOKEN_MAX): form, header (typ at+jwt, alg, kid of the
 * keyring's JWKS), signature, iss = authd's issuer, exp/nbf/iat with the
 * library's leeway, and aud: audience when it is not NULL, else the one
 * module id the token names, which must be a module of the policy.
 * AR_OK and *out (onecard_claims_free), or AR_INVALID_TOKEN with a
 * sentence in detail that never quotes the token.
 */
enum authd_reason authd_own_token_verify(struct authd *a, const char *token, size_t len,
					 const char *audience, onecard_claims **out,
					 char detail[AUTHD_DETAIL_MAX]);

#endif
