/*
 * JSON through jansson, strictly: duplicate member names are rejected
 * (RFC 7515 §4, CVE-2017-12635 class), NUL in strings is rejected, and
 * the top level must be an object. Invalid UTF-8, a byte-order mark or
 * UTF-16 fail to parse.
 */
#ifndef ONECARD_JSON_STRICT_H
#define ONECARD_JSON_STRICT_H

#include <stddef.h>

#include <jansson.h>

/* Parses exactly len bytes as one JSON object. Returns 0 and *out (a new
 * reference), or ONECARD_ERR_BAD_FORMAT. */
int oc_json_parse_object(const char *buf, size_t len, json_t **out);

/* Serializes compactly into a new string (*out, freed with free()). */
int oc_json_dump(const json_t *value, size_t flags, char **out);

/* Reads member name of obj as a string; returns it borrowed or NULL if
 * absent or not a string. *len_out gets its length when not NULL. */
const char *oc_json_get_string(const json_t *obj, const char *name, size_t *len_out);

#endif
