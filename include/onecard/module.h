/*
 * onecard — the verifier a module links: it fetches authd's JWKS over
 * HTTP(S), caches it, and checks each token for this module in one call.
 *
 * A module (a city or provincial service that accepts onecard tokens)
 * builds one onecard_module at start, naming authd's issuer, the JWKS
 * URL, its own audience and its demands (the assurance levels it admits,
 * the agencies whose certificates a login must have proven) — usually
 * read from authd's GET /v1/modules (onecard_module_demands_fetch, then
 * onecard_module_new_with_demands) — and calls onecard_module_verify()
 * for every request. Verification stays offline:
 * the key set is fetched on first use, kept for the cache lifetime the
 * answer gives (Cache-Control max-age, bounded below), refetched once
 * when a token names an unknown kid (rate-limited), and kept while authd
 * is unreachable. docs/module.md has the design and its invariants.
 *
 * Ownership: onecard_module_new hands over a module the caller frees with
 * onecard_module_free(); _free(NULL) does nothing. Likewise demands
 * (onecard_module_demands_free), whose strings the library owns. No
 * string passed in needs to outlive the call: everything is copied. Claims returned by
 * onecard_module_verify are the caller's (onecard_claims_free, token.h).
 * Reason strings are borrowed: fixed sentences that live at least as
 * long as the module.
 *
 * Thread safety: onecard_module_verify, onecard_module_refresh and
 * onecard_module_stats may be called on one module from many threads at
 * once. onecard_module_free must not race with them.
 *
 * Linking: pkg-config --cflags --libs onecard. The library uses libcurl;
 * it initialises libcurl once (curl_global_init) and never cleans it up.
 */
#ifndef ONECARD_MODULE_H
#define ONECARD_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/error.h>
#include <onecard/token.h>
#include <onecard/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Named limits on the configuration. */
#define ONECARD_MODULE_URL_MAX	     2048u /* bytes of the JWKS URL */
#define ONECARD_MODULE_NAME_MAX	     256u  /* bytes of the issuer and of the audience */
#define ONECARD_MODULE_VALUE_MAX     64u   /* bytes of one acr value or agency id */
#define ONECARD_MODULE_ACR_MAX	     8u	   /* acr values one module admits */
#define ONECARD_MODULE_AGENCIES_MAX  16u   /* agencies one module requires */
#define ONECARD_MODULE_PATH_MAX	     4096u /* bytes of the CA file's path */
#define ONECARD_MODULE_FETCH_MAX_LEN ONECARD_JWKS_MAX_LEN /* bytes of a JWKS answer */

/* How long a fetched key set is fresh: the answer's Cache-Control
 * max-age, bounded to [MIN, the configuration's cache_max_s]; DEFAULT
 * when the answer gives none. */
#define ONECARD_MODULE_MAX_AGE_MIN     10u
#define ONECARD_MODULE_MAX_AGE_MAX     86400u
#define ONECARD_MODULE_MAX_AGE_DEFAULT 300u

/* After a failed fetch the next one waits RETRY_MIN seconds, doubling
 * with every further failure up to RETRY_MAX; a success resets it. */
#define ONECARD_MODULE_RETRY_MIN 1u
#define ONECARD_MODULE_RETRY_MAX 60u

/* Defaults onecard_module_config_init() sets, and the largest values
 * onecard_module_new() accepts. */
#define ONECARD_MODULE_REFETCH_DEFAULT	   10u /* s between unknown-kid refetches */
#define ONECARD_MODULE_REFETCH_MAX	   3600u
#define ONECARD_MODULE_STALE_DEFAULT	   86400u   /* s keys serve past their freshness */
#define ONECARD_MODULE_STALE_MAX	   2592000u /* 30 days */
#define ONECARD_MODULE_TIMEOUT_DEFAULT	   10u	    /* s for one whole fetch */
#define ONECARD_MODULE_TIMEOUT_MAX	   60u
#define ONECARD_MODULE_CONNECT_TIMEOUT_MAX 5u /* s to connect, within the fetch timeout */

/*
 * What a module is and demands. Fill it with onecard_module_config_init()
 * first, then set the members; onecard_module_new copies everything it
 * needs, so the strings may be freed once it returns. Its size is part
 * of the ABI: a member is only ever appended, together with a new soname.
 */
struct onecard_module_config {
	/* Required. The exact "iss" of authd's tokens (its issuer). */
	const char *issuer;
	/* Required. The JWKS URL, e.g. "https://authd.example/.well-known/jwks.json".
	 * https, or http only to a loopback host (127.0.0.0/8, [::1],
	 * localhost); no user name or password in it, no fragment. */
	const char *jwks_url;
	/* Required. This module's id: tokens must name it in "aud". */
	const char *audience;
	/* Required, 1..ONECARD_MODULE_ACR_MAX values: the assurance levels
	 * ("acr") the module admits, e.g. {"card"} or {"card", "pwd-otp"}. */
	const char *const *acr;
	size_t acr_count;
	/* 0..ONECARD_MODULE_AGENCIES_MAX agency ids, e.g. {"customs"}: the
	 * token's "agencies" must list each (a login proved its certificate). */
	const char *const *agencies;
	size_t agency_count;
	/* Seconds of clock skew tolerated on exp, nbf, iat (0..ONECARD_LEEWAY_MAX). */
	unsigned leeway_s;
	/* An unknown kid refetches the JWKS at most once per this many
	 * seconds (1..ONECARD_MODULE_REFETCH_MAX). */
	unsigned refetch_interval_s;
	/* The longest a fetched key set is fresh, whatever the answer says
	 * (ONECARD_MODULE_MAX_AGE_MIN..ONECARD_MODULE_MAX_AGE_MAX). */
	unsigned cache_max_s;
	/* How long keys keep serving after they stopped being fresh while
	 * no fetch succeeds (authd unreachable or answering garbage);
	 * 0..ONECARD_MODULE_STALE_MAX. After that the module refuses every
	 * token (fails closed) until a fetch succeeds. */
	unsigned stale_max_s;
	/* Seconds one fetch may take in all (1..ONECARD_MODULE_TIMEOUT_MAX). */
	unsigned timeout_s;
	/* Optional: a PEM file of CA certificates for https, instead of the
	 * system's trust store. NULL: the system's. */
	const char *ca_file;
};

typedef struct onecard_module onecard_module;

/* Counters and state of a module's key cache, for monitoring and tests. */
struct onecard_module_stats {
	uint64_t fetches;	       /* JWKS fetches attempted */
	uint64_t fetch_failures;       /* of those, failed: the keys stayed as they were */
	uint64_t kid_refetches;	       /* fetches an unknown kid caused */
	uint64_t kid_refetches_denied; /* unknown kids that found the rate limit (or a
					  retry wait) closed and fetched nothing */
	size_t keys;		       /* keys in the set in use (0: none yet) */
	int last_fetch_error;	       /* the last fetch's result: 0 or ONECARD_ERR_* */
	const char *last_fetch_reason; /* fixed sentence about it (borrowed, never NULL) */
	unsigned max_age_s;	       /* freshness of the set in use, in seconds */
	int64_t fresh_for_s;	       /* seconds it stays fresh (negative: stale by) */
};

/* Fills cfg with the defaults: leeway ONECARD_LEEWAY_DEFAULT, refetch
 * interval ONECARD_MODULE_REFETCH_DEFAULT, cache_max_s
 * ONECARD_MODULE_MAX_AGE_MAX, stale_max_s ONECARD_MODULE_STALE_DEFAULT,
 * timeout ONECARD_MODULE_TIMEOUT_DEFAULT; every pointer NULL and count 0.
 * cfg NULL does nothing. */
ONECARD_API void onecard_module_config_init(struct onecard_module_config *cfg);

/*
 * Builds a module from cfg. Fetches nothing yet (the first verify or
 * onecard_module_refresh does), so it works while authd is down.
 * Returns ONECARD_OK and sets *out (the caller frees it with
 * onecard_module_free), or with *out NULL: ONECARD_ERR_INVALID_ARG for a
 * member that is missing, out of range or over its named maximum, a URL
 * of another scheme, http to a host that is not loopback, an issuer or
 * audience with a control character, an acr value or agency id outside
 * [A-Za-z0-9._-], or the same value twice; ONECARD_ERR_NOMEM;
 * ONECARD_ERR_INTERNAL when libcurl cannot start.
 */
ONECARD_API ONECARD_WARN_UNUSED int onecard_module_new(const struct onecard_module_config *cfg,
						       onecard_module **out);

/* Frees the module and its keys. NULL does nothing. No call on the module
 * may be in flight. */
ONECARD_API void onecard_module_free(onecard_module *m);

/*
 * Checks a compact token for this module. In order:
 *   1. keys: fetched on first use; refreshed when the cache lifetime is
 *      over (one caller fetches, the others go on with the keys they
 *      have); while fetches fail the old keys keep serving, for at most
 *      stale_max_s past their freshness, and fetches are retried with
 *      backoff (ONECARD_MODULE_RETRY_MIN..MAX);
 *   2. onecard_verify (token.h): form, header, signature, iss, aud, exp,
 *      nbf, iat with the leeway. When no key has the token's kid, the
 *      JWKS is fetched again, at most once per refetch_interval_s, and
 *      the token verified once more with the new keys;
 *   3. the module's demands: "acr" is one of the admitted values, and
 *      "agencies" lists every required agency (each entry an object with
 *      a string "id" and "x5t#S256").
 * Returns ONECARD_OK and sets *claims_out (the caller frees it with
 * onecard_claims_free), or a negative code with *claims_out NULL: any
 * code of onecard_verify; ONECARD_ERR_ACR_NOT_ALLOWED;
 * ONECARD_ERR_AGENCY_MISSING; ONECARD_ERR_BAD_CLAIM (agencies malformed);
 * ONECARD_ERR_KEYS_UNAVAILABLE when the module has no usable keys (never
 * fetched one, or its keys went past stale_max_s); ONECARD_ERR_NOMEM;
 * ONECARD_ERR_INVALID_ARG. reason_out, if not NULL, receives a fixed
 * sentence naming the rule that failed (for a demand: what is missing,
 * e.g. "this module requires the certificate of agency customs, which
 * the token does not carry"), never bytes of the token; it lives as long
 * as the module.
 */
ONECARD_API ONECARD_WARN_UNUSED int onecard_module_verify(onecard_module *m, const char *token,
							  size_t len, onecard_claims **claims_out,
							  const char **reason_out);

/*
 * Fetches the JWKS now, e.g. at start so that a wrong URL shows at once,
 * whatever the cache lifetime, rate limit or retry wait say; waits for a
 * fetch another thread has started. Returns ONECARD_OK when a new key set
 * is in place; otherwise the old keys stay, and: ONECARD_ERR_IO (no
 * answer, or a status other than 200, a redirect included),
 * ONECARD_ERR_TOO_LARGE (over ONECARD_MODULE_FETCH_MAX_LEN),
 * ONECARD_ERR_BAD_FORMAT (not served as JSON), ONECARD_ERR_BAD_KEYSET or
 * ONECARD_ERR_BAD_KEY (what onecard_verifier_new refuses: not JSON, no
 * keys, a private or unsupported key...), ONECARD_ERR_NOMEM,
 * ONECARD_ERR_INVALID_ARG. reason_out, if not NULL, receives a fixed
 * sentence saying what happened.
 */
ONECARD_API ONECARD_WARN_UNUSED int onecard_module_refresh(onecard_module *m,
							   const char **reason_out);

/* Fills *out with the module's counters and cache state. Returns
 * ONECARD_OK, or ONECARD_ERR_INVALID_ARG (then *out is zeroed when not
 * NULL). */
ONECARD_API int onecard_module_stats(onecard_module *m, struct onecard_module_stats *out);

/*
 * ---- A module's demands from authd's module list ----------------------
 *
 * authd publishes every module of its policy with what a token for it
 * demands at GET /v1/modules (docs/discovery.md):
 *
 *   {"modules": [{"id": "city-a-customs-declaration", "platform": "city-a",
 *                 "acr": ["card"], "agencies": ["customs"],
 *                 "token_lifetime": 300}, ...]}
 *
 * A module reads its own entry once at start and builds its verifier with
 * it, so that its rules are the policy's without being copied by hand:
 *
 *   onecard_module_demands *d = NULL;
 *   r = onecard_module_demands_fetch("https://authd.example/v1/modules",
 *                                    "city-a-customs-declaration", NULL, 10, &d, &reason);
 *   cfg.audience = NULL;  // or the same id; acr and agencies left empty
 *   r = onecard_module_new_with_demands(&cfg, d, &m);
 *   onecard_module_demands_free(d);  // m keeps copies
 *
 * The demands are read once: a module keeps them for its lifetime (a
 * policy change reaches it with its restart), and they are never taken
 * from a token.
 *
 * The answer is parsed strictly: one JSON object (a member name twice at
 * any level, invalid UTF-8 or a NUL in a string refuse it), with a
 * "modules" array of at most ONECARD_MODULE_LIST_MAX_ENTRIES objects,
 * each with a string "id" and "platform", arrays of strings "acr" and
 * "agencies" and an integer "token_lifetime"; no id twice. Members not
 * named here are ignored (authd may add some). The module's own entry
 * must also fit a module's configuration: ids and platform of 1 to
 * ONECARD_MODULE_NAME_MAX bytes without control characters, 1 to
 * ONECARD_MODULE_ACR_MAX acr values and at most
 * ONECARD_MODULE_AGENCIES_MAX agencies, each [A-Za-z0-9._-]{1,64} and
 * listed once, a token_lifetime of 1 to ONECARD_MODULE_LIFETIME_MAX.
 */
#define ONECARD_MODULE_LIST_MAX_LEN	1048576u /* bytes of a GET /v1/modules answer */
#define ONECARD_MODULE_LIST_MAX_ENTRIES 4096u	 /* modules in one answer */
#define ONECARD_MODULE_LIFETIME_MAX	86400u	 /* seconds of a module's token_lifetime */

/* One module's entry of the module list; the library owns every string. */
typedef struct onecard_module_demands onecard_module_demands;

/*
 * Parses len bytes of a GET /v1/modules answer (body need not be
 * NUL-terminated) and keeps the entry whose id is module_id (exact,
 * case-sensitive). Returns ONECARD_OK and *out (the caller frees it with
 * onecard_module_demands_free), or with *out NULL:
 * ONECARD_ERR_INVALID_ARG (NULL arguments, module_id empty, over
 * ONECARD_MODULE_NAME_MAX or with a control character);
 * ONECARD_ERR_TOO_LARGE (over ONECARD_MODULE_LIST_MAX_LEN bytes or
 * ONECARD_MODULE_LIST_MAX_ENTRIES modules, or the entry over a limit);
 * ONECARD_ERR_BAD_FORMAT (not the document above); ONECARD_ERR_NOT_FOUND
 * (a well-formed list without the module: a wrong id, or authd runs
 * another policy); ONECARD_ERR_NOMEM. reason_out, if not NULL, receives a
 * fixed sentence saying what was wrong (never bytes of the answer); it is
 * static.
 */
ONECARD_API ONECARD_WARN_UNUSED int onecard_module_demands_parse(const char *body, size_t len,
								 const char *module_id,
								 onecard_module_demands **out,
								 const char **reason_out);

/*
 * Fetches modules_url with one GET and parses the answer as
 * onecard_module_demands_parse does. The URL follows the rules of
 * jwks_url (https, or http to a loopback host only; no user name,
 * password or fragment; at most ONECARD_MODULE_URL_MAX bytes), and the
 * fetch those of the JWKS: no redirect followed, TLS 1.2 or later with
 * the peer verified (the system's store, or ca_file when not NULL),
 * timeout_s seconds in all (1..ONECARD_MODULE_TIMEOUT_MAX), the answer at
 * most ONECARD_MODULE_LIST_MAX_LEN bytes, status 200 and served as
 * application/json. Returns ONECARD_OK and *out, or with *out NULL: a
 * code of onecard_module_demands_parse; ONECARD_ERR_INVALID_ARG also for
 * a URL or timeout refused; ONECARD_ERR_IO (no answer, a status other
 * than 200, a redirect); ONECARD_ERR_TOO_LARGE; ONECARD_ERR_BAD_FORMAT
 * (not served as JSON); ONECARD_ERR_INTERNAL (libcurl cannot start).
 * reason_out as for _parse. Blocks for the fetch; call it at start.
 */
ONECARD_API ONECARD_WARN_UNUSED int
onecard_module_demands_fetch(const char *modules_url, const char *module_id, const char *ca_file,
			     unsigned timeout_s, onecard_module_demands **out,
			     const char **reason_out);

/* Frees the demands. NULL does nothing. */
ONECARD_API void onecard_module_demands_free(onecard_module_demands *d);

/* The entry's "id" (the module's audience) and "platform" ("province" or
 * a city platform). Borrowed: they live as long as d. NULL for d NULL. */
ONECARD_API const char *onecard_module_demands_get0_id(const onecard_module_demands *d);
ONECARD_API const char *onecard_module_demands_get0_platform(const onecard_module_demands *d);

/* The assurance levels the module admits (1..ONECARD_MODULE_ACR_MAX,
 * strongest first) and the agencies it requires (0..ONECARD_MODULE_AGENCIES_MAX,
 * in the policy's order), as arrays of *count_out strings, in the form of
 * struct onecard_module_config's acr and agencies. Borrowed: they live as
 * long as d. d NULL gives NULL and a count of 0; count_out may be NULL. */
ONECARD_API const char *const *onecard_module_demands_get0_acr(const onecard_module_demands *d,
							       size_t *count_out);
ONECARD_API const char *const *onecard_module_demands_get0_agencies(const onecard_module_demands *d,
								    size_t *count_out);

/* Seconds authd gives the module's tokens (1..ONECARD_MODULE_LIFETIME_MAX);
 * 0 for d NULL. */
ONECARD_API unsigned onecard_module_demands_token_lifetime(const onecard_module_demands *d);

/*
 * Builds a module as onecard_module_new does, with its audience and
 * demands from d: cfg gives everything else (issuer, jwks_url, times,
 * ca_file). So that the demands have one source, cfg's acr and agencies
 * must be empty (NULL and 0), and cfg->audience NULL or exactly d's id.
 * Everything is copied: d may be freed once this returns. Returns the
 * codes of onecard_module_new; ONECARD_ERR_INVALID_ARG also for d NULL,
 * demands in cfg, or another audience.
 */
ONECARD_API ONECARD_WARN_UNUSED int
onecard_module_new_with_demands(const struct onecard_module_config *cfg,
				const onecard_module_demands *d, onecard_module **out);

#ifdef __cplusplus
}
#endif

#endif /* ONECARD_MODULE_H */
