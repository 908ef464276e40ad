/*
 * Checks of operator-given values (check.h). These values end up in a
 * certificate subject, the inventory and the audit trail, so each is
 * held to its documented form before anything else looks at it.
 */
#include <string.h>

#include <onecard/error.h>

#include "ca_limits.h"
#include "check.h"
#include "identity.h"

int oc_check_uscc(const char *s, const char **why)
{
	*why = NULL;
	if (s == NULL || strnlen(s, OC_USCC_LEN + 1) != OC_USCC_LEN) {
		*why = "USCC must be exactly 18 characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_uscc_format_ok(s)) {
		*why = "USCC has a character outside 0-9 A-H J-N P Q R T U W X Y";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_uscc_ok(s)) {
		*why = "USCC check character does not match (GB 32100)";
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_check_person_id(const char *s, const char **why)
{
	size_t i, len;
	char c;

	*why = NULL;
	len = s == NULL ? 0 : strnlen(s, OC_CA_PERSON_ID_MAX + 1);
	if (len == 0 || len > OC_CA_PERSON_ID_MAX) {
		*why = "person id must be 1 to 64 characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			*why = "person id may hold only A-Z a-z 0-9 . _ -";
			return ONECARD_ERR_INVALID_ARG;
		}
	}
	return ONECARD_OK;
}

int oc_check_text(const char *s, size_t max, const char **why)
{
	size_t len;

	*why = NULL;
	len = s == NULL ? 0 : strnlen(s, max + 1);
	if (len == 0) {
		*why = "must not be empty";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (len > max) {
		*why = "is longer than allowed";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_utf8_printable((const unsigned char *)s, len)) {
		*why = "must be UTF-8 text without control characters";
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}
