/* Freeing what the library hands out; secrets are wiped first. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/crypto.h>

#include <onecard/token.h>

void onecard_string_free(char *s)
{
	free(s);
}

void onecard_secret_string_free(char *s)
{
	if (s == NULL) {
		return;
	}
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* glibc knows each block's usable size, so a plain free hook can wipe it. */
static void wiping_free(void *p)
{
	if (p == NULL) {
		return;
	}
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void onecard_json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}
