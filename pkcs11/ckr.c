/* CK_RV -> onecard error code: the one table (see ckr.h). */
#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "ckr.h"

static const struct ckr_row {
	CK_RV rv;
	int err;
} ckr_table[] = {
	{CKR_OK, ONECARD_OK},
	{CKR_PIN_INCORRECT, ONECARD_ERR_PIN_INCORRECT},
	{CKR_PIN_INVALID, ONECARD_ERR_PIN_INCORRECT},
	{CKR_PIN_LEN_RANGE, ONECARD_ERR_PIN_INCORRECT},
	{CKR_PIN_LOCKED, ONECARD_ERR_PIN_LOCKED},
	{CKR_TOKEN_NOT_PRESENT, ONECARD_ERR_CARD_ABSENT},
	{CKR_TOKEN_NOT_RECOGNIZED, ONECARD_ERR_CARD_ABSENT},
	{CKR_SLOT_ID_INVALID, ONECARD_ERR_CARD_ABSENT},
	{CKR_CANCEL, ONECARD_ERR_CANCELLED},
};

int oc_ckr_to_err(unsigned long rv)
{
	size_t i;

	for (i = 0; i < sizeof(ckr_table) / sizeof(ckr_table[0]); i++) {
		if (ckr_table[i].rv == rv) {
			return ckr_table[i].err;
		}
	}
	/* CKR_DEVICE_ERROR, CKR_DEVICE_REMOVED, CKR_HOST_MEMORY,
	 * CKR_GENERAL_ERROR, CKR_FUNCTION_FAILED, vendor codes...: the card
	 * or its module failed, and that is never a success (P2). */
	return ONECARD_ERR_CARD;
}
