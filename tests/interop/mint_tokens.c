/*
 * mint_tokens KEYFILE N
 *
 * Prints N tokens, one per line, issued with onecard_signer_issue() by
 * the private JWK in KEYFILE for fixed claims. interop.mjs verifies
 * them in bulk with an independent implementation (NEGATIVE-TESTS.md
 * row J18); spawning onecard-token once per token would be too slow.
 * Uses the public API only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/token.h>

#define KEY_FILE_MAX 65536u /* a private JWK is a few hundred bytes */
#define COUNT_MAX    1000000LL
#define LIFETIME_S   600

/* The claims interop.mjs expects. */
static const char claims[] =
	"{\"iss\":\"https://authd.example\",\"aud\":\"interop\",\"sub\":\"mint\"}";

/* Parses decimal digits only as 1..COUNT_MAX. */
static int parse_count(const char *text, long long *out)
{
	char *end = NULL;
	long long v;
	size_t i;

	*out = 0;
	if (text[0] == '\0') {
		return -1;
	}
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return -1;
		}
	}
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > COUNT_MAX) {
		return -1;
	}
	*out = v;
	return 0;
}

/* Reads a private key file of at most KEY_FILE_MAX bytes; the stack
 * buffer is wiped before return. */
static int load_signer(const char *path, onecard_signer **out)
{
	char buf[KEY_FILE_MAX];
	FILE *f = NULL;
	size_t len = 0;
	int r = -1;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "mint_tokens: cannot open the key file: %s\n", strerror(errno));
		goto out;
	}
	/* setvbuf: no stdio buffer keeps a copy of the key. */
	if (setvbuf(f, NULL, _IONBF, 0) != 0) {
		fprintf(stderr, "mint_tokens: cannot unbuffer the key file\n");
		goto out;
	}
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "mint_tokens: cannot read the key file, or it is too large\n");
		goto out;
	}
	r = onecard_signer_new(buf, len, out);
	if (r != ONECARD_OK) {
		fprintf(stderr, "mint_tokens: not a usable private key: %s\n", onecard_err_code(r));
		r = -1;
		goto out;
	}
	r = 0;
out:
	if (f != NULL) {
		(void)fclose(f);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int main(int argc, char *argv[])
{
	onecard_signer *signer = NULL;
	char *token = NULL;
	long long count = 0, i;
	int r, ex = 1;

	if (argc != 3 || parse_count(argv[2], &count) != 0) {
		fprintf(stderr, "usage: mint_tokens KEYFILE N   (N: 1..%lld)\n", COUNT_MAX);
		ex = 2;
		goto out;
	}
	if (load_signer(argv[1], &signer) != 0) {
		goto out;
	}
	for (i = 0; i < count; i++) {
		r = onecard_signer_issue(signer, claims, sizeof(claims) - 1, NULL, 0, LIFETIME_S,
					 &token);
		if (r != ONECARD_OK) {
			fprintf(stderr, "mint_tokens: issuing token %lld failed: %s\n", i,
				onecard_err_code(r));
			goto out;
		}
		if (puts(token) == EOF) {
			fprintf(stderr, "mint_tokens: cannot write to stdout\n");
			goto out;
		}
		onecard_string_free(token);
		token = NULL;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "mint_tokens: cannot write to stdout\n");
		goto out;
	}
	ex = 0;
out:
	onecard_string_free(token);
	onecard_signer_free(signer);
	return ex;
}
