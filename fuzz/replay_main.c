/*
 * A main() for fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file named on the command line,
 * and on every file in every directory named (not recursively, in name
 * order, skipping dot files). This is how the seed corpora replay under
 * ctest with any compiler, with or without sanitizers.
 *
 * Each input is read into a buffer of exactly its size, as libFuzzer
 * does, so that AddressSanitizer sees any read past its end. The path is
 * printed before the input runs: after a crash, the last line names the
 * reproducer. Exit status: 0 when at least one input ran and every file
 * could be read, 1 otherwise (an empty corpus is a broken test).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_INPUT_MAX (4u * 1024u * 1024u) /* bytes of one input */
#define REPLAY_PATH_MAX	 4096u

/* Reads a whole regular file into a new buffer of exactly its size. */
static int read_file(const char *path, uint8_t **out, size_t *out_len)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int r = -1;

	*out = NULL;
	*out_len = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > REPLAY_INPUT_MAX) {
		goto out;
	}
	len = (size_t)st.st_size;
	/* malloc(0) may return NULL; an empty input still gets a pointer. */
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		goto out;
	}
	if (len > 0 && fread(buf, 1, len, f) != len) {
		goto out;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (f != NULL) {
		fclose(f);
	}
	return r;
}

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (read_file(path, &data, &len) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	(void)LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Runs every file of a directory; adds how many ran to *count. */
static int run_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	char path[REPLAY_PATH_MAX];
	int i, n, w, r = 0;

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
	}
	for (i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0) {
				failed = 1;
			}
		} else if (run_file(argv[i]) != 0) {
			failed = 1;
		} else {
			count++;
		}
	}
	fprintf(stderr, "replay: %zu inputs ran\n", count);
	return failed || count == 0 ? 1 : 0;
}
