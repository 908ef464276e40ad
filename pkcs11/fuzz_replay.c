/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput once on every file of the
 * directories (or files) named on the command line, without libFuzzer:
 * how the seed corpus replays under ctest with any compiler. Each input
 * gets a buffer of exactly its size so that AddressSanitizer sees a read
 * past its end. Exit status 0 when at least one input ran and every file
 * could be read, 1 otherwise.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX  (1024u * 1024u) /* bytes of one corpus file */
#define PATH_BYTES 4096u

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len;
	FILE *f = NULL;
	int r = -1;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > INPUT_MAX) {
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, len, f) != len)) {
		goto out;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	(void)LLVMFuzzerTestOneInput(buf, len);
	r = 0;
out:
	if (r != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
	}
	free(buf);
	if (f != NULL) {
		fclose(f);
	}
	return r;
}

static int not_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	struct dirent **names = NULL;
	char path[PATH_BYTES];
	struct stat st;
	size_t ran = 0;
	int i, j, n, w, failed = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			n = scandir(argv[i], &names, not_dot, alphasort);
			if (n < 0) {
				failed = 1;
				continue;
			}
			for (j = 0; j < n; j++) {
				w = snprintf(path, sizeof(path), "%s/%s", argv[i],
					     names[j]->d_name);
				if (w < 0 || (size_t)w >= sizeof(path) || run_file(path) != 0) {
					failed = 1;
				} else {
					ran++;
				}
				free(names[j]);
			}
			free(names);
			names = NULL;
		} else if (run_file(argv[i]) != 0) {
			failed = 1;
		} else {
			ran++;
		}
	}
	fprintf(stderr, "replay: %zu inputs ran\n", ran);
	return failed || ran == 0 ? 1 : 0;
}
