/*
 * A main() for fuzz_challenge.c without libFuzzer: runs
 * LLVMFuzzerTestOneInput on every regular file of the directory named,
 * each read into a buffer of exactly its size so AddressSanitizer sees
 * any read past its end. Exit 0 when at least one input ran and every
 * file could be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_INPUT_MAX (64u * 1024u) /* bytes of one input */
#define REPLAY_PATH_MAX	 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int r = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > REPLAY_INPUT_MAX) {
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		goto out;
	}
	if (len > 0 && fread(buf, 1, len, f) != len) {
		goto out;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	(void)LLVMFuzzerTestOneInput(buf, len);
	r = 0;
out:
	free(buf);
	if (f != NULL) {
		fclose(f);
	}
	return r;
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	struct dirent **names = NULL;
	char path[REPLAY_PATH_MAX];
	int i, n, w, failed = 0, count = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	n = scandir(argv[1], &names, skip_dot, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		w = snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		if (w < 0 || (size_t)w >= sizeof(path) || run_file(path) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", names[i]->d_name);
			failed = 1;
		} else {
			count++;
		}
		free(names[i]);
	}
	free(names);
	fprintf(stderr, "replay: %d inputs ran\n", count);
	return failed || count == 0 ? 1 : 0;
}
