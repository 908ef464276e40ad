/*
 * onecard-bench-login (README.md): card logins per second through a
 * running authd against the same logins' cryptography alone.
 *
 *   onecard-bench-login --authd URL --audience AUD
 *       (--cards FILE | --card CERT:KEY[,CERT:KEY...])...
 *       --anchors FILE [--crl-dir DIR] [--chain CA.pem] [--policy-oid OID]...
 *       [--crl-max-age S] [--token-alg ES256|EdDSA] [--threads N] [--seconds D]
 *       [--rounds R] [--no-warmup] [--cacert FILE]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <onecard/error.h>

#include "bench.h"
#include "bench_login.h"

#define THREADS_DEFAULT 2u
#define SECONDS_DEFAULT 10u
#define ROUNDS_DEFAULT	1u
#define CRL_MAX_AGE_MAX (400u * 86400u)
#define PERCENTILE_P50	0.50
#define PERCENTILE_P99	0.99
#define BREAKDOWN_S	0.5 /* seconds per part of the one-thread breakdown */

static const char usage_text[] =
	"usage: onecard-bench-login --authd URL --audience AUD\n"
	"           (--cards FILE | --card CERT:KEY[,CERT:KEY...])...\n"
	"           --anchors FILE [--crl-dir DIR] [--chain CA.pem] [--policy-oid OID]...\n"
	"           [--crl-max-age S] [--token-alg ES256|EdDSA] [--threads N] [--seconds D]\n"
	"           [--rounds R] [--no-warmup] [--cacert FILE]\n"
	"\n"
	"Each card is a set of certificates with their software keys (all cards the\n"
	"same size K). --cards FILE: one card per line, CERT:KEY pairs separated by\n"
	"white space ('#' comments; bench/login/setup-cards.sh writes such a file).\n"
	"Login side: N threads (default 2), each with a kept-alive connection, doing\n"
	"challenge + sign + login for D seconds (default 10). Crypto side: the same\n"
	"threads doing K x (d2i_X509 + oc_chain_verify with --anchors/--crl-dir and the\n"
	"--policy-oid set) + K x oc_proof_verify + 1 token signature (--token-alg,\n"
	"default ES256). R rounds of each (default 1), alternating; medians reported.\n"
	"Output: 'name value' lines ('#' lines are notes), ending with login.ratio.\n";

enum {
	OPT_AUTHD = 0x100,
	OPT_AUDIENCE,
	OPT_CARDS,
	OPT_CARD,
	OPT_ANCHORS,
	OPT_CRL_DIR,
	OPT_CHAIN,
	OPT_POLICY_OID,
	OPT_CRL_MAX_AGE,
	OPT_TOKEN_ALG,
	OPT_THREADS,
	OPT_SECONDS,
	OPT_ROUNDS,
	OPT_NO_WARMUP,
	OPT_CACERT,
	OPT_HELP,
};

struct options {
	const char *anchors, *crl_dir, *chain, *token_alg;
	unsigned rounds, crl_max_age;
	int no_warmup;
};

/* Adds one card from "CERT:KEY" pairs separated by sep characters. */
static void add_card(struct bl_setup *s, const char *pairs, const char *sep, const char *chain)
{
	char *copy = strdup(pairs), *item, *next, *colon;
	struct sc_card *card;

	if (copy == NULL) {
		bench_die("out of memory", NULL);
	}
	if (s->ncards >= BL_CARDS_MAX) {
		bench_die("too many cards", NULL);
	}
	card = &s->cards[s->ncards];
	for (item = copy; item != NULL; item = next) {
		next = strpbrk(item, sep);
		if (next != NULL) {
			*next++ = '\0';
		}
		if (item[0] == '\0') {
			continue;
		}
		colon = strchr(item, ':');
		if (colon == NULL || colon == item || colon[1] == '\0') {
			bench_die("a proof is not CERT:KEY", item);
		}
		*colon = '\0';
		if (sc_card_add_proof(card, item, colon + 1) != ONECARD_OK) {
			bench_die("cannot load the certificate and key", item);
		}
	}
	if (card->nproofs == 0) {
		bench_die("a card without certificates", pairs);
	}
	if (chain != NULL && sc_card_add_chain(card, chain) != ONECARD_OK) {
		bench_die("cannot load --chain", chain);
	}
	if (s->ncards > 0 && card->nproofs != s->nproofs) {
		bench_die("cards of different sizes: give cards of one size K", pairs);
	}
	s->nproofs = card->nproofs;
	s->ncards++;
	free(copy);
}

/* --cards FILE: one card per line. */
static void add_cards_file(struct bl_setup *s, const char *path, const char *chain)
{
	FILE *f = fopen(path, "r");
	char *line = malloc(BL_LINE_MAX);

	if (f == NULL || line == NULL) {
		bench_die("cannot read --cards", path);
	}
	while (fgets(line, (int)BL_LINE_MAX, f) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			bench_die("a --cards line is too long", path);
		}
		line[strcspn(line, "#\r\n")] = '\0';
		if (line[strspn(line, " \t")] != '\0') {
			add_card(s, line, " \t", chain);
		}
	}
	if (ferror(f)) {
		bench_die("cannot read --cards", path);
	}
	(void)fclose(f);
	free(line);
}

static void usage_die(const char *why)
{
	fprintf(stderr, "onecard-bench-login: %s\n%s", why, usage_text);
	exit(2);
}

static unsigned parse_or_die(const char *text, unsigned min, unsigned max, const char *what)
{
	unsigned v = 0;

	if (bench_parse_uint(text, min, max, &v) != 0) {
		usage_die(what);
	}
	return v;
}

/* Cards come after all options are read, so that --chain applies to all. */
static void parse_options(int argc, char **argv, struct bl_setup *s, struct options *o,
			  const char **cards_files, size_t *nfiles, const char **card_args,
			  size_t *nargs)
{
	static const struct option longopts[] = {
		{"authd", required_argument, NULL, OPT_AUTHD},
		{"audience", required_argument, NULL, OPT_AUDIENCE},
		{"cards", required_argument, NULL, OPT_CARDS},
		{"card", required_argument, NULL, OPT_CARD},
		{"anchors", required_argument, NULL, OPT_ANCHORS},
		{"crl-dir", required_argument, NULL, OPT_CRL_DIR},
		{"chain", required_argument, NULL, OPT_CHAIN},
		{"policy-oid", required_argument, NULL, OPT_POLICY_OID},
		{"crl-max-age", required_argument, NULL, OPT_CRL_MAX_AGE},
		{"token-alg", required_argument, NULL, OPT_TOKEN_ALG},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"rounds", required_argument, NULL, OPT_ROUNDS},
		{"no-warmup", no_argument, NULL, OPT_NO_WARMUP},
		{"cacert", required_argument, NULL, OPT_CACERT},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_AUTHD:
			s->authd = optarg;
			break;
		case OPT_AUDIENCE:
			s->audience = optarg;
			break;
		case OPT_CARDS:
		case OPT_CARD:
			if (*nfiles + *nargs >= BL_CARDS_MAX) {
				usage_die("too many --cards/--card");
			}
			if (c == OPT_CARDS) {
				cards_files[(*nfiles)++] = optarg;
			} else {
				card_args[(*nargs)++] = optarg;
			}
			break;
		case OPT_ANCHORS:
			o->anchors = optarg;
			break;
		case OPT_CRL_DIR:
			o->crl_dir = optarg;
			break;
		case OPT_CHAIN:
			o->chain = optarg;
			break;
		case OPT_POLICY_OID:
			if (s->params.npolicies >= BL_POLICIES_MAX) {
				usage_die("too many --policy-oid");
			}
			s->params.policies[s->params.npolicies++] = optarg;
			s->params.explicit_policy = 1;
			break;
		case OPT_CRL_MAX_AGE:
			o->crl_max_age =
				parse_or_die(optarg, 1, CRL_MAX_AGE_MAX, "bad --crl-max-age");
			break;
		case OPT_TOKEN_ALG:
			o->token_alg = optarg;
			break;
		case OPT_THREADS:
			s->threads = parse_or_die(optarg, 1, BL_THREADS_MAX, "bad --threads");
			break;
		case OPT_SECONDS:
			s->seconds = parse_or_die(optarg, 1, BL_SECONDS_MAX, "bad --seconds");
			break;
		case OPT_ROUNDS:
			o->rounds = parse_or_die(optarg, 1, BL_ROUNDS_MAX, "bad --rounds");
			break;
		case OPT_NO_WARMUP:
			o->no_warmup = 1;
			break;
		case OPT_CACERT:
			s->cacert = optarg;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		default:
			usage_die("unknown option or missing value");
		}
	}
	if (optind != argc || s->authd == NULL || s->audience == NULL || o->anchors == NULL ||
	    *nfiles + *nargs == 0) {
		usage_die("--authd, --audience, --anchors and a card are required");
	}
}

/* authd's trust: anchors, CRLs, the token signer. */
static void setup_trust(struct bl_setup *s, const struct options *o)
{
	char *jwk = NULL;
	size_t rejected = 0;
	int alg = onecard_alg_from_name(o->token_alg);

	if (alg < 0) {
		usage_die("--token-alg is ES256 or EdDSA");
	}
	if (oc_chain_store_new(&s->store) != ONECARD_OK ||
	    oc_chain_store_load_dir(s->store, o->anchors, o->crl_dir, &rejected) != ONECARD_OK) {
		bench_die("cannot load --anchors / --crl-dir", o->anchors);
	}
	if (rejected > 0) {
		fprintf(stderr, "onecard-bench-login: %zu CRL(s) in --crl-dir did not verify\n",
			rejected);
	}
	s->params.max_crl_age = (long)o->crl_max_age;
	if (onecard_key_generate(alg, "bench-login", &jwk) != ONECARD_OK ||
	    onecard_signer_new(jwk, strlen(jwk), &s->signer) != ONECARD_OK) {
		bench_die("cannot make a token signing key", o->token_alg);
	}
	onecard_secret_string_free(jwk);
}

/* The value at quantile q of sorted values (nearest rank). */
static double quantile(const double *sorted, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n + 0.5);

	if (rank == 0) {
		rank = 1;
	}
	if (rank > n) {
		rank = n;
	}
	return sorted[rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_rounds(const char *name, const struct bl_round *r, unsigned n)
{
	unsigned i;

	printf("%s", name);
	for (i = 0; i < n; i++) {
		printf(" %.0f", r[i].per_s);
	}
	printf("\n");
}

static void measure(struct bl_setup *s, const struct options *o)
{
	struct bl_round login[BL_ROUNDS_MAX], crypto[BL_ROUNDS_MAX];
	double login_rates[BL_ROUNDS_MAX], crypto_rates[BL_ROUNDS_MAX];
	struct bl_latencies lat = {NULL, 0, 0};
	struct bl_clients *clients = NULL;
	struct bl_breakdown parts;
	unsigned long count = 0;
	double sign_s = 0.0, login_med, crypto_med;
	unsigned i;

	if (bl_clients_new(s, &clients) != ONECARD_OK) {
		bench_die("cannot make the HTTP clients (--authd?)", s->authd);
	}
	if (!o->no_warmup) {
		bl_login_warmup(s, clients);
	}
	for (i = 0; i < o->rounds; i++) {
		if (i % 2u == 0u) {
			bl_login_round(s, clients, &lat, &login[i]);
			bl_crypto_round(s, &crypto[i]);
		} else {
			bl_crypto_round(s, &crypto[i]);
			bl_login_round(s, clients, &lat, &login[i]);
		}
		login_rates[i] = login[i].per_s;
		crypto_rates[i] = crypto[i].per_s;
		count += login[i].count;
		sign_s += login[i].sign_s;
	}
	bl_clients_free(clients);
	bl_crypto_breakdown(s, BREAKDOWN_S, &parts);
	qsort(lat.ms, lat.n, sizeof(double), cmp_double);
	print_rounds("login.rounds_per_s", login, o->rounds);
	print_rounds("crypto.rounds_per_s", crypto, o->rounds);
	login_med = bench_median(login_rates, o->rounds);
	crypto_med = bench_median(crypto_rates, o->rounds);
	printf("login.count %lu\n", count);
	printf("client.sign_us_per_login %.1f\n", sign_s * 1e6 / (double)count);
	printf("login.per_s %.0f\n", login_med);
	printf("login.p50_ms %.3f\n", quantile(lat.ms, lat.n, PERCENTILE_P50));
	printf("login.p99_ms %.3f\n", quantile(lat.ms, lat.n, PERCENTILE_P99));
	printf("crypto.chain_us %.1f\ncrypto.proof_us %.1f\ncrypto.token_us %.1f\n", parts.chain_us,
	       parts.proof_us, parts.token_us);
	printf("crypto.per_s %.0f\n", crypto_med);
	printf("login.ratio %.3f\n", login_med / crypto_med);
	free(lat.ms);
}

int main(int argc, char **argv)
{
	const char **cards_files = calloc(BL_CARDS_MAX, sizeof(char *));
	const char **card_args = calloc(BL_CARDS_MAX, sizeof(char *));
	size_t nfiles = 0, nargs = 0, i;
	struct options o = {NULL, NULL, NULL, "ES256", ROUNDS_DEFAULT, 0, 0};
	struct bl_setup s;

	memset(&s, 0, sizeof(s));
	oc_chain_params_init(&s.params);
	s.threads = THREADS_DEFAULT;
	s.seconds = SECONDS_DEFAULT;
	s.cards = calloc(BL_CARDS_MAX, sizeof(*s.cards));
	if (cards_files == NULL || card_args == NULL || s.cards == NULL) {
		bench_die("out of memory", NULL);
	}
	parse_options(argc, argv, &s, &o, cards_files, &nfiles, card_args, &nargs);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		bench_die("libcurl cannot start", NULL);
	}
	for (i = 0; i < nfiles; i++) {
		add_cards_file(&s, cards_files[i], o.chain);
	}
	for (i = 0; i < nargs; i++) {
		add_card(&s, card_args[i], ",", o.chain);
	}
	if (sc_origin_of(s.authd, s.origin) != ONECARD_OK ||
	    sc_challenge_body(s.audience, &s.challenge_body, &s.challenge_body_len) != ONECARD_OK) {
		usage_die("--authd is not a URL with scheme and host");
	}
	setup_trust(&s, &o);
	bl_crypto_setup(&s);

	printf("login.openssl %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("login.threads %u\nlogin.cards %zu\nlogin.certs_per_login %zu\n", s.threads,
	       s.ncards, s.nproofs);
	printf("login.seconds %.0f\nlogin.rounds %u\n", s.seconds, o.rounds);
	printf("# the client signs %zu proof(s) per login in this process, with the cards'\n"
	       "# software keys (the challenge changes per login): that CPU is this machine's\n"
	       "# too; client.sign_us_per_login says how much. Crypto side: no caching.\n",
	       s.nproofs);
	fflush(stdout);
	measure(&s, &o);

	bl_crypto_clear(&s);
	for (i = 0; i < s.ncards; i++) {
		sc_card_clear(&s.cards[i]);
	}
	free(s.cards);
	free(s.challenge_body);
	onecard_signer_free(s.signer);
	oc_chain_store_free(s.store);
	free(cards_files);
	free(card_args);
	curl_global_cleanup();
	return 0;
}
