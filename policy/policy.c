/*
 * Loading a policy file, looking things up in a loaded policy, freeing
 * it. The file is read whole (at most OC_POLICY_FILE_MAX bytes, regular
 * files only) and parsed from memory, so the loader never follows an
 * include, never blocks on a FIFO, and the fuzz target runs exactly the
 * path a real load runs (pol_load_text).
 *
 * Lookups by id are linear: at most OC_POLICY_MODULES_MAX entries, and a
 * policy is loaded once and read many times by few callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onecard/error.h>

#include "conf.h"
#include "policy_int.h"

const struct pol_name pol_key_type_names[] = {
	{"ec-p256", OC_KEY_EC_P256},
	{"rsa-2048", OC_KEY_RSA_2048},
	{"rsa-3072", OC_KEY_RSA_3072},
	{"sm2", OC_KEY_SM2},
};
const size_t pol_key_type_names_len = sizeof(pol_key_type_names) / sizeof(pol_key_type_names[0]);

const struct pol_name pol_key_usage_names[] = {
	{"digitalSignature", OC_KU_DIGITAL_SIGNATURE},
	{"nonRepudiation", OC_KU_NON_REPUDIATION},
	{"keyEncipherment", OC_KU_KEY_ENCIPHERMENT},
};
const size_t pol_key_usage_names_len = sizeof(pol_key_usage_names) / sizeof(pol_key_usage_names[0]);

const struct pol_name pol_eku_names[] = {
	{"clientAuth", OC_EKU_CLIENT_AUTH},
	{"smartcardLogon", OC_EKU_SMARTCARD_LOGON},
	{"emailProtection", OC_EKU_EMAIL_PROTECTION},
};
const size_t pol_eku_names_len = sizeof(pol_eku_names) / sizeof(pol_eku_names[0]);

const struct pol_name pol_acr_names[] = {
	{"card", OC_ACR_CARD},
	{"pwd-otp", OC_ACR_PWD_OTP},
};
const size_t pol_acr_names_len = sizeof(pol_acr_names) / sizeof(pol_acr_names[0]);

/* Reads the regular file at path into a new NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *out_len, char err[OC_POLICY_ERR_MAX])
{
	char reason[128];
	struct stat st;
	char *buf = NULL;
	size_t cap;
	size_t len = 0;
	ssize_t got;
	int fd = -1;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	*out_len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; regular files ignore it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (strerror_r(errno, reason, sizeof(reason)) != 0) {
			reason[0] = '\0';
		}
		pol_err(err, OC_POLICY_ERR_MAX, path, 0, "cannot open: %s", reason);
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		pol_err(err, OC_POLICY_ERR_MAX, path, 0, "not a regular file");
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > OC_POLICY_FILE_MAX) {
		pol_err(err, OC_POLICY_ERR_MAX, path, 0, "larger than %u bytes",
			OC_POLICY_FILE_MAX);
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	/* One byte more than the size: a file that grew shows up as full. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		pol_err(err, OC_POLICY_ERR_MAX, path, 0, "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	while (len < cap) {
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			if (strerror_r(errno, reason, sizeof(reason)) != 0) {
				reason[0] = '\0';
			}
			pol_err(err, OC_POLICY_ERR_MAX, path, 0, "cannot read: %s", reason);
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (got == 0) {
			break;
		}
		len += (size_t)got;
	}
	if (len == cap) {
		pol_err(err, OC_POLICY_ERR_MAX, path, 0, "changed while being read");
		r = ONECARD_ERR_IO;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd >= 0) {
		close(fd);
	}
	return r;
}

int pol_load_text(const char *text, size_t len, const char *file_name, oc_policy **out,
		  char err[OC_POLICY_ERR_MAX])
{
	struct pol_arena tree_arena;
	const struct pc_node *root = NULL;
	oc_policy *pol = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	err[0] = '\0';
	pol_arena_init(&tree_arena);
	if (len > OC_POLICY_FILE_MAX) {
		pol_err(err, OC_POLICY_ERR_MAX, file_name, 0, "larger than %u bytes",
			OC_POLICY_FILE_MAX);
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	pol = calloc(1, sizeof(*pol));
	if (pol == NULL) {
		pol_err(err, OC_POLICY_ERR_MAX, file_name, 0, "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	pol_arena_init(&pol->arena);
	r = pc_parse(text, len, file_name, &tree_arena, &root, err, OC_POLICY_ERR_MAX);
	if (r != 0) {
		goto out;
	}
	r = pol_build(root, file_name, pol, err, OC_POLICY_ERR_MAX);
	if (r != 0) {
		goto out;
	}
	*out = pol;
	pol = NULL;
	r = 0;
out:
	oc_policy_free(pol);
	pol_arena_free(&tree_arena);
	return r;
}

int oc_policy_load(const char *path, oc_policy **out, char err[OC_POLICY_ERR_MAX])
{
	char scratch[OC_POLICY_ERR_MAX];
	char *msg = err != NULL ? err : scratch;
	char *text = NULL;
	size_t len = 0;
	int r = ONECARD_ERR_INTERNAL;

	msg[0] = '\0';
	if (out != NULL) {
		*out = NULL;
	}
	if (path == NULL || out == NULL) {
		pol_err(msg, OC_POLICY_ERR_MAX, "oc_policy_load", 0, "path and out are required");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = read_file(path, &text, &len, msg);
	if (r != 0) {
		goto out;
	}
	r = pol_load_text(text, len, path, out, msg);
out:
	free(text);
	return r;
}

void oc_policy_free(oc_policy *policy)
{
	if (policy == NULL) {
		return;
	}
	pol_arena_free(&policy->arena);
	free(policy);
}

const oc_agency *oc_policy_agency(const oc_policy *policy, const char *id)
{
	size_t i;

	if (policy == NULL || id == NULL) {
		return NULL;
	}
	for (i = 0; i < policy->agencies_len; i++) {
		if (strcmp(policy->agencies[i].id, id) == 0) {
			return &policy->agencies[i];
		}
	}
	return NULL;
}

const oc_profile *oc_policy_profile(const oc_policy *policy, const char *id)
{
	size_t i;

	if (policy == NULL || id == NULL) {
		return NULL;
	}
	for (i = 0; i < policy->profiles_len; i++) {
		if (strcmp(policy->profiles[i].id, id) == 0) {
			return &policy->profiles[i];
		}
	}
	return NULL;
}

const oc_module *oc_policy_module(const oc_policy *policy, const char *id)
{
	size_t i;

	if (policy == NULL || id == NULL) {
		return NULL;
	}
	for (i = 0; i < policy->modules_len; i++) {
		if (strcmp(policy->modules[i].id, id) == 0) {
			return &policy->modules[i];
		}
	}
	return NULL;
}

size_t oc_policy_agency_count(const oc_policy *policy)
{
	return policy != NULL ? policy->agencies_len : 0;
}

size_t oc_policy_profile_count(const oc_policy *policy)
{
	return policy != NULL ? policy->profiles_len : 0;
}

size_t oc_policy_module_count(const oc_policy *policy)
{
	return policy != NULL ? policy->modules_len : 0;
}

const oc_agency *oc_policy_agency_at(const oc_policy *policy, size_t i)
{
	if (policy == NULL || i >= policy->agencies_len) {
		return NULL;
	}
	return &policy->agencies[i];
}

const oc_profile *oc_policy_profile_at(const oc_policy *policy, size_t i)
{
	if (policy == NULL || i >= policy->profiles_len) {
		return NULL;
	}
	return &policy->profiles[i];
}

const oc_session_policy *oc_policy_session(const oc_policy *policy)
{
	return policy != NULL ? &policy->session : NULL;
}

const oc_totp_policy *oc_policy_totp(const oc_policy *policy)
{
	return policy != NULL ? &policy->totp : NULL;
}

const oc_module *oc_policy_module_at(const oc_policy *policy, size_t i)
{
	if (policy == NULL || i >= policy->modules_len) {
		return NULL;
	}
	return &policy->modules[i];
}

const char *oc_key_type_name(unsigned one_bit)
{
	size_t i;

	for (i = 0; i < pol_key_type_names_len; i++) {
		if (pol_key_type_names[i].bit == one_bit) {
			return pol_key_type_names[i].name;
		}
	}
	return NULL;
}
