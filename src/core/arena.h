/*
 * Bump allocator for data that lives and dies together: one configuration
 * generation, one parsed document, one request. Freeing the arena releases
 * everything at once, so a rejected reload cannot leak.
 */
#ifndef METALGATE_CORE_ARENA_H
#define METALGATE_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* newest chunk, allocations come from here */
    size_t chunk_size;        /* default size of a new chunk */
    size_t total;             /* bytes requested from malloc, for limits */
    size_t limit;             /* 0 = unlimited; else allocations beyond fail */
};

/* Initialises an empty arena; no memory is taken until the first allocation. */
void arena_init(struct arena *a, size_t chunk_size, size_t limit);

/* Releases every chunk. The arena can be reused after arena_init. */
void arena_free(struct arena *a);

/*
 * Releases every allocation but keeps one chunk of the default size for the
 * next user, so a loop that fills and empties the arena (one document at a
 * time) does not free and malloc the same chunk each round.
 */
void arena_reset(struct arena *a);

/*
 * Returns zeroed memory aligned for any type, or NULL when malloc fails or
 * the arena's limit would be exceeded.
 */
void *arena_alloc(struct arena *a, size_t size);

/* As arena_alloc, but the memory is not zeroed: for callers that write all of it. */
void *arena_alloc_uninit(struct arena *a, size_t size);

/* Copies size bytes of src (not zeroed first). Returns NULL as arena_alloc does. */
void *arena_copy(struct arena *a, const void *src, size_t size);

/* Copies len bytes and appends a NUL; strings are packed, not aligned.
 * Returns NULL as arena_alloc does. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/*
 * Moves every chunk of src into dst and leaves src empty: what was allocated
 * from src now lives and dies with dst (objects built on another thread).
 * dst keeps allocating from its own newest chunk.
 */
void arena_adopt(struct arena *dst, struct arena *src);

/* printf into arena memory. Returns NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
