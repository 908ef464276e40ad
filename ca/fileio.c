/* Bounded file reads and all-or-nothing file creation (fileio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "fileio.h"

void oc_buf_free(void *buf, size_t len)
{
	if (buf == NULL) {
		return;
	}
	OPENSSL_cleanse(buf, len + 1);
	free(buf);
}

int oc_file_read(const char *path, size_t max, int flags, unsigned char **out, size_t *len)
{
	unsigned char *buf = NULL;
	size_t have = 0;
	ssize_t n;
	int fd = -1, r = ONECARD_ERR_INTERNAL, saved_errno = 0;
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY;

	*out = NULL;
	*len = 0;
	if (flags == OC_FILE_NOFOLLOW) {
		oflags |= O_NOFOLLOW;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	fd = open(path, oflags);
	if (fd < 0) {
		saved_errno = errno;
		r = ONECARD_ERR_IO;
		goto out;
	}
	/* Read one byte past max to tell "exactly max" from "more". */
	for (;;) {
		n = read(fd, buf + have, max + 1 - have);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			saved_errno = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (n == 0) {
			break;
		}
		have += (size_t)n;
		if (have > max) {
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
	}
	buf[have] = '\0';
	*out = buf;
	*len = have;
	buf = NULL;
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	if (buf != NULL) {
		OPENSSL_cleanse(buf, max + 1);
		free(buf);
	}
	if (saved_errno != 0) {
		errno = saved_errno;
	}
	return r;
}

int oc_file_create(const char *path, unsigned mode, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd = -1, r = ONECARD_ERR_INTERNAL, created = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		r = errno == EEXIST ? ONECARD_ERR_EXISTS : ONECARD_ERR_IO;
		goto out;
	}
	created = 1;
	/* The umask must not loosen or tighten what the CA asks for. */
	if (fchmod(fd, (mode_t)mode) != 0) {
		r = ONECARD_ERR_IO;
		goto out;
	}
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			r = ONECARD_ERR_IO;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ONECARD_ERR_IO;
		goto out;
	}
	fd = -1;
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	if (r != ONECARD_OK && created) {
		(void)unlink(path);
	}
	return r;
}

int oc_dir_sync(const char *dir)
{
	int fd, r = ONECARD_OK;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		return ONECARD_ERR_IO;
	}
	if (fsync(fd) != 0) {
		r = ONECARD_ERR_IO;
	}
	(void)close(fd);
	return r;
}

int oc_path_join(const char *dir, const char *name, char *out, size_t out_size)
{
	int n;

	n = snprintf(out, out_size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= out_size) {
		if (out_size > 0) {
			out[0] = '\0';
		}
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}
