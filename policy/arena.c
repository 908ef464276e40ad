/* A bump allocator (see arena.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct pol_chunk {
	struct pol_chunk *next;
	size_t size; /* bytes of data[] */
	size_t used;
	max_align_t data[]; /* max_align_t elements keep every block aligned */
};

#define POL_ALIGN (sizeof(max_align_t))

void pol_arena_init(struct pol_arena *arena)
{
	arena->head = NULL;
}

void *pol_arena_calloc(struct pol_arena *arena, size_t count, size_t size)
{
	struct pol_chunk *chunk = NULL;
	size_t want, chunk_size;
	void *p = NULL;

	if (size != 0 && count > SIZE_MAX / size) {
		goto out;
	}
	want = count * size;
	if (want == 0) {
		want = 1;
	}
	/* Round up to the alignment; refuse sizes where that overflows. */
	if (want > SIZE_MAX - POL_ALIGN - sizeof(struct pol_chunk)) {
		goto out;
	}
	want = (want + POL_ALIGN - 1) / POL_ALIGN * POL_ALIGN;

	chunk = arena->head;
	if (chunk == NULL || chunk->size - chunk->used < want) {
		chunk_size = want > POL_ARENA_CHUNK ? want : POL_ARENA_CHUNK;
		chunk = malloc(sizeof(*chunk) + chunk_size);
		if (chunk == NULL) {
			goto out;
		}
		chunk->size = chunk_size;
		chunk->used = 0;
		/* A block larger than a usual chunk gets a chunk of its own,
		 * behind the head, so the head keeps serving small blocks. */
		if (arena->head != NULL && want > POL_ARENA_CHUNK / 2) {
			chunk->next = arena->head->next;
			arena->head->next = chunk;
		} else {
			chunk->next = arena->head;
			arena->head = chunk;
		}
	}
	p = (unsigned char *)chunk->data + chunk->used;
	chunk->used += want;
	memset(p, 0, want);
out:
	return p;
}

char *pol_arena_strndup(struct pol_arena *arena, const char *s, size_t len)
{
	char *copy = NULL;

	if (len == SIZE_MAX) {
		goto out;
	}
	copy = pol_arena_calloc(arena, len + 1, 1);
	if (copy == NULL) {
		goto out;
	}
	if (len > 0) {
		memcpy(copy, s, len);
	}
	copy[len] = '\0';
out:
	return copy;
}

void pol_arena_free(struct pol_arena *arena)
{
	struct pol_chunk *chunk = arena->head;
	struct pol_chunk *next = NULL;

	while (chunk != NULL) {
		next = chunk->next;
		free(chunk);
		chunk = next;
	}
	arena->head = NULL;
}
