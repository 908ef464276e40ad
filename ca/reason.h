/*
 * Revocation reasons (RFC 5280 §5.3.1 CRLReason) an operator may give
 * for an end-entity certificate of this CA:
 *
 *   unspecified (0), keyCompromise (1), affiliationChanged (3),
 *   superseded (4), cessationOfOperation (5), privilegeWithdrawn (9)
 *
 * Refused: cACompromise (2) and aACompromise (10), which are about
 * authorities, not the certificates this CA issues; certificateHold (6),
 * because revocation here is final (there is no un-revoke); and
 * removeFromCRL (8), which exists only in delta CRLs.
 */
#ifndef ONECARD_CA_REASON_H
#define ONECARD_CA_REASON_H

#define OC_REASON_NAME_MAX 32u /* bytes of a reason name, NUL included */

/* Parses an RFC 5280 reason name (exact spelling, e.g. "keyCompromise").
 * Returns ONECARD_OK and *code, or ONECARD_ERR_INVALID_ARG with *why
 * (*code -1). */
int oc_reason_parse(const char *name, int *code, const char **why);

/* The RFC 5280 name of an allowed reason code, or NULL. */
const char *oc_reason_name(int code);

#endif /* ONECARD_CA_REASON_H */
