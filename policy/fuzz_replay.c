/*
 * A main() for fuzz_policy.c without libFuzzer: feeds every file named
 * on the command line, and every file of every directory named (not
 * recursively, in name order, dot files skipped), to
 * LLVMFuzzerTestOneInput once. ctest runs it over policy/corpus/.
 *
 * Each input is read into a buffer of exactly its size, as libFuzzer
 * does, so AddressSanitizer sees a read past its end. Exit status 0 when
 * at least one input ran and every file could be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz_entry.h"

#define REPLAY_INPUT_MAX (2u * 1024u * 1024u) /* bytes of one input */
#define REPLAY_PATH_MAX	 4096u

static int run_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int r = -1;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > REPLAY_INPUT_MAX) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, len, f) != len)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
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

static int run_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	char path[REPLAY_PATH_MAX];
	int n;
	int i;
	int w;
	int r = 0;

	n = scandir(dir, &names, skip_dot, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s\n", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		w = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (w < 0 || (size_t)w >= sizeof(path) || run_file(path) != 0) {
			r = -1;
		} else {
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int failed = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			failed |= run_dir(argv[i], &count) != 0;
		} else if (run_file(argv[i]) != 0) {
			failed = 1;
		} else {
			count++;
		}
	}
	fprintf(stderr, "replay: %zu inputs ran\n", count);
	return failed || count == 0 ? 1 : 0;
}
