/*
 * What authd trusts, as one immutable snapshot: the chain store (card
 * CA anchors, CA certificates, the CRLs that verified) loaded from the
 * configured files, and the cache of card certificates already validated
 * against exactly this snapshot. When a file changes, authd loads a new
 * snapshot and swaps it in; requests still using the old one keep it
 * alive through its reference count. A new CRL therefore empties the
 * cache by construction (docs/authd.md "Validated-certificate cache").
 */
#ifndef ONECARD_AUTHD_TRUST_H
#define ONECARD_AUTHD_TRUST_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "chain.h"
#include "config.h"
#include "policy.h"
#include "reasons.h"

#define AUTHD_CACHE_MAX	   16384u /* validated certificates kept per snapshot */
#define AUTHD_CACHE_TTL	   300	  /* seconds a verdict is kept at most */
#define AUTHD_DETAIL_MAX   256u	  /* bytes of a refusal detail, NUL included */
#define AUTHD_CERT_DER_MAX 16384u /* bytes of one presented certificate */

/* A card certificate that passed every check of the snapshot. Immutable;
 * shared between the cache and the requests using it. */
struct authd_cert {
	EVP_PKEY *pkey;
	char sha256_hex[65];
	unsigned char sha256[32];
	char serial[41];
	char issuer[1025];
	char agency[64];
	time_t valid_until; /* the verdict holds until then */
	size_t path_len;
	struct oc_chain_evidence *evidence; /* path_len entries, leaf first */
};

struct authd_trust;

/* Loads a snapshot from cfg's trust files. Returns 0 and *out (reference
 * count 1), or a negative code with a one-line message in err. */
int authd_trust_load(const struct authd_config *cfg, struct authd_trust **out,
		     char err[AUTHD_CONFIG_ERR_MAX]) __attribute__((warn_unused_result));
/* Another reference / drop one (NULL does nothing). */
struct authd_trust *authd_trust_ref(struct authd_trust *t);
void authd_trust_unref(struct authd_trust *t);
/* 1 when one of the configured trust files changed since t was loaded
 * (or cannot be read now), else 0. */
int authd_trust_changed(const struct authd_config *cfg, const struct authd_trust *t);
/* CRLs that did not verify and were left out of t. */
size_t authd_trust_rejected_crls(const struct authd_trust *t);

/*
 * Checks one presented card certificate der[0..len) with the optional
 * CA certificates extra[0..nextra) the client sent along, at time now:
 * the path and its CRLs (authd/chain), then the profile (the agency of
 * its first OU is one of the policy's, and the certificate carries that
 * agency's certificate policy). A verdict found in the cache is reused
 * while it holds.
 * Returns AR_OK and *out (release with authd_cert_release), or the
 * refusal with a short detail (no certificate bytes in it).
 */
enum authd_reason authd_trust_check(struct authd_trust *t, const oc_policy *policy,
				    const unsigned char *der, size_t len,
				    const unsigned char *const *extra, const size_t *extra_len,
				    size_t nextra, time_t now, const struct authd_cert **out,
				    char detail[AUTHD_DETAIL_MAX]);
void authd_cert_release(const struct authd_cert *c);

/* Counters, for the log line on reload and the benchmark. */
void authd_trust_cache_stats(struct authd_trust *t, uint64_t *hits, uint64_t *misses);

#endif
