/*
 * Checks of the values an operator gives at issuance: the enterprise's
 * unified social credit code (GB 32100-2015), a person id, free text
 * (names, labels). Pure functions: no allocation, no library calls.
 *
 * Each returns ONECARD_OK, or ONECARD_ERR_INVALID_ARG with *why set to a
 * fixed sentence that never quotes the value.
 */
#ifndef ONECARD_CA_CHECK_H
#define ONECARD_CA_CHECK_H

#include <stddef.h>

/* Exactly 18 characters of 0-9 and A-Z without I, O, S, V, Z, whose
 * 18th is the GB 32100 check character of the first 17. */
int oc_check_uscc(const char *s, const char **why);

/* 1 to OC_CA_PERSON_ID_MAX characters of [A-Za-z0-9._-]. */
int oc_check_person_id(const char *s, const char **why);

/* Non-empty, at most max bytes, valid UTF-8 (shortest form, no
 * surrogates, at most U+10FFFF), no control characters (C0, DEL, C1). */
int oc_check_text(const char *s, size_t max, const char **why);

/* oc_utf8_printable() and the GB 32100 checks live in lib/identity.h. */
#include "identity.h"

#endif /* ONECARD_CA_CHECK_H */
