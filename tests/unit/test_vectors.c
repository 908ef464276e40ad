/*
 * Published vectors through our code:
 * - RFC 8037 appendix A.4: Ed25519 JWS (deterministic, so we also
 *   reproduce the signature byte for byte);
 * - RFC 7515 appendix A.3: ES256 JWS (randomized, so we verify theirs
 *   and check that ours verify).
 * Neither payload is a onecard token (A.4 is not JSON; A.3 has no typ),
 * so the signature layer is tested directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/token.h>

#include "b64url.h"
#include "fixtures.h"
#include "jose_sig.h"
#include "jws.h"

static const char rfc8037_jwk[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"rfc8037\","
				  "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
				  "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
static const char rfc8037_token[] =
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

static const char rfc7515_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"rfc7515\","
				  "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
				  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
				  "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}";
static const char rfc7515_token[] =
	"eyJhbGciOiJFUzI1NiJ9."
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cn"
	"VlfQ."
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* Verifies a compact JWS with the signature layer. */
static int verify_compact(const oc_key *key, const char *token)
{
	oc_jws_parts parts;
	uint8_t sig[96];
	size_t sig_len;

	assert_int_equal(oc_jws_split(token, strlen(token), &parts), ONECARD_OK);
	assert_int_equal(
		oc_b64url_decode(parts.signature, parts.signature_len, sig, sizeof(sig), &sig_len),
		ONECARD_OK);
	return oc_jose_verify(key, (const uint8_t *)token, parts.signing_input_len, sig, sig_len);
}

static void rfc8037_ed25519(void **state)
{
	oc_key *key = fx_key_from_jwk(rfc8037_jwk);
	char *ours = NULL;
	char *tampered;

	(void)state;
	assert_int_equal(key->alg, ONECARD_ALG_EDDSA);
	assert_int_equal(verify_compact(key, rfc8037_token), ONECARD_OK);
	/* Ed25519 is deterministic: the same bytes give the same token. */
	assert_int_equal(oc_jws_sign_bytes(key, "{\"alg\":\"EdDSA\"}", 15,
					   "Example of Ed25519 signing", 26, &ours),
			 ONECARD_OK);
	assert_string_equal(ours, rfc8037_token);
	tampered = strdup(rfc8037_token);
	assert_non_null(tampered);
	tampered[strlen(tampered) - 3] ^= 0x01; /* one bit of the signature */
	assert_int_equal(verify_compact(key, tampered), ONECARD_ERR_BAD_SIGNATURE);
	free(tampered);
	free(ours);
	oc_key_free(key);
}

static void rfc7515_es256(void **state)
{
	oc_key *key = fx_key_from_jwk(rfc7515_jwk);
	char *ours = NULL;
	char *tampered;
	const char payload[] = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
			       "\"http://example.com/is_root\":true}";

	(void)state;
	assert_int_equal(key->alg, ONECARD_ALG_ES256);
	assert_int_equal(verify_compact(key, rfc7515_token), ONECARD_OK);
	assert_int_equal(
		oc_jws_sign_bytes(key, "{\"alg\":\"ES256\"}", 15, payload, strlen(payload), &ours),
		ONECARD_OK);
	/* Same signing input as the RFC, fresh signature that verifies. */
	assert_memory_equal(ours, rfc7515_token, strlen(rfc7515_token) - 86);
	assert_int_equal(verify_compact(key, ours), ONECARD_OK);
	tampered = strdup(rfc7515_token);
	assert_non_null(tampered);
	tampered[25] ^= 0x01; /* one bit of the payload */
	assert_int_equal(verify_compact(key, tampered), ONECARD_ERR_BAD_SIGNATURE);
	free(tampered);
	free(ours);
	oc_key_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc8037_ed25519),
		cmocka_unit_test(rfc7515_es256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
