/*
 * The cryptography side of onecard-bench-login (bench_login.h): what one
 * card login of K certificates costs in cryptography alone, done the way
 * authd must do it with nothing cached —
 *
 *   K x (d2i_X509 of the certificate [and of the x5c CA certificates]
 *        + oc_chain_verify against authd's anchors and CRLs)
 *   + K x oc_proof_verify over the proof message
 *   + 1 token signature (onecard_signer_issue, authd's algorithm)
 *
 * on as many threads as the login side uses. The proof message comes
 * from a real challenge (oc_challenge_issue); the signatures over it are
 * made once, before timing: signing is the card's cost, not authd's.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "b64url.h"
#include "bench.h"
#include "bench_login.h"

#define START_DELAY_S	0.02
#define WAIT_NS		200000L
#define MAC_KID		"bench-1"
#define THUMBPRINT_LEN	32u
#define THUMBPRINT_B64	44u /* base64url of 32 bytes, with NUL */
#define AGENCY_TEXT_MAX 64u

/* The first OU of the certificate's subject: the agency (policies/). */
static void agency_of(X509 *cert, char out[AGENCY_TEXT_MAX])
{
	const X509_NAME *name = X509_get_subject_name(cert);
	int at = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
	unsigned char *utf8 = NULL;
	int n = -1;

	(void)snprintf(out, AGENCY_TEXT_MAX, "unknown");
	if (at >= 0) {
		n = ASN1_STRING_to_UTF8(&utf8,
					X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
	}
	if (n > 0) {
		(void)snprintf(out, AGENCY_TEXT_MAX, "%.*s", n, (const char *)utf8);
	}
	OPENSSL_free(utf8);
	ERR_clear_error();
}

/* The claims authd would sign for this card (docs/authd.md "The token"). */
static char *claims_for(const struct sc_card *card)
{
	json_t *doc = NULL, *agencies = json_array();
	unsigned char md[THUMBPRINT_LEN];
	char agency[AGENCY_TEXT_MAX], x5t[THUMBPRINT_B64], first[THUMBPRINT_B64] = "";
	const unsigned char *p;
	char *text = NULL;
	X509 *cert;
	size_t k;

	for (k = 0; agencies != NULL && k < card->nproofs; k++) {
		p = card->proofs[k].der;
		cert = d2i_X509(NULL, &p, (long)card->proofs[k].der_len);
		if (cert == NULL ||
		    EVP_Digest(card->proofs[k].der, card->proofs[k].der_len, md, NULL, EVP_sha256(),
			       NULL) != 1 ||
		    oc_b64url_encode(md, sizeof(md), x5t, sizeof(x5t)) != ONECARD_OK) {
			bench_die("cannot read a card certificate", NULL);
		}
		agency_of(cert, agency);
		X509_free(cert);
		if (k == 0) {
			memcpy(first, x5t, sizeof(first));
		}
		if (json_array_append_new(agencies, json_pack("{s:s, s:s}", "id", agency,
							      "x5t#S256", x5t)) != 0) {
			bench_die("out of memory", NULL);
		}
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:[s,s], s:{s:s}}", "iss",
			"https://authd.bench.example", "sub", "p-0001", "ent", "91350100M000100Y43",
			"card", "card-1", "agencies", agencies, "acr", "card", "amr", "sc", "pin",
			"cnf", "x5t#S256", first);
	if (doc != NULL) {
		text = json_dumps(doc, JSON_COMPACT);
	}
	if (text == NULL) {
		bench_die("cannot build the token claims", NULL);
	}
	json_decref(doc);
	return text;
}

static enum oc_proof_alg alg_enum(const char *name)
{
	if (strcmp(name, "RS256") == 0) {
		return OC_PROOF_RS256;
	}
	if (strcmp(name, "SM2-SM3") == 0) {
		return OC_PROOF_SM2_SM3;
	}
	return OC_PROOF_ES256;
}

/* The proof message of a real challenge for authd's origin and audience. */
static void make_message(struct bl_setup *s)
{
	struct oc_challenge_keys *keys = NULL;
	struct oc_challenge c;
	uint8_t secret[OC_CHALLENGE_SECRET_MIN];
	char *wire = NULL;

	if (RAND_bytes(secret, (int)sizeof(secret)) != 1 ||
	    oc_challenge_keys_new(&keys) != ONECARD_OK ||
	    oc_challenge_keys_add(keys, MAC_KID, secret, sizeof(secret)) != ONECARD_OK ||
	    oc_challenge_issue(keys, s->origin, s->audience, (int64_t)time(NULL),
			       OC_CHALLENGE_LIFETIME_MAX, &wire, &c) != ONECARD_OK ||
	    oc_proof_message(&c, &s->msg, &s->msg_len) != ONECARD_OK) {
		bench_die("cannot make a proof message (origin or audience out of bounds?)", NULL);
	}
	free(wire);
	oc_challenge_keys_free(keys);
}

/* d2i_X509 of proof k of card i (and of the card's x5c CA certificates,
 * into *untrusted), then oc_chain_verify. Returns the parsed leaf. */
static X509 *chain_once(const struct bl_setup *s, size_t i, size_t k, STACK_OF(X509) * *untrusted)
{
	const struct sc_card *card = &s->cards[i];
	struct oc_chain_result res;
	const unsigned char *p = card->proofs[k].der;
	X509 *leaf = d2i_X509(NULL, &p, (long)card->proofs[k].der_len), *ca;
	size_t c;

	*untrusted = NULL;
	if (leaf == NULL) {
		bench_die("d2i_X509 failed", NULL);
	}
	if (card->nchain > 0) {
		*untrusted = sk_X509_new_null();
		for (c = 0; *untrusted != NULL && c < card->nchain; c++) {
			p = card->chain[c];
			ca = d2i_X509(NULL, &p, (long)card->chain_len[c]);
			if (ca == NULL || sk_X509_push(*untrusted, ca) <= 0) {
				bench_die("d2i_X509 of a chain certificate failed", NULL);
			}
		}
	}
	if (oc_chain_verify(s->store, leaf, *untrusted, &s->params, &res) != ONECARD_OK) {
		bench_die("a card certificate does not validate", res.reason_str);
	}
	return leaf;
}

static void proof_once(const struct bl_setup *s, size_t i, size_t k, X509 *leaf)
{
	size_t at = i * s->nproofs + k;

	if (oc_proof_verify(X509_get0_pubkey(leaf), s->algs[at], s->msg, s->msg_len, s->sigs[at],
			    s->sig_lens[at]) != ONECARD_OK) {
		bench_die("a proof signature does not verify", NULL);
	}
}

static void token_once(const struct bl_setup *s, size_t i)
{
	char *token = NULL;

	if (onecard_signer_issue(s->signer, s->claims[i], strlen(s->claims[i]), NULL, 0,
				 BL_TOKEN_LIFETIME_S, &token) != ONECARD_OK) {
		bench_die("onecard_signer_issue failed", NULL);
	}
	onecard_string_free(token);
}

/* One login's cryptography for card i; aborts on any refusal. */
static void crypto_once(const struct bl_setup *s, size_t i)
{
	STACK_OF(X509) *untrusted = NULL;
	X509 *leaf;
	size_t k;

	for (k = 0; k < s->nproofs; k++) {
		leaf = chain_once(s, i, k, &untrusted);
		proof_once(s, i, k, leaf);
		sk_X509_pop_free(untrusted, X509_free);
		X509_free(leaf);
	}
	token_once(s, i);
	ERR_clear_error();
}

void bl_crypto_setup(struct bl_setup *s)
{
	size_t i, k, n = s->ncards * s->nproofs;
	const char *alg = NULL;

	make_message(s);
	s->sigs = calloc(n, sizeof(*s->sigs));
	s->sig_lens = calloc(n, sizeof(*s->sig_lens));
	s->algs = calloc(n, sizeof(*s->algs));
	s->claims = calloc(s->ncards, sizeof(*s->claims));
	if (s->sigs == NULL || s->sig_lens == NULL || s->algs == NULL || s->claims == NULL) {
		bench_die("out of memory", NULL);
	}
	for (i = 0; i < s->ncards; i++) {
		for (k = 0; k < s->nproofs; k++) {
			EVP_PKEY *key = s->cards[i].proofs[k].key;

			if (sc_default_alg(key, &alg) != ONECARD_OK ||
			    sc_sign(key, alg, s->msg, s->msg_len, &s->sigs[i * s->nproofs + k],
				    &s->sig_lens[i * s->nproofs + k]) != ONECARD_OK) {
				bench_die("cannot sign with a card key", NULL);
			}
			s->algs[i * s->nproofs + k] = alg_enum(alg);
		}
		s->claims[i] = claims_for(&s->cards[i]);
		crypto_once(s, i); /* every card passes before anything is timed */
	}
}

void bl_crypto_clear(struct bl_setup *s)
{
	size_t i, n = s->ncards * s->nproofs;

	for (i = 0; s->sigs != NULL && i < n; i++) {
		OPENSSL_free(s->sigs[i]);
	}
	for (i = 0; s->claims != NULL && i < s->ncards; i++) {
		free(s->claims[i]);
	}
	free(s->sigs);
	free(s->sig_lens);
	free(s->algs);
	free(s->claims);
	free(s->msg);
	s->sigs = NULL;
	s->sig_lens = NULL;
	s->algs = NULL;
	s->claims = NULL;
	s->msg = NULL;
}

struct cworker {
	const struct bl_setup *s;
	unsigned index;
	double t0, deadline, finish;
	unsigned long count;
};

static void *cworker_main(void *arg)
{
	struct cworker *w = arg;
	struct timespec pause = {0, WAIT_NS};
	size_t card = w->index;

	while (bench_now() < w->t0) {
		(void)nanosleep(&pause, NULL);
	}
	while (bench_now() < w->deadline) {
		crypto_once(w->s, card % w->s->ncards);
		card += w->s->threads;
		w->count++;
	}
	w->finish = bench_now();
	return NULL;
}

void bl_crypto_round(const struct bl_setup *s, struct bl_round *out)
{
	struct cworker w[BL_THREADS_MAX];
	pthread_t tid[BL_THREADS_MAX];
	double t0 = bench_now() + START_DELAY_S, end = t0;
	unsigned i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = s;
		w[i].index = i;
		w[i].t0 = t0;
		w[i].deadline = t0 + s->seconds;
		if (pthread_create(&tid[i], NULL, cworker_main, &w[i]) != 0) {
			bench_die("pthread_create failed", NULL);
		}
	}
	for (i = 0; i < s->threads; i++) {
		if (pthread_join(tid[i], NULL) != 0) {
			bench_die("pthread_join failed", NULL);
		}
		out->count += w[i].count;
		if (w[i].finish > end) {
			end = w[i].finish;
		}
	}
	if (out->count == 0 || end <= t0) {
		bench_die("no crypto login finished in the round", NULL);
	}
	out->per_s = (double)out->count / (end - t0);
}

void bl_crypto_breakdown(const struct bl_setup *s, double seconds, struct bl_breakdown *out)
{
	STACK_OF(X509) *untrusted = NULL;
	X509 **leaves = calloc(s->ncards * s->nproofs, sizeof(*leaves));
	unsigned long n;
	double start;
	size_t i;

	if (leaves == NULL) {
		bench_die("out of memory", NULL);
	}
	start = bench_now();
	for (n = 0; bench_now() - start < seconds; n++) {
		i = n % (s->ncards * s->nproofs);
		X509_free(leaves[i]);
		leaves[i] = chain_once(s, i / s->nproofs, i % s->nproofs, &untrusted);
		sk_X509_pop_free(untrusted, X509_free);
	}
	out->chain_us = (bench_now() - start) * 1e6 / (double)n;
	for (i = 0; i < s->ncards * s->nproofs; i++) {
		if (leaves[i] == NULL) {
			leaves[i] = chain_once(s, i / s->nproofs, i % s->nproofs, &untrusted);
			sk_X509_pop_free(untrusted, X509_free);
		}
	}
	start = bench_now();
	for (n = 0; bench_now() - start < seconds; n++) {
		i = n % (s->ncards * s->nproofs);
		proof_once(s, i / s->nproofs, i % s->nproofs, leaves[i]);
	}
	out->proof_us = (bench_now() - start) * 1e6 / (double)n;
	start = bench_now();
	for (n = 0; bench_now() - start < seconds; n++) {
		token_once(s, n % s->ncards);
	}
	out->token_us = (bench_now() - start) * 1e6 / (double)n;
	for (i = 0; i < s->ncards * s->nproofs; i++) {
		X509_free(leaves[i]);
	}
	free(leaves);
	ERR_clear_error();
}
