/*
 * A fixed set of directory connections for authd's request threads
 * (one oc_dir handle is used by one thread at a time). A handle connects
 * on first use and reconnects by itself after slapd comes back, so authd
 * starts, and keeps running, while the directory is down.
 */
#ifndef ONECARD_AUTHD_DIR_POOL_H
#define ONECARD_AUTHD_DIR_POOL_H
#include <stddef.h>

#include "directory.h"

struct dir_pool;

/* n handles (1..AUTHD_POOL_MAX) for uri/base/bind_dn with the password
 * pw[0..pw_len) (copied by each handle; wipe yours). Nothing is sent
 * yet. Returns 0 and *out, or a negative code. */
int dir_pool_new(const char *uri, const char *base, const char *bind_dn, const char *pw,
		 size_t pw_len, unsigned n, struct dir_pool **out)
	__attribute__((warn_unused_result));
void dir_pool_free(struct dir_pool *pool);
/* Waits for a free handle and lends it; give it back with dir_pool_put. */
struct oc_dir *dir_pool_get(struct dir_pool *pool);
void dir_pool_put(struct dir_pool *pool, struct oc_dir *dir);

#endif
