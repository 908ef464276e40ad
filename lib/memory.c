/* Freeing what the library hands out; secrets are wiped first. */
#include <stdlib.h>
#include <string.h>

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
