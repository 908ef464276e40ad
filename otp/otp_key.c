/*
 * The key that seals TOTP secrets at rest: read from a key file that only
 * its owner may access (as authd/keys reads its secrets: never through a
 * symbolic link, only a regular file, bounded), or made new. Every copy
 * of the key's bytes is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "b64url.h"
#include "otp.h"
#include "otp_int.h"

#define KEY_B64_LEN	  43u /* base64url of OC_OTP_KEY_LEN bytes, no padding */
#define MODE_GROUP_OTHER  ((mode_t)(S_IRWXG | S_IRWXO))
#define KEY_ID_DOMAIN	  "onecard-otp key id"
#define KEY_ID_DOMAIN_LEN (sizeof(KEY_ID_DOMAIN)) /* with its NUL */

int oc_otp_key_id(struct oc_otp_key *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = NULL;
	int r = ONECARD_ERR_CRYPTO;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, KEY_ID_DOMAIN, KEY_ID_DOMAIN_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, key->k, sizeof(key->k)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len < OC_OTP_KID_LEN) {
		goto out;
	}
	memcpy(key->kid, md, OC_OTP_KID_LEN);
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
	}
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}

void oc_otp_key_free(oc_otp_key *key)
{
	if (key == NULL) {
		return;
	}
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}

int oc_otp_key_from_bytes(const unsigned char *raw, size_t len, oc_otp_key **out)
{
	struct oc_otp_key *key = NULL;
	int r;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (raw == NULL || len != OC_OTP_KEY_LEN) {
		return ONECARD_ERR_INVALID_ARG;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	memcpy(key->k, raw, OC_OTP_KEY_LEN);
	r = oc_otp_key_id(key);
	if (r != ONECARD_OK) {
		oc_otp_key_free(key);
		return r;
	}
	*out = key;
	return ONECARD_OK;
}

/* The error of a failed open or read. */
static int from_errno(int e, const char **why)
{
	switch (e) {
	case ENOENT:
		*why = "the key file does not exist";
		return ONECARD_ERR_NOT_FOUND;
	case ELOOP:
		*why = "the key file is a symbolic link";
		return ONECARD_ERR_POLICY;
	case EACCES:
	case EPERM:
		*why = "the key file cannot be read (permission denied)";
		return ONECARD_ERR_IO;
	default:
		*why = "the key file cannot be read";
		return ONECARD_ERR_IO;
	}
}

int oc_otp_key_load(const char *path, oc_otp_key **out, const char **why)
{
	char buf[OC_OTP_KEY_FILE_MAX + 1];
	unsigned char raw[OC_OTP_KEY_LEN];
	const char *reason = "the key file cannot be read";
	struct stat st;
	size_t n = 0, raw_len = 0;
	ssize_t got;
	int fd = -1, r = ONECARD_ERR_INTERNAL;

	if (out != NULL) {
		*out = NULL;
	}
	if (out == NULL || path == NULL || path[0] == '\0') {
		reason = "no key file given";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	/* O_NONBLOCK: a FIFO put in the key file's place must not hang the
	 * program; it is refused below as not a regular file. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = from_errno(errno, &reason);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = from_errno(errno, &reason);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		reason = "the key file is not a regular file";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if ((st.st_mode & MODE_GROUP_OTHER) != 0) {
		reason = "group or others have access to the key file (want mode 0600)";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > OC_OTP_KEY_FILE_MAX) {
		reason = "the key file is larger than its maximum";
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	/* Up to one byte past the maximum: it may have grown since fstat. */
	for (;;) {
		got = read(fd, buf + n, sizeof(buf) - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			r = from_errno(errno, &reason);
			goto out;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
		if (n > OC_OTP_KEY_FILE_MAX) {
			reason = "the key file is larger than its maximum";
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
	}
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
	}
	if (n != KEY_B64_LEN ||
	    oc_b64url_decode(buf, n, raw, sizeof(raw), &raw_len) != ONECARD_OK ||
	    raw_len != OC_OTP_KEY_LEN) {
		reason = "the key file does not hold 32 bytes in base64url (43 characters)";
		r = ONECARD_ERR_BAD_KEY;
		goto out;
	}
	r = oc_otp_key_from_bytes(raw, raw_len, out);
	if (r != ONECARD_OK) {
		reason = "the key could not be prepared";
		goto out;
	}
	reason = "";
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(raw, sizeof(raw));
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int oc_otp_key_generate_file(const char *path, const char **why)
{
	unsigned char raw[OC_OTP_KEY_LEN];
	char text[KEY_B64_LEN + 2];
	const char *reason = "the key file cannot be written";
	int fd = -1, created = 0, r = ONECARD_ERR_INTERNAL;

	if (path == NULL || path[0] == '\0') {
		reason = "no key file given";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (RAND_bytes(raw, (int)sizeof(raw)) != 1) {
		ERR_clear_error();
		reason = "the random generator failed";
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	if (oc_b64url_encode(raw, sizeof(raw), text, sizeof(text)) != ONECARD_OK) {
		reason = "the key could not be encoded";
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	text[KEY_B64_LEN] = '\n';
	/* O_EXCL: an existing key is never replaced (the secrets sealed
	 * under it would be lost). Mode 0600 whatever the umask says. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		  S_IRUSR | S_IWUSR);
	if (fd < 0) {
		if (errno == EEXIST) {
			reason = "the key file exists already (it is never replaced)";
			r = ONECARD_ERR_EXISTS;
		} else {
			reason = "the key file cannot be created";
			r = ONECARD_ERR_IO;
		}
		goto out;
	}
	created = 1;
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_all(fd, text, KEY_B64_LEN + 1) != 0 ||
	    fsync(fd) != 0) {
		reason = "the key file cannot be written";
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		reason = "the key file cannot be written";
		r = ONECARD_ERR_IO;
		goto out;
	}
	fd = -1;
	reason = "";
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	if (r != ONECARD_OK && created) {
		(void)unlink(path);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	if (why != NULL) {
		*why = reason;
	}
	return r;
}
