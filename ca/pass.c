/* Getting the CA key passphrase (pass.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "ca_limits.h"
#include "fileio.h"
#include "pass.h"

void oc_pass_free(char *pass, size_t len)
{
	oc_buf_free(pass, len);
}

/* Checks a passphrase of len bytes at p. */
static int check_pass(const char *p, size_t len, const char **why)
{
	if (len == 0) {
		*why = "the passphrase is empty";
		return ONECARD_ERR_PASSPHRASE;
	}
	if (len < OC_CA_PASS_MIN) {
		*why = "the passphrase is shorter than 12 bytes";
		return ONECARD_ERR_PASSPHRASE;
	}
	if (len > OC_CA_PASS_MAX) {
		*why = "the passphrase is longer than 1024 bytes";
		return ONECARD_ERR_PASSPHRASE;
	}
	if (memchr(p, '\0', len) != NULL || memchr(p, '\n', len) != NULL ||
	    memchr(p, '\r', len) != NULL) {
		*why = "the passphrase holds a NUL byte or a line break";
		return ONECARD_ERR_PASSPHRASE;
	}
	return ONECARD_OK;
}

/* Refuses a pass file that group or others may read or write. */
static int check_pass_file_mode(const char *path, const char **why)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		return ONECARD_ERR_IO;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "the pass file is open to group or others (chmod 600 it)";
		return ONECARD_ERR_PASSPHRASE;
	}
	return ONECARD_OK;
}

static int pass_from_file(const char *path, char **out, size_t *out_len, const char **why)
{
	unsigned char *buf = NULL;
	size_t len = 0, read_len = 0;
	int r;

	r = check_pass_file_mode(path, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* Room for the longest passphrase and its "\r\n". */
	r = oc_file_read(path, OC_CA_PASS_MAX + 2, OC_FILE_FOLLOW, &buf, &read_len);
	if (r == ONECARD_ERR_TOO_LARGE) {
		*why = "the passphrase is longer than 1024 bytes";
		r = ONECARD_ERR_PASSPHRASE;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	len = read_len;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r') {
			len--;
		}
	}
	buf[len] = '\0';
	r = check_pass((const char *)buf, len, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = (char *)buf;
	*out_len = len;
	buf = NULL;
	r = ONECARD_OK;
out:
	oc_buf_free(buf, read_len);
	return r;
}

static int pass_from_env(char **out, size_t *out_len, const char **why)
{
	char *value = getenv(OC_PASS_ENV), *copy = NULL;
	size_t len;
	int r;

	if (value == NULL) {
		*why = "no passphrase: give --pass-file FILE or set " OC_PASS_ENV;
		return ONECARD_ERR_PASSPHRASE;
	}
	len = strnlen(value, OC_CA_PASS_MAX + 1);
	r = check_pass(value, len, why);
	if (r == ONECARD_OK) {
		copy = malloc(len + 1);
		if (copy == NULL) {
			r = ONECARD_ERR_NOMEM;
		} else {
			memcpy(copy, value, len);
			copy[len] = '\0';
		}
	}
	/* Nothing else in this process needs it: wipe the value in the
	 * environment block (also what /proc/PID/environ shows). */
	OPENSSL_cleanse(value, strlen(value));
	(void)unsetenv(OC_PASS_ENV);
	if (r != ONECARD_OK) {
		return r;
	}
	*out = copy;
	*out_len = len;
	return ONECARD_OK;
}

int oc_pass_get(const char *pass_file, char **out, size_t *len, const char **why)
{
	*out = NULL;
	*len = 0;
	*why = NULL;
	if (pass_file != NULL) {
		return pass_from_file(pass_file, out, len, why);
	}
	return pass_from_env(out, len, why);
}
