/*
 * The passphrase of the CA keys: from a file (--pass-file) or from the
 * environment (ONECARD_CA_PASS), never from the command line.
 */
#ifndef ONECARD_CA_PASS_H
#define ONECARD_CA_PASS_H

#include <stddef.h>

#define OC_PASS_ENV "ONECARD_CA_PASS"

/*
 * Gets the passphrase: from pass_file when not NULL (one trailing "\n"
 * or "\r\n" dropped; the file must not be readable or writable by group
 * or others), else from $ONECARD_CA_PASS, whose value is then wiped in
 * place and removed from the environment. It must be OC_CA_PASS_MIN to
 * OC_CA_PASS_MAX bytes, without NUL or line breaks.
 *
 * Returns ONECARD_OK and a new NUL-terminated *out (free it with
 * oc_pass_free()); ONECARD_ERR_PASSPHRASE with *why when there is none,
 * it is too short or too long, or the file is open to others;
 * ONECARD_ERR_IO when the file cannot be read; ONECARD_ERR_NOMEM.
 */
int oc_pass_get(const char *pass_file, char **out, size_t *len, const char **why);

/* Wipes and frees; NULL does nothing. */
void oc_pass_free(char *pass, size_t len);

#endif /* ONECARD_CA_PASS_H */
