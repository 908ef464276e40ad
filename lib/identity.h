/*
 * Checks shared by every part that takes identity values from people:
 * the enterprise's unified social credit code (GB 32100-2015) and UTF-8
 * text. Pure functions: no allocation, no library calls. The CA and the
 * directory both use these, so a value one accepts the other accepts.
 */
#ifndef ONECARD_IDENTITY_H
#define ONECARD_IDENTITY_H

#include <stddef.h>

#define OC_USCC_LEN 18u /* characters of a unified social credit code */

/* 1 if s is exactly 18 characters of 0-9 and A-Z without I, O, S, V, Z. */
int oc_uscc_format_ok(const char *s);

/* 1 if oc_uscc_format_ok(s) and its 18th character is the GB 32100
 * check character of the first 17. */
int oc_uscc_ok(const char *s);

/* Decodes one UTF-8 sequence at s (n >= 1 bytes left) into *cp; returns
 * its length, or 0 unless it is the shortest encoding of a scalar value
 * (no surrogates, at most U+10FFFF). */
size_t oc_utf8_decode(const unsigned char *s, size_t n, unsigned long *cp);

/* 1 if the len bytes at s are valid UTF-8, else 0. */
int oc_utf8_valid(const unsigned char *s, size_t len);

/* 1 if the len bytes at s are valid UTF-8 without control characters
 * (C0, DEL, C1), else 0. */
int oc_utf8_printable(const unsigned char *s, size_t len);

#endif
