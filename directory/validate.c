/*
 * The documented forms of what goes into the directory (docs/directory.md,
 * "Inputs"). Pure functions: no allocation, no library calls. The same
 * rules bind the CA's inputs (docs/ca.md), so a person id or name the CA
 * put into a certificate is one the directory takes.
 */
#include <string.h>

#include "dir_int.h"
#include "identity.h"

int dir_valid_uscc_format(const char *s)
{
	return oc_uscc_format_ok(s);
}

int dir_valid_uscc(const char *s)
{
	return oc_uscc_ok(s);
}

int dir_valid_id(const char *s, size_t max)
{
	size_t i, len;
	char c;

	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len == 0 || len > max) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			return 0;
		}
	}
	return 1;
}

int oc_dir_person_id_valid(const char *id)
{
	return dir_valid_id(id, OC_DIR_PERSON_ID_MAX);
}

int dir_valid_agency(const char *s)
{
	size_t i, len;
	char c;

	len = s == NULL ? 0 : strnlen(s, OC_DIR_AGENCY_MAX + 1);
	if (len == 0 || len > OC_DIR_AGENCY_MAX) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			return 0;
		}
	}
	return 1;
}

int dir_valid_utf8(const unsigned char *s, size_t len)
{
	return oc_utf8_valid(s, len);
}

int dir_valid_text(const char *s, size_t min, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len, step;
	unsigned long cp = 0;

	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len < min || len > max) {
		return 0;
	}
	/* caseIgnoreMatch ignores spaces at either end: "ACME " and "ACME"
	 * would be one value to the server and two to us. */
	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' ')) {
		return 0;
	}
	while (i < len) {
		step = oc_utf8_decode(u + i, len - i, &cp);
		if (step == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			return 0;
		}
		i += step;
	}
	return 1;
}

static int lower_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int dir_valid_serial(const char *s)
{
	size_t i, len;

	len = s == NULL ? 0 : strnlen(s, OC_DIR_SERIAL_HEX_MAX + 1);
	if (len == 0 || len > OC_DIR_SERIAL_HEX_MAX) {
		return 0;
	}
	if (len > 1 && s[0] == '0') {
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!lower_hex_digit(s[i])) {
			return 0;
		}
	}
	return 1;
}

int dir_valid_sha256(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, OC_DIR_SHA256_HEX_LEN + 1) != OC_DIR_SHA256_HEX_LEN) {
		return 0;
	}
	for (i = 0; i < OC_DIR_SHA256_HEX_LEN; i++) {
		if (!lower_hex_digit(s[i])) {
			return 0;
		}
	}
	return 1;
}
