/*
 * References and the holder under threads (authd/keys/holder.c): request
 * threads take and drop references while another thread loads folders
 * and swaps them in. Run under ASan (ONECARD_SANITIZE) this catches a
 * keyring freed while in use, freed twice, or never freed.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "challenge.h"
#include "keyring.h"
#include "keys_test.h"

#define READERS		6
#define SWAPS		60
#define REF_THREADS	8
#define REFS_PER_THREAD 100000

static void test_holder_basics(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	oc_keyring_holder *h = NULL;
	oc_keyring *kr = NULL, *got;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_OK);
	assert_int_equal(oc_keyring_holder_new(&h), ONECARD_OK);
	assert_null(oc_keyring_holder_get(h));
	assert_int_equal(oc_keyring_holder_replace(h, kr), ONECARD_OK);
	/* The holder has its own reference: the caller's can go. */
	oc_keyring_unref(kr);
	got = oc_keyring_holder_get(h);
	assert_ptr_equal(got, kr);
	assert_string_equal(oc_keyring_current_kid(got), "s-1");
	/* Emptied: the reference taken above keeps the keyring alive. */
	assert_int_equal(oc_keyring_holder_replace(h, NULL), ONECARD_OK);
	assert_null(oc_keyring_holder_get(h));
	assert_string_equal(oc_keyring_current_kid(got), "s-1");
	assert_int_equal(oc_keyring_holder_replace(h, got), ONECARD_OK);
	oc_keyring_unref(got);
	/* Freed with a keyring in it: the holder's reference goes too. */
	oc_keyring_holder_free(h);
	oc_keyring_holder_free(NULL);
	assert_int_equal(oc_keyring_holder_new(NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_keyring_holder_replace(NULL, NULL), ONECARD_ERR_INVALID_ARG);
	assert_null(oc_keyring_holder_get(NULL));
	kt_folder_remove(dir);
}

/* cmocka's assertions are not for other threads: workers report back. */
static void *ref_worker(void *arg)
{
	oc_keyring *kr = arg;
	int i;

	for (i = 0; i < REFS_PER_THREAD; i++) {
		if (oc_keyring_ref(kr) != kr) {
			return arg;
		}
		oc_keyring_unref(kr);
	}
	return NULL;
}

/* Many threads take and drop references to one keyring; the one left
 * at the end is the last (LeakSanitizer sees a count off by one either
 * way: a leak, or a use after free). */
static void test_refcount_threads(void **state)
{
	char dir[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	pthread_t t[REF_THREADS];
	oc_keyring *kr = NULL;
	int i;

	(void)state;
	kt_folder_new(dir);
	kt_standard(dir);
	assert_int_equal(kt_load(dir, KT_NOW, &kr, err), ONECARD_OK);
	for (i = 0; i < REF_THREADS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, ref_worker, kr), 0);
	}
	for (i = 0; i < REF_THREADS; i++) {
		void *failed = NULL;

		assert_int_equal(pthread_join(t[i], &failed), 0);
		assert_null(failed);
	}
	assert_string_equal(oc_keyring_current_kid(kr), "s-1");
	oc_keyring_unref(kr);
	kt_folder_remove(dir);
}

struct shared {
	oc_keyring_holder *holder;
	atomic_int stop;
	atomic_long uses;
	atomic_int failures;
};

/* One request: sign with the current key, find that key in the same
 * keyring's JWKS, and issue and check a challenge. */
static int one_request(const oc_keyring *kr)
{
	static const char claims[] = "{\"iss\":\"" KT_ISSUER "\",\"aud\":\"" KT_AUDIENCE "\"}";
	char *token = NULL, *wire = NULL;
	char needle[96];
	const char *kid = oc_keyring_current_kid(kr);
	int ok = 0, n;

	if (onecard_signer_issue(oc_keyring_signer(kr), claims, strlen(claims), NULL, KT_NOW, 60,
				 &token) != ONECARD_OK) {
		goto out;
	}
	n = snprintf(needle, sizeof(needle), "\"kid\":\"%s\"", kid);
	if (n <= 0 || (size_t)n >= sizeof(needle) ||
	    strstr(oc_keyring_jwks(kr, NULL), needle) == NULL) {
		goto out;
	}
	if (oc_challenge_issue(oc_keyring_challenge_keys(kr), KT_ORIGIN, KT_AUDIENCE, KT_NOW, 60,
			       &wire, NULL) != ONECARD_OK ||
	    oc_challenge_check(oc_keyring_challenge_keys(kr), wire, strlen(wire), KT_ORIGIN,
			       KT_NOW + 1, NULL, NULL) != ONECARD_OK) {
		goto out;
	}
	ok = 1;
out:
	free(wire);
	onecard_string_free(token);
	return ok;
}

static void *reader(void *arg)
{
	struct shared *s = arg;
	oc_keyring *kr;

	while (!atomic_load(&s->stop)) {
		kr = oc_keyring_holder_get(s->holder);
		if (kr == NULL || !one_request(kr)) {
			atomic_fetch_add(&s->failures, 1);
		}
		oc_keyring_unref(kr);
		atomic_fetch_add(&s->uses, 1);
	}
	return NULL;
}

/* Readers use whatever keyring the holder has while the main thread
 * loads two folders in turn and swaps each in, dropping its own
 * reference at once: every old keyring dies with its last reader. */
static void test_holder_swaps_under_load(void **state)
{
	char dir_a[KT_DIR_SIZE], dir_b[KT_DIR_SIZE], err[OC_KEYRING_ERR_SIZE];
	struct shared s;
	pthread_t t[READERS];
	oc_keyring *kr = NULL;
	long before;
	int i;

	(void)state;
	kt_folder_new(dir_a);
	kt_standard(dir_a);
	kt_folder_new(dir_b);
	kt_signing_key(dir_b, "b-1", ONECARD_ALG_ES256);
	kt_mac_key(dir_b, "bc-1", 9);
	kt_manifest(dir_b, "signing b-1 current 1800000000\nchallenge bc-1 current 1800000000\n");

	memset(&s, 0, sizeof(s));
	atomic_init(&s.stop, 0);
	atomic_init(&s.uses, 0);
	atomic_init(&s.failures, 0);
	assert_int_equal(oc_keyring_holder_new(&s.holder), ONECARD_OK);
	assert_int_equal(kt_load(dir_a, KT_NOW, &kr, err), ONECARD_OK);
	assert_int_equal(oc_keyring_holder_replace(s.holder, kr), ONECARD_OK);
	oc_keyring_unref(kr);

	for (i = 0; i < READERS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, reader, &s), 0);
	}
	for (i = 0; i < SWAPS; i++) {
		kr = NULL;
		assert_int_equal(kt_load(i % 2 == 0 ? dir_b : dir_a, KT_NOW, &kr, err), ONECARD_OK);
		assert_int_equal(oc_keyring_holder_replace(s.holder, kr), ONECARD_OK);
		oc_keyring_unref(kr);
		/* Let the readers use this one for a while. */
		before = atomic_load(&s.uses);
		while (atomic_load(&s.uses) < before + READERS) {
			sched_yield();
		}
	}
	atomic_store(&s.stop, 1);
	for (i = 0; i < READERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	assert_int_equal(atomic_load(&s.failures), 0);
	assert_true(atomic_load(&s.uses) >= (long)SWAPS * READERS);
	oc_keyring_holder_free(s.holder);
	kt_folder_remove(dir_a);
	kt_folder_remove(dir_b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holder_basics),
		cmocka_unit_test(test_refcount_threads),
		cmocka_unit_test(test_holder_swaps_under_load),
	};

	onecard_json_wipe_on_free();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
