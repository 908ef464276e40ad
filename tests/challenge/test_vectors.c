/*
 * A fixed challenge and its proof message, computed independently of
 * this code (Python hmac/hashlib/base64, see docs/challenge.md "Worked
 * example"), so that onecard-login, authd and any other implementation
 * agree on the bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "challenge.h"

#define VEC_MSG_MAX 512u

/* MAC key 0x40..0x5f, kid "2026-11", nonce 0x00..0x1f,
 * issued 1800000000, expires 1800000060. */
static const char vec_wire[] = "AQcyMDI2LTExAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAAAAa0nS"
			       "AAAAAABrSdI8Hmh0dHBzOi8vYXV0aGQucHJvdmluY2UuZXhhbXBsZQ9jdXN0b21z"
			       "LWRlY2xhcmXtXmEseCQIy0WjNvleuMbkPP_8J6yw6ItQ41bx1889ng";

static const char vec_message_hex[] =
	"6f6e65636172642d6c6f67696e2d763100001e68747470733a2f2f6175746864"
	"2e70726f76696e63652e6578616d706c65000f637573746f6d732d6465636c61"
	"726500880107323032362d3131000102030405060708090a0b0c0d0e0f101112"
	"131415161718191a1b1c1d1e1f000000006b49d200000000006b49d23c1e6874"
	"7470733a2f2f61757468642e70726f76696e63652e6578616d706c650f637573"
	"746f6d732d6465636c617265ed5e612c782408cb45a336f95eb8c6e43cfffc27"
	"acb0e88b50e356f1d7cf3d9e";

static uint8_t hex_nibble(char c)
{
	if (c >= '0' && c <= '9') {
		return (uint8_t)(c - '0');
	}
	assert_true(c >= 'a' && c <= 'f');
	return (uint8_t)(c - 'a' + 10);
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t i, n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		out[i] = (uint8_t)((hex_nibble(hex[2 * i]) << 4) | hex_nibble(hex[2 * i + 1]));
	}
	return n;
}

static struct oc_challenge_keys *vector_keys(void)
{
	struct oc_challenge_keys *keys = NULL;
	uint8_t secret[32];
	size_t i;

	for (i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)(0x40 + i);
	}
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, "2026-11", secret, sizeof(secret)),
			 ONECARD_OK);
	return keys;
}

static void fixed_challenge(void **state)
{
	struct oc_challenge_keys *keys = vector_keys();
	struct oc_challenge c;
	char hex[OC_CHALLENGE_NONCE_HEX_SIZE];
	uint8_t want[VEC_MSG_MAX], *msg = NULL;
	size_t i, want_len, len = 0;

	(void)state;
	assert_int_equal(oc_challenge_check(keys, vec_wire, strlen(vec_wire),
					    "https://authd.province.example", INT64_C(1800000030),
					    &c, NULL),
			 ONECARD_OK);
	assert_string_equal(c.kid, "2026-11");
	assert_string_equal(c.audience, "customs-declare");
	assert_int_equal(c.issued_at, INT64_C(1800000000));
	assert_int_equal(c.expires_at, INT64_C(1800000060));
	for (i = 0; i < OC_CHALLENGE_NONCE_LEN; i++) {
		assert_int_equal(c.nonce[i], i);
	}
	assert_int_equal(oc_challenge_nonce_hex(&c, hex), ONECARD_OK);
	assert_string_equal(hex,
			    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

	want_len = unhex(vec_message_hex, want, sizeof(want));
	assert_int_equal(oc_proof_message(&c, &msg, &len), ONECARD_OK);
	assert_int_equal(len, want_len);
	assert_memory_equal(msg, want, len);
	free(msg);
	/* At expires-at exactly: refused. */
	assert_int_equal(oc_challenge_check(keys, vec_wire, strlen(vec_wire),
					    "https://authd.province.example", INT64_C(1800000060),
					    &c, NULL),
			 ONECARD_ERR_EXPIRED);
	oc_challenge_keys_free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_challenge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
