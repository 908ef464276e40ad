/* Compact JWS splitting and signing (see jws.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "b64url.h"
#include "jose_sig.h"
#include "jws.h"

static int is_b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int oc_jws_split(const char *token, size_t len, oc_jws_parts *parts)
{
	size_t i, dots[2];
	size_t ndots = 0;

	memset(parts, 0, sizeof(*parts));
	for (i = 0; i < len; i++) {
		if (token[i] == '.') {
			if (ndots == 2) {
				return ONECARD_ERR_BAD_FORMAT; /* more than three segments */
			}
			dots[ndots++] = i;
		} else if (!is_b64url_char(token[i])) {
			return ONECARD_ERR_BAD_FORMAT; /* whitespace, '+', '/', '=', NUL... */
		}
	}
	if (ndots != 2 || dots[0] == 0 || dots[1] == dots[0] + 1) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	parts->header = token;
	parts->header_len = dots[0];
	parts->payload = token + dots[0] + 1;
	parts->payload_len = dots[1] - dots[0] - 1;
	parts->signature = token + dots[1] + 1;
	parts->signature_len = len - dots[1] - 1;
	parts->signing_input_len = dots[1];
	return ONECARD_OK;
}

int oc_jws_sign_bytes(const oc_key *key, const char *header, size_t header_len, const char *payload,
		      size_t payload_len, char **token_out)
{
	char *token = NULL;
	uint8_t sig[OC_JOSE_SIG_LEN];
	size_t hlen, plen, slen, total, pos;
	int r;

	*token_out = NULL;
	if (header_len > ONECARD_TOKEN_MAX_LEN_LIMIT || payload_len > ONECARD_TOKEN_MAX_LEN_LIMIT) {
		return ONECARD_ERR_TOO_LARGE;
	}
	hlen = oc_b64url_encoded_len(header_len);
	plen = oc_b64url_encoded_len(payload_len);
	slen = oc_b64url_encoded_len(OC_JOSE_SIG_LEN);
	total = hlen + 1 + plen + 1 + slen + 1;
	token = malloc(total);
	if (token == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	r = oc_b64url_encode((const uint8_t *)header, header_len, token, hlen + 1);
	if (r != ONECARD_OK) {
		goto out;
	}
	pos = hlen;
	token[pos++] = '.';
	r = oc_b64url_encode((const uint8_t *)payload, payload_len, token + pos, plen + 1);
	if (r != ONECARD_OK) {
		goto out;
	}
	pos += plen;
	r = oc_jose_sign(key, (const uint8_t *)token, pos, sig);
	if (r != ONECARD_OK) {
		goto out;
	}
	token[pos++] = '.';
	r = oc_b64url_encode(sig, sizeof(sig), token + pos, slen + 1);
	if (r != ONECARD_OK) {
		goto out;
	}
	*token_out = token;
	token = NULL;
out:
	free(token);
	OPENSSL_cleanse(sig, sizeof(sig));
	return r;
}
