/*
 * Files of the CA: bounded reads into wiped buffers, and new files
 * written whole or not at all. Paths are built with a checked join.
 */
#ifndef ONECARD_CA_FILEIO_H
#define ONECARD_CA_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#define OC_FILE_FOLLOW	 0 /* oc_file_read: symbolic links allowed */
#define OC_FILE_NOFOLLOW 1 /* oc_file_read: refuse a symbolic link */

/*
 * Reads all of path, at most max bytes, into a new buffer with a NUL
 * after the data (*len excludes it). The buffer is allocated once at
 * max + 1 bytes, so no realloc leaves a stray copy of a secret; free it
 * with oc_buf_free(). Returns ONECARD_OK, ONECARD_ERR_TOO_LARGE,
 * ONECARD_ERR_NOMEM, or ONECARD_ERR_IO (errno kept: ENOENT, EACCES, ELOOP
 * for a refused link, EISDIR...).
 */
int oc_file_read(const char *path, size_t max, int flags, unsigned char **out, size_t *len);

/* Wipes len bytes (and the NUL after them) and frees; NULL does nothing. */
void oc_buf_free(void *buf, size_t len);

/*
 * Creates path, which must not exist (O_EXCL, no link followed), with
 * mode, writes the len bytes and fsyncs. On failure nothing is left at
 * path. ONECARD_ERR_EXISTS if path exists, else ONECARD_ERR_IO.
 */
int oc_file_create(const char *path, unsigned mode, const void *data, size_t len);

/* fsyncs a directory, so a new name in it survives a crash. */
int oc_dir_sync(const char *dir);

/* out = dir "/" name; ONECARD_ERR_TOO_LARGE if it does not fit. */
int oc_path_join(const char *dir, const char *name, char *out, size_t out_size);

#endif /* ONECARD_CA_FILEIO_H */
