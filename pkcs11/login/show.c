/*
 * The klist-like listing of a credential cache (login.h). The document
 * has passed oc_ccache_validate; its strings still came from a file and,
 * before that, from authd, so each is printed with control characters
 * replaced. The access token itself is never printed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onecard/error.h>

#include "cli_line.h"
#include "login.h"

#define TIME_TEXT_MAX	   32u	 /* "2026-11-05 10:00:00 UTC" */
#define LINE_TEXT_MAX	   1024u /* bytes of one printed value */
#define SECONDS_PER_MINUTE 60

static void print_value(FILE *out, const char *label, const char *value)
{
	char clean[LINE_TEXT_MAX];

	oc_cli_sanitize(value != NULL ? value : "", clean, sizeof(clean));
	fprintf(out, "%s%s\n", label, clean);
}

static void format_time(int64_t t, char out[TIME_TEXT_MAX])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, TIME_TEXT_MAX, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		(void)snprintf(out, TIME_TEXT_MAX, "%lld", (long long)t);
	}
}

/* "(valid, N min S s left)" or "(expired)" for a time t at now. */
static void time_left(int64_t t, int64_t now, const char *ended, char *out, size_t cap)
{
	char when[TIME_TEXT_MAX];

	format_time(t, when);
	if (t <= now) {
		(void)snprintf(out, cap, "%s (%s)", when, ended);
	} else {
		(void)snprintf(out, cap, "%s (valid, %lld min %lld s left)", when,
			       (long long)((t - now) / SECONDS_PER_MINUTE),
			       (long long)((t - now) % SECONDS_PER_MINUTE));
	}
}

/* The session: who, when, until when; never its credential. */
static void show_session(FILE *out, const json_t *root, int64_t now)
{
	struct oc_ccache_session s;
	char when[TIME_TEXT_MAX], line[LINE_TEXT_MAX];
	int64_t idle_end;

	if (oc_ccache_session_get(root, &s) != ONECARD_OK) {
		fprintf(out, "session: none\n");
		return;
	}
	fprintf(out, "session: present (its credential is never shown)\n");
	if (strcmp(s.acr, OC_LOGIN_ACR_PWD_OTP) == 0) {
		fprintf(out, "  login:      password and TOTP code (acr pwd-otp); modules that "
			     "need a card refuse it\n");
	} else {
		(void)snprintf(line, sizeof(line), "card (acr %s)", s.acr);
		print_value(out, "  login:      ", line);
	}
	print_value(out, "  subject:    ", s.sub);
	print_value(out, "  enterprise: ", s.ent);
	print_value(out, "  card:       ", s.card[0] != '\0' ? s.card : "(none)");
	format_time(s.issued_at, when);
	fprintf(out, "  opened:     %s\n", when);
	format_time(s.last_used, when);
	fprintf(out, "  last used:  %s\n", when);
	time_left(s.exp, now, "ended", line, sizeof(line));
	fprintf(out, "  expires:    %s\n", line);
	/* The idle end as this machine's clock sees it: authd counts with
	 * its database's clock, and decides. */
	idle_end = s.last_used <= INT64_MAX - s.idle_timeout ? s.last_used + s.idle_timeout
							     : INT64_MAX;
	if (idle_end > s.exp) {
		idle_end = s.exp;
	}
	time_left(idle_end, now, "ended", line, sizeof(line));
	fprintf(out, "  idle until: %s\n", line);
	fprintf(out, "  idle limit: %lld min %lld s without use\n",
		(long long)(s.idle_timeout / SECONDS_PER_MINUTE),
		(long long)(s.idle_timeout % SECONDS_PER_MINUTE));
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void show_entry(FILE *out, const char *audience, const json_t *e, int64_t now)
{
	char when[TIME_TEXT_MAX], list[LINE_TEXT_MAX], clean[LINE_TEXT_MAX];
	const json_t *a = json_object_get(e, "agencies"), *v;
	const char *card;
	int64_t exp = (int64_t)json_integer_value(json_object_get(e, "exp"));
	size_t i, pos = 0, n;

	print_value(out, "audience: ", audience);
	print_value(out, "  subject:    ", json_string_value(json_object_get(e, "sub")));
	print_value(out, "  enterprise: ", json_string_value(json_object_get(e, "ent")));
	card = json_string_value(json_object_get(e, "card"));
	print_value(out, "  card:       ", card != NULL && card[0] != '\0' ? card : "(none)");
	list[0] = '\0';
	json_array_foreach (a, i, v) {
		n = strlen(json_string_value(v));
		if (pos + n + 3u >= sizeof(list)) {
			break; /* the line is cut, the cache is not */
		}
		if (pos > 0) {
			memcpy(list + pos, ", ", 2);
			pos += 2;
		}
		memcpy(list + pos, json_string_value(v), n);
		pos += n;
		list[pos] = '\0';
	}
	print_value(out, "  agencies:   ", list[0] != '\0' ? list : "(none)");
	format_time((int64_t)json_integer_value(json_object_get(e, "issued_at")), when);
	fprintf(out, "  issued:     %s\n", when);
	time_left(exp, now, "expired", clean, sizeof(clean));
	fprintf(out, "  expires:    %s\n", clean);
}

int oc_ccache_show(const json_t *root, const char *path, int64_t now, FILE *out)
{
	const char **keys = NULL;
	const json_t *tokens, *e;
	const char *key;
	size_t n = 0, i;
	int r = ONECARD_ERR_NOMEM;

	tokens = json_object_get(root, "tokens");
	print_value(out, "Credential cache: ", path);
	print_value(out, "authd: ", json_string_value(json_object_get(root, "authd")));
	print_value(out, "origin: ", json_string_value(json_object_get(root, "origin")));
	show_session(out, root, now);
	if (json_object_size(tokens) == 0) {
		fprintf(out, "\n(no tokens)\n");
		r = ONECARD_OK;
		goto out;
	}
	/* Sorted, so that the listing does not depend on the file's order. */
	keys = calloc(json_object_size(tokens), sizeof(*keys));
	if (keys == NULL) {
		goto out;
	}
	json_object_foreach ((json_t *)tokens, key, e) {
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), compare_keys);
	for (i = 0; i < n; i++) {
		fprintf(out, "\n");
		show_entry(out, keys[i], json_object_get(tokens, keys[i]), now);
	}
	r = ONECARD_OK;
out:
	free(keys);
	if (r == ONECARD_OK && (fflush(out) != 0 || ferror(out))) {
		r = ONECARD_ERR_IO;
	}
	return r;
}
