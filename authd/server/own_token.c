/* Session credentials and authd's own access tokens (own_token.h). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "b64url.h"
#include "json_strict.h"
#include "own_token.h"

#define PREFIX_LEN (sizeof(AUTHD_SESSION_PREFIX) - 1u)
#define SECRET_B64 43u

static int is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int authd_is_session_credential(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len != PREFIX_LEN + SECRET_B64 ||
	    memcmp(s, AUTHD_SESSION_PREFIX, PREFIX_LEN) != 0) {
		return 0;
	}
	for (i = PREFIX_LEN; i < len; i++) {
		if (!is_b64url(s[i])) {
			return 0;
		}
	}
	return 1;
}

int authd_session_credential_hash(const char *cred, size_t len, uint8_t hash[32])
{
	memset(hash, 0, 32);
	if (!authd_is_session_credential(cred, len)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (EVP_Digest(cred, len, hash, NULL, EVP_sha256(), NULL) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	return ONECARD_OK;
}

int authd_session_credential_new(char cred[AUTHD_SESSION_CRED_SIZE], uint8_t hash[32])
{
	uint8_t secret[AUTHD_SESSION_SECRET_LEN];
	int r = ONECARD_ERR_CRYPTO;

	memset(cred, 0, AUTHD_SESSION_CRED_SIZE);
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		goto out;
	}
	memcpy(cred, AUTHD_SESSION_PREFIX, PREFIX_LEN);
	r = oc_b64url_encode(secret, sizeof(secret), cred + PREFIX_LEN,
			     AUTHD_SESSION_CRED_SIZE - PREFIX_LEN);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = authd_session_credential_hash(cred, strlen(cred), hash);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(cred, AUTHD_SESSION_CRED_SIZE);
	}
	return r;
}

int authd_sid_new(char sid[AUTHD_SID_SIZE])
{
	uint8_t raw[AUTHD_SID_BYTES];

	memset(sid, 0, AUTHD_SID_SIZE);
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	return oc_b64url_encode(raw, sizeof(raw), sid, AUTHD_SID_SIZE);
}

/* The token's "aud" when it is one string, read before the signature is
 * checked only to choose the audience to check it against. */
static int unverified_audience(const char *token, size_t len, char *aud, size_t aud_size)
{
	uint8_t payload[AUTHD_ACCESS_TOKEN_MAX];
	const char *dot1, *dot2;
	json_t *claims = NULL;
	const char *v;
	size_t plen = 0;
	int r = ONECARD_ERR_BAD_FORMAT;

	aud[0] = '\0';
	dot1 = memchr(token, '.', len);
	dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (dot2 == NULL ||
	    oc_b64url_decode_public(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, sizeof(payload),
				    &plen) != ONECARD_OK ||
	    oc_json_parse_object((const char *)payload, plen, &claims) != ONECARD_OK) {
		goto out;
	}
	v = oc_json_get_string(claims, "aud", NULL);
	if (v == NULL || strlen(v) == 0 || strlen(v) >= aud_size) {
		goto out;
	}
	memcpy(aud, v, strlen(v) + 1);
	r = ONECARD_OK;
out:
	json_decref(claims);
	OPENSSL_cleanse(payload, sizeof(payload));
	return r;
}

enum authd_reason authd_own_token_verify(struct authd *a, const char *token, size_t len,
					 const char *audience, onecard_claims **out,
					 char detail[AUTHD_DETAIL_MAX])
{
	char aud[OC_POLICY_ID_MAX + 1];
	struct oc_keyring *keys = NULL;
	const char *why = NULL;
	enum authd_reason reason = AR_INVALID_TOKEN;
	int r;

	*out = NULL;
	detail[0] = '\0';
	if (token == NULL || len == 0 || len > AUTHD_ACCESS_TOKEN_MAX) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "no access token of a possible size");
		goto out;
	}
	if (authd_is_session_credential(token, len)) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "a session credential is not an access token");
		goto out;
	}
	if (audience == NULL) {
		if (unverified_audience(token, len, aud, sizeof(aud)) != ONECARD_OK ||
		    oc_policy_module(a->policy, aud) == NULL) {
			(void)snprintf(detail, AUTHD_DETAIL_MAX,
				       "the token names no module of this authd as its audience");
			goto out;
		}
		audience = aud;
	}
	keys = authd_get_keys(a);
	r = onecard_verify(oc_keyring_verifier(keys), token, len, a->cfg.issuer, audience, out,
			   &why);
	if (r != ONECARD_OK) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "the access token is not valid: %s",
			       why != NULL ? why : onecard_err_code(r));
		goto out;
	}
	reason = AR_OK;
out:
	oc_keyring_unref(keys);
	return reason;
}
