/*
 * Reading the key folder's files: whole, bounded, never through a
 * symbolic link, never from anything but a regular file, and only when
 * the permissions are as tight as the file's content demands. All paths
 * below the folder are opened relative to the folder's descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "keys_int.h"

#define MODE_GROUP_OTHER_ANY   ((mode_t)(S_IRWXG | S_IRWXO))
#define MODE_GROUP_OTHER_WRITE ((mode_t)(S_IWGRP | S_IWOTH))

/* The error for a failed open or read. */
static int from_errno(int e, const char **why)
{
	switch (e) {
	case ENOENT:
		*why = "missing";
		return ONECARD_ERR_NOT_FOUND;
	case ELOOP:
		*why = "is a symbolic link";
		return ONECARD_ERR_POLICY;
	case ENOTDIR:
		*why = "not a folder";
		return ONECARD_ERR_POLICY;
	case EACCES:
	case EPERM:
		*why = "permission denied (run as the folder's owner)";
		return ONECARD_ERR_IO;
	default:
		*why = "cannot be read";
		return ONECARD_ERR_IO;
	}
}

void oc_keyfile_free(struct oc_keyfile *f)
{
	if (f == NULL || f->data == NULL) {
		return;
	}
	OPENSSL_cleanse(f->data, f->cap);
	free(f->data);
	f->data = NULL;
	f->len = 0;
	f->cap = 0;
}

int oc_keyfile_read(int dirfd, const char *name, size_t max, enum oc_keyfile_mode mode,
		    struct oc_keyfile *out, const char **why)
{
	struct oc_keyfile f = {NULL, 0, 0};
	struct stat st;
	ssize_t n;
	int fd = -1, r = ONECARD_ERR_INTERNAL;

	*why = "cannot be read";
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (out == NULL || name == NULL || max == 0 || max >= SIZE_MAX) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	/* O_NONBLOCK: opening a FIFO planted here must not hang the loader;
	 * it is refused below as not a regular file. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = from_errno(errno, why);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = from_errno(errno, why);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (mode == OC_KEYFILE_SECRET && (st.st_mode & MODE_GROUP_OTHER_ANY) != 0) {
		*why = "group or others have access (want mode 0600)";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (mode != OC_KEYFILE_SECRET && (st.st_mode & MODE_GROUP_OTHER_WRITE) != 0) {
		*why = "writable by group or others (want mode 0600 or 0644)";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		*why = "larger than its maximum";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	f.cap = max + 1;
	f.data = malloc(f.cap);
	if (f.data == NULL) {
		f.cap = 0;
		*why = "out of memory";
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	/* Read up to one byte past max: the file may have grown since fstat. */
	for (;;) {
		n = read(fd, f.data + f.len, f.cap - f.len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			r = from_errno(errno, why);
			goto out;
		}
		if (n == 0) {
			break;
		}
		f.len += (size_t)n;
		if (f.len > max) {
			*why = "larger than its maximum";
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
	}
	f.data[f.len] = '\0';
	*out = f;
	f.data = NULL;
	*why = "";
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	oc_keyfile_free(&f);
	return r;
}

int oc_keys_open_dir(int dirfd, const char *name, int follow, const char **why)
{
	struct stat st;
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	int fd = -1, r;

	*why = "cannot be opened";
	if (!follow) {
		flags |= O_NOFOLLOW;
	}
	fd = openat(dirfd, name, flags);
	if (fd < 0) {
		r = from_errno(errno, why);
		/* O_DIRECTORY | O_NOFOLLOW on a symbolic link fails with
		 * ENOTDIR on Linux: say which it is. */
		if (!follow && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			*why = "is a symbolic link";
			r = ONECARD_ERR_POLICY;
		}
		return r;
	}
	if (fstat(fd, &st) != 0) {
		r = from_errno(errno, why);
		(void)close(fd);
		return r;
	}
	if ((st.st_mode & MODE_GROUP_OTHER_WRITE) != 0) {
		*why = "writable by group or others (want mode 0700)";
		(void)close(fd);
		return ONECARD_ERR_POLICY;
	}
	*why = "";
	return fd;
}

int oc_keys_read_manifest(const char *dir, int *dirfd_out, struct oc_keyfile *out,
			  const char **file, const char **why)
{
	int dfd = -1, r;

	if (dirfd_out != NULL) {
		*dirfd_out = -1;
	}
	memset(out, 0, sizeof(*out));
	*file = "";
	dfd = oc_keys_open_dir(AT_FDCWD, dir, 1, why);
	if (dfd < 0) {
		r = dfd;
		goto out;
	}
	*file = "manifest";
	r = oc_keyfile_read(dfd, "manifest", OC_KEYRING_MANIFEST_MAX, OC_KEYFILE_PUBLIC, out, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (dirfd_out != NULL) {
		*dirfd_out = dfd;
		dfd = -1;
	}
out:
	if (dfd >= 0) {
		(void)close(dfd);
	}
	return r;
}
