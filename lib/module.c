/*
 * The module verifier (include/onecard/module.h, docs/module.md): a JWKS
 * cache in front of onecard_verify, then the module's own demands.
 *
 * Concurrency. The keys in use are an immutable snapshot (a verifier and
 * a reference count). A verify takes a reference under `lock`, which is
 * only ever held for a few loads and stores, verifies without any lock,
 * and drops the reference; a fetch builds a new snapshot outside `lock`
 * and swaps it in under it, and the old one is freed by whoever drops
 * the last reference. Fetches are serialised by `fetch_lock`. A thread
 * that has usable keys never waits for a fetch: when they are stale it
 * refreshes them only if no other thread is fetching (trylock), and
 * otherwise goes on with what it has. Only a thread with nothing usable
 * (the first use, or keys past stale_max_s), or one that met an unknown
 * kid, waits for the fetch, since it cannot answer without it.
 *
 * Every fetch attempt increments `settled` once its outcome is in place.
 * A thread that waited on `fetch_lock` compares it with the value it saw
 * with its keys: when another attempt ended meanwhile, it takes that
 * attempt's outcome rather than fetching again, so N threads meeting one
 * new kid cause one fetch, and a failed fetch is not repeated by every
 * waiter.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <onecard/module.h>

#include "claims.h"
#include "jwks_fetch.h"
#include "module_demands.h"

#define MS_PER_S	  INT64_C(1000)
#define ACR_REASON_MAX	  (96u + ONECARD_MODULE_ACR_MAX * (ONECARD_MODULE_VALUE_MAX + 2u))
#define AGENCY_REASON_MAX (96u + ONECARD_MODULE_VALUE_MAX)

#define REASON_NO_KEYS	  "the issuer's keys could not be fetched, and none are cached"
#define REASON_NEVER	  "no fetch yet"
#define REASON_AGENCIES	  "the agencies claim is not a list of objects with a string id and x5t#S256"
#define REASON_BAD_ARG	  "invalid argument"
#define REASON_NOMEM	  "out of memory"
#define REASON_BAD_KEYSET "the JWKS answer is not a key set the verifier accepts"

/* One key set as fetched: never changed once published. */
struct keys {
	atomic_size_t refs;
	onecard_verifier *verifier;
	size_t count;
};

/* Why a fetch is wanted; decides which waits and limits apply. */
enum fetch_cause {
	FETCH_STALE,   /* the keys are past their freshness (or there are none) */
	FETCH_KID,     /* a token named a kid the keys lack: rate-limited */
	FETCH_REQUEST, /* onecard_module_refresh: always */
};

struct onecard_module {
	/* Configuration: set by onecard_module_new, read-only afterwards. */
	char issuer[ONECARD_MODULE_NAME_MAX + 1];
	char audience[ONECARD_MODULE_NAME_MAX + 1];
	char acr[ONECARD_MODULE_ACR_MAX][ONECARD_MODULE_VALUE_MAX + 1];
	size_t acr_count;
	char agencies[ONECARD_MODULE_AGENCIES_MAX][ONECARD_MODULE_VALUE_MAX + 1];
	size_t agency_count;
	char acr_reason[ACR_REASON_MAX];
	char agency_reason[ONECARD_MODULE_AGENCIES_MAX][AGENCY_REASON_MAX];
	unsigned leeway_s;
	int64_t refetch_ms;
	unsigned cache_max_s;
	int64_t stale_ms;
	struct oc_fetch_source *source;

	/* fetch_lock: held across one fetch, so fetches never overlap. */
	pthread_mutex_t fetch_lock;
	/* lock: everything below; never held across a fetch or a verify. */
	pthread_mutex_t lock;
	bool locks_ready;
	struct keys *keys; /* NULL until the first fetch succeeds */
	int64_t fresh_until_ms;
	unsigned max_age_s;
	int64_t next_try_ms; /* no fetch before this (backoff after a failure) */
	unsigned backoff_s;  /* 0 after a success */
	int64_t last_kid_fetch_ms;
	bool kid_fetched; /* last_kid_fetch_ms is meaningful */
	uint64_t settled; /* fetch attempts whose outcome is in place */
	uint64_t fetches; /* fetch attempts started */
	uint64_t fetch_failures;
	uint64_t kid_refetches;
	uint64_t kid_refetches_denied;
	int last_error;
	const char *last_reason;
};

/* What a verify needs to know of the cache, read under the lock at once. */
struct view {
	struct keys *keys; /* a reference the caller drops, or NULL */
	uint64_t settled;  /* m->settled when the keys were taken */
	bool fresh;
	bool may_fetch;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		return 0;
	}
	return (int64_t)ts.tv_sec * MS_PER_S + (int64_t)(ts.tv_nsec / 1000000);
}

/* Lock and unlock of a default mutex fail only on misuse (EINVAL,
 * EDEADLK), which the code never does; their results are not checked. */
static void lock(pthread_mutex_t *mu)
{
	(void)pthread_mutex_lock(mu);
}

static void unlock(pthread_mutex_t *mu)
{
	(void)pthread_mutex_unlock(mu);
}

static void keys_put(struct keys *k)
{
	if (k == NULL) {
		return;
	}
	if (atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) == 1) {
		onecard_verifier_free(k->verifier);
		free(k);
	}
}

/* With m->lock held: the keys (a new reference) if they may still serve. */
static struct view look(onecard_module *m, int64_t now)
{
	struct view v = {NULL, m->settled, false, now >= m->next_try_ms};

	if (m->keys != NULL && now < m->fresh_until_ms + m->stale_ms) {
		atomic_fetch_add_explicit(&m->keys->refs, 1, memory_order_relaxed);
		v.keys = m->keys;
		v.fresh = now < m->fresh_until_ms;
	}
	return v;
}

static struct view take_view(onecard_module *m)
{
	struct view v;

	lock(&m->lock);
	v = look(m, now_ms());
	unlock(&m->lock);
	return v;
}

/* The answer's lifetime bounded to [MAX_AGE_MIN, cache_max_s]; DEFAULT
 * (so bounded too) when it gave none. */
static unsigned bounded_max_age(const onecard_module *m, int64_t lifetime)
{
	int64_t s = lifetime < 0 ? (int64_t)ONECARD_MODULE_MAX_AGE_DEFAULT : lifetime;

	if (s > (int64_t)m->cache_max_s) {
		s = (int64_t)m->cache_max_s;
	}
	if (s < (int64_t)ONECARD_MODULE_MAX_AGE_MIN) {
		s = (int64_t)ONECARD_MODULE_MAX_AGE_MIN;
	}
	return (unsigned)s;
}

/* Fetches and parses a key set into a new snapshot. No lock held. */
static int fetch_keys(const onecard_module *m, struct keys **out, int64_t *lifetime,
		      const char **reason)
{
	struct oc_fetch_answer answer = {NULL, 0, -1};
	struct keys *k = NULL;
	int r;

	*out = NULL;
	*lifetime = -1;
	r = oc_fetch(m->source, &answer, reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		r = ONECARD_ERR_NOMEM;
		*reason = REASON_NOMEM;
		goto out;
	}
	r = onecard_verifier_new(answer.body, answer.len, &k->verifier);
	if (r != ONECARD_OK) {
		*reason = REASON_BAD_KEYSET;
		goto out;
	}
	r = onecard_verifier_set_leeway(k->verifier, m->leeway_s);
	if (r != ONECARD_OK) {
		*reason = REASON_BAD_ARG;
		goto out;
	}
	k->count = onecard_verifier_key_count(k->verifier);
	atomic_init(&k->refs, 1);
	*lifetime = answer.lifetime;
	*out = k;
	k = NULL;
	*reason = "the key set was fetched";
out:
	if (k != NULL) {
		onecard_verifier_free(k->verifier);
		free(k);
	}
	oc_fetch_answer_clear(&answer);
	return r;
}

/*
 * With m->fetch_lock held: fetches unless another attempt ended since the
 * caller saw `seen` settled ones, or the cause's waits say not yet (the
 * backoff after a failure; for an unknown kid also the rate limit).
 * Returns the fetch's result, or ONECARD_OK when none was needed.
 */
static int fetch_locked(onecard_module *m, enum fetch_cause cause, uint64_t seen,
			const char **reason)
{
	struct keys *fresh = NULL, *old = NULL;
	int64_t lifetime, now;
	bool go = true;
	int r;

	*reason = "";
	lock(&m->lock);
	now = now_ms();
	if (cause != FETCH_REQUEST) {
		if (m->settled != seen) {
			go = false; /* someone else just tried: take that */
		} else if (now < m->next_try_ms) {
			go = false;
		} else if (cause == FETCH_STALE && m->keys != NULL && now < m->fresh_until_ms) {
			go = false;
		} else if (cause == FETCH_KID && m->kid_fetched &&
			   now < m->last_kid_fetch_ms + m->refetch_ms) {
			go = false;
		}
	}
	if (!go) {
		if (cause == FETCH_KID && m->settled == seen) {
			m->kid_refetches_denied++;
		}
		unlock(&m->lock);
		return ONECARD_OK;
	}
	m->fetches++;
	if (cause == FETCH_KID) {
		m->kid_refetches++;
		m->kid_fetched = true;
		m->last_kid_fetch_ms = now;
	}
	unlock(&m->lock);

	r = fetch_keys(m, &fresh, &lifetime, reason);

	lock(&m->lock);
	now = now_ms();
	m->settled++;
	m->last_error = r;
	m->last_reason = *reason;
	if (r == ONECARD_OK) {
		old = m->keys;
		m->keys = fresh;
		m->max_age_s = bounded_max_age(m, lifetime);
		m->fresh_until_ms = now + (int64_t)m->max_age_s * MS_PER_S;
		m->backoff_s = 0;
		m->next_try_ms = 0;
	} else {
		m->fetch_failures++;
		if (m->backoff_s == 0) {
			m->backoff_s = ONECARD_MODULE_RETRY_MIN;
		} else if (m->backoff_s < ONECARD_MODULE_RETRY_MAX / 2u) {
			m->backoff_s *= 2u;
		} else {
			m->backoff_s = ONECARD_MODULE_RETRY_MAX;
		}
		m->next_try_ms = now + (int64_t)m->backoff_s * MS_PER_S;
	}
	unlock(&m->lock);
	keys_put(old);
	return r;
}

/* Keys to verify with: *out is a reference the caller drops. Fetches as
 * the file's comment says. ONECARD_ERR_KEYS_UNAVAILABLE when none may
 * serve. */
static int get_keys(onecard_module *m, struct view *out, const char **reason)
{
	struct view v = take_view(m);
	const char *why = "";

	*out = v;
	if (v.keys != NULL && v.fresh) {
		return ONECARD_OK;
	}
	if (v.keys != NULL) {
		/* Stale but usable: refresh if nobody is, never wait. */
		if (v.may_fetch && pthread_mutex_trylock(&m->fetch_lock) == 0) {
			(void)fetch_locked(m, FETCH_STALE, v.settled, &why);
			unlock(&m->fetch_lock);
			keys_put(v.keys);
			v = take_view(m);
		}
	} else if (v.may_fetch) {
		lock(&m->fetch_lock);
		(void)fetch_locked(m, FETCH_STALE, v.settled, &why);
		unlock(&m->fetch_lock);
		v = take_view(m);
	}
	*out = v;
	if (v.keys == NULL) {
		*reason = REASON_NO_KEYS;
		return ONECARD_ERR_KEYS_UNAVAILABLE;
	}
	return ONECARD_OK;
}

static int check_acr(const onecard_module *m, const onecard_claims *claims, const char **reason)
{
	const char *acr = onecard_claims_get0_string(claims, "acr");
	size_t i;

	for (i = 0; acr != NULL && i < m->acr_count; i++) {
		if (strcmp(acr, m->acr[i]) == 0) {
			return ONECARD_OK;
		}
	}
	*reason = m->acr_reason;
	return ONECARD_ERR_ACR_NOT_ALLOWED;
}

/* true when the list has an entry for agency; list checked already. */
static bool lists_agency(const json_t *list, const char *agency)
{
	const json_t *entry;
	size_t i;

	json_array_foreach (list, i, entry) {
		if (strcmp(json_string_value(json_object_get(entry, "id")), agency) == 0) {
			return true;
		}
	}
	return false;
}

static int check_agencies(const onecard_module *m, const onecard_claims *claims,
			  const char **reason)
{
	const json_t *list, *entry;
	size_t i;

	if (m->agency_count == 0) {
		return ONECARD_OK;
	}
	list = json_object_get(claims->payload, "agencies");
	if (list == NULL) {
		*reason = m->agency_reason[0];
		return ONECARD_ERR_AGENCY_MISSING;
	}
	if (!json_is_array(list)) {
		*reason = REASON_AGENCIES;
		return ONECARD_ERR_BAD_CLAIM;
	}
	/* The token is authd's (its signature verified); its shape is still
	 * checked before anything is read from it. */
	json_array_foreach (list, i, entry) {
		if (!json_is_object(entry) || !json_is_string(json_object_get(entry, "id")) ||
		    !json_is_string(json_object_get(entry, "x5t#S256"))) {
			*reason = REASON_AGENCIES;
			return ONECARD_ERR_BAD_CLAIM;
		}
	}
	for (i = 0; i < m->agency_count; i++) {
		if (!lists_agency(list, m->agencies[i])) {
			*reason = m->agency_reason[i];
			return ONECARD_ERR_AGENCY_MISSING;
		}
	}
	return ONECARD_OK;
}

int onecard_module_verify(onecard_module *m, const char *token, size_t len,
			  onecard_claims **claims_out, const char **reason_out)
{
	struct view v = {NULL, 0, false, false};
	onecard_claims *claims = NULL;
	const char *reason = REASON_BAD_ARG, *why = "";
	struct keys *used;
	int r = ONECARD_ERR_INVALID_ARG;

	if (claims_out != NULL) {
		*claims_out = NULL;
	}
	if (reason_out != NULL) {
		*reason_out = "";
	}
	if (m == NULL || token == NULL || claims_out == NULL) {
		goto out;
	}
	r = get_keys(m, &v, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = onecard_verify(v.keys->verifier, token, len, m->issuer, m->audience, &claims, &reason);
	if (r == ONECARD_ERR_UNKNOWN_KID) {
		/* Key rollover: fetch once (rate-limited), and if the keys
		 * changed, verify once more with them. */
		used = v.keys;
		lock(&m->fetch_lock);
		(void)fetch_locked(m, FETCH_KID, v.settled, &why);
		unlock(&m->fetch_lock);
		v = take_view(m);
		if (v.keys != NULL && v.keys != used) {
			r = onecard_verify(v.keys->verifier, token, len, m->issuer, m->audience,
					   &claims, &reason);
		}
		keys_put(used);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = check_acr(m, claims, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = check_agencies(m, claims, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	*claims_out = claims;
	claims = NULL;
	reason = "";
out:
	keys_put(v.keys);
	onecard_claims_free(claims);
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	return r;
}

int onecard_module_refresh(onecard_module *m, const char **reason_out)
{
	const char *reason = REASON_BAD_ARG;
	int r = ONECARD_ERR_INVALID_ARG;

	if (reason_out != NULL) {
		*reason_out = "";
	}
	if (m == NULL) {
		goto out;
	}
	lock(&m->fetch_lock);
	r = fetch_locked(m, FETCH_REQUEST, 0, &reason);
	unlock(&m->fetch_lock);
out:
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	return r;
}

int onecard_module_stats(onecard_module *m, struct onecard_module_stats *out)
{
	int64_t now;

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->last_fetch_reason = REASON_NEVER;
	}
	if (m == NULL || out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	lock(&m->lock);
	now = now_ms();
	out->fetches = m->fetches;
	out->fetch_failures = m->fetch_failures;
	out->kid_refetches = m->kid_refetches;
	out->kid_refetches_denied = m->kid_refetches_denied;
	out->keys = m->keys != NULL ? m->keys->count : 0;
	out->last_fetch_error = m->last_error;
	out->last_fetch_reason = m->last_reason;
	out->max_age_s = m->max_age_s;
	out->fresh_for_s = m->keys != NULL ? (m->fresh_until_ms - now) / MS_PER_S : 0;
	unlock(&m->lock);
	return ONECARD_OK;
}

/* ---- configuration ---------------------------------------------------- */

void onecard_module_config_init(struct onecard_module_config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->leeway_s = ONECARD_LEEWAY_DEFAULT;
	cfg->refetch_interval_s = ONECARD_MODULE_REFETCH_DEFAULT;
	cfg->cache_max_s = ONECARD_MODULE_MAX_AGE_MAX;
	cfg->stale_max_s = ONECARD_MODULE_STALE_DEFAULT;
	cfg->timeout_s = ONECARD_MODULE_TIMEOUT_DEFAULT;
}

static bool config_ok(const struct onecard_module_config *cfg)
{
	return cfg->acr != NULL && cfg->acr_count >= 1 &&
	       cfg->acr_count <= ONECARD_MODULE_ACR_MAX &&
	       (cfg->agency_count == 0 || cfg->agencies != NULL) &&
	       cfg->agency_count <= ONECARD_MODULE_AGENCIES_MAX &&
	       cfg->leeway_s <= ONECARD_LEEWAY_MAX && cfg->refetch_interval_s >= 1 &&
	       cfg->refetch_interval_s <= ONECARD_MODULE_REFETCH_MAX &&
	       cfg->cache_max_s >= ONECARD_MODULE_MAX_AGE_MIN &&
	       cfg->cache_max_s <= ONECARD_MODULE_MAX_AGE_MAX &&
	       cfg->stale_max_s <= ONECARD_MODULE_STALE_MAX && cfg->timeout_s >= 1 &&
	       cfg->timeout_s <= ONECARD_MODULE_TIMEOUT_MAX;
}

/* The fixed sentences a refusal of a demand gives, made once. */
static bool build_reasons(onecard_module *m)
{
	size_t i, used;
	int w;

	w = snprintf(m->acr_reason, sizeof(m->acr_reason),
		     "this module admits only these assurance levels (acr): %s", m->acr[0]);
	if (w < 0 || (size_t)w >= sizeof(m->acr_reason)) {
		return false;
	}
	used = (size_t)w;
	for (i = 1; i < m->acr_count; i++) {
		w = snprintf(m->acr_reason + used, sizeof(m->acr_reason) - used, ", %s", m->acr[i]);
		if (w < 0 || (size_t)w >= sizeof(m->acr_reason) - used) {
			return false;
		}
		used += (size_t)w;
	}
	for (i = 0; i < m->agency_count; i++) {
		w = snprintf(m->agency_reason[i], sizeof(m->agency_reason[i]),
			     "this module requires the certificate of agency %s, which the "
			     "token does not carry",
			     m->agencies[i]);
		if (w < 0 || (size_t)w >= sizeof(m->agency_reason[i])) {
			return false;
		}
	}
	return true;
}

void onecard_module_free(onecard_module *m)
{
	if (m == NULL) {
		return;
	}
	keys_put(m->keys);
	if (m->locks_ready) {
		(void)pthread_mutex_destroy(&m->lock);
		(void)pthread_mutex_destroy(&m->fetch_lock);
	}
	oc_fetch_source_free(m->source);
	free(m);
}

int onecard_module_new(const struct onecard_module_config *cfg, onecard_module **out)
{
	onecard_module *m = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (cfg == NULL || !config_ok(cfg)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	if (!oc_module_copy_name(m->issuer, cfg->issuer) ||
	    !oc_module_copy_name(m->audience, cfg->audience) ||
	    !oc_module_copy_values(m->acr, cfg->acr, cfg->acr_count) ||
	    !oc_module_copy_values(m->agencies, cfg->agencies, cfg->agency_count)) {
		goto out;
	}
	m->acr_count = cfg->acr_count;
	m->agency_count = cfg->agency_count;
	if (!build_reasons(m)) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	m->leeway_s = cfg->leeway_s;
	m->refetch_ms = (int64_t)cfg->refetch_interval_s * MS_PER_S;
	m->cache_max_s = cfg->cache_max_s;
	m->stale_ms = (int64_t)cfg->stale_max_s * MS_PER_S;
	r = oc_fetch_source_new(OC_FETCH_JWKS, cfg->jwks_url, cfg->ca_file, cfg->timeout_s,
				&m->source);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	if (pthread_mutex_init(&m->fetch_lock, NULL) != 0) {
		(void)pthread_mutex_destroy(&m->lock);
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	m->locks_ready = true;
	m->last_error = ONECARD_OK;
	m->last_reason = REASON_NEVER;
	*out = m;
	m = NULL;
	r = ONECARD_OK;
out:
	onecard_module_free(m);
	return r;
}

/* ---- demands from the module list (module_demands.c parses) ------------ */

int onecard_module_demands_fetch(const char *modules_url, const char *module_id,
				 const char *ca_file, unsigned timeout_s,
				 onecard_module_demands **out, const char **reason_out)
{
	struct oc_fetch_source *src = NULL;
	struct oc_fetch_answer answer = {NULL, 0, -1};
	const char *reason = REASON_BAD_ARG;
	int r = ONECARD_ERR_INVALID_ARG;

	if (out != NULL) {
		*out = NULL;
	}
	if (reason_out != NULL) {
		*reason_out = "";
	}
	/* The id is checked before anything is fetched. */
	if (out == NULL || !oc_module_copy_name(NULL, module_id)) {
		goto out;
	}
	r = oc_fetch_source_new(OC_FETCH_MODULE_LIST, modules_url, ca_file, timeout_s, &src);
	if (r != ONECARD_OK) {
		if (r == ONECARD_ERR_INVALID_ARG) {
			reason = "the module list URL, CA file or timeout is not allowed";
		} else if (r == ONECARD_ERR_NOMEM) {
			reason = REASON_NOMEM;
		} else {
			reason = "libcurl could not be started";
		}
		goto out;
	}
	r = oc_fetch(src, &answer, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = onecard_module_demands_parse(answer.body, answer.len, module_id, out, &reason);
out:
	oc_fetch_answer_clear(&answer);
	oc_fetch_source_free(src);
	if (reason_out != NULL) {
		*reason_out = reason;
	}
	return r;
}

int onecard_module_new_with_demands(const struct onecard_module_config *cfg,
				    const onecard_module_demands *d, onecard_module **out)
{
	struct onecard_module_config with;
	const char *id = onecard_module_demands_get0_id(d);

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = NULL;
	if (cfg == NULL || d == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* One source of demands: none in cfg. The audience, if given, must
	 * be the module whose demands these are. */
	if (cfg->acr != NULL || cfg->acr_count != 0 || cfg->agencies != NULL ||
	    cfg->agency_count != 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (cfg->audience != NULL && strcmp(cfg->audience, id) != 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	with = *cfg;
	with.audience = id;
	with.acr = onecard_module_demands_get0_acr(d, &with.acr_count);
	with.agencies = onecard_module_demands_get0_agencies(d, &with.agency_count);
	/* onecard_module_new copies every string: d may go once it returns. */
	return onecard_module_new(&with, out);
}
