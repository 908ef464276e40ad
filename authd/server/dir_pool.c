/* The directory handle pool (dir_pool.h). */
#include <pthread.h>
#include <stdlib.h>

#include <onecard/error.h>

#include "config.h"
#include "dir_pool.h"

struct dir_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct oc_dir *all[AUTHD_POOL_MAX];
	struct oc_dir *idle[AUTHD_POOL_MAX];
	unsigned n, nidle;
};

int dir_pool_new(const char *uri, const char *base, const char *bind_dn, const char *pw,
		 size_t pw_len, unsigned n, struct dir_pool **out)
{
	struct dir_pool *p = NULL;
	unsigned i;
	int r;

	*out = NULL;
	if (n == 0 || n > AUTHD_POOL_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return ONECARD_ERR_NOMEM;
	}
	if (pthread_cond_init(&p->freed, NULL) != 0) {
		(void)pthread_mutex_destroy(&p->lock);
		free(p);
		return ONECARD_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		r = oc_dir_new(uri, base, bind_dn, pw, pw_len, &p->all[i]);
		if (r != ONECARD_OK) {
			p->n = i;
			dir_pool_free(p);
			return r;
		}
		p->idle[i] = p->all[i];
	}
	p->n = n;
	p->nidle = n;
	*out = p;
	return ONECARD_OK;
}

void dir_pool_free(struct dir_pool *pool)
{
	unsigned i;

	if (pool == NULL) {
		return;
	}
	for (i = 0; i < pool->n; i++) {
		oc_dir_free(pool->all[i]);
	}
	(void)pthread_cond_destroy(&pool->freed);
	(void)pthread_mutex_destroy(&pool->lock);
	free(pool);
}

struct oc_dir *dir_pool_get(struct dir_pool *pool)
{
	struct oc_dir *d;

	(void)pthread_mutex_lock(&pool->lock);
	while (pool->nidle == 0) {
		(void)pthread_cond_wait(&pool->freed, &pool->lock);
	}
	d = pool->idle[--pool->nidle];
	(void)pthread_mutex_unlock(&pool->lock);
	return d;
}

void dir_pool_put(struct dir_pool *pool, struct oc_dir *dir)
{
	if (dir == NULL) {
		return;
	}
	(void)pthread_mutex_lock(&pool->lock);
	pool->idle[pool->nidle++] = dir;
	(void)pthread_cond_signal(&pool->freed);
	(void)pthread_mutex_unlock(&pool->lock);
}
