/*
 * onecard-bench-login: card logins per second through a running authd,
 * against the same logins' cryptography alone on the same number of
 * threads (README.md). Output is one "name value" pair per line (lines
 * starting with '#' are notes); it ends with login.ratio.
 *
 * As in onecard-bench, a measurement of failures is worthless: every
 * login must answer 200 with an access token, every chain and proof
 * must verify, every token must be signed; anything else aborts.
 */
#ifndef ONECARD_BENCH_LOGIN_H
#define ONECARD_BENCH_LOGIN_H

#include <stddef.h>

#include <onecard/token.h>

#include "chain.h"
#include "softcard.h"

#define BL_CARDS_MAX	    4096u			 /* cards (proof sets) in one run */
#define BL_THREADS_MAX	    64u				 /* client / crypto threads */
#define BL_ROUNDS_MAX	    15u				 /* rounds of each side */
#define BL_SECONDS_MAX	    3600u			 /* seconds per round and side */
#define BL_LATENCIES_MAX    (1u << 22u)			 /* latency samples kept per thread */
#define BL_LINE_MAX	    (SC_PROOFS_MAX * 2u * 1024u) /* bytes of a --cards line */
#define BL_POLICIES_MAX	    OC_CHAIN_MAX_POLICIES
#define BL_TOKEN_LIFETIME_S 300 /* the access token lifetime authd uses by default */

/* Everything both sides share, built before any timing. */
struct bl_setup {
	const char *authd, *audience, *cacert;
	char origin[SC_ORIGIN_SIZE];
	char *challenge_body; /* {"audience": ...} */
	size_t challenge_body_len;
	struct sc_card *cards; /* ncards, each with nproofs certificates */
	size_t ncards, nproofs;
	unsigned threads;
	double seconds;
	/* the cryptography side */
	struct oc_chain_store *store; /* authd's anchors and CRLs */
	struct oc_chain_params params;
	onecard_signer *signer; /* a token key of authd's algorithm */
	char **claims;		/* per card: the claims authd would sign */
	uint8_t *msg;		/* one proof message, as authd builds it */
	size_t msg_len;
	uint8_t **sigs; /* per card and proof: a signature over msg */
	size_t *sig_lens;
	enum oc_proof_alg *algs; /* per card and proof */
};

/* One side's result for one round. */
struct bl_round {
	double per_s;
	unsigned long count;
	double sign_s; /* login side: seconds spent building and signing bodies */
};

/* Latency samples of all login rounds, in milliseconds. */
struct bl_latencies {
	double *ms;
	size_t n, cap;
};

/* load.c: the login side. One client per thread, kept across rounds. */
struct bl_clients;
int bl_clients_new(const struct bl_setup *s, struct bl_clients **out);
void bl_clients_free(struct bl_clients *c);
/* Logs in once with every card (connections, authd's caches). */
void bl_login_warmup(const struct bl_setup *s, struct bl_clients *c);
/* Logins per second for s->seconds on s->threads threads; appends the
 * latencies to lat. */
void bl_login_round(const struct bl_setup *s, struct bl_clients *c, struct bl_latencies *lat,
		    struct bl_round *out);

/* crypto.c: the cryptography side. */
/* Prepares the proof message, signatures and claims (in s) and checks
 * that one crypto login of each card succeeds. */
void bl_crypto_setup(struct bl_setup *s);
void bl_crypto_clear(struct bl_setup *s);
/* Crypto logins per second for s->seconds on s->threads threads. */
void bl_crypto_round(const struct bl_setup *s, struct bl_round *out);

/* Microseconds per item of each part, on one thread, for reading the
 * ratio: one certificate's d2i_X509 + oc_chain_verify, one
 * oc_proof_verify (key already parsed), one token signature. */
struct bl_breakdown {
	double chain_us, proof_us, token_us;
};
void bl_crypto_breakdown(const struct bl_setup *s, double seconds, struct bl_breakdown *out);

#endif
