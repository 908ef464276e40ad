/*
 * The keyring holder: the one current keyring that request threads take
 * references to while the reload thread replaces it (keyring.h).
 *
 * Why a mutex and not an atomic pointer: taking a reference means reading
 * the pointer and incrementing the count as one step; with only an
 * atomic pointer, the replacing thread could drop the last reference in
 * between. The critical sections are a pointer copy and an increment.
 */
#include <pthread.h>
#include <stdlib.h>

#include <onecard/error.h>

#include "keyring.h"

struct oc_keyring_holder {
	pthread_mutex_t lock;
	oc_keyring *kr; /* one reference, the holder's; NULL when empty */
};

int oc_keyring_holder_new(oc_keyring_holder **out)
{
	oc_keyring_holder *h = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		goto out;
	}
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h);
		h = NULL;
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*out = h;
	r = ONECARD_OK;
out:
	return r;
}

void oc_keyring_holder_free(oc_keyring_holder *holder)
{
	if (holder == NULL) {
		return;
	}
	oc_keyring_unref(holder->kr);
	(void)pthread_mutex_destroy(&holder->lock);
	free(holder);
}

oc_keyring *oc_keyring_holder_get(oc_keyring_holder *holder)
{
	oc_keyring *kr;

	if (holder == NULL || pthread_mutex_lock(&holder->lock) != 0) {
		return NULL;
	}
	kr = oc_keyring_ref(holder->kr);
	(void)pthread_mutex_unlock(&holder->lock);
	return kr;
}

int oc_keyring_holder_replace(oc_keyring_holder *holder, oc_keyring *kr)
{
	oc_keyring *old;

	if (holder == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (pthread_mutex_lock(&holder->lock) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	old = holder->kr;
	holder->kr = oc_keyring_ref(kr);
	(void)pthread_mutex_unlock(&holder->lock);
	/* Outside the lock: freeing a keyring (wiping its keys) takes a
	 * while, and request threads must not wait for it. */
	oc_keyring_unref(old);
	return ONECARD_OK;
}
