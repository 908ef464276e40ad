/*
 * Fuzz target (NEGATIVE-TESTS.md X13): the card-certificate ingest path
 * on DER. Arbitrary bytes go to authd_trust_check() as the presented card
 * certificate, with CA certificates the client sent along, against a
 * fixed trust snapshot and the real policy:
 *
 *   - the snapshot: authd_trust_load() over the files in fuzz_trust/
 *     (anchors.pem: the card CA, a root, a CA without a CRL, a CA with a
 *     stale CRL; cas.pem: a sub CA under the root; a CRL per CA that has
 *     one), crl_max_age 0, verify_time pinned to the card CA CRL's
 *     thisUpdate + 1 h so that the seeds stay inside their validity;
 *   - the policy: policies/onecard.conf (oc_policy_load).
 *
 * Input: byte 0 gives the number of extra CA certificates, modulo
 * FUZZ_EXTRA_MAX + 1 (one more than the chain code accepts, so that its
 * limit is reached); each extra is a 2-byte big-endian length and that
 * many bytes (fewer if the input ends); the rest is the card certificate.
 * Each piece is copied into a buffer of exactly its size, so that
 * AddressSanitizer sees a read past any one of them.
 *
 * Beyond memory safety it checks trust.h's promises: a refusal is one of
 * the certificate reasons with a sentence, never internal; an accepted
 * certificate is one DER certificate, carries the SHA-256 of exactly the
 * bytes given, an agency of the policy, a public key and a path, and a
 * verdict that ends within AUTHD_CACHE_TTL; a second check of the same
 * bytes is a cache hit on the same entry while the verdict holds, and the
 * same verdict reached afresh when it holds no time. A snapshot that
 * accepted something is dropped afterwards, so every input starts with
 * an empty cache (and the same input always takes the same path).
 *
 * Built with -fsanitize=fuzzer when ONECARD_FUZZ is ON, and with
 * fuzz/replay_main.c as a ctest replay of corpus/cert_ingest/
 * (tests/authd/fuzz/, where make_corpora.sh regenerates the seeds and
 * the trust files). ONECARD_FUZZ_VERBOSE=1 prints each verdict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "trust.h"

#ifndef FUZZ_TRUST_DIR
#error "FUZZ_TRUST_DIR: the folder of the fuzz trust files (build definition)"
#endif
#ifndef FUZZ_POLICY
#error "FUZZ_POLICY: the policy file (build definition)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EXTRA_MAX	  (OC_CHAIN_MAX_UNTRUSTED + 1)
#define FUZZ_CLOCK_OFFSET 3600 /* seconds after the card CA CRL's thisUpdate */
#define FUZZ_CLOCK_CRL	  "card-ca.crl.pem"

static const char *const fuzz_crls[] = {"card-ca.crl.pem", "root.crl.pem", "sub-ca.crl.pem",
					"stale-ca.crl.pem"};
#define FUZZ_NCRLS (sizeof(fuzz_crls) / sizeof(fuzz_crls[0]))

static struct authd_config cfg;
static oc_policy *policy;
static struct authd_trust *trust; /* NULL: load a fresh one */

_Noreturn static void fail(const char *what)
{
	fprintf(stderr, "fuzz_cert_ingest: %s\n", what);
	abort();
}

static void fuzz_path(char out[AUTHD_PATH_MAX], const char *name)
{
	int n = snprintf(out, AUTHD_PATH_MAX, "%s/%s", FUZZ_TRUST_DIR, name);

	if (n < 0 || (size_t)n >= AUTHD_PATH_MAX) {
		fail("trust path too long");
	}
}

/* The pinned clock: thisUpdate of the card CA's CRL plus an hour. */
static int64_t fuzz_clock(const char *crl_path)
{
	BIO *bio = BIO_new_file(crl_path, "r");
	X509_CRL *crl = bio != NULL ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0;

	if (crl == NULL || epoch == NULL ||
	    ASN1_TIME_diff(&days, &secs, epoch, X509_CRL_get0_lastUpdate(crl)) != 1 || days <= 0) {
		fail("cannot read thisUpdate of " FUZZ_CLOCK_CRL);
	}
	ASN1_TIME_free(epoch);
	X509_CRL_free(crl);
	BIO_free(bio);
	return (int64_t)days * 86400 + secs + FUZZ_CLOCK_OFFSET;
}

static void fuzz_init(void)
{
	char perr[OC_POLICY_ERR_MAX];
	char clock_crl[AUTHD_PATH_MAX];
	size_t i;

	if (policy != NULL) {
		return;
	}
	memset(&cfg, 0, sizeof(cfg));
	fuzz_path(cfg.anchors, "anchors.pem");
	fuzz_path(cfg.cas, "cas.pem");
	for (i = 0; i < FUZZ_NCRLS; i++) {
		fuzz_path(cfg.crls[i], fuzz_crls[i]);
	}
	cfg.ncrls = FUZZ_NCRLS;
	cfg.crl_max_age = 0;
	fuzz_path(clock_crl, FUZZ_CLOCK_CRL);
	cfg.verify_time = fuzz_clock(clock_crl);
	if (oc_policy_load(FUZZ_POLICY, &policy, perr) != ONECARD_OK) {
		fprintf(stderr, "fuzz_cert_ingest: %s\n", perr);
		fail("cannot load the policy");
	}
}

/* The snapshot for this input: loaded when there is none. Every CRL must
 * have verified, or the trust files do not belong together. */
static struct authd_trust *fuzz_trust(void)
{
	char err[AUTHD_CONFIG_ERR_MAX];

	if (trust != NULL) {
		return trust;
	}
	if (authd_trust_load(&cfg, &trust, err) != ONECARD_OK) {
		fprintf(stderr, "fuzz_cert_ingest: %s\n", err);
		fail("cannot load the trust snapshot");
	}
	if (authd_trust_rejected_crls(trust) != 0) {
		fail("a CRL of fuzz_trust/ does not verify: regenerate the trust files");
	}
	return trust;
}

/* A copy of data[0..len) in a buffer of exactly that size. */
static unsigned char *dup_exact(const uint8_t *data, size_t len)
{
	unsigned char *p = malloc(len > 0 ? len : 1);

	if (p == NULL) {
		fail("out of memory");
	}
	if (len > 0) {
		memcpy(p, data, len);
	}
	return p;
}

static int is_certificate_refusal(enum authd_reason r)
{
	switch (r) {
	case AR_CERT_UNTRUSTED:
	case AR_CERT_EXPIRED:
	case AR_CERT_REVOKED:
	case AR_CERT_STATUS_UNKNOWN:
	case AR_CRL_STALE:
	case AR_CERT_INVALID:
		return 1;
	default:
		return 0;
	}
}

static void check_accepted(struct authd_trust *t, const struct authd_cert *c,
			   const unsigned char *der, size_t len, const unsigned char *const *extra,
			   const size_t *extra_len, size_t nextra)
{
	static const char hex[] = "0123456789abcdef";
	const struct authd_cert *again = NULL;
	const unsigned char *p = der;
	unsigned char sha[32];
	char sha_hex[65], detail[AUTHD_DETAIL_MAX];
	uint64_t hits, misses, hits_after, misses_after;
	time_t now = (time_t)cfg.verify_time;
	X509 *x;
	size_t i;

	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		fail("accepted: not exactly one DER certificate");
	}
	X509_free(x);
	if (EVP_Digest(der, len, sha, NULL, EVP_sha256(), NULL) != 1) {
		fail("EVP_Digest failed");
	}
	for (i = 0; i < sizeof(sha); i++) {
		sha_hex[2 * i] = hex[sha[i] >> 4];
		sha_hex[2 * i + 1] = hex[sha[i] & 0x0f];
	}
	sha_hex[64] = '\0';
	if (memcmp(c->sha256, sha, sizeof(sha)) != 0 || strcmp(c->sha256_hex, sha_hex) != 0) {
		fail("accepted: the SHA-256 is not that of the bytes given");
	}
	if (c->pkey == NULL || c->path_len < 2 || c->path_len > OC_CHAIN_MAX_PATH ||
	    c->evidence == NULL) {
		fail("accepted: no key, or a path out of range");
	}
	if (oc_policy_agency(policy, c->agency) == NULL) {
		fail("accepted: an agency the policy does not know");
	}
	if (c->valid_until > now + AUTHD_CACHE_TTL) {
		fail("accepted: a verdict that outlives AUTHD_CACHE_TTL");
	}
	/* The same bytes again: while the verdict holds, the cache answers
	 * with the same entry. A verdict that holds no time at all (a
	 * presented CA certificate expired, or its notAfter unreadable) is
	 * reached afresh, and must come out the same. */
	authd_trust_cache_stats(t, &hits, &misses);
	if (authd_trust_check(t, policy, der, len, extra, extra_len, nextra, now, &again, detail) !=
	    AR_OK) {
		fail("accepted once, refused the second time");
	}
	authd_trust_cache_stats(t, &hits_after, &misses_after);
	if (c->valid_until > now) {
		if (again != c || hits_after != hits + 1) {
			fail("a verdict that holds, but not a cache hit on the same entry");
		}
	} else if (again == c || misses_after != misses + 1 ||
		   memcmp(again->sha256, c->sha256, sizeof(c->sha256)) != 0 ||
		   strcmp(again->agency, c->agency) != 0 || again->valid_until != c->valid_until) {
		fail("a verdict that holds no time was reused, or differs the second time");
	}
	authd_cert_release(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *extra[FUZZ_EXTRA_MAX];
	size_t extra_len[FUZZ_EXTRA_MAX];
	unsigned char *leaf = NULL;
	size_t leaf_len, nextra = 0, pos = 0, i, want;
	const struct authd_cert *c = NULL;
	char detail[AUTHD_DETAIL_MAX];
	struct authd_trust *t;
	enum authd_reason why;

	fuzz_init();
	t = fuzz_trust();
	if (size > 0) {
		nextra = data[0] % (FUZZ_EXTRA_MAX + 1u);
		pos = 1;
	}
	for (i = 0; i < nextra; i++) {
		want = 0;
		if (size - pos >= 2) {
			want = (size_t)data[pos] << 8 | data[pos + 1];
			pos += 2;
		} else {
			pos = size;
		}
		if (want > size - pos) {
			want = size - pos;
		}
		extra[i] = dup_exact(data + pos, want);
		extra_len[i] = want;
		pos += want;
	}
	leaf_len = size - pos;
	leaf = dup_exact(data + pos, leaf_len);

	memset(detail, 0x55, sizeof(detail));
	why = authd_trust_check(t, policy, leaf, leaf_len, (const unsigned char *const *)extra,
				extra_len, nextra, (time_t)cfg.verify_time, &c, detail);
	if (memchr(detail, '\0', sizeof(detail)) == NULL) {
		fail("detail not terminated");
	}
	if (getenv("ONECARD_FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "fuzz_cert_ingest: %s: %s\n", authd_reason_code(why), detail);
	}
	if (why == AR_OK) {
		if (c == NULL) {
			fail("accepted without a certificate");
		}
		check_accepted(t, c, leaf, leaf_len, (const unsigned char *const *)extra, extra_len,
			       nextra);
		authd_cert_release(c);
		/* The next input starts with an empty cache. */
		authd_trust_unref(trust);
		trust = NULL;
	} else if (c != NULL || !is_certificate_refusal(why) || detail[0] == '\0') {
		fprintf(stderr, "fuzz_cert_ingest: refused as %s: %s\n", authd_reason_code(why),
			detail);
		fail("a refusal that is not a certificate reason with a sentence");
	}
	for (i = 0; i < nextra; i++) {
		free(extra[i]);
	}
	free(leaf);
	return 0;
}
