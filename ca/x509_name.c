/* Subject names (x509.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <onecard/error.h>

#include "check.h"
#include "x509.h"

/* Adds attr=value (UTF-8) to name. OpenSSL picks the string type the
 * attribute demands and enforces its size bounds (ub-common-name...). */
static int add_rdn(X509_NAME *name, const char *attr, const char *value, const char **why)
{
	if (X509_NAME_add_entry_by_txt(name, attr, MBSTRING_UTF8, (const unsigned char *)value, -1,
				       -1, 0) != 1) {
		ERR_clear_error();
		*why = "a subject attribute value does not fit its attribute (too long?)";
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_x509_name_from_profile(const oc_profile *profile, const struct oc_subject_values *v,
			      X509_NAME **out, const char **why)
{
	X509_NAME *name = NULL;
	char value[OC_CA_RDN_VALUE_MAX];
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	*why = NULL;
	if (profile->subject_len == 0) {
		*why = "the profile has an empty subject";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	name = X509_NAME_new();
	if (name == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < profile->subject_len; i++) {
		r = oc_subject_fill(profile->subject[i].value, v, value, sizeof(value), why);
		if (r != ONECARD_OK) {
			goto out;
		}
		r = add_rdn(name, profile->subject[i].attr, value, why);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	*out = name;
	name = NULL;
	r = ONECARD_OK;
out:
	X509_NAME_free(name);
	return r;
}

int oc_x509_name_ca(const char *ca_name, const char *cn_suffix, X509_NAME **out, const char **why)
{
	X509_NAME *name = NULL;
	char cn[OC_CA_NAME_MAX + 32];
	int r = ONECARD_ERR_INTERNAL, n;

	*out = NULL;
	*why = NULL;
	r = oc_check_text(ca_name, OC_CA_NAME_MAX, why);
	if (r != ONECARD_OK) {
		*why = "the CA name must be 1 to 128 bytes of UTF-8 text";
		goto out;
	}
	n = snprintf(cn, sizeof(cn), "%s %s", ca_name, cn_suffix);
	if (n < 0 || (size_t)n >= sizeof(cn)) {
		*why = "the CA name is too long";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	name = X509_NAME_new();
	if (name == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = add_rdn(name, "O", ca_name, why);
	if (r == ONECARD_OK) {
		r = add_rdn(name, "CN", cn, why);
	}
	if (r != ONECARD_OK) {
		*why = "the CA name is too long for a certificate (at most 64 characters for O, "
		       "and CN adds a suffix)";
		goto out;
	}
	*out = name;
	name = NULL;
out:
	X509_NAME_free(name);
	return r;
}

int oc_x509_name_text(const X509_NAME *name, char **out)
{
	BIO *bio = NULL;
	char *data = NULL, *text = NULL;
	long n;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	/* RFC 4514 escaping, but UTF-8 left as it is (no \XX for bytes
	 * over 0x7F), so Chinese names stay readable. */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n < 0 || (size_t)n >= OC_CA_SUBJECT_TEXT_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	text = malloc((size_t)n + 1);
	if (text == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (n > 0) {
		memcpy(text, data, (size_t)n);
	}
	text[n] = '\0';
	*out = text;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		ERR_clear_error();
	}
	BIO_free(bio);
	return r;
}
