/*
 * Card certificate path validation (docs/chain.md). The only authd file
 * that drives OpenSSL's X509_STORE / X509_STORE_CTX.
 */
#include "chain.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

/* OpenSSL security level for keys and digests in the path: 112 bits
 * (RSA >= 2048, no SHA-1). Our own checks below say the same for the leaf. */
#define OC_CHAIN_AUTH_LEVEL   2
#define OC_CHAIN_MIN_RSA_BITS 2048
#define OC_CHAIN_ANY_POLICY   "2.5.29.32.0"

struct oc_chain_store {
	X509_STORE *x509;	  /* anchors (trusted) and accepted CRLs */
	STACK_OF(X509) * anchors; /* the same anchors, for CRL signer lookup */
	STACK_OF(X509) * cas;	  /* untrusted CA certificates */
	size_t ncrls;
};

static const char *const reason_strings[] = {
	[OC_CHAIN_OK] = "certificate valid",
	[OC_CHAIN_INVALID] = "certificate invalid: path validation failed",
	[OC_CHAIN_UNTRUSTED] = "certificate invalid: no path to a trust anchor",
	[OC_CHAIN_BAD_SIGNATURE] = "certificate invalid: bad signature in the path",
	[OC_CHAIN_EXPIRED] = "certificate invalid: expired",
	[OC_CHAIN_NOT_YET_VALID] = "certificate invalid: not yet valid",
	[OC_CHAIN_REVOKED] = "certificate invalid: revoked",
	[OC_CHAIN_CRL_MISSING] = "certificate invalid: revocation status unknown",
	[OC_CHAIN_CRL_STALE] = "certificate invalid: CRL out of date",
	[OC_CHAIN_CRL_INVALID] = "certificate invalid: CRL unusable",
	[OC_CHAIN_TOO_LONG] = "certificate invalid: path too long",
	[OC_CHAIN_BASIC_CONSTRAINTS] = "certificate invalid: basic constraints violated",
	[OC_CHAIN_KEY_USAGE] = "certificate invalid: CA key usage does not allow signing",
	[OC_CHAIN_POLICY] = "certificate invalid: certificate policy not acceptable",
	[OC_CHAIN_NAME_CONSTRAINTS] = "certificate invalid: name constraints violated",
	[OC_CHAIN_UNKNOWN_CRITICAL_EXT] = "certificate invalid: unknown critical extension",
	[OC_CHAIN_LEAF_IS_CA] = "certificate invalid: card certificate is not an end entity",
	[OC_CHAIN_LEAF_NO_CLIENT_AUTH] = "certificate invalid: no clientAuth extended key usage",
	[OC_CHAIN_LEAF_NO_DIGITAL_SIGNATURE] = "certificate invalid: no digitalSignature key usage",
	[OC_CHAIN_BAD_SERIAL] = "certificate invalid: serial number is zero or negative",
	[OC_CHAIN_WEAK_KEY] = "certificate invalid: key type or size not allowed",
	[OC_CHAIN_WEAK_ALGORITHM] = "certificate invalid: weak signature algorithm",
	[OC_CHAIN_TOO_MANY_CERTS] = "certificate invalid: too many certificates presented",
};

const char *oc_chain_reason_str(enum oc_chain_reason reason)
{
	size_t i = (size_t)reason;

	if (i >= sizeof(reason_strings) / sizeof(reason_strings[0]) || reason_strings[i] == NULL) {
		return "certificate invalid: unknown reason";
	}
	return reason_strings[i];
}

void oc_chain_params_init(struct oc_chain_params *p)
{
	if (p == NULL) {
		return;
	}
	memset(p, 0, sizeof(*p));
	p->verify_time = 0;
	p->max_depth = OC_CHAIN_DEFAULT_DEPTH;
	p->max_untrusted = OC_CHAIN_MAX_UNTRUSTED;
	p->max_crl_age = 0;
	p->require_crl_next_update = 1;
	p->require_client_auth = 1;
	p->require_digital_signature = 1;
	p->leaf_ca = OC_CHAIN_LEAF_CA_FALSE;
}

int oc_chain_store_new(struct oc_chain_store **out)
{
	struct oc_chain_store *s = NULL;
	int r = ONECARD_ERR_NOMEM;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		goto out;
	}
	s->x509 = X509_STORE_new();
	s->anchors = sk_X509_new_null();
	s->cas = sk_X509_new_null();
	if (s->x509 == NULL || s->anchors == NULL || s->cas == NULL) {
		goto out;
	}
	*out = s;
	s = NULL;
	r = ONECARD_OK;
out:
	oc_chain_store_free(s);
	ERR_clear_error();
	return r;
}

void oc_chain_store_free(struct oc_chain_store *store)
{
	if (store == NULL) {
		return;
	}
	X509_STORE_free(store->x509);
	sk_X509_pop_free(store->anchors, X509_free);
	sk_X509_pop_free(store->cas, X509_free);
	free(store);
}

static size_t store_ncerts(const struct oc_chain_store *s)
{
	return (size_t)sk_X509_num(s->anchors) + (size_t)sk_X509_num(s->cas);
}

/* Pushes an owned reference to cert onto sk. */
static int push_ref(STACK_OF(X509) * sk, X509 *cert)
{
	if (X509_up_ref(cert) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	if (sk_X509_push(sk, cert) <= 0) {
		X509_free(cert);
		return ONECARD_ERR_NOMEM;
	}
	return ONECARD_OK;
}

int oc_chain_store_add_anchor(struct oc_chain_store *store, X509 *cert)
{
	int r = ONECARD_ERR_INVALID_ARG;

	if (store == NULL || cert == NULL) {
		goto out;
	}
	r = ONECARD_ERR_TOO_LARGE;
	if (store_ncerts(store) >= OC_CHAIN_MAX_STORE_CERTS) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	if (X509_STORE_add_cert(store->x509, cert) != 1) {
		goto out;
	}
	r = push_ref(store->anchors, cert);
out:
	ERR_clear_error();
	return r;
}

int oc_chain_store_add_ca(struct oc_chain_store *store, X509 *cert)
{
	int r = ONECARD_ERR_INVALID_ARG;

	if (store == NULL || cert == NULL) {
		goto out;
	}
	r = ONECARD_ERR_TOO_LARGE;
	if (store_ncerts(store) >= OC_CHAIN_MAX_STORE_CERTS) {
		goto out;
	}
	r = push_ref(store->cas, cert);
out:
	ERR_clear_error();
	return r;
}

/* 1 when signer may have signed crl: same name, cRLSign if keyUsage is
 * present, and the signature verifies with its key. */
static int crl_signed_by(X509_CRL *crl, X509 *signer)
{
	EVP_PKEY *pkey = NULL;
	uint32_t flags = 0;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(signer)) != 0) {
		return 0;
	}
	flags = X509_get_extension_flags(signer);
	if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(signer) & KU_CRL_SIGN) == 0) {
		return 0;
	}
	pkey = X509_get0_pubkey(signer);
	if (pkey == NULL) {
		return 0;
	}
	return X509_CRL_verify(crl, pkey) == 1;
}

static int crl_signed_by_any(X509_CRL *crl, STACK_OF(X509) * sk)
{
	int i = 0;

	for (i = 0; i < sk_X509_num(sk); i++) {
		if (crl_signed_by(crl, sk_X509_value(sk, i))) {
			return 1;
		}
	}
	return 0;
}

int oc_chain_store_add_crl(struct oc_chain_store *store, X509_CRL *crl)
{
	int r = ONECARD_ERR_INVALID_ARG;

	if (store == NULL || crl == NULL) {
		goto out;
	}
	r = ONECARD_ERR_TOO_LARGE;
	if (store->ncrls >= OC_CHAIN_MAX_STORE_CRLS) {
		goto out;
	}
	r = ONECARD_ERR_BAD_SIGNATURE;
	if (!crl_signed_by_any(crl, store->anchors) && !crl_signed_by_any(crl, store->cas)) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	if (X509_STORE_add_crl(store->x509, crl) != 1) {
		goto out;
	}
	store->ncrls++;
	r = ONECARD_OK;
out:
	ERR_clear_error();
	return r;
}

/* Reads one CRL file, DER or PEM, of at most OC_CHAIN_MAX_CRL_FILE bytes. */
static int read_crl_file(const char *path, X509_CRL **out)
{
	BIO *bio = NULL;
	X509_CRL *crl = NULL;
	struct stat st;
	int r = ONECARD_ERR_IO;

	*out = NULL;
	if (stat(path, &st) != 0) {
		goto out;
	}
	r = ONECARD_ERR_TOO_LARGE;
	if (st.st_size > OC_CHAIN_MAX_CRL_FILE) {
		goto out;
	}
	r = ONECARD_ERR_IO;
	bio = BIO_new_file(path, "rb");
	if (bio == NULL) {
		goto out;
	}
	crl = d2i_X509_CRL_bio(bio, NULL);
	if (crl == NULL) {
		if (BIO_reset(bio) != 0) {
			goto out;
		}
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	}
	r = ONECARD_ERR_BAD_FORMAT;
	if (crl == NULL) {
		goto out;
	}
	*out = crl;
	crl = NULL;
	r = ONECARD_OK;
out:
	X509_CRL_free(crl);
	BIO_free(bio);
	return r;
}

/* Adds every PEM certificate in path with add (anchor or CA); at least one. */
static int load_pem_certs(struct oc_chain_store *store, const char *path,
			  int (*add)(struct oc_chain_store *, X509 *))
{
	BIO *bio = NULL;
	X509 *cert = NULL;
	int n = 0;
	int r = ONECARD_ERR_IO;

	bio = BIO_new_file(path, "r");
	if (bio == NULL) {
		goto out;
	}
	for (;;) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (cert == NULL) {
			break;
		}
		r = add(store, cert);
		X509_free(cert);
		cert = NULL;
		if (r != ONECARD_OK) {
			goto out;
		}
		n++;
	}
	r = n > 0 ? ONECARD_OK : ONECARD_ERR_BAD_FORMAT;
out:
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

static int load_anchors(struct oc_chain_store *store, const char *path)
{
	return load_pem_certs(store, path, oc_chain_store_add_anchor);
}

int oc_chain_store_load_files(struct oc_chain_store *store, const char *anchors_pem_path,
			      const char *cas_pem_path, const char *const *crl_paths, size_t ncrl,
			      size_t *rejected)
{
	X509_CRL *crl = NULL;
	size_t bad = 0;
	size_t i;
	int r = ONECARD_ERR_INVALID_ARG;

	if (rejected != NULL) {
		*rejected = 0;
	}
	if (store == NULL || anchors_pem_path == NULL || (crl_paths == NULL && ncrl > 0)) {
		goto out;
	}
	r = load_anchors(store, anchors_pem_path);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (cas_pem_path != NULL) {
		r = load_pem_certs(store, cas_pem_path, oc_chain_store_add_ca);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	for (i = 0; i < ncrl; i++) {
		r = read_crl_file(crl_paths[i], &crl);
		if (r != ONECARD_OK) {
			goto out;
		}
		r = oc_chain_store_add_crl(store, crl);
		X509_CRL_free(crl);
		crl = NULL;
		if (r == ONECARD_ERR_BAD_SIGNATURE) {
			bad++;
			continue;
		}
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	if (rejected != NULL) {
		*rejected = bad;
	}
	r = ONECARD_OK;
out:
	X509_CRL_free(crl);
	ERR_clear_error();
	return r;
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out);

static int earliest_not_after(STACK_OF(X509) * certs, time_t *t)
{
	int i;

	for (i = 0; i < sk_X509_num(certs); i++) {
		const ASN1_TIME *na = X509_get0_notAfter(sk_X509_value(certs, i));
		time_t v;

		if (na == NULL || asn1_time_to_time_t(na, &v) != ONECARD_OK) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (*t == 0 || v < *t) {
			*t = v;
		}
	}
	return ONECARD_OK;
}

int oc_chain_store_earliest_expiry(const struct oc_chain_store *store, time_t *out)
{
	time_t t = 0;
	int r;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = 0;
	if (store == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = earliest_not_after(store->anchors, &t);
	if (r == ONECARD_OK) {
		r = earliest_not_after(store->cas, &t);
	}
	if (r == ONECARD_OK) {
		*out = t;
	}
	return r;
}

int oc_chain_store_load_dir(struct oc_chain_store *store, const char *anchors_pem_path,
			    const char *crl_dir, size_t *rejected)
{
	DIR *dir = NULL;
	struct dirent *de = NULL;
	X509_CRL *crl = NULL;
	char path[OC_CHAIN_MAX_PATH_NAME];
	size_t bad = 0;
	int n = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (rejected != NULL) {
		*rejected = 0;
	}
	if (store == NULL || anchors_pem_path == NULL) {
		goto out;
	}
	r = load_anchors(store, anchors_pem_path);
	if (r != ONECARD_OK || crl_dir == NULL) {
		goto out;
	}
	r = ONECARD_ERR_IO;
	dir = opendir(crl_dir);
	if (dir == NULL) {
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.') {
			continue;
		}
		n = snprintf(path, sizeof(path), "%s/%s", crl_dir, de->d_name);
		r = ONECARD_ERR_TOO_LARGE;
		if (n < 0 || (size_t)n >= sizeof(path)) {
			goto out;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			continue;
		}
		r = read_crl_file(path, &crl);
		if (r != ONECARD_OK) {
			goto out;
		}
		r = oc_chain_store_add_crl(store, crl);
		X509_CRL_free(crl);
		crl = NULL;
		if (r == ONECARD_ERR_BAD_SIGNATURE) {
			bad++;
			continue;
		}
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	if (rejected != NULL) {
		*rejected = bad;
	}
	r = ONECARD_OK;
out:
	if (dir != NULL) {
		closedir(dir);
	}
	X509_CRL_free(crl);
	ERR_clear_error();
	return r;
}

static enum oc_chain_reason map_x509_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return OC_CHAIN_UNTRUSTED;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return OC_CHAIN_BAD_SIGNATURE;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
		return OC_CHAIN_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
		return OC_CHAIN_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return OC_CHAIN_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
		return OC_CHAIN_CRL_MISSING;
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return OC_CHAIN_CRL_STALE;
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
		return OC_CHAIN_CRL_INVALID;
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return OC_CHAIN_TOO_LONG;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_CA_BCONS_NOT_CRITICAL:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED:
		return OC_CHAIN_BASIC_CONSTRAINTS;
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return OC_CHAIN_KEY_USAGE;
	case X509_V_ERR_INVALID_POLICY_EXTENSION:
	case X509_V_ERR_NO_EXPLICIT_POLICY:
		return OC_CHAIN_POLICY;
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_SUBTREE_MINMAX:
	case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
	case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
	case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
		return OC_CHAIN_NAME_CONSTRAINTS;
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
		return OC_CHAIN_UNKNOWN_CRITICAL_EXT;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
		return OC_CHAIN_WEAK_KEY;
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return OC_CHAIN_WEAK_ALGORITHM;
	default:
		return OC_CHAIN_INVALID;
	}
}

static void set_result(struct oc_chain_result *res, enum oc_chain_reason reason, int x509_error,
		       int depth)
{
	res->ok = reason == OC_CHAIN_OK;
	res->reason = reason;
	res->reason_str = oc_chain_reason_str(reason);
	res->x509_error = x509_error;
	res->x509_error_str = X509_verify_cert_error_string(x509_error);
	res->error_depth = depth;
}

/* Seconds since the epoch of an ASN1_TIME, without timegm (not POSIX). */
static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
	ASN1_TIME *epoch = NULL;
	int days = 0;
	int secs = 0;
	int r = ONECARD_ERR_CRYPTO;

	*out = 0;
	epoch = ASN1_TIME_set(NULL, 0);
	if (epoch == NULL) {
		goto out;
	}
	if (ASN1_TIME_diff(&days, &secs, epoch, t) != 1) {
		goto out;
	}
	*out = (time_t)days * 86400 + (time_t)secs;
	r = ONECARD_OK;
out:
	ASN1_TIME_free(epoch);
	return r;
}

static int is_weak_digest(int md_nid)
{
	return md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md4 || md_nid == NID_md2 ||
	       md_nid == NID_md5_sha1 || md_nid == NID_mdc2;
}

/* RSA >= 2048 bits, EC on P-256, or SM2. */
static int leaf_key_ok(X509 *leaf)
{
	EVP_PKEY *pkey = X509_get0_pubkey(leaf);
	char group[64];
	size_t glen = 0;

	if (pkey == NULL) {
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		return EVP_PKEY_get_bits(pkey) >= OC_CHAIN_MIN_RSA_BITS;
	}
	if (EVP_PKEY_is_a(pkey, "SM2")) {
		return 1;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1) {
			return 0;
		}
		return strcmp(group, "prime256v1") == 0 || strcmp(group, "SM2") == 0;
	}
	return 0;
}

/* 1 when the certificate's serial number is greater than zero. */
static int serial_positive(X509 *x)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = sn != NULL ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	int ok = bn != NULL && !BN_is_zero(bn) && !BN_is_negative(bn);

	BN_free(bn);
	return ok;
}

/* onecard's rules on top of RFC 5280; returns the first broken one. */
static enum oc_chain_reason extra_checks(STACK_OF(X509) * chain, const struct oc_chain_params *p,
					 int *depth)
{
	X509 *leaf = sk_X509_value(chain, 0);
	uint32_t flags = X509_get_extension_flags(leaf);
	int n = sk_X509_num(chain);
	int i = 0;

	*depth = 0;
	if (p->leaf_ca != OC_CHAIN_LEAF_ANY && (flags & EXFLAG_CA) != 0) {
		return OC_CHAIN_LEAF_IS_CA;
	}
	if (p->leaf_ca == OC_CHAIN_LEAF_CA_FALSE && (flags & EXFLAG_BCONS) == 0) {
		return OC_CHAIN_LEAF_IS_CA;
	}
	/* OpenSSL sets XKU_SSL_CLIENT only for the clientAuth OID itself;
	 * anyExtendedKeyUsage alone sets XKU_ANYEKU and is not enough. */
	if (p->require_client_auth && ((flags & EXFLAG_XKUSAGE) == 0 ||
				       (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT) == 0)) {
		return OC_CHAIN_LEAF_NO_CLIENT_AUTH;
	}
	if (p->require_digital_signature &&
	    ((flags & EXFLAG_KUSAGE) == 0 ||
	     (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0)) {
		return OC_CHAIN_LEAF_NO_DIGITAL_SIGNATURE;
	}
	if (!leaf_key_ok(leaf)) {
		return OC_CHAIN_WEAK_KEY;
	}
	/* RFC 5280 4.1.2.2: a positive integer. Zero is a common CA bug (and a
	 * collision waiting to happen in a CRL); negatives pass parsing. */
	if (p->require_client_auth && !serial_positive(leaf)) {
		return OC_CHAIN_BAD_SERIAL;
	}
	for (i = 0; i < n; i++) {
		X509 *c = sk_X509_value(chain, i);
		int md_nid = NID_undef;
		int pk_nid = NID_undef;

		/* A self-signed anchor's own signature is not relied on. */
		if (i == n - 1 && (X509_get_extension_flags(c) & EXFLAG_SS) != 0) {
			continue;
		}
		if (OBJ_find_sigid_algs(X509_get_signature_nid(c), &md_nid, &pk_nid) != 1 ||
		    is_weak_digest(md_nid)) {
			*depth = i;
			return OC_CHAIN_WEAK_ALGORITHM;
		}
	}
	return OC_CHAIN_OK;
}

/* The newer of two CRLs by thisUpdate. */
static X509_CRL *newer_crl(X509_CRL *a, X509_CRL *b)
{
	if (a == NULL) {
		return b;
	}
	return ASN1_TIME_compare(X509_CRL_get0_lastUpdate(b), X509_CRL_get0_lastUpdate(a)) > 0 ? b
											       : a;
}

/*
 * The CRL OpenSSL relied on for cert: the newest full (non-delta) CRL in
 * the store named after cert's issuer that verifies with the issuer's key;
 * failing that (a CA that rolled its key over, PKITS 4.5, or signs CRLs
 * with a separate key, 4.4.19), the newest such CRL by name, which the
 * store verified against a CA with cRLSign on admission. NULL if none.
 */
static X509_CRL *find_evidence_crl(X509_STORE_CTX *ctx, X509 *cert, X509 *issuer)
{
	STACK_OF(X509_CRL) *crls = NULL;
	X509_CRL *by_key = NULL;
	X509_CRL *by_name = NULL;
	X509_CRL *best = NULL;
	EVP_PKEY *pkey = NULL;
	int i = 0;

	pkey = issuer != NULL ? X509_get0_pubkey(issuer) : NULL;
	crls = X509_STORE_CTX_get1_crls(ctx, X509_get_issuer_name(cert));
	if (crls == NULL) {
		goto out;
	}
	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(crls, i);

		if (X509_CRL_get_ext_by_NID(c, NID_delta_crl, -1) >= 0) {
			continue;
		}
		by_name = newer_crl(by_name, c);
		if (pkey != NULL && X509_CRL_verify(c, pkey) == 1) {
			by_key = newer_crl(by_key, c);
		}
	}
	best = by_key != NULL ? by_key : by_name;
	if (best != NULL && X509_CRL_up_ref(best) != 1) {
		best = NULL;
	}
out:
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	ERR_clear_error();
	return best;
}

static int fill_evidence(X509_CRL *crl, struct oc_chain_evidence *ev)
{
	ASN1_INTEGER *num = NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	BIO *bio = NULL;
	const ASN1_TIME *next = NULL;
	int len = 0;
	int r = ONECARD_ERR_NOMEM;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL) {
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (X509_NAME_print_ex(bio, X509_CRL_get_issuer(crl), 0, XN_FLAG_RFC2253) < 0) {
		goto out;
	}
	len = BIO_read(bio, ev->crl_issuer, (int)sizeof(ev->crl_issuer) - 1);
	r = ONECARD_ERR_TOO_LARGE;
	if (len < 0 || BIO_pending(bio) > 0) {
		goto out;
	}
	ev->crl_issuer[len] = '\0';
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	if (num != NULL) {
		r = ONECARD_ERR_CRYPTO;
		bn = ASN1_INTEGER_to_BN(num, NULL);
		hex = bn != NULL ? BN_bn2hex(bn) : NULL;
		if (hex == NULL) {
			goto out;
		}
		r = ONECARD_ERR_TOO_LARGE;
		if (strlen(hex) >= sizeof(ev->crl_number)) {
			goto out;
		}
		memcpy(ev->crl_number, hex, strlen(hex) + 1);
		ev->has_crl_number = 1;
	}
	r = asn1_time_to_time_t(X509_CRL_get0_lastUpdate(crl), &ev->this_update);
	if (r != ONECARD_OK) {
		goto out;
	}
	next = X509_CRL_get0_nextUpdate(crl);
	if (next != NULL) {
		r = asn1_time_to_time_t(next, &ev->next_update);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	ev->found = 1;
	r = ONECARD_OK;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	ASN1_INTEGER_free(num);
	BIO_free(bio);
	return r;
}

/* Records the CRL behind each certificate's status and applies onecard's
 * freshness rules (nextUpdate required, maximum age). */
static int collect_evidence(X509_STORE_CTX *ctx, STACK_OF(X509) * chain,
			    const struct oc_chain_params *p, time_t now,
			    struct oc_chain_result *res, enum oc_chain_reason *reason, int *depth)
{
	int n = sk_X509_num(chain);
	int i = 0;
	int r = ONECARD_OK;

	*reason = OC_CHAIN_OK;
	*depth = -1;
	for (i = 0; i < n; i++) {
		X509 *c = sk_X509_value(chain, i);
		X509 *issuer = NULL;
		X509_CRL *crl = NULL;
		struct oc_chain_evidence *ev = &res->evidence[i];

		if (i + 1 < n) {
			issuer = sk_X509_value(chain, i + 1);
		} else if ((X509_get_extension_flags(c) & EXFLAG_SS) != 0) {
			issuer = c;
		}
		crl = find_evidence_crl(ctx, c, issuer);
		if (crl == NULL) {
			/* Below the anchor a status without a nameable CRL is
			 * unknown for the audit row: fail closed. */
			if (i + 1 < n && *reason == OC_CHAIN_OK) {
				*reason = OC_CHAIN_CRL_MISSING;
				*depth = i;
			}
			continue;
		}
		r = fill_evidence(crl, ev);
		X509_CRL_free(crl);
		if (r != ONECARD_OK) {
			return r;
		}
		if (i + 1 == n || *reason != OC_CHAIN_OK) {
			continue;
		}
		if (p->require_crl_next_update && ev->next_update == 0) {
			*reason = OC_CHAIN_CRL_STALE;
			*depth = i;
		} else if (p->max_crl_age > 0 && now - ev->this_update > p->max_crl_age) {
			*reason = OC_CHAIN_CRL_STALE;
			*depth = i;
		}
	}
	return ONECARD_OK;
}

/*
 * RFC 5280 does not check a trust anchor's revocation status, but OpenSSL's
 * CRL_CHECK_ALL also checks the top of a PARTIAL_CHAIN path, and for a
 * non-self-signed anchor (a card-issuing CA configured without its root)
 * can only fail: it checks its issuer's CRL with the anchor's own key.
 * This callback forgives exactly that: a CRL error at the top of the path,
 * on a certificate that came from the trusted store and is not
 * self-signed. Everything else stays an error. An anchor that is revoked
 * must be removed from the configuration (docs/chain.md).
 */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL;
	int depth = 0;
	int n = 0;

	if (ok == 1) {
		return 1;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	n = chain != NULL ? sk_X509_num(chain) : 0;
	if (n < 2 || depth != n - 1 || depth < X509_STORE_CTX_get_num_untrusted(ctx)) {
		return 0;
	}
	cert = sk_X509_value(chain, depth);
	if ((X509_get_extension_flags(cert) & EXFLAG_SS) != 0) {
		return 0;
	}
	switch (X509_STORE_CTX_get_error(ctx)) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
		return 1;
	default:
		return 0;
	}
}

static int set_policies(X509_VERIFY_PARAM *vp, const struct oc_chain_params *p)
{
	STACK_OF(ASN1_OBJECT) *pol = NULL;
	ASN1_OBJECT *obj = NULL;
	size_t i = 0;
	size_t n = p->npolicies;
	int r = ONECARD_ERR_INVALID_ARG;

	if (n > OC_CHAIN_MAX_POLICIES) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	pol = sk_ASN1_OBJECT_new_null();
	if (pol == NULL) {
		goto out;
	}
	/* An empty set means RFC 5280's initial-policy-set = {anyPolicy}. It
	 * must be given: OpenSSL's user policy set stays empty otherwise and
	 * an explicit-policy requirement from the path then fails (PKITS 4.8.11). */
	for (i = 0; i < (n == 0 ? 1 : n); i++) {
		const char *oid = n == 0 ? OC_CHAIN_ANY_POLICY : p->policies[i];

		r = ONECARD_ERR_INVALID_ARG;
		if (oid == NULL) {
			goto out;
		}
		obj = OBJ_txt2obj(oid, 1);
		if (obj == NULL) {
			goto out;
		}
		r = ONECARD_ERR_NOMEM;
		if (sk_ASN1_OBJECT_push(pol, obj) <= 0) {
			goto out;
		}
		obj = NULL;
	}
	/* set1 copies the set and also turns on X509_V_FLAG_POLICY_CHECK. */
	r = ONECARD_ERR_NOMEM;
	if (X509_VERIFY_PARAM_set1_policies(vp, pol) != 1) {
		goto out;
	}
	r = ONECARD_OK;
out:
	ASN1_OBJECT_free(obj);
	sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
	return r;
}

static int params_ok(const struct oc_chain_params *p)
{
	return p->max_depth >= 1 && p->max_depth < OC_CHAIN_MAX_PATH - 1 && p->max_crl_age >= 0 &&
	       p->npolicies <= OC_CHAIN_MAX_POLICIES;
}

int oc_chain_verify(const struct oc_chain_store *store, X509 *leaf, STACK_OF(X509) * untrusted,
		    const struct oc_chain_params *p, struct oc_chain_result *res)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *pool = NULL;
	STACK_OF(X509) *chain = NULL;
	X509_VERIFY_PARAM *vp = NULL;
	enum oc_chain_reason reason = OC_CHAIN_INVALID;
	unsigned long flags = 0;
	time_t now = 0;
	int depth = -1;
	int i = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	if (res == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(res, 0, sizeof(*res));
	set_result(res, OC_CHAIN_INVALID, X509_V_ERR_UNSPECIFIED, -1);
	if (store == NULL || leaf == NULL || p == NULL || !params_ok(p)) {
		goto out;
	}
	if (untrusted != NULL && (size_t)sk_X509_num(untrusted) > p->max_untrusted) {
		set_result(res, OC_CHAIN_TOO_MANY_CERTS, X509_V_OK, -1);
		r = OC_CHAIN_REJECTED;
		goto out;
	}
	now = p->verify_time != 0 ? p->verify_time : time(NULL);

	r = ONECARD_ERR_NOMEM;
	pool = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (pool == NULL || ctx == NULL) {
		goto out;
	}
	/* The pool borrows: only the stack is freed. */
	for (i = 0; untrusted != NULL && i < sk_X509_num(untrusted); i++) {
		if (sk_X509_push(pool, sk_X509_value(untrusted, i)) <= 0) {
			goto out;
		}
	}
	for (i = 0; i < sk_X509_num(store->cas); i++) {
		if (sk_X509_push(pool, sk_X509_value(store->cas, i)) <= 0) {
			goto out;
		}
	}
	r = ONECARD_ERR_CRYPTO;
	if (X509_STORE_CTX_init(ctx, store->x509, leaf, pool) != 1) {
		goto out;
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	/* docs/chain.md explains each flag. */
	flags = X509_V_FLAG_X509_STRICT | X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL |
		X509_V_FLAG_USE_CHECK_TIME | X509_V_FLAG_POLICY_CHECK |
		X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_USE_DELTAS |
		X509_V_FLAG_PARTIAL_CHAIN;
	if (p->explicit_policy) {
		flags |= X509_V_FLAG_EXPLICIT_POLICY;
	}
	if (p->inhibit_policy_mapping) {
		flags |= X509_V_FLAG_INHIBIT_MAP;
	}
	if (p->inhibit_any_policy) {
		flags |= X509_V_FLAG_INHIBIT_ANY;
	}
	if (X509_VERIFY_PARAM_set_flags(vp, flags) != 1) {
		goto out;
	}
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	X509_VERIFY_PARAM_set_time(vp, now);
	X509_VERIFY_PARAM_set_depth(vp, p->max_depth);
	X509_VERIFY_PARAM_set_auth_level(vp, OC_CHAIN_AUTH_LEVEL);
	r = set_policies(vp, p);
	if (r != ONECARD_OK) {
		goto out;
	}

	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);

		if (err == X509_V_OK) {
			/* Refused without saying why: still a refusal. */
			err = X509_V_ERR_UNSPECIFIED;
		}
		set_result(res, map_x509_error(err), err, X509_STORE_CTX_get_error_depth(ctx));
		r = OC_CHAIN_REJECTED;
		goto out;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	r = ONECARD_ERR_CRYPTO;
	if (chain == NULL || sk_X509_num(chain) < 1) {
		goto out;
	}
	if (sk_X509_num(chain) > OC_CHAIN_MAX_PATH) {
		set_result(res, OC_CHAIN_TOO_LONG, X509_V_ERR_CERT_CHAIN_TOO_LONG, -1);
		r = OC_CHAIN_REJECTED;
		goto out;
	}
	res->path_len = (size_t)sk_X509_num(chain);
	reason = extra_checks(chain, p, &depth);
	if (reason != OC_CHAIN_OK) {
		set_result(res, reason, X509_V_OK, depth);
		r = OC_CHAIN_REJECTED;
		goto out;
	}
	r = collect_evidence(ctx, chain, p, now, res, &reason, &depth);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (reason != OC_CHAIN_OK) {
		set_result(res, reason, X509_V_OK, depth);
		r = OC_CHAIN_REJECTED;
		goto out;
	}
	set_result(res, OC_CHAIN_OK, X509_V_OK, -1);
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		res->ok = 0;
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_free(pool);
	ERR_clear_error();
	return r;
}
