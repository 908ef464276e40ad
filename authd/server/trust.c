/*
 * The trust snapshot and its validated-certificate cache (trust.h).
 *
 * The cache is keyed by the SHA-256 of the presented certificate. A
 * verdict is only ever reused with the snapshot (anchors, CAs, CRLs) it
 * was reached with, and only until the earliest of: the certificate's
 * notAfter, the notAfter of every CA certificate involved, the
 * nextUpdate of every CRL relied on, thisUpdate + crl_max_age, and
 * AUTHD_CACHE_TTL. Directory statuses are never cached: a suspension
 * bites at the next login.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "directory.h"
#include "trust.h"

#define CACHE_BUCKETS 4096u
#define NFILES_MAX    (2u + AUTHD_CRL_FILES_MAX)

struct cert_entry {
	struct authd_cert pub; /* first: authd_cert_release finds the entry */
	atomic_uint refs;
	struct cert_entry *next;
};

struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

struct authd_trust {
	atomic_uint refs;
	struct oc_chain_store *store;
	struct oc_chain_params params;
	time_t store_expiry; /* earliest notAfter of the anchors and CAs */
	long crl_max_age;
	size_t rejected_crls;
	struct file_stamp stamps[NFILES_MAX];
	size_t nstamps;
	pthread_rwlock_t lock;
	struct cert_entry *buckets[CACHE_BUCKETS];
	size_t nentries;
	atomic_uint_fast64_t hits, misses;
};

/* A one-line message into err; a long path is cut, not an error. */
__attribute__((format(printf, 2, 3))) static void set_err(char err[AUTHD_CONFIG_ERR_MAX],
							  const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, AUTHD_CONFIG_ERR_MAX, fmt, ap);
	va_end(ap);
	if (n < 0) {
		err[0] = '\0';
	}
}

/* ---- entries ------------------------------------------------------------- */

static void entry_free(struct cert_entry *e)
{
	if (e == NULL) {
		return;
	}
	EVP_PKEY_free(e->pub.pkey);
	free(e->pub.evidence);
	free(e);
}

static const struct authd_cert *entry_ref(struct cert_entry *e)
{
	atomic_fetch_add(&e->refs, 1u);
	return &e->pub;
}

void authd_cert_release(const struct authd_cert *c)
{
	struct cert_entry *e = (struct cert_entry *)(uintptr_t)c;

	if (e != NULL && atomic_fetch_sub(&e->refs, 1u) == 1u) {
		entry_free(e);
	}
}

/* ---- loading ------------------------------------------------------------- */

static int stamp_file(const char *path, struct file_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) != 0) {
		return ONECARD_ERR_IO;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
	st->ctime = sb.st_ctim;
	return ONECARD_OK;
}

/* The configured files in a fixed order: anchors, cas (if any), CRLs. */
static size_t trust_files(const struct authd_config *cfg, const char *files[NFILES_MAX])
{
	size_t n = 0;
	size_t i;

	files[n++] = cfg->anchors;
	if (cfg->cas[0] != '\0') {
		files[n++] = cfg->cas;
	}
	for (i = 0; i < cfg->ncrls; i++) {
		files[n++] = cfg->crls[i];
	}
	return n;
}

int authd_trust_load(const struct authd_config *cfg, struct authd_trust **out,
		     char err[AUTHD_CONFIG_ERR_MAX])
{
	const char *files[NFILES_MAX];
	const char *crls[AUTHD_CRL_FILES_MAX];
	struct authd_trust *t = NULL;
	size_t i, n;
	int r;

	*out = NULL;
	err[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		set_err(err, "out of memory");
		return ONECARD_ERR_NOMEM;
	}
	atomic_init(&t->refs, 1u);
	atomic_init(&t->hits, 0u);
	atomic_init(&t->misses, 0u);
	if (pthread_rwlock_init(&t->lock, NULL) != 0) {
		free(t);
		set_err(err, "out of memory");
		return ONECARD_ERR_NOMEM;
	}
	/* Stamps first: a file replaced while loading is seen as changed. */
	n = trust_files(cfg, files);
	for (i = 0; i < n; i++) {
		r = stamp_file(files[i], &t->stamps[i]);
		if (r != ONECARD_OK) {
			set_err(err, "%s: cannot read", files[i]);
			goto out;
		}
	}
	t->nstamps = n;
	for (i = 0; i < cfg->ncrls; i++) {
		crls[i] = cfg->crls[i];
	}
	r = oc_chain_store_new(&t->store);
	if (r != ONECARD_OK) {
		set_err(err, "out of memory");
		goto out;
	}
	r = oc_chain_store_load_files(t->store, cfg->anchors, cfg->cas[0] != '\0' ? cfg->cas : NULL,
				      crls, cfg->ncrls, &t->rejected_crls);
	if (r != ONECARD_OK) {
		set_err(err, "trust files (%s, its CAs and CRLs): %s", cfg->anchors,
			onecard_strerror(r));
		goto out;
	}
	r = oc_chain_store_earliest_expiry(t->store, &t->store_expiry);
	if (r != ONECARD_OK) {
		set_err(err, "%s: unreadable validity", cfg->anchors);
		goto out;
	}
	oc_chain_params_init(&t->params);
	t->params.verify_time = (time_t)cfg->verify_time;
	t->params.max_crl_age = cfg->crl_max_age;
	t->crl_max_age = cfg->crl_max_age;
	*out = t;
	t = NULL;
	r = ONECARD_OK;
out:
	authd_trust_unref(t);
	return r;
}

struct authd_trust *authd_trust_ref(struct authd_trust *t)
{
	if (t != NULL) {
		atomic_fetch_add(&t->refs, 1u);
	}
	return t;
}

void authd_trust_unref(struct authd_trust *t)
{
	size_t i;

	if (t == NULL || atomic_fetch_sub(&t->refs, 1u) != 1u) {
		return;
	}
	for (i = 0; i < CACHE_BUCKETS; i++) {
		struct cert_entry *e = t->buckets[i];

		while (e != NULL) {
			struct cert_entry *next = e->next;

			authd_cert_release(&e->pub);
			e = next;
		}
	}
	oc_chain_store_free(t->store);
	(void)pthread_rwlock_destroy(&t->lock);
	free(t);
}

int authd_trust_changed(const struct authd_config *cfg, const struct authd_trust *t)
{
	const char *files[NFILES_MAX];
	struct file_stamp now;
	size_t i, n;

	n = trust_files(cfg, files);
	if (n != t->nstamps) {
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct file_stamp *was = &t->stamps[i];

		if (stamp_file(files[i], &now) != ONECARD_OK) {
			return 1;
		}
		if (now.dev != was->dev || now.ino != was->ino || now.size != was->size ||
		    now.mtime.tv_sec != was->mtime.tv_sec ||
		    now.mtime.tv_nsec != was->mtime.tv_nsec ||
		    now.ctime.tv_sec != was->ctime.tv_sec ||
		    now.ctime.tv_nsec != was->ctime.tv_nsec) {
			return 1;
		}
	}
	return 0;
}

size_t authd_trust_rejected_crls(const struct authd_trust *t)
{
	return t->rejected_crls;
}

void authd_trust_cache_stats(struct authd_trust *t, uint64_t *hits, uint64_t *misses)
{
	*hits = (uint64_t)atomic_load(&t->hits);
	*misses = (uint64_t)atomic_load(&t->misses);
}

/* ---- the cache ----------------------------------------------------------- */

static size_t bucket_of(const unsigned char sha256[32])
{
	return ((size_t)sha256[0] << 8 | (size_t)sha256[1]) % CACHE_BUCKETS;
}

static const struct authd_cert *cache_get(struct authd_trust *t, const unsigned char sha256[32],
					  time_t now)
{
	const struct authd_cert *found = NULL;
	struct cert_entry *e;

	if (pthread_rwlock_rdlock(&t->lock) != 0) {
		return NULL;
	}
	for (e = t->buckets[bucket_of(sha256)]; e != NULL; e = e->next) {
		if (memcmp(e->pub.sha256, sha256, 32) == 0) {
			if (now < e->pub.valid_until) {
				found = entry_ref(e);
			}
			break;
		}
	}
	(void)pthread_rwlock_unlock(&t->lock);
	return found;
}

/* Adds e (replacing an expired entry for the same certificate); the
 * cache takes a reference. A full cache simply does not keep it. */
static void cache_put(struct authd_trust *t, struct cert_entry *e)
{
	struct cert_entry **pp;
	size_t b = bucket_of(e->pub.sha256);

	if (pthread_rwlock_wrlock(&t->lock) != 0) {
		return;
	}
	for (pp = &t->buckets[b]; *pp != NULL; pp = &(*pp)->next) {
		if (memcmp((*pp)->pub.sha256, e->pub.sha256, 32) == 0) {
			struct cert_entry *old = *pp;

			*pp = old->next;
			t->nentries--;
			authd_cert_release(&old->pub);
			break;
		}
	}
	if (t->nentries < AUTHD_CACHE_MAX) {
		(void)entry_ref(e);
		e->next = t->buckets[b];
		t->buckets[b] = e;
		t->nentries++;
	}
	(void)pthread_rwlock_unlock(&t->lock);
}

/* ---- checking a certificate --------------------------------------------- */

static int asn1_to_time(const ASN1_TIME *a, time_t *out)
{
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0;
	int ok;

	*out = 0;
	ok = epoch != NULL && a != NULL && ASN1_TIME_diff(&days, &secs, epoch, a) == 1;
	ASN1_TIME_free(epoch);
	if (!ok) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	*out = (time_t)days * 86400 + (time_t)secs;
	return ONECARD_OK;
}

static void min_time(time_t *t, time_t v)
{
	if (v > 0 && v < *t) {
		*t = v;
	}
}

/* One DER certificate, exactly len bytes. */
static X509 *parse_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > AUTHD_CERT_DER_MAX) {
		return NULL;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

/* The certificate carries the agency's certificate policy OID. */
static int has_policy(X509 *x, const char *oid_text)
{
	CERTIFICATEPOLICIES *pols = NULL;
	ASN1_OBJECT *want = NULL;
	int found = 0;
	int i;

	want = OBJ_txt2obj(oid_text, 1);
	pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	if (want != NULL && pols != NULL) {
		for (i = 0; i < sk_POLICYINFO_num(pols); i++) {
			if (OBJ_cmp(sk_POLICYINFO_value(pols, i)->policyid, want) == 0) {
				found = 1;
				break;
			}
		}
	}
	CERTIFICATEPOLICIES_free(pols);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	return found;
}

/* When the verdict stops holding. */
static time_t verdict_expiry(const struct authd_trust *t, X509 *leaf, STACK_OF(X509) * extra,
			     const struct oc_chain_result *res, time_t now)
{
	time_t until = now + AUTHD_CACHE_TTL;
	time_t v;
	size_t i;
	int k;

	if (asn1_to_time(X509_get0_notAfter(leaf), &v) != ONECARD_OK) {
		return now;
	}
	min_time(&until, v);
	min_time(&until, t->store_expiry);
	for (k = 0; k < sk_X509_num(extra); k++) {
		if (asn1_to_time(X509_get0_notAfter(sk_X509_value(extra, k)), &v) != ONECARD_OK) {
			return now;
		}
		min_time(&until, v);
	}
	for (i = 0; i < res->path_len; i++) {
		const struct oc_chain_evidence *ev = &res->evidence[i];

		if (ev->found) {
			min_time(&until, ev->next_update);
			if (t->crl_max_age > 0) {
				min_time(&until, ev->this_update + t->crl_max_age);
			}
		}
	}
	return until;
}

static enum authd_reason refuse(char detail[AUTHD_DETAIL_MAX], enum authd_reason why,
				const char *text)
{
	(void)snprintf(detail, AUTHD_DETAIL_MAX, "%s", text);
	return why;
}

/* The full check for a certificate not in the cache. */
static enum authd_reason check_uncached(struct authd_trust *t, const oc_policy *policy,
					const unsigned char *der, size_t len,
					const unsigned char *const *extra, const size_t *extra_len,
					size_t nextra, time_t now, struct cert_entry **out,
					char detail[AUTHD_DETAIL_MAX])
{
	struct oc_chain_result res;
	struct oc_chain_params params = t->params;
	struct oc_dir_cert dc;
	STACK_OF(X509) *untrusted = NULL;
	struct cert_entry *e = NULL;
	const oc_agency *agency;
	const char *why_ou = NULL;
	X509 *leaf = NULL, *x = NULL;
	enum authd_reason reason = AR_INTERNAL;
	size_t i;
	int r;

	*out = NULL;
	memset(&dc, 0, sizeof(dc));
	leaf = parse_der(der, len);
	if (leaf == NULL) {
		reason =
			refuse(detail, AR_CERT_INVALID, "a certificate is not one DER certificate");
		goto out;
	}
	untrusted = sk_X509_new_null();
	if (untrusted == NULL) {
		goto out;
	}
	for (i = 0; i < nextra; i++) {
		x = parse_der(extra[i], extra_len[i]);
		if (x == NULL) {
			reason = refuse(detail, AR_CERT_INVALID,
					"a CA certificate is not one DER certificate");
			goto out;
		}
		if (sk_X509_push(untrusted, x) <= 0) {
			goto out;
		}
		x = NULL;
	}
	if (params.verify_time == 0) {
		params.verify_time = now;
	}
	r = oc_chain_verify(t->store, leaf, untrusted, &params, &res);
	if (r == OC_CHAIN_REJECTED) {
		reason = refuse(detail, authd_reason_from_chain(res.reason), res.reason_str);
		goto out;
	}
	if (r != ONECARD_OK || !res.ok) {
		goto out;
	}
	/* The profile: an agency of the policy, with that agency's policy OID. */
	r = oc_dir_cert_from_der(der, len, &dc, &why_ou);
	if (r != ONECARD_OK) {
		reason = refuse(detail, AR_CERT_INVALID,
				why_ou != NULL ? why_ou : "certificate fields out of range");
		goto out;
	}
	agency = oc_policy_agency(policy, dc.agency);
	if (agency == NULL) {
		reason = refuse(detail, AR_CERT_INVALID,
				"the certificate names an agency the policy does not know");
		goto out;
	}
	if (!has_policy(leaf, agency->policy_oid)) {
		reason = refuse(detail, AR_CERT_INVALID,
				"the certificate lacks its agency's certificate policy");
		goto out;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		goto out;
	}
	atomic_init(&e->refs, 1u);
	e->pub.evidence = calloc(res.path_len, sizeof(*e->pub.evidence));
	if (e->pub.evidence == NULL) {
		goto out;
	}
	memcpy(e->pub.evidence, res.evidence, res.path_len * sizeof(*e->pub.evidence));
	e->pub.path_len = res.path_len;
	e->pub.pkey = X509_get_pubkey(leaf);
	if (e->pub.pkey == NULL) {
		goto out;
	}
	if (EVP_Digest(der, len, e->pub.sha256, NULL, EVP_sha256(), NULL) != 1) {
		goto out;
	}
	memcpy(e->pub.sha256_hex, dc.sha256, sizeof(e->pub.sha256_hex));
	memcpy(e->pub.serial, dc.serial, sizeof(e->pub.serial));
	memcpy(e->pub.issuer, dc.issuer, sizeof(e->pub.issuer));
	memcpy(e->pub.agency, dc.agency, sizeof(e->pub.agency));
	e->pub.valid_until = verdict_expiry(t, leaf, untrusted, &res, now);
	*out = e;
	e = NULL;
	reason = AR_OK;
out:
	if (reason == AR_INTERNAL) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "certificate check failed");
	}
	entry_free(e);
	oc_dir_cert_clear(&dc);
	X509_free(x);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
	return reason;
}

enum authd_reason authd_trust_check(struct authd_trust *t, const oc_policy *policy,
				    const unsigned char *der, size_t len,
				    const unsigned char *const *extra, const size_t *extra_len,
				    size_t nextra, time_t now, const struct authd_cert **out,
				    char detail[AUTHD_DETAIL_MAX])
{
	unsigned char sha[32];
	struct cert_entry *e = NULL;
	const struct authd_cert *hit;
	enum authd_reason reason;

	*out = NULL;
	detail[0] = '\0';
	if (len == 0 || len > AUTHD_CERT_DER_MAX) {
		return refuse(detail, AR_CERT_INVALID, "a certificate is empty or too large");
	}
	if (t->params.verify_time != 0) {
		now = t->params.verify_time;
	}
	if (EVP_Digest(der, len, sha, NULL, EVP_sha256(), NULL) != 1) {
		return refuse(detail, AR_INTERNAL, "digest failed");
	}
	hit = cache_get(t, sha, now);
	if (hit != NULL) {
		atomic_fetch_add(&t->hits, 1u);
		*out = hit;
		return AR_OK;
	}
	atomic_fetch_add(&t->misses, 1u);
	reason = check_uncached(t, policy, der, len, extra, extra_len, nextra, now, &e, detail);
	if (reason != AR_OK) {
		return reason;
	}
	cache_put(t, e);
	*out = &e->pub; /* the reference check_uncached gave us */
	return AR_OK;
}
