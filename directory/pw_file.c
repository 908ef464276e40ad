/*
 * The bind password from a file (pw_file.h). Opened without following a
 * final symlink and checked on the open descriptor, so that what is
 * checked is what is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "pw_file.h"

int oc_dir_pw_from_file(const char *path, char *pw, size_t cap, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t got;
	char extra;
	int fd = -1, saved = 0, r = ONECARD_ERR_INTERNAL;

	*len = 0;
	if (cap < 2) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(pw, 0, cap);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		/* ELOOP: a symlink, refused like any other non-regular file. */
		r = saved == ELOOP ? ONECARD_ERR_INVALID_ARG : ONECARD_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		saved = errno;
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	/* Read up to cap bytes: cap - 1 for the password, one more to see
	 * that it is too long (a trailing newline is allowed past it). */
	while (n < cap) {
		got = read(fd, pw + n, cap - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			saved = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
	}
	if (n > 0 && pw[n - 1] == '\n') {
		n--;
		if (n > 0 && pw[n - 1] == '\r') {
			n--;
		}
	}
	if (n >= cap) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (n == cap - 1) {
		/* Exactly filled: more may follow. */
		got = read(fd, &extra, 1);
		if (got != 0) {
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
	}
	if (n == 0 || memchr(pw, '\0', n) != NULL) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	pw[n] = '\0';
	*len = n;
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pw, cap);
		*len = 0;
		errno = saved;
	}
	return r;
}
