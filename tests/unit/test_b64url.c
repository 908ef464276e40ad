/* Strict base64url: RFC 4648 §10 vectors and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "b64url.h"

/* Decodes with both decoders, which must agree on everything. */
static int decode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t other[512];
	size_t other_len = 99;
	int r, r2;

	assert_true(cap <= sizeof(other));
	r = oc_b64url_decode(text, strlen(text), out, cap, len);
	r2 = oc_b64url_decode_public(text, strlen(text), other, cap, &other_len);
	assert_int_equal(r, r2);
	assert_int_equal(*len, other_len);
	assert_memory_equal(out, other, *len);
	return r;
}

static void rfc4648_vectors(void **state)
{
	/* RFC 4648 §10, without padding as RFC 7515 §2 requires. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",	      "Zg",	 "Zm8",	    "Zm9v",
					    "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char text[32];
	uint8_t bytes[32];
	size_t i, len;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(oc_b64url_encode((const uint8_t *)plain[i], strlen(plain[i]), text,
						  sizeof(text)),
				 ONECARD_OK);
		assert_string_equal(text, coded[i]);
		assert_int_equal(decode(coded[i], bytes, sizeof(bytes), &len), ONECARD_OK);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(bytes, plain[i], len);
	}
}

static void url_alphabet(void **state)
{
	static const uint8_t all_ones[] = {0xfb, 0xff, 0xbf};
	char text[8];
	uint8_t bytes[8];
	size_t len;

	(void)state;
	/* 0xfb 0xff 0xbf is "+/+/" in standard base64 and "-_-_" here. */
	assert_int_equal(oc_b64url_encode(all_ones, 3, text, sizeof(text)), ONECARD_OK);
	assert_string_equal(text, "-_-_");
	assert_int_equal(decode("-_-_", bytes, sizeof(bytes), &len), ONECARD_OK);
	assert_memory_equal(bytes, all_ones, 3);
}

static void every_byte_round_trips(void **state)
{
	uint8_t in[256], back[256];
	char text[400];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)i;
	}
	for (n = 0; n <= sizeof(in); n++) {
		assert_int_equal(oc_b64url_encode(in, n, text, sizeof(text)), ONECARD_OK);
		assert_int_equal(strlen(text), oc_b64url_encoded_len(n));
		assert_int_equal(decode(text, back, sizeof(back), &len), ONECARD_OK);
		assert_int_equal(len, n);
		assert_memory_equal(back, in, n);
	}
}

static void refuses_non_canonical(void **state)
{
	static const char *const bad[] = {
		"Zg==",		   /* padding */
		"Zm+v",		   /* standard alphabet */
		"Zm/v",	  " Zm9v", /* whitespace */
		"Zm9v\n", "Zm 9v",
		"Zh",  /* unused low bits set: "Zg" is the only encoding of "f" */
		"Zm9", /* same, one character short of three bytes: "Zm8" is right */
		"Z",   /* a single trailing character encodes no whole byte */
		"Zm9vY",  "Zm9v\xc3\xa9", /* non-ASCII */
	};
	uint8_t bytes[32];
	size_t i, len = 99;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode(bad[i], bytes, sizeof(bytes), &len),
				 ONECARD_ERR_BAD_FORMAT);
		assert_int_equal(len, 0);
	}
	/* An embedded NUL is not a terminator here: it is a bad character. */
	assert_int_equal(oc_b64url_decode("Zm\0v", 4, bytes, sizeof(bytes), &len),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_b64url_decode_public("Zm\0v", 4, bytes, sizeof(bytes), &len),
			 ONECARD_ERR_BAD_FORMAT);
}

static void bounded_output(void **state)
{
	uint8_t bytes[2];
	char text[4];
	size_t len;

	(void)state;
	assert_int_equal(decode("Zm9v", bytes, sizeof(bytes), &len), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(oc_b64url_encode((const uint8_t *)"foo", 3, text, sizeof(text)),
			 ONECARD_ERR_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4648_vectors),	  cmocka_unit_test(url_alphabet),
		cmocka_unit_test(every_byte_round_trips), cmocka_unit_test(refuses_non_canonical),
		cmocka_unit_test(bounded_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
