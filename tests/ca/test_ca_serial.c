/* Serial numbers (ca/serial.c): generation, canonical text, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "serial.h"

#define DRAWS 2000

static void normalize(void **state)
{
	unsigned char zeros[OC_CA_SERIAL_BYTES], ones[OC_CA_SERIAL_BYTES];

	(void)state;
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xFF, sizeof(ones));
	oc_serial_normalize(zeros);
	oc_serial_normalize(ones);
	/* Never zero, never negative, always 16 octets in DER. */
	assert_int_equal(zeros[0], 0x40);
	assert_int_equal(ones[0], 0x7F);
	assert_int_equal(ones[15], 0xFF);
}

static void random_serials(void **state)
{
	static char seen[DRAWS][OC_CA_SERIAL_HEX_MAX + 1];
	unsigned char b[OC_CA_SERIAL_BYTES];
	size_t i, j;

	(void)state;
	for (i = 0; i < DRAWS; i++) {
		assert_int_equal(oc_serial_random(b), ONECARD_OK);
		assert_true(b[0] >= 0x40 && b[0] <= 0x7F);
		assert_int_equal(oc_serial_to_hex(b, sizeof(b), seen[i]), ONECARD_OK);
		assert_int_equal(strlen(seen[i]), 32);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(seen[i], seen[j]);
		}
	}
}

static void to_hex(void **state)
{
	static const unsigned char lead[] = {0x00, 0x00, 0x0A, 0xBC};
	static const unsigned char zero[] = {0x00, 0x00};
	unsigned char big[21];
	char out[OC_CA_SERIAL_HEX_MAX + 1];

	(void)state;
	assert_int_equal(oc_serial_to_hex(lead, sizeof(lead), out), ONECARD_OK);
	assert_string_equal(out, "0ABC");
	assert_int_equal(oc_serial_to_hex(zero, sizeof(zero), out), ONECARD_ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(oc_serial_to_hex(zero, 0, out), ONECARD_ERR_INVALID_ARG);
	memset(big, 0x11, sizeof(big));
	assert_int_equal(oc_serial_to_hex(big, 20, out), ONECARD_OK);
	assert_int_equal(strlen(out), 40);
	assert_int_equal(oc_serial_to_hex(big, 21, out), ONECARD_ERR_INVALID_ARG);
}

static int parse(const char *in, char out[OC_CA_SERIAL_HEX_MAX + 1])
{
	const char *why = "unset";
	int r = oc_serial_parse(in, out, &why);

	if (r == ONECARD_OK) {
		assert_null(why);
	} else {
		assert_non_null(why);
		assert_string_equal(out, "");
	}
	return r;
}

static void parse_forms(void **state)
{
	char out[OC_CA_SERIAL_HEX_MAX + 1];

	(void)state;
	assert_int_equal(parse("617A3A4F0C4ADEE7DF21814E827F3E25", out), ONECARD_OK);
	assert_string_equal(out, "617A3A4F0C4ADEE7DF21814E827F3E25");
	assert_int_equal(parse("617a3a4f0c4adee7df21814e827f3e25", out), ONECARD_OK);
	assert_string_equal(out, "617A3A4F0C4ADEE7DF21814E827F3E25");
	assert_int_equal(parse("61:7a:3a:4f:0c:4a:de:e7:df:21:81:4e:82:7f:3e:25", out), ONECARD_OK);
	assert_string_equal(out, "617A3A4F0C4ADEE7DF21814E827F3E25");
	/* Leading zeros go; an odd count of digits has an implied 0. */
	assert_int_equal(parse("000ABC", out), ONECARD_OK);
	assert_string_equal(out, "0ABC");
	assert_int_equal(parse("abc", out), ONECARD_OK);
	assert_string_equal(out, "0ABC");
	assert_int_equal(parse("1", out), ONECARD_OK);
	assert_string_equal(out, "01");
	assert_int_equal(parse("1111111111111111111111111111111111111111", out), ONECARD_OK);
}

static void parse_refusals(void **state)
{
	char out[OC_CA_SERIAL_HEX_MAX + 1];

	(void)state;
	assert_int_equal(parse("", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse(NULL, out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("0", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("00:00", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("xyz", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("-1", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("0x1A", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse(" 1A", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("1A ", out), ONECARD_ERR_INVALID_ARG);
	/* 21 octets. */
	assert_int_equal(parse("111111111111111111111111111111111111111111", out),
			 ONECARD_ERR_INVALID_ARG);
	/* Colons only between pairs. */
	assert_int_equal(parse("4A:", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse(":4A", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("4A::0B", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("4A:0", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("4A:0B0", out), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse("4:A0", out), ONECARD_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalize),	  cmocka_unit_test(random_serials),
		cmocka_unit_test(to_hex),	  cmocka_unit_test(parse_forms),
		cmocka_unit_test(parse_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
