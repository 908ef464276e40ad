/*
 * A parsed policy file as a plain tree, independent of the library that
 * parsed it. conf_libconfig.c builds it; build.c checks it against the
 * schema. Only this tree crosses the adapter boundary: no libconfig type
 * or call appears anywhere else.
 */
#ifndef ONECARD_POLICY_CONF_H
#define ONECARD_POLICY_CONF_H

#include <stddef.h>

#include "arena.h"

#define PC_NODES_MAX	  65536u /* settings in one file, every level counted */
#define PC_DEPTH_MAX	  8u	 /* nesting: the schema needs 5 */
#define PC_INT_DIGITS_MAX 9u	 /* significant decimal digits of an integer literal */
#define PC_HEX_DIGITS_MAX 7u	 /* significant digits of a hexadecimal literal */

enum pc_kind {
	PC_GROUP,  /* { name = value; ... } */
	PC_LIST,   /* ( value, ... ), any values */
	PC_ARRAY,  /* [ scalar, ... ], all of one type */
	PC_INT,	   /* 42, 0x2a, 42L */
	PC_FLOAT,  /* 4.2 */
	PC_BOOL,   /* true, false */
	PC_STRING, /* "text" */
};

struct pc_node {
	enum pc_kind kind;
	const char *name;	    /* member name inside a group; NULL for elements */
	unsigned line;		    /* 1-based line of the setting in the file */
	long long ival;		    /* PC_INT, PC_BOOL */
	const char *sval;	    /* PC_STRING: NUL-terminated, may be "" */
	const struct pc_node *kids; /* PC_GROUP, PC_LIST, PC_ARRAY */
	size_t kids_len;
};

/*
 * Parses text (len bytes, NUL-terminated or not) as the file called
 * file_name. Returns 0 and *root (a PC_GROUP whose nodes and strings
 * live in arena), ONECARD_ERR_POLICY with "FILE:LINE: message" in err,
 * or ONECARD_ERR_NOMEM. Refuses what libconfig would accept but a policy
 * must not hold: NUL bytes, "\x00" escapes, @include directives, integer
 * literals past PC_INT_DIGITS_MAX/PC_HEX_DIGITS_MAX digits (libconfig
 * 1.5 silently wraps those), more than PC_NODES_MAX settings, nesting
 * deeper than PC_DEPTH_MAX.
 */
int pc_parse(const char *text, size_t len, const char *file_name, struct pol_arena *arena,
	     const struct pc_node **root, char *err, size_t err_size);

/* "a group", "an integer", ... for messages. */
const char *pc_kind_name(enum pc_kind kind);

#endif
