/*
 * The login side of onecard-bench-login (bench_login.h): client threads,
 * each with its own libcurl handle kept open across logins (keep-alive),
 * doing POST /v1/challenge, then signing the proofs with the card's
 * software keys and POST /v1/login, as fast as authd answers.
 *
 * The signing happens here, per login, because the challenge changes
 * per login; its time is counted (sign_s) and printed so that a reader
 * knows how much of this machine's CPU the client itself took.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <onecard/error.h>

#include "bench.h"
#include "bench_login.h"

#define START_DELAY_S 0.02    /* threads start together, this long after creation */
#define WAIT_NS	      200000L /* sleep while waiting for the start */
#define ANSWER_SHOWN  300     /* bytes of an unexpected answer in the abort message */

struct bl_clients {
	struct sc_client *client[BL_THREADS_MAX];
	unsigned n;
};

struct worker {
	const struct bl_setup *s;
	struct sc_client *client;
	unsigned index;
	int warmup;	     /* log in once with each of this thread's cards, untimed */
	double t0, deadline; /* timed rounds */
	unsigned long count;
	double sign_s, finish;
	double *lat; /* milliseconds */
	size_t nlat, cap;
};

int bl_clients_new(const struct bl_setup *s, struct bl_clients **out)
{
	struct bl_clients *c = calloc(1, sizeof(*c));
	unsigned i;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (c == NULL) {
		return r;
	}
	for (i = 0; i < s->threads; i++) {
		r = sc_client_new(s->authd, s->cacert, &c->client[i]);
		if (r != ONECARD_OK) {
			bl_clients_free(c);
			return r;
		}
		c->n++;
	}
	*out = c;
	return ONECARD_OK;
}

void bl_clients_free(struct bl_clients *c)
{
	unsigned i;

	if (c == NULL) {
		return;
	}
	for (i = 0; i < c->n; i++) {
		sc_client_free(c->client[i]);
	}
	free(c);
}

static void die_answer(const char *what, long status, const char *answer)
{
	char detail[ANSWER_SHOWN + 32];

	(void)snprintf(detail, sizeof(detail), "HTTP %ld: %.*s", status, ANSWER_SHOWN,
		       answer != NULL ? answer : "");
	bench_die(what, detail);
}

/* POSTs and checks that the answer is 200; returns the answer (free()). */
static char *post_ok(const struct worker *w, const char *path, const char *body, size_t len,
		     size_t *answer_len)
{
	char *answer = NULL;
	long status = 0;

	if (sc_client_post(w->client, path, NULL, body, len, &status, &answer, answer_len) !=
	    ONECARD_OK) {
		bench_die("no answer from authd", sc_client_error(w->client));
	}
	if (status != 200) {
		die_answer(path, status, answer);
	}
	return answer;
}

/* One card login: challenge, sign, login. */
static void login_once(struct worker *w, const struct sc_card *card)
{
	const struct bl_setup *s = w->s;
	char challenge[OC_CHALLENGE_TEXT_MAX + 1];
	char *answer = NULL, *body = NULL;
	size_t answer_len = 0, body_len = 0;
	json_t *doc = NULL;
	double t1;

	answer = post_ok(w, "/v1/challenge", s->challenge_body, s->challenge_body_len, &answer_len);
	if (sc_answer_challenge(answer, answer_len, challenge) != ONECARD_OK) {
		die_answer("no challenge in the answer", 200, answer);
	}
	free(answer);
	t1 = bench_now();
	if (sc_login_body(card, challenge, s->origin, s->audience, NULL, &body, &body_len) !=
	    ONECARD_OK) {
		bench_die("cannot sign the login", NULL);
	}
	w->sign_s += bench_now() - t1;
	answer = post_ok(w, "/v1/login", body, body_len, &answer_len);
	doc = json_loadb(answer, answer_len, 0, NULL);
	if (!json_is_string(json_object_get(doc, "access_token"))) {
		die_answer("no access token in the login answer", 200, answer);
	}
	json_decref(doc);
	free(answer);
	free(body);
}

static void record(struct worker *w, double ms)
{
	double *grown;
	size_t cap;

	if (w->nlat == w->cap) {
		if (w->cap >= BL_LATENCIES_MAX) {
			return; /* enough samples for the percentiles */
		}
		cap = w->cap == 0 ? 4096u : w->cap * 2u;
		grown = realloc(w->lat, cap * sizeof(*grown));
		if (grown == NULL) {
			bench_die("out of memory for latencies", NULL);
		}
		w->lat = grown;
		w->cap = cap;
	}
	w->lat[w->nlat++] = ms;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bl_setup *s = w->s;
	struct timespec pause = {0, WAIT_NS};
	size_t card = w->index;
	double start;

	if (w->warmup) {
		for (; card < s->ncards; card += s->threads) {
			login_once(w, &s->cards[card]);
		}
		return NULL;
	}
	while (bench_now() < w->t0) {
		(void)nanosleep(&pause, NULL);
	}
	for (;;) {
		start = bench_now();
		if (start >= w->deadline) {
			break;
		}
		login_once(w, &s->cards[card % s->ncards]);
		card += s->threads;
		w->finish = bench_now();
		record(w, (w->finish - start) * 1000.0);
		w->count++;
	}
	return NULL;
}

/* Runs the workers (timed unless warmup) and joins them. */
static void run_workers(const struct bl_setup *s, struct bl_clients *c, struct worker *w,
			int warmup)
{
	pthread_t tid[BL_THREADS_MAX];
	double t0 = bench_now() + START_DELAY_S;
	unsigned i;

	for (i = 0; i < s->threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].s = s;
		w[i].client = c->client[i];
		w[i].index = i;
		w[i].warmup = warmup;
		w[i].t0 = t0;
		w[i].deadline = t0 + s->seconds;
		w[i].finish = t0;
		if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0) {
			bench_die("pthread_create failed", NULL);
		}
	}
	for (i = 0; i < s->threads; i++) {
		if (pthread_join(tid[i], NULL) != 0) {
			bench_die("pthread_join failed", NULL);
		}
	}
}

void bl_login_warmup(const struct bl_setup *s, struct bl_clients *c)
{
	struct worker w[BL_THREADS_MAX];

	run_workers(s, c, w, 1);
}

void bl_login_round(const struct bl_setup *s, struct bl_clients *c, struct bl_latencies *lat,
		    struct bl_round *out)
{
	struct worker w[BL_THREADS_MAX];
	double end = 0.0, *grown;
	unsigned i;

	memset(out, 0, sizeof(*out));
	run_workers(s, c, w, 0);
	for (i = 0; i < s->threads; i++) {
		out->count += w[i].count;
		out->sign_s += w[i].sign_s;
		if (w[i].finish > end) {
			end = w[i].finish;
		}
		if (w[i].nlat > 0 && lat->n + w[i].nlat > lat->cap) {
			grown = realloc(lat->ms, (lat->n + w[i].nlat) * sizeof(*grown));
			if (grown == NULL) {
				bench_die("out of memory for latencies", NULL);
			}
			lat->ms = grown;
			lat->cap = lat->n + w[i].nlat;
		}
		if (w[i].nlat > 0) {
			memcpy(lat->ms + lat->n, w[i].lat, w[i].nlat * sizeof(double));
			lat->n += w[i].nlat;
		}
		free(w[i].lat);
	}
	if (out->count == 0 || end <= w[0].t0) {
		bench_die("no login finished in the round", NULL);
	}
	out->per_s = (double)out->count / (end - w[0].t0);
}
