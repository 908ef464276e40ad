/*
 * module_driver: onecard_module_* (include/onecard/module.h) driven line
 * by line from stdin, so that a shell script can keep modules alive
 * across a key rotation or authd going away (test_module_authd.sh). It
 * links libonecard.so, as a module would. One command per line, one
 * answer line per command on stdout:
 *
 *   new NAME URL ISSUER AUDIENCE ACRS AGENCIES [KEY=N]...
 *        ACRS, AGENCIES: comma-separated, "-" for none. KEY: leeway,
 *        refetch, cache_max, stale, timeout (module.h's config members).
 *        -> "ok" | "error CODE"
 *   verify NAME FILE    the token in FILE (one trailing newline dropped)
 *        -> "ok sub=SUB kid=KID" | "refused CODE REASON"
 *   refresh NAME        -> "ok" | "error CODE REASON"
 *   stats NAME          -> "fetches=N failures=N kid_refetches=N denied=N
 *                           keys=N last=CODE max_age=N"
 *   hammer NAME FILE THREADS N [refresh|still]
 *        THREADS threads verify the token N times each, started together;
 *        with "refresh" (the default) one more thread refreshes the keys
 *        again and again meanwhile (swaps under load)
 *        -> "ok VERIFIED" | "error COUNT-FAILED first CODE"
 *   free NAME           -> "ok"
 *   quit
 *
 * Test code: exits 1 on a malformed command, never guesses.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/module.h>

#define LINE_MAX_LEN  8192u
#define FIELDS_MAX    24u
#define MODULES_MAX   32u
#define NAME_MAX_LEN  32u
#define TOKEN_MAX_LEN 65536u
#define LIST_MAX      16u
#define THREADS_MAX   16u
#define ROUNDS_MAX    100000u

struct slot {
	char name[NAME_MAX_LEN + 1];
	onecard_module *m;
};

static struct slot slots[MODULES_MAX];

static void die(const char *what)
{
	fprintf(stderr, "module_driver: %s\n", what);
	exit(1);
}

/* Splits line in place at spaces; at most FIELDS_MAX fields. */
static size_t split(char *line, char **fields)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ') {
			*p++ = '\0';
		}
		if (*p == '\0') {
			break;
		}
		if (n == FIELDS_MAX) {
			die("too many fields");
		}
		fields[n++] = p;
		while (*p != '\0' && *p != ' ') {
			p++;
		}
	}
	return n;
}

/* A decimal number 0..max, digits only. */
static unsigned number(const char *s, unsigned max)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] == '\0') {
		die("empty number");
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9') {
			die("not a number");
		}
		v = v * 10u + (unsigned long)(s[i] - '0');
		if (v > max) {
			die("number too large");
		}
	}
	return (unsigned)v;
}

/* Splits a comma-separated list in place ("-": empty). */
static size_t list(char *s, const char **out)
{
	size_t n = 0;
	char *p = s;

	if (strcmp(s, "-") == 0) {
		return 0;
	}
	for (;;) {
		if (n == LIST_MAX) {
			die("list too long");
		}
		out[n++] = p;
		p = strchr(p, ',');
		if (p == NULL) {
			break;
		}
		*p++ = '\0';
	}
	return n;
}

static struct slot *find(const char *name)
{
	size_t i;

	for (i = 0; i < MODULES_MAX; i++) {
		if (slots[i].m != NULL && strcmp(slots[i].name, name) == 0) {
			return &slots[i];
		}
	}
	printf("error no_such_module\n");
	return NULL;
}

static void cmd_new(char **f, size_t n)
{
	struct onecard_module_config cfg;
	const char *acr[LIST_MAX], *agencies[LIST_MAX];
	struct slot *s = NULL;
	char *eq;
	size_t i;
	int r;

	if (n < 7 || strlen(f[1]) > NAME_MAX_LEN) {
		die("usage: new NAME URL ISSUER AUDIENCE ACRS AGENCIES [KEY=N]...");
	}
	for (i = 0; i < MODULES_MAX && s == NULL; i++) {
		if (slots[i].m == NULL) {
			s = &slots[i];
		}
	}
	if (s == NULL) {
		die("too many modules");
	}
	onecard_module_config_init(&cfg);
	cfg.jwks_url = f[2];
	cfg.issuer = f[3];
	cfg.audience = f[4];
	cfg.acr_count = list(f[5], acr);
	cfg.acr = acr;
	cfg.agency_count = list(f[6], agencies);
	cfg.agencies = agencies;
	for (i = 7; i < n; i++) {
		eq = strchr(f[i], '=');
		if (eq == NULL) {
			die("option without =");
		}
		*eq++ = '\0';
		if (strcmp(f[i], "leeway") == 0) {
			cfg.leeway_s = number(eq, 100000u);
		} else if (strcmp(f[i], "refetch") == 0) {
			cfg.refetch_interval_s = number(eq, 100000u);
		} else if (strcmp(f[i], "cache_max") == 0) {
			cfg.cache_max_s = number(eq, 100000u);
		} else if (strcmp(f[i], "stale") == 0) {
			cfg.stale_max_s = number(eq, 10000000u);
		} else if (strcmp(f[i], "timeout") == 0) {
			cfg.timeout_s = number(eq, 100000u);
		} else {
			die("unknown option");
		}
	}
	r = onecard_module_new(&cfg, &s->m);
	if (r != ONECARD_OK) {
		printf("error %s\n", onecard_err_code(r));
		return;
	}
	memcpy(s->name, f[1], strlen(f[1]) + 1u);
	printf("ok\n");
}

/* Reads a token file into buf (NUL-terminated); returns its length. */
static size_t read_token(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t len;

	if (fp == NULL) {
		die("cannot open the token file");
	}
	len = fread(buf, 1, cap - 1u, fp);
	if (ferror(fp) || !feof(fp)) {
		die("cannot read the token file, or it is too long");
	}
	fclose(fp);
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
	}
	buf[len] = '\0';
	return len;
}

static void cmd_verify(char **f, size_t n)
{
	static char token[TOKEN_MAX_LEN + 1];
	onecard_claims *claims = NULL;
	const char *reason = NULL, *sub;
	struct slot *s;
	size_t len;
	int r;

	if (n != 3) {
		die("usage: verify NAME FILE");
	}
	s = find(f[1]);
	if (s == NULL) {
		return;
	}
	len = read_token(f[2], token, sizeof(token));
	r = onecard_module_verify(s->m, token, len, &claims, &reason);
	if (r != ONECARD_OK) {
		if (claims != NULL || reason == NULL) {
			die("a refusal with claims or without a reason");
		}
		printf("refused %s %s\n", onecard_err_code(r), reason);
		return;
	}
	sub = onecard_claims_get0_string(claims, "sub");
	printf("ok sub=%s kid=%s\n", sub != NULL ? sub : "-", onecard_claims_get0_kid(claims));
	onecard_claims_free(claims);
}

static void cmd_refresh(char **f, size_t n)
{
	const char *reason = NULL;
	struct slot *s;
	int r;

	if (n != 2) {
		die("usage: refresh NAME");
	}
	s = find(f[1]);
	if (s == NULL) {
		return;
	}
	r = onecard_module_refresh(s->m, &reason);
	if (r != ONECARD_OK) {
		printf("error %s %s\n", onecard_err_code(r), reason);
		return;
	}
	printf("ok\n");
}

static void cmd_stats(char **f, size_t n)
{
	struct onecard_module_stats st;
	struct slot *s;

	if (n != 2) {
		die("usage: stats NAME");
	}
	s = find(f[1]);
	if (s == NULL) {
		return;
	}
	if (onecard_module_stats(s->m, &st) != ONECARD_OK) {
		die("onecard_module_stats failed");
	}
	printf("fetches=%llu failures=%llu kid_refetches=%llu denied=%llu keys=%zu last=%s "
	       "max_age=%u\n",
	       (unsigned long long)st.fetches, (unsigned long long)st.fetch_failures,
	       (unsigned long long)st.kid_refetches, (unsigned long long)st.kid_refetches_denied,
	       st.keys, onecard_err_code(st.last_fetch_error), st.max_age_s);
}

/* ---- hammer: verifies from many threads while the keys are swapped ---- */

struct hammer {
	onecard_module *m;
	const char *token;
	size_t len;
	unsigned rounds;
	atomic_uint verified;
	atomic_uint failed;
	atomic_int first_error;
	atomic_bool done;
	pthread_barrier_t start;
};

static void *verify_loop(void *arg)
{
	struct hammer *h = arg;
	onecard_claims *claims;
	const char *reason;
	unsigned i;
	int r, none = 0;

	(void)pthread_barrier_wait(&h->start);
	for (i = 0; i < h->rounds; i++) {
		r = onecard_module_verify(h->m, h->token, h->len, &claims, &reason);
		if (r == ONECARD_OK) {
			atomic_fetch_add(&h->verified, 1u);
		} else {
			atomic_fetch_add(&h->failed, 1u);
			(void)atomic_compare_exchange_strong(&h->first_error, &none, r);
		}
		onecard_claims_free(claims);
	}
	return NULL;
}

static void *refresh_loop(void *arg)
{
	struct hammer *h = arg;
	const char *reason;

	while (!atomic_load(&h->done)) {
		if (onecard_module_refresh(h->m, &reason) != ONECARD_OK) {
			atomic_fetch_add(&h->failed, 1u);
		}
	}
	return NULL;
}

static void cmd_hammer(char **f, size_t n)
{
	static char token[TOKEN_MAX_LEN + 1];
	pthread_t threads[THREADS_MAX], refresher;
	struct hammer h;
	struct slot *s;
	unsigned count, i;
	bool refresh = true;

	if (n == 6 && strcmp(f[5], "still") == 0) {
		refresh = false;
	} else if (n != 5 && !(n == 6 && strcmp(f[5], "refresh") == 0)) {
		die("usage: hammer NAME FILE THREADS N [refresh|still]");
	}
	s = find(f[1]);
	if (s == NULL) {
		return;
	}
	memset(&h, 0, sizeof(h));
	h.m = s->m;
	h.len = read_token(f[2], token, sizeof(token));
	h.token = token;
	count = number(f[3], THREADS_MAX);
	if (count == 0) {
		die("hammer needs a thread");
	}
	h.rounds = number(f[4], ROUNDS_MAX);
	atomic_init(&h.verified, 0u);
	atomic_init(&h.failed, 0u);
	atomic_init(&h.first_error, 0);
	atomic_init(&h.done, false);
	if (pthread_barrier_init(&h.start, NULL, count) != 0) {
		die("pthread_barrier_init");
	}
	if (refresh && pthread_create(&refresher, NULL, refresh_loop, &h) != 0) {
		die("pthread_create");
	}
	for (i = 0; i < count; i++) {
		if (pthread_create(&threads[i], NULL, verify_loop, &h) != 0) {
			die("pthread_create");
		}
	}
	for (i = 0; i < count; i++) {
		(void)pthread_join(threads[i], NULL);
	}
	atomic_store(&h.done, true);
	if (refresh) {
		(void)pthread_join(refresher, NULL);
	}
	(void)pthread_barrier_destroy(&h.start);
	if (atomic_load(&h.failed) != 0) {
		printf("error %u-failed first %s\n", atomic_load(&h.failed),
		       onecard_err_code(atomic_load(&h.first_error)));
		return;
	}
	printf("ok %u\n", atomic_load(&h.verified));
}

static void cmd_free(char **f, size_t n)
{
	struct slot *s;

	if (n != 2) {
		die("usage: free NAME");
	}
	s = find(f[1]);
	if (s == NULL) {
		return;
	}
	onecard_module_free(s->m);
	memset(s, 0, sizeof(*s));
	printf("ok\n");
}

int main(void)
{
	static char line[LINE_MAX_LEN + 2];
	char *f[FIELDS_MAX];
	size_t n, len, i;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(stdin)) {
			die("line too long");
		}
		n = split(line, f);
		if (n == 0) {
			continue;
		}
		if (strcmp(f[0], "quit") == 0) {
			break;
		} else if (strcmp(f[0], "new") == 0) {
			cmd_new(f, n);
		} else if (strcmp(f[0], "verify") == 0) {
			cmd_verify(f, n);
		} else if (strcmp(f[0], "refresh") == 0) {
			cmd_refresh(f, n);
		} else if (strcmp(f[0], "stats") == 0) {
			cmd_stats(f, n);
		} else if (strcmp(f[0], "hammer") == 0) {
			cmd_hammer(f, n);
		} else if (strcmp(f[0], "free") == 0) {
			cmd_free(f, n);
		} else {
			die("unknown command");
		}
		if (fflush(stdout) != 0) {
			die("cannot write");
		}
	}
	for (i = 0; i < MODULES_MAX; i++) {
		onecard_module_free(slots[i].m);
	}
	return 0;
}
