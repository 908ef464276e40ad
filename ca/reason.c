/* Revocation reasons (reason.h). */
#include <string.h>

#include <onecard/error.h>

#include "reason.h"

static const struct reason {
	const char *name;
	int code;
	int allowed;
} reasons[] = {
	{"unspecified", 0, 1},	      {"keyCompromise", 1, 1}, {"cACompromise", 2, 0},
	{"affiliationChanged", 3, 1}, {"superseded", 4, 1},    {"cessationOfOperation", 5, 1},
	{"certificateHold", 6, 0},    {"removeFromCRL", 8, 0}, {"privilegeWithdrawn", 9, 1},
	{"aACompromise", 10, 0},
};

int oc_reason_parse(const char *name, int *code, const char **why)
{
	size_t i;

	*code = -1;
	*why = NULL;
	for (i = 0; name != NULL && i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcmp(name, reasons[i].name) != 0) {
			continue;
		}
		if (!reasons[i].allowed) {
			*why = "this reason is not used for the certificates this CA issues";
			return ONECARD_ERR_INVALID_ARG;
		}
		*code = reasons[i].code;
		return ONECARD_OK;
	}
	*why = "unknown reason (use unspecified, keyCompromise, affiliationChanged, superseded, "
	       "cessationOfOperation or privilegeWithdrawn)";
	return ONECARD_ERR_INVALID_ARG;
}

const char *oc_reason_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].code == code && reasons[i].allowed) {
			return reasons[i].name;
		}
	}
	return NULL;
}
