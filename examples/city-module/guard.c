/*
 * The gate (guard.h). RFC 6750: a request without a bearer token gets 401
 * and a challenge without an error code (§3.1: it may not know it needs
 * one); a malformed header 400 invalid_request; a token the verifier
 * refuses 401 invalid_token; a valid token for this module that does not
 * meet its demands (assurance level, agencies) 403 insufficient_scope —
 * another login, with the certificates the module names, would do.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

#define BEARER	   "Bearer"
#define BEARER_LEN (sizeof(BEARER) - 1u)

/* RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=". */
static bool b64token(const char *s, size_t len)
{
	size_t i = 0;
	char c;

	while (i < len) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/')) {
			break;
		}
		i++;
	}
	if (i == 0) {
		return false;
	}
	while (i < len && s[i] == '=') {
		i++;
	}
	return i == len;
}

static void set(struct city_outcome *out, unsigned status, const char *error, int code,
		const char *summary, const char *reason)
{
	out->status = status;
	out->error = error;
	out->code = code;
	out->summary = summary;
	out->reason = reason;
}

void city_guard(onecard_module *m, const char *authorization, struct city_outcome *out)
{
	const char *token, *reason = "";
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	/* No credentials at all, or credentials of another scheme (the
	 * scheme name is case-insensitive, RFC 9110 §11.1). */
	if (authorization == NULL || strncasecmp(authorization, BEARER, BEARER_LEN) != 0 ||
	    (authorization[BEARER_LEN] != ' ' && authorization[BEARER_LEN] != '\0')) {
		set(out, 401, NULL, 0, "Login required",
		    "no bearer token: log in with your card and present the access token "
		    "for this module");
		return;
	}
	token = authorization + BEARER_LEN;
	while (*token == ' ') {
		token++;
	}
	len = strlen(token);
	if (!b64token(token, len)) {
		set(out, 400, "invalid_request", 0, "Bad request",
		    "the Authorization header does not hold one well-formed bearer token");
		return;
	}
	r = onecard_module_verify(m, token, len, &out->claims, &reason);
	switch (r) {
	case ONECARD_OK:
		set(out, 200, NULL, r, "Welcome", "");
		break;
	case ONECARD_ERR_ACR_NOT_ALLOWED:
	case ONECARD_ERR_AGENCY_MISSING:
		set(out, 403, "insufficient_scope", r, "Access refused", reason);
		break;
	case ONECARD_ERR_KEYS_UNAVAILABLE:
		/* Not the operator's fault: the module cannot check any token. */
		set(out, 503, NULL, r, "Cannot check tokens now", reason);
		break;
	case ONECARD_ERR_NOMEM:
	case ONECARD_ERR_INTERNAL:
	case ONECARD_ERR_INVALID_ARG:
		set(out, 500, NULL, r, "Internal error", reason);
		break;
	default:
		set(out, 401, "invalid_token", r, "Your token was refused", reason);
		break;
	}
}

void city_outcome_clear(struct city_outcome *out)
{
	if (out == NULL) {
		return;
	}
	onecard_claims_free(out->claims);
	out->claims = NULL;
}
