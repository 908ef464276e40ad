/*
 * A bump allocator: a policy's strings and arrays, and the parse tree
 * of one load, each live in one arena and are freed all at once. That
 * makes a half-built policy as easy to free as a whole one, and lets
 * loaded structures hold const pointers without casting them away.
 */
#ifndef ONECARD_POLICY_ARENA_H
#define ONECARD_POLICY_ARENA_H

#include <stddef.h>

#define POL_ARENA_CHUNK (16u * 1024u) /* bytes of a usual chunk */

struct pol_chunk;

struct pol_arena {
	struct pol_chunk *head; /* newest chunk first */
};

void pol_arena_init(struct pol_arena *arena);

/* Returns count * size zeroed bytes aligned for any object (at least one
 * byte, so never NULL on success), or NULL when out of memory or when
 * the product overflows. */
void *pol_arena_calloc(struct pol_arena *arena, size_t count, size_t size);

/* Returns a NUL-terminated copy of the len bytes at s, or NULL. */
char *pol_arena_strndup(struct pol_arena *arena, const char *s, size_t len);

/* Frees every chunk; the arena is then empty and may be used again. */
void pol_arena_free(struct pol_arena *arena);

#endif
