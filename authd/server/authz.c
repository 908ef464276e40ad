/*
 * GET /v1/authz for nginx auth_request (authz.h, docs/nginx.md).
 *
 * The order of the checks is the order of the answers' meaning: the
 * proxy's configuration (500), then the token itself (401: as the module
 * verifier would check it, with authd's own keys and the audience the
 * proxy named), then the module's demands (403), then the values to be
 * handed on as headers, and last the session, the only step that asks
 * the database (401 when it is not live, 503 when the store does not
 * answer: nginx turns that into 500, so a request is never let through
 * unchecked).
 *
 * Nothing here quotes the token or a claim in an answer or a log line.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "astore.h"
#include "authd.h"
#include "authz.h"
#include "claims.h"
#include "own_token.h"
#include "reasons.h"

#define BEARER_SCHEME	  "Bearer"
#define BEARER_SCHEME_LEN (sizeof(BEARER_SCHEME) - 1u)
/* The longest Authorization or Cookie value looked at: a token and room. */
#define AUTHZ_HEADER_MAX (2u * AUTHD_ACCESS_TOKEN_MAX)

/* ---- credential headers -------------------------------------------------- */

/* RFC 7230 §3.2.6 tchar (a cookie-name and an auth-scheme are tokens). */
static int is_tchar(unsigned char c)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
		return 1;
	}
	return c != '\0' && strchr(extra, c) != NULL;
}

/* RFC 6750 §2.1 b64token characters (the trailing '=' apart). */
static int is_b64token_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* RFC 6265 §4.1.1 cookie-octet: US-ASCII visible characters but DQUOTE,
 * comma, semicolon and backslash. */
static int is_cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

enum authz_found authz_parse_bearer(const char *value, const char **tok, size_t *len)
{
	size_t n, i, start;

	*tok = NULL;
	*len = 0;
	if (value == NULL) {
		return AUTHZ_NONE;
	}
	n = strnlen(value, AUTHZ_HEADER_MAX + 1u);
	for (i = 0; i < n && is_tchar((unsigned char)value[i]); i++) {
	}
	if (i != BEARER_SCHEME_LEN || strncasecmp(value, BEARER_SCHEME, BEARER_SCHEME_LEN) != 0) {
		/* Another scheme (Basic for the application behind the proxy,
		 * say) is not ours to judge. */
		return AUTHZ_NONE;
	}
	if (n > AUTHZ_HEADER_MAX) {
		return AUTHZ_MALFORMED;
	}
	if (i == n || value[i] != ' ') {
		return AUTHZ_MALFORMED;
	}
	while (i < n && value[i] == ' ') {
		i++;
	}
	start = i;
	while (i < n && is_b64token_char((unsigned char)value[i])) {
		i++;
	}
	if (i == start) {
		return AUTHZ_MALFORMED;
	}
	while (i < n && value[i] == '=') {
		i++;
	}
	if (i != n) {
		return AUTHZ_MALFORMED;
	}
	*tok = value + start;
	*len = n - start;
	return AUTHZ_FOUND;
}

enum authz_found authz_parse_cookie(const char *value, const char *name, const char **tok,
				    size_t *len)
{
	const char *found = NULL;
	size_t found_len = 0;
	size_t n, i, name_start, name_end, v_start, v_end;
	int matched = 0;

	*tok = NULL;
	*len = 0;
	if (value == NULL || name == NULL) {
		return AUTHZ_NONE;
	}
	n = strnlen(value, AUTHZ_HEADER_MAX + 1u);
	if (n > AUTHZ_HEADER_MAX || n == 0) {
		return n == 0 ? AUTHZ_NONE : AUTHZ_MALFORMED;
	}
	i = 0;
	for (;;) {
		/* cookie-name "=" */
		name_start = i;
		while (i < n && is_tchar((unsigned char)value[i])) {
			i++;
		}
		name_end = i;
		if (name_end == name_start || i == n || value[i] != '=') {
			return AUTHZ_MALFORMED;
		}
		i++;
		/* cookie-value: *cookie-octet / DQUOTE *cookie-octet DQUOTE */
		if (i < n && value[i] == '"') {
			i++;
			v_start = i;
			while (i < n && is_cookie_octet((unsigned char)value[i])) {
				i++;
			}
			v_end = i;
			if (i == n || value[i] != '"') {
				return AUTHZ_MALFORMED;
			}
			i++;
		} else {
			v_start = i;
			while (i < n && is_cookie_octet((unsigned char)value[i])) {
				i++;
			}
			v_end = i;
		}
		if (!matched && name_end - name_start == strlen(name) &&
		    memcmp(value + name_start, name, name_end - name_start) == 0) {
			/* The first cookie of the name counts (RFC 6265 §5.4:
			 * the most specific path comes first). */
			matched = 1;
			found = value + v_start;
			found_len = v_end - v_start;
		}
		if (i == n) {
			break;
		}
		/* ";" SP before the next pair, and nothing else. */
		if (i + 2u > n || value[i] != ';' || value[i + 1u] != ' ') {
			return AUTHZ_MALFORMED;
		}
		i += 2u;
	}
	if (!matched || found_len == 0) {
		return AUTHZ_NONE;
	}
	*tok = found;
	*len = found_len;
	return AUTHZ_FOUND;
}

/* ---- answers ----------------------------------------------------------- */

/* 401. RFC 6750 §3.1: a request without any credential gets the bare
 * challenge, one with a bad token error="invalid_token". The body never
 * quotes the token. */
static int reply_unauthorized(struct oc_http_response *resp, int had_token, const char *detail)
{
	int r;

	r = oc_http_response_add_header(resp, "WWW-Authenticate",
					had_token ? "Bearer error=\"invalid_token\"" : "Bearer");
	if (r != ONECARD_OK) {
		return r;
	}
	return oc_http_reply_error(
		resp, authd_reason_status(AR_INVALID_TOKEN), authd_reason_code(AR_INVALID_TOKEN),
		detail != NULL && detail[0] != '\0' ? detail : authd_reason_text(AR_INVALID_TOKEN));
}

/* 403 access_denied with what is missing, as POST /v1/token says it. */
static int reply_denied(struct oc_http_response *resp, json_t *missing, const char *detail)
{
	json_t *body;
	int r;

	body = json_pack("{s:s,s:s,s:O}", "error", authd_reason_code(AR_ACCESS_DENIED),
			 "error_description", detail, "missing", missing);
	if (body == NULL) {
		return oc_http_reply_error(resp, 500, authd_reason_code(AR_INTERNAL),
					   authd_reason_text(AR_INTERNAL));
	}
	r = oc_http_reply_json(resp, authd_reason_status(AR_ACCESS_DENIED), body);
	json_decref(body);
	return r;
}

/* ---- the token's claims ------------------------------------------------- */

static unsigned acr_bit(const char *acr)
{
	if (acr == NULL) {
		return 0;
	}
	if (strcmp(acr, "card") == 0) {
		return OC_ACR_CARD;
	}
	if (strcmp(acr, "pwd-otp") == 0) {
		return OC_ACR_PWD_OTP;
	}
	return 0;
}

/*
 * A value nginx hands on as a request header: 1..OC_HTTP_HEADER_VALUE_MAX
 * bytes of printable ASCII, no space at either end (header parsing would
 * strip it and change the value), and none of the bytes in forbid. No
 * control character ever: a CR or LF would split the header.
 */
static int header_safe(const char *s, const char *forbid)
{
	size_t n, i;

	if (s == NULL) {
		return 0;
	}
	n = strnlen(s, OC_HTTP_HEADER_VALUE_MAX + 1u);
	if (n == 0 || n > OC_HTTP_HEADER_VALUE_MAX || s[0] == ' ' || s[n - 1u] == ' ') {
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || (forbid != NULL && strchr(forbid, c) != NULL)) {
			return 0;
		}
	}
	return 1;
}

/* The agencies claim: an array of {"id": string, "x5t#S256": string}
 * (absent counts as empty). 1 when it has that shape. */
static int agencies_well_formed(const json_t *list)
{
	const json_t *entry;
	size_t i;

	if (list == NULL) {
		return 1;
	}
	if (!json_is_array(list)) {
		return 0;
	}
	json_array_foreach (list, i, entry) {
		if (!json_is_object(entry) || !json_is_string(json_object_get(entry, "id")) ||
		    !json_is_string(json_object_get(entry, "x5t#S256"))) {
			return 0;
		}
	}
	return 1;
}

static int lists_agency(const json_t *list, const char *id)
{
	const json_t *entry;
	size_t i;

	json_array_foreach (list, i, entry) {
		if (strcmp(json_string_value(json_object_get(entry, "id")), id) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Appends text to detail (NUL-terminated, AUTHD_DETAIL_MAX); a sentence
 * too long is cut, never overflowed. */
static void detail_add(char detail[AUTHD_DETAIL_MAX], const char *text)
{
	size_t used = strnlen(detail, AUTHD_DETAIL_MAX);

	if (used + 1u < AUTHD_DETAIL_MAX) {
		(void)snprintf(detail + used, AUTHD_DETAIL_MAX - used, "%s", text);
	}
}

/*
 * The module's demands (policy): the token's acr among the levels it
 * admits, each agency it requires listed. AR_OK, AR_ACCESS_DENIED with a
 * sentence and *missing ({"acr": level} or {"agencies": [ids]}), or
 * AR_INTERNAL (memory).
 */
static enum authd_reason check_demands(const oc_module *m, const json_t *payload, json_t **missing,
				       char detail[AUTHD_DETAIL_MAX])
{
	const json_t *list = json_object_get(payload, "agencies");
	json_t *ids = NULL;
	enum authd_reason reason = AR_INTERNAL;
	size_t i, n_missing;

	*missing = NULL;
	detail[0] = '\0';
	if ((acr_bit(json_string_value(json_object_get(payload, "acr"))) & m->acr) == 0) {
		/* The weakest level the module admits is what would do. */
		const char *want = (m->acr & OC_ACR_PWD_OTP) != 0 ? "pwd-otp" : "card";

		*missing = json_pack("{s:s}", "acr", want);
		if (*missing == NULL) {
			goto out;
		}
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "module %s requires %s", m->id,
			       (m->acr & OC_ACR_PWD_OTP) != 0
				       ? "a card login or a password with a one-time code"
				       : "a card login");
		reason = AR_ACCESS_DENIED;
		goto out;
	}
	ids = json_array();
	if (ids == NULL) {
		goto out;
	}
	for (i = 0; i < m->agencies_len; i++) {
		if ((list == NULL || !lists_agency(list, m->agencies[i])) &&
		    json_array_append_new(ids, json_string(m->agencies[i])) != 0) {
			goto out;
		}
	}
	n_missing = json_array_size(ids);
	if (n_missing == 0) {
		reason = AR_OK;
		goto out;
	}
	(void)snprintf(detail, AUTHD_DETAIL_MAX, "module %s requires a card login with the ",
		       m->id);
	for (i = 0; i < n_missing; i++) {
		if (i > 0) {
			detail_add(detail, i + 1u == n_missing ? " and " : ", ");
		}
		detail_add(detail, json_string_value(json_array_get(ids, i)));
	}
	detail_add(detail, n_missing == 1 ? " certificate" : " certificates");
	*missing = json_pack("{s:O}", "agencies", ids);
	reason = *missing != NULL ? AR_ACCESS_DENIED : AR_INTERNAL;
out:
	json_decref(ids);
	return reason;
}

/* The identity headers of a 204, checked before anything is sent. */
struct identity {
	const char *sub, *ent, *card, *acr; /* borrowed from the claims; ent, card may be NULL */
	char agencies[OC_HTTP_HEADER_VALUE_MAX + 1u];
};

/* Fills id from the claims: AR_OK, or AR_INVALID_TOKEN with the claim's
 * name (never its value) in detail. */
static enum authd_reason read_identity(const json_t *payload, struct identity *id,
				       char detail[AUTHD_DETAIL_MAX])
{
	static const char *const optional[] = {"ent", "card"};
	const json_t *list = json_object_get(payload, "agencies");
	const json_t *entry, *v;
	const char *aid;
	size_t i, used = 0, alen;

	memset(id, 0, sizeof(*id));
	detail[0] = '\0';
	id->sub = json_string_value(json_object_get(payload, "sub"));
	id->acr = json_string_value(json_object_get(payload, "acr"));
	if (!header_safe(id->sub, NULL) || !header_safe(id->acr, NULL)) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "the token's %s cannot be handed on as a header",
			       header_safe(id->sub, NULL) ? "acr" : "sub");
		return AR_INVALID_TOKEN;
	}
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		v = json_object_get(payload, optional[i]);
		if (v != NULL && !header_safe(json_string_value(v), NULL)) {
			(void)snprintf(detail, AUTHD_DETAIL_MAX,
				       "the token's %s cannot be handed on as a header",
				       optional[i]);
			return AR_INVALID_TOKEN;
		}
	}
	id->ent = json_string_value(json_object_get(payload, "ent"));
	id->card = json_string_value(json_object_get(payload, "card"));
	json_array_foreach (list, i, entry) {
		aid = json_string_value(json_object_get(entry, "id"));
		/* A comma would make one agency two in the list. */
		if (!header_safe(aid, ", ")) {
			(void)snprintf(detail, AUTHD_DETAIL_MAX,
				       "an agency id of the token cannot be handed on as a header");
			return AR_INVALID_TOKEN;
		}
		alen = strlen(aid);
		if (used + (used > 0 ? 1u : 0u) + alen > OC_HTTP_HEADER_VALUE_MAX) {
			(void)snprintf(detail, AUTHD_DETAIL_MAX,
				       "the token's agencies are too many for a header");
			return AR_INVALID_TOKEN;
		}
		if (used > 0) {
			id->agencies[used++] = ',';
		}
		memcpy(id->agencies + used, aid, alen);
		used += alen;
		id->agencies[used] = '\0';
	}
	return AR_OK;
}

/* A sid of the store's form, so that a malformed one is the token's fault
 * (401), never the store's (503). */
static int sid_well_formed(const char *sid)
{
	size_t n, i;

	if (sid == NULL) {
		return 0;
	}
	n = strnlen(sid, OC_ASTORE_SID_MAX + 1u);
	if (n < OC_ASTORE_SID_MIN || n > OC_ASTORE_SID_MAX) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)sid[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_')) {
			return 0;
		}
	}
	return 1;
}

/* ---- the handler --------------------------------------------------------- */

int authd_handle_authz(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct authd *a = app;
	char detail[AUTHD_DETAIL_MAX];
	enum oc_astore_session_state state = 0;
	struct identity id;
	const oc_module *m;
	onecard_claims *claims = NULL;
	json_t *missing = NULL;
	const char *name, *tok = NULL, *sid;
	size_t len = 0;
	enum authz_found got;
	enum authd_reason why;
	int r;

	detail[0] = '\0';
	/* The proxy's configuration first: without a module nothing can be
	 * judged, and the fault is not the client's. */
	name = oc_http_request_header(req, AUTHZ_MODULE_HEADER);
	if (name == NULL || name[0] == '\0') {
		r = oc_http_reply_error(resp, 500, authd_reason_code(AR_INVALID_TARGET),
					"the proxy named no module (X-Onecard-Module)");
		goto out;
	}
	m = oc_policy_module(a->policy, name);
	if (m == NULL) {
		r = oc_http_reply_error(resp, 500, authd_reason_code(AR_INVALID_TARGET),
					"the proxy named a module the policy does not have");
		goto out;
	}

	/* The credential: a Bearer header wins over the cookie (RFC 6750
	 * §2.1); a broken Bearer header is a bad token, not a reason to look
	 * at the cookie; a broken Cookie header holds no token. */
	got = authz_parse_bearer(oc_http_request_header(req, "Authorization"), &tok, &len);
	if (got == AUTHZ_MALFORMED) {
		r = reply_unauthorized(resp, 1,
				       "the Authorization header is not Bearer and one token");
		goto out;
	}
	if (got == AUTHZ_NONE) {
		got = authz_parse_cookie(oc_http_request_header(req, "Cookie"), AUTHZ_COOKIE_NAME,
					 &tok, &len);
	}
	if (got != AUTHZ_FOUND) {
		r = reply_unauthorized(resp, 0, "the request carries no access token");
		goto out;
	}

	why = authd_own_token_verify(a, tok, len, m->id, &claims, detail);
	if (why != AR_OK) {
		r = reply_unauthorized(resp, 1, detail);
		goto out;
	}
	if (!agencies_well_formed(json_object_get(claims->payload, "agencies"))) {
		r = reply_unauthorized(resp, 1, "the token's agencies claim is malformed");
		goto out;
	}

	why = check_demands(m, claims->payload, &missing, detail);
	if (why == AR_ACCESS_DENIED) {
		r = reply_denied(resp, missing, detail);
		goto out;
	}
	if (why != AR_OK) {
		r = oc_http_reply_error(resp, 500, authd_reason_code(AR_INTERNAL),
					authd_reason_text(AR_INTERNAL));
		goto out;
	}

	why = read_identity(claims->payload, &id, detail);
	if (why != AR_OK) {
		r = reply_unauthorized(resp, 1, detail);
		goto out;
	}

	/* Last, the session: a token outlives a logout by design (modules
	 * that verify offline cannot know), this endpoint knows at once. */
	sid = onecard_claims_get0_string(claims, "sid");
	if (!sid_well_formed(sid)) {
		r = reply_unauthorized(resp, 1, "the token names no session");
		goto out;
	}
	r = oc_astore_session_use(a->store, NULL, sid, 0, &state, NULL);
	if (r != ONECARD_OK) {
		authd_log("authz: the session store failed: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
		r = oc_http_reply_error(resp, authd_reason_status(AR_DATABASE_UNAVAILABLE),
					authd_reason_code(AR_DATABASE_UNAVAILABLE),
					authd_reason_text(AR_DATABASE_UNAVAILABLE));
		goto out;
	}
	if (state != OC_ASTORE_SESSION_LIVE) {
		r = reply_unauthorized(resp, 1, "the session has ended");
		goto out;
	}

	r = oc_http_response_add_header(resp, "X-Onecard-Sub", id.sub);
	if (r == ONECARD_OK && id.ent != NULL) {
		r = oc_http_response_add_header(resp, "X-Onecard-Ent", id.ent);
	}
	if (r == ONECARD_OK && id.card != NULL) {
		r = oc_http_response_add_header(resp, "X-Onecard-Card", id.card);
	}
	if (r == ONECARD_OK) {
		r = oc_http_response_add_header(resp, "X-Onecard-Acr", id.acr);
	}
	/* No agency: no header (nginx's variable is empty then, as for a
	 * header that was never sent). */
	if (r == ONECARD_OK && id.agencies[0] != '\0') {
		r = oc_http_response_add_header(resp, "X-Onecard-Agencies", id.agencies);
	}
	if (r == ONECARD_OK) {
		r = oc_http_reply_bytes(resp, 204, "application/json", NULL, 0);
	}
out:
	json_decref(missing);
	onecard_claims_free(claims);
	return r;
}
