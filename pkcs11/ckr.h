/*
 * The one table from PKCS#11 return values (CK_RV) to onecard error
 * codes, shared by both adapters (p11h.c and p11_direct.c) so that a card
 * failure means the same thing whichever path met it.
 */
#ifndef ONECARD_P11_CKR_H
#define ONECARD_P11_CKR_H

/*
 * Maps a CK_RV: CKR_OK -> ONECARD_OK; a wrong PIN (CKR_PIN_INCORRECT,
 * CKR_PIN_INVALID, CKR_PIN_LEN_RANGE) -> ONECARD_ERR_PIN_INCORRECT;
 * CKR_PIN_LOCKED -> ONECARD_ERR_PIN_LOCKED; no such token or slot ->
 * ONECARD_ERR_CARD_ABSENT; CKR_CANCEL (a PIN pad's cancel key) ->
 * ONECARD_ERR_CANCELLED; every other value, known or not ->
 * ONECARD_ERR_CARD. Never maps a failure to success.
 */
int oc_ckr_to_err(unsigned long rv);

#endif /* ONECARD_P11_CKR_H */
