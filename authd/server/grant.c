/*
 * POST /v1/token, as one straight line (docs/sso.md):
 *
 *   form -> grant type -> audience (a module) -> the session (from the
 *   session credential, or from the sid of a valid access token) -> the
 *   session checked again (certificates, directory) -> the module's
 *   policy -> the token -> the grant row, committed -> the answer.
 *
 * Every request whose grant type is known leaves a row in authd_grants,
 * whatever its outcome.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include <onecard/error.h>

#include "audit.h"
#include "authd.h"
#include "grant.h"
#include "mint.h"
#include "session.h"

#define GT_REFRESH  "refresh_token"
#define GT_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"
#define TT_REFRESH  "urn:ietf:params:oauth:token-type:refresh_token"
#define TT_ACCESS   "urn:ietf:params:oauth:token-type:access_token"
#define TT_JWT	    "urn:ietf:params:oauth:token-type:jwt"
#define AMR_MAX	    4u

struct grant {
	struct authd *a;
	const char *remote_addr;
	json_t *form;
	const char *grant;	  /* the audit's name: "refresh_token", "token_exchange" */
	const char *subject_type; /* exchange: "refresh_token" or "access_token" */
	const char *audience;
	const oc_module *module;
	struct session s;
	struct authd_trust *trust;
	struct oc_keyring *keys;
	struct minted tok;
	enum authd_reason reason;
	char detail[AUTHD_DETAIL_MAX];
	json_t *missing; /* what the module's policy lacks, for the answer */
};

static enum authd_reason refuse(struct grant *g, enum authd_reason why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum authd_reason refuse(struct grant *g, enum authd_reason why, const char *fmt, ...)
{
	va_list ap;

	g->reason = why;
	va_start(ap, fmt);
	(void)vsnprintf(g->detail, sizeof(g->detail), fmt, ap);
	va_end(ap);
	return why;
}

static const char *param(const struct grant *g, const char *name)
{
	return json_string_value(json_object_get(g->form, name));
}

/* grant_type, the parameters onecard does not take, the audience. */
static enum authd_reason check_request(struct grant *g)
{
	const char *type = param(g, "grant_type");

	if (type == NULL) {
		return refuse(g, AR_INVALID_REQUEST, "grant_type is missing");
	}
	if (strcmp(type, GT_REFRESH) == 0) {
		g->grant = "refresh_token";
	} else if (strcmp(type, GT_EXCHANGE) == 0) {
		g->grant = "token_exchange";
	} else {
		return refuse(g, AR_UNSUPPORTED_GRANT_TYPE,
			      "grant_type must be refresh_token or " GT_EXCHANGE);
	}
	/* Other parameters are ignored (RFC 6749 §3.1), but not those whose
	 * silent neglect would give a token other than the one asked for. */
	if (param(g, "resource") != NULL) {
		return refuse(g, AR_INVALID_TARGET,
			      "resource is not supported: name the module "
			      "in audience");
	}
	if (param(g, "actor_token") != NULL || param(g, "actor_token_type") != NULL) {
		return refuse(g, AR_INVALID_REQUEST, "delegation (actor_token) is not supported");
	}
	if (param(g, "scope") != NULL) {
		return refuse(g, AR_INVALID_REQUEST,
			      "scope is not supported: a module's policy decides what a token "
			      "carries");
	}
	g->audience = param(g, "audience");
	if (g->audience == NULL) {
		return refuse(g, AR_INVALID_REQUEST, "audience is missing: name the module");
	}
	if (strlen(g->audience) > OC_POLICY_ID_MAX) {
		g->audience = NULL; /* no module has such an id; not for the audit row */
		return refuse(g, AR_INVALID_TARGET, "audience is longer than any module id");
	}
	g->module = oc_policy_module(g->a->policy, g->audience);
	if (g->module == NULL) {
		return refuse(g, AR_INVALID_TARGET, "no module \"%.64s\" in this policy",
			      g->audience);
	}
	return AR_OK;
}

/* The session of a session credential. */
static enum authd_reason session_by_credential(struct grant *g, const char *cred, const char *what)
{
	uint8_t hash[32];
	enum authd_reason why;

	if (cred == NULL) {
		return refuse(g, AR_INVALID_REQUEST, "%s is missing", what);
	}
	if (authd_session_credential_hash(cred, strlen(cred), hash) != ONECARD_OK) {
		return refuse(g, AR_INVALID_GRANT, "%s is not a session credential", what);
	}
	why = authd_session_find(g->a, hash, NULL, 1, &g->s, g->detail);
	OPENSSL_cleanse(hash, sizeof(hash));
	g->reason = why;
	return why;
}

/* The session of an access token authd issued (for any module). */
static enum authd_reason session_by_access_token(struct grant *g, const char *token)
{
	char cause[AUTHD_DETAIL_MAX];
	onecard_claims *claims = NULL;
	const char *sid, *sub;
	enum authd_reason why;

	why = authd_own_token_verify(g->a, token, strlen(token), NULL, &claims, cause);
	if (why != AR_OK) {
		why = refuse(g, AR_INVALID_GRANT, "subject_token: %s", cause);
		goto out;
	}
	sid = onecard_claims_get0_string(claims, "sid");
	sub = onecard_claims_get0_string(claims, "sub");
	if (sid == NULL || sub == NULL) {
		why = refuse(g, AR_INVALID_GRANT, "subject_token belongs to no session");
		goto out;
	}
	why = authd_session_find(g->a, NULL, sid, 1, &g->s, g->detail);
	g->reason = why;
	if (why == AR_OK && strcmp(sub, g->s.row.person_id) != 0) {
		why = refuse(g, AR_INVALID_GRANT, "subject_token is not its session's");
	}
out:
	onecard_claims_free(claims);
	return why;
}

static enum authd_reason find_session(struct grant *g)
{
	const char *type, *wanted;

	if (strcmp(g->grant, "refresh_token") == 0) {
		return session_by_credential(g, param(g, "refresh_token"), "refresh_token");
	}
	wanted = param(g, "requested_token_type");
	if (wanted != NULL && strcmp(wanted, TT_ACCESS) != 0 && strcmp(wanted, TT_JWT) != 0) {
		return refuse(g, AR_INVALID_REQUEST,
			      "requested_token_type must be " TT_ACCESS " or " TT_JWT);
	}
	type = param(g, "subject_token_type");
	if (param(g, "subject_token") == NULL || type == NULL) {
		return refuse(g, AR_INVALID_REQUEST,
			      "subject_token and subject_token_type are required");
	}
	if (strcmp(type, TT_REFRESH) == 0) {
		g->subject_type = "refresh_token";
		return session_by_credential(g, param(g, "subject_token"), "subject_token");
	}
	if (strcmp(type, TT_ACCESS) == 0 || strcmp(type, TT_JWT) == 0) {
		g->subject_type = "access_token";
		return session_by_access_token(g, param(g, "subject_token"));
	}
	return refuse(g, AR_INVALID_REQUEST,
		      "subject_token_type must be " TT_REFRESH " or " TT_ACCESS);
}

static enum authd_reason check_session(struct grant *g)
{
	g->reason = authd_session_recheck(g->a, g->trust, &g->s, g->remote_addr, g->detail);
	return g->reason;
}

static enum authd_reason check_policy(struct grant *g)
{
	g->reason = authd_session_admits(g->module, &g->s, &g->missing, g->detail);
	return g->reason;
}

static enum authd_reason issue(struct grant *g)
{
	const char *amr[AMR_MAX];
	struct mint_in in;
	json_t *amr_json = NULL;
	size_t i, n;
	int r;

	amr_json = json_loads(g->s.row.amr_json, JSON_REJECT_DUPLICATES, NULL);
	n = json_array_size(amr_json);
	for (i = 0; i < n && i < AMR_MAX; i++) {
		amr[i] = json_string_value(json_array_get(amr_json, i));
		if (amr[i] == NULL) {
			n = 0;
		}
	}
	if (n == 0 || n > AMR_MAX) {
		json_decref(amr_json);
		return refuse(g, AR_INTERNAL, "the session's amr is unreadable");
	}
	memset(&in, 0, sizeof(in));
	in.sub = g->s.row.person_id;
	in.ent = g->s.row.enterprise_uscc;
	in.card = g->s.row.card_id[0] != '\0' ? g->s.row.card_id : NULL;
	in.acr = g->s.row.acr;
	in.amr = amr;
	in.amr_len = n;
	in.certs = g->s.certs;
	in.ncerts = g->s.ncerts;
	in.module = g->module;
	in.sid = g->s.row.sid;
	r = authd_mint(g->a, g->keys, &in, &g->tok);
	json_decref(amr_json);
	if (r != ONECARD_OK) {
		return refuse(g, AR_INTERNAL, "token signature: %s", onecard_err_code(r));
	}
	g->reason = AR_OK;
	return AR_OK;
}

static void record(struct grant *g)
{
	struct audit_grant row;
	int r;

	memset(&row, 0, sizeof(row));
	row.remote_addr = g->remote_addr;
	row.grant = g->grant;
	row.subject_type = g->subject_type;
	/* The session's sid whenever the store found one, live or not: a
	 * logged-out credential used again is worth seeing in the audit. */
	row.sid = g->s.row.sid[0] != '\0' ? g->s.row.sid : NULL;
	row.audience = g->audience;
	row.reason = g->reason;
	row.detail = g->detail;
	if (g->reason == AR_OK) {
		row.jti = g->tok.jti;
		row.kid = g->tok.kid;
		row.sub = g->s.row.person_id;
		row.acr = g->s.row.acr;
		row.iat = g->tok.iat;
		row.exp = g->tok.exp;
	}
	r = audit_grant(g->a, &row);
	if (r == ONECARD_ERR_DATABASE) {
		refuse(g, AR_DATABASE_UNAVAILABLE, "the audit row could not be written");
	} else if (r != ONECARD_OK) {
		refuse(g, AR_INTERNAL, "the audit row could not be written");
	}
}

static int reply(struct grant *g, struct oc_http_response *resp)
{
	json_t *body = NULL;
	int r;

	if (g->reason == AR_OK) {
		body = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:o}", "access_token", g->tok.token,
				 "token_type", "Bearer", "expires_in",
				 (json_int_t)(g->tok.exp - g->tok.iat), "issued_token_type",
				 TT_ACCESS, "audience", g->module->id, "acr", g->s.row.acr,
				 "agencies", authd_agency_ids(g->s.certs, g->s.ncerts));
		if (body == NULL) {
			refuse(g, AR_INTERNAL, "out of memory");
		}
	}
	if (g->reason != AR_OK) {
		body = json_pack("{s:s,s:s}", "error", authd_reason_code(g->reason),
				 "error_description",
				 g->detail[0] != '\0' ? g->detail : authd_reason_text(g->reason));
		if (body != NULL && g->missing != NULL) {
			(void)json_object_set(body, "missing", g->missing);
		}
	}
	if (body == NULL) {
		return -1;
	}
	r = oc_http_reply_json(resp, g->reason == AR_OK ? 200 : authd_reason_status(g->reason),
			       body);
	if (g->reason == AR_OK) {
		/* The answer holds the token: wipe jansson's copy. */
		json_t *t = json_object_get(body, "access_token");

		OPENSSL_cleanse((char *)json_string_value(t), json_string_length(t));
	}
	json_decref(body);
	return r;
}

int authd_handle_token(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct grant g;
	int r;

	memset(&g, 0, sizeof(g));
	if (oc_http_request_form(req, &g.form, resp) != ONECARD_OK) {
		return 0;
	}
	g.a = app;
	g.remote_addr = req->remote_addr;
	g.trust = authd_get_trust(g.a);
	g.keys = authd_get_keys(g.a);
	/* The first refusal stops the line and leaves its reason in g. */
	(void)(check_request(&g) == AR_OK && find_session(&g) == AR_OK &&
	       check_session(&g) == AR_OK && check_policy(&g) == AR_OK && issue(&g) == AR_OK);
	if (g.grant != NULL) {
		record(&g);
	}
	r = reply(&g, resp);
	authd_minted_clear(&g.tok);
	authd_session_clear(&g.s);
	json_decref(g.missing);
	authd_trust_unref(g.trust);
	oc_keyring_unref(g.keys);
	if (g.form != NULL) {
		const char *key;
		json_t *v;

		/* Credentials passed through here: wipe them. */
		json_object_foreach (g.form, key, v) {
			OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
		}
	}
	json_decref(g.form);
	return r;
}
