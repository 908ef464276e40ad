/*
 * Reading the directory bind password from a file, for the programs
 * (onecard-dir, authd): the library itself never reads a password.
 *
 * The file (ONECARD_LDAP_BIND_PW_FILE, --bind-pw-file) holds the password
 * as `ldapsearch -y` reads it; one trailing "\n" (or "\r\n") is dropped,
 * since editors add one. Like ssh with private keys, a file that group or
 * others may read or write is refused without being read.
 */
#ifndef ONECARD_DIR_PW_FILE_H
#define ONECARD_DIR_PW_FILE_H

#include <stddef.h>

#define OC_DIR_PW_ENV "ONECARD_LDAP_BIND_PW_FILE"

/*
 * Reads the password in the file at path into pw[cap]: *len bytes and a
 * NUL. The caller wipes pw (OPENSSL_cleanse) after use.
 * Failure (pw wiped, *len 0): ONECARD_ERR_INVALID_ARG when the file is
 * not a regular file, or group or others have any access to it;
 * ONECARD_ERR_IO (errno set) when it cannot be opened or read;
 * ONECARD_ERR_BAD_FORMAT when the password is empty or holds a NUL;
 * ONECARD_ERR_TOO_LARGE when it does not fit in cap - 1 bytes.
 */
int oc_dir_pw_from_file(const char *path, char *pw, size_t cap, size_t *len);

#endif /* ONECARD_DIR_PW_FILE_H */
