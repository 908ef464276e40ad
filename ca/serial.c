/* Serial numbers: generation, canonical text and parsing (serial.h). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "serial.h"

static const char hex_digits[] = "0123456789ABCDEF";

void oc_serial_normalize(unsigned char b[OC_CA_SERIAL_BYTES])
{
	b[0] = (unsigned char)((b[0] & 0x7Fu) | 0x40u);
}

int oc_serial_random(unsigned char b[OC_CA_SERIAL_BYTES])
{
	if (RAND_bytes(b, (int)OC_CA_SERIAL_BYTES) != 1) {
		ERR_clear_error();
		OPENSSL_cleanse(b, OC_CA_SERIAL_BYTES);
		return ONECARD_ERR_CRYPTO;
	}
	oc_serial_normalize(b);
	return ONECARD_OK;
}

int oc_serial_to_hex(const unsigned char *b, size_t len, char out[OC_CA_SERIAL_HEX_MAX + 1])
{
	size_t i, o = 0;

	out[0] = '\0';
	while (len > 0 && b[0] == 0) {
		b++;
		len--;
	}
	if (len == 0 || len > OC_CA_SERIAL_OCTETS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < len; i++) {
		out[o++] = hex_digits[b[i] >> 4];
		out[o++] = hex_digits[b[i] & 0x0Fu];
	}
	out[o] = '\0';
	return ONECARD_OK;
}

/* The value of a hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int oc_serial_parse(const char *text, char out[OC_CA_SERIAL_HEX_MAX + 1], const char **why)
{
	/* Digits of the value, without colons; at most 20 octets' worth. */
	char digits[OC_CA_SERIAL_HEX_MAX + 2];
	unsigned char octets[OC_CA_SERIAL_OCTETS_MAX + 1];
	size_t i, n = 0, len, olen, pad;
	int colons, hi, lo;

	out[0] = '\0';
	*why = "serial must be hex digits (optionally in colon-separated pairs), at most 20 octets";
	if (text == NULL || text[0] == '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	len = strnlen(text, 3 * OC_CA_SERIAL_OCTETS_MAX + 1);
	if (len > 3 * OC_CA_SERIAL_OCTETS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	colons = strchr(text, ':') != NULL;
	for (i = 0; i < len; i++) {
		if (colons && i % 3 == 2) {
			/* "xx:xx:xx": a colon after every pair, none at the end. */
			if (text[i] != ':' || i + 1 == len) {
				return ONECARD_ERR_INVALID_ARG;
			}
			continue;
		}
		if (hex_value(text[i]) < 0 || n >= OC_CA_SERIAL_HEX_MAX) {
			return ONECARD_ERR_INVALID_ARG;
		}
		digits[n++] = text[i];
	}
	if (colons && len % 3 != 2) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* An odd number of digits has an implied leading zero. */
	pad = n % 2;
	olen = (n + pad) / 2;
	for (i = 0; i < olen; i++) {
		hi = (i == 0 && pad) ? 0 : hex_value(digits[2 * i - pad]);
		lo = hex_value(digits[2 * i + 1 - pad]);
		octets[i] = (unsigned char)((hi << 4) | lo);
	}
	if (oc_serial_to_hex(octets, olen, out) != ONECARD_OK) {
		*why = "serial must not be zero";
		return ONECARD_ERR_INVALID_ARG;
	}
	*why = NULL;
	return ONECARD_OK;
}
