/*
 * The key source for a CSR file (ca.h): the public key to certify is
 * the CSR's, once the CSR has been read within its bound, its key
 * judged by the profile and its signature checked. Nothing to deliver
 * or undo after issuance.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "ca.h"
#include "fileio.h"
#include "x509.h"

struct csr_state {
	char path[OC_CA_PATH_MAX];
};

static int csr_pubkey(struct oc_key_source *src, unsigned allowed, EVP_PKEY **key, const char **why)
{
	const struct csr_state *st = src->state;
	unsigned char *buf = NULL;
	size_t len = 0;
	X509_REQ *req = NULL;
	int r;

	*key = NULL;
	*why = NULL;
	r = oc_file_read(st->path, OC_CA_CSR_MAX, OC_FILE_FOLLOW, &buf, &len);
	if (r == ONECARD_ERR_TOO_LARGE) {
		*why = "the CSR is larger than 64 KiB";
		goto out;
	}
	if (r != ONECARD_OK) {
		*why = errno == ENOENT ? "the CSR file does not exist"
				       : "the CSR file cannot be read";
		goto out;
	}
	r = oc_sha256_hex(buf, len, src->input_sha256);
	if (r == ONECARD_OK) {
		r = oc_csr_parse(buf, len, &req, why);
	}
	if (r == ONECARD_OK) {
		r = oc_csr_check(req, allowed, key, why);
	}
out:
	X509_REQ_free(req);
	oc_buf_free(buf, len);
	return r;
}

static void csr_free(struct oc_key_source *src)
{
	free(src->state);
	free(src);
}

int oc_csr_source_new(const char *path, struct oc_key_source **out)
{
	struct oc_key_source *src = NULL;
	struct csr_state *st = NULL;
	size_t len;

	*out = NULL;
	len = path != NULL ? strnlen(path, OC_CA_PATH_MAX) : 0;
	if (len == 0 || len >= OC_CA_PATH_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	src = calloc(1, sizeof(*src));
	st = calloc(1, sizeof(*st));
	if (src == NULL || st == NULL) {
		free(src);
		free(st);
		return ONECARD_ERR_NOMEM;
	}
	memcpy(st->path, path, len + 1);
	src->kind = "csr";
	src->card_id = NULL;
	src->pubkey = csr_pubkey;
	src->deliver = NULL;
	src->abort = NULL;
	src->free = csr_free;
	src->state = st;
	*out = src;
	return ONECARD_OK;
}

void oc_key_source_free(struct oc_key_source *src)
{
	if (src != NULL && src->free != NULL) {
		src->free(src);
	}
}
