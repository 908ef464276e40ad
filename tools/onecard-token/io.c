/*
 * Bounded input and unbuffered output. Reads use read(2) into one
 * buffer of the maximum size, and every buffer is wiped when freed: at
 * this level a private key file cannot be told from a claims file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"

int cli_read_all(const char *path, size_t max, char **out, size_t *len_out)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, saved_errno = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	*out = NULL;
	*len_out = 0;
	if (path == NULL || max == 0 || max > CLI_READ_MAX) {
		goto out;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			saved_errno = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
	}
	/* Ask for one byte more than allowed, so that too much is seen. */
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			saved_errno = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	if (len > max) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*len_out = len;
	buf = NULL;
	r = ONECARD_OK;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len); /* len <= max + 1 */
		free(buf);
	}
	if (fd >= 0 && fd != STDIN_FILENO) {
		(void)close(fd);
	}
	errno = saved_errno;
	return r;
}

void cli_buffer_free(char *buf, size_t len)
{
	if (buf == NULL) {
		return;
	}
	OPENSSL_cleanse(buf, len + 1);
	free(buf);
}

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return ONECARD_ERR_IO;
		}
		data += n;
		len -= (size_t)n;
	}
	return ONECARD_OK;
}

int cli_write_line(const char *text)
{
	int r;

	r = write_all(STDOUT_FILENO, text, strlen(text));
	if (r != ONECARD_OK) {
		return r;
	}
	return write_all(STDOUT_FILENO, "\n", 1);
}
