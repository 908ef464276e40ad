/*
 * Discovery (docs/discovery.md): GET /v1/modules and
 * GET /.well-known/openid-configuration.
 *
 * Both documents depend only on the configuration and the policy, which
 * never change while authd runs. They are built on each request rather
 * than cached at start: there is then no second copy of the policy to
 * keep in step, and nothing here needs main() or struct authd to change.
 * A failure to build one is a bug or a memory shortage: 500 internal,
 * logged once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/error.h>

#include "authd.h"
#include "discovery.h"
#include "reasons.h"

/* Both documents are the same for every client and change only with a
 * restart: let clients and proxies keep them for a minute, like the
 * JWKS. */
#define DISCOVERY_CACHE_CONTROL "public, max-age=60"

/* Bytes of an absolute endpoint URL, NUL included: the longest origin
 * authd accepts and the longest path below. */
#define DISCOVERY_URL_MAX (sizeof(((struct authd_config *)0)->origin) + 64u)

/* The assurance levels a module may admit, strongest first: the order
 * of every "acr" list, and the order in which one level implies another
 * (a module that admits a level admits every stronger one). */
static const struct {
	const char *name;
	unsigned bit;
} acr_levels[] = {
	{"card", OC_ACR_CARD},	     /* a card login with its PIN */
	{"pwd-otp", OC_ACR_PWD_OTP}, /* directory password plus TOTP */
};
#define ACR_LEVELS (sizeof(acr_levels) / sizeof(acr_levels[0]))

/* Adds value (the reference is taken, also on failure) to obj as key. */
static int set_new(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	return json_object_set_new(obj, key, value) == 0 ? ONECARD_OK : ONECARD_ERR_NOMEM;
}

/* Appends a string (copied) to arr. */
static int append_string(json_t *arr, const char *s)
{
	json_t *v = json_string(s);

	if (v == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	return json_array_append_new(arr, v) == 0 ? ONECARD_OK : ONECARD_ERR_NOMEM;
}

/* The levels a module admits, as an "acr" list strongest first: every
 * level its policy lists and every level stronger than one of them. A
 * bit no entry of acr_levels names is a policy this file was not taught:
 * ONECARD_ERR_INTERNAL rather than a list that leaves a level out. */
static int acr_list(unsigned acr, json_t **out)
{
	json_t *arr = NULL;
	unsigned known = 0, admitted = 0;
	size_t i, j;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	for (i = 0; i < ACR_LEVELS; i++) {
		known |= acr_levels[i].bit;
		if ((acr & acr_levels[i].bit) == 0) {
			continue;
		}
		for (j = 0; j <= i; j++) {
			admitted |= acr_levels[j].bit;
		}
	}
	if ((acr & ~known) != 0 || admitted == 0) {
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	arr = json_array();
	if (arr == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < ACR_LEVELS; i++) {
		if ((admitted & acr_levels[i].bit) == 0) {
			continue;
		}
		r = append_string(arr, acr_levels[i].name);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	*out = arr;
	arr = NULL;
	r = ONECARD_OK;
out:
	json_decref(arr);
	return r;
}

/* One module's entry. token_lifetime is what authd gives its tokens:
 * the policy's lifetime capped by token.max_lifetime (login.c). */
static int module_entry(const oc_module *m, int max_lifetime, json_t **out)
{
	json_t *entry = NULL, *acr = NULL, *agencies = NULL;
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	r = acr_list(m->acr, &acr);
	if (r != ONECARD_OK) {
		goto out;
	}
	agencies = json_array();
	if (agencies == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	/* In policy order: the order the module's author wrote them. */
	for (i = 0; i < m->agencies_len; i++) {
		r = append_string(agencies, m->agencies[i]);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	entry = json_object();
	if (entry == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = set_new(entry, "id", json_string(m->id));
	if (r == ONECARD_OK) {
		r = set_new(entry, "platform", json_string(m->platform));
	}
	if (r == ONECARD_OK) {
		r = set_new(entry, "acr", acr);
		acr = NULL;
	}
	if (r == ONECARD_OK) {
		r = set_new(entry, "agencies", agencies);
		agencies = NULL;
	}
	if (r == ONECARD_OK) {
		int lifetime = m->token_lifetime < max_lifetime ? m->token_lifetime : max_lifetime;

		r = set_new(entry, "token_lifetime", json_integer(lifetime));
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = entry;
	entry = NULL;
out:
	json_decref(acr);
	json_decref(agencies);
	json_decref(entry);
	return r;
}

static int by_id(const void *a, const void *b)
{
	const oc_module *const *ma = a;
	const oc_module *const *mb = b;

	return strcmp((*ma)->id, (*mb)->id);
}

/* {"modules": [...]}: every module of the policy, sorted by id (ids are
 * unique, so the order is total and the document the same every time). */
static int modules_document(const oc_policy *policy, int max_lifetime, json_t **out)
{
	const oc_module **sorted = NULL;
	json_t *doc = NULL, *list = NULL, *entry = NULL;
	size_t n, i;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	n = oc_policy_module_count(policy);
	list = json_array();
	if (list == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	if (n > 0) {
		sorted = calloc(n, sizeof(*sorted));
		if (sorted == NULL) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		sorted[i] = oc_policy_module_at(policy, i);
		if (sorted[i] == NULL) {
			r = ONECARD_ERR_INTERNAL;
			goto out;
		}
	}
	if (n > 1) {
		qsort(sorted, n, sizeof(*sorted), by_id);
	}
	for (i = 0; i < n; i++) {
		r = module_entry(sorted[i], max_lifetime, &entry);
		if (r != ONECARD_OK) {
			goto out;
		}
		if (json_array_append_new(list, entry) != 0) {
			entry = NULL; /* taken by jansson, also on failure */
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
		entry = NULL;
	}
	doc = json_object();
	if (doc == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = set_new(doc, "modules", list);
	list = NULL; /* taken by set_new, also on failure */
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	free(sorted);
	json_decref(entry);
	json_decref(list);
	json_decref(doc);
	return r;
}

/* Sets key to origin + path, an absolute URL. */
static int set_url(json_t *doc, const char *key, const char *origin, const char *path)
{
	char url[DISCOVERY_URL_MAX];
	int w;

	w = snprintf(url, sizeof(url), "%s%s", origin, path);
	if (w < 0 || (size_t)w >= sizeof(url)) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return set_new(doc, key, json_string(url));
}

/* The OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 document. Only what
 * is true today: endpoints authd serves, grants and levels it issues
 * tokens for. Endpoint URLs are absolute, built from the configured
 * origin (the one clients connect to), never from the issuer, which
 * need not be a URL authd answers at. */
static int openid_document(const struct authd_config *cfg, json_t **out)
{
	json_t *doc = NULL, *acr = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	doc = json_object();
	if (doc == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = set_new(doc, "issuer", json_string(cfg->issuer));
	if (r == ONECARD_OK) {
		r = set_url(doc, "jwks_uri", cfg->origin, "/.well-known/jwks.json");
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "token_endpoint", cfg->origin, "/v1/token");
	}
	if (r == ONECARD_OK) {
		/* The session credential is the grant; token requests carry
		 * no client authentication (docs/sso.md). */
		r = set_new(doc, "token_endpoint_auth_methods_supported", json_pack("[s]", "none"));
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "introspection_endpoint", cfg->origin, "/v1/introspect");
	}
	if (r == ONECARD_OK) {
		r = set_new(doc, "introspection_endpoint_auth_methods_supported",
			    json_pack("[s]", "client_secret_basic"));
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "revocation_endpoint", cfg->origin, "/v1/revoke");
	}
	if (r == ONECARD_OK) {
		r = set_new(doc, "revocation_endpoint_auth_methods_supported",
			    json_pack("[s]", "none"));
	}
	if (r == ONECARD_OK) {
		/* RFC 8414 requires the member; authd has no authorization
		 * endpoint, so it supports no response type. */
		r = set_new(doc, "response_types_supported", json_array());
	}
	if (r == ONECARD_OK) {
		/* Listed exactly: an absent list means ["authorization_code",
		 * "implicit"] (RFC 8414 §2), which authd does not support. A
		 * card login at /v1/login is no OAuth grant. */
		r = set_new(doc, "grant_types_supported",
			    json_pack("[s,s]", "refresh_token",
				      "urn:ietf:params:oauth:grant-type:token-exchange"));
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "onecard_logout_endpoint", cfg->origin, "/v1/logout");
	}
	if (r == ONECARD_OK) {
		/* The levels authd issues tokens at. /v1/modules says which
		 * levels each module admits; "pwd-otp" only where the password
		 * + TOTP login is configured (otp.key_file). */
		acr = json_array();
		r = acr != NULL ? append_string(acr, "card") : ONECARD_ERR_NOMEM;
		if (r == ONECARD_OK && cfg->otp_key_file[0] != '\0') {
			r = append_string(acr, "pwd-otp");
		}
	}
	if (r == ONECARD_OK) {
		r = set_new(doc, "acr_values_supported", acr);
		acr = NULL;
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "onecard_challenge_endpoint", cfg->origin, "/v1/challenge");
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "onecard_login_endpoint", cfg->origin, "/v1/login");
	}
	if (r == ONECARD_OK && cfg->otp_key_file[0] != '\0') {
		r = set_url(doc, "onecard_password_login_endpoint", cfg->origin,
			    "/v1/login/password");
	}
	if (r == ONECARD_OK) {
		r = set_url(doc, "onecard_modules_endpoint", cfg->origin, "/v1/modules");
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	json_decref(acr);
	json_decref(doc);
	return r;
}

/* Answers 200 with doc and the cache header, or 500 internal when doc
 * could not be built (built is its result code). */
static int reply_document(struct oc_http_response *resp, const char *what, int built,
			  const json_t *doc)
{
	int r = built;

	if (r == ONECARD_OK) {
		r = oc_http_reply_json(resp, 200, doc);
	}
	/* Last, so that the error answer below is never made cacheable. */
	if (r == ONECARD_OK) {
		r = oc_http_response_add_header(resp, "Cache-Control", DISCOVERY_CACHE_CONTROL);
	}
	if (r != ONECARD_OK) {
		authd_log("%s: cannot build the answer: %s", what, onecard_strerror(r));
		r = oc_http_reply_error(resp, authd_reason_status(AR_INTERNAL),
					authd_reason_code(AR_INTERNAL),
					authd_reason_text(AR_INTERNAL));
	}
	return r;
}

int discovery_modules(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	const struct authd *a = app;
	json_t *doc = NULL;
	int r;

	(void)req;
	r = modules_document(a->policy, a->cfg.token_max_lifetime, &doc);
	r = reply_document(resp, "GET /v1/modules", r, doc);
	json_decref(doc);
	return r;
}

int discovery_openid_configuration(void *app, const struct oc_http_request *req,
				   struct oc_http_response *resp)
{
	const struct authd *a = app;
	json_t *doc = NULL;
	int r;

	(void)req;
	r = openid_document(&a->cfg, &doc);
	r = reply_document(resp, "GET /.well-known/openid-configuration", r, doc);
	json_decref(doc);
	return r;
}
