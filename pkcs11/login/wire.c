/*
 * The JSON bodies of docs/authd.md, built and parsed (login.h). Parsing
 * reads like the contract: each member named, typed and bounded; anything
 * else in an answer is ignored, but a member that is there must be right.
 * jansson through lib/json_strict.h: duplicate members are refused.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "b64url.h"
#include "identity.h"
#include "json_strict.h"
#include "login.h"

#define JWS_SEGMENTS 3u
#define B64_LEN(n)   (4u * (((n) + 2u) / 3u)) /* standard base64 of n bytes, padded */
#define DER_MAX	     (64u * 1024u)	      /* bytes of one certificate we send */
#define JSON_ESCAPED 6u			      /* bytes of the longest escape: \u001f */
#define LITERAL(s)   (s), (sizeof(s) - 1u)    /* a string literal and its length */
/* Bytes of a password login's body: the member names and quotes (under
 * 64), the user, the password escaped at worst, the code, the audience. */
#define PASSWORD_BODY_MAX                                                                    \
	(64u + OC_LOGIN_USER_MAX + JSON_ESCAPED * OC_LOGIN_PASSWORD_MAX + OC_LOGIN_OTP_MAX + \
	 OC_LOGIN_AUDIENCE_MAX)

void oc_login_proofs_clear(struct oc_login_proof *proofs, size_t n)
{
	size_t i;

	if (proofs == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		OPENSSL_free(proofs[i].der);
		OPENSSL_cleanse(&proofs[i], sizeof(proofs[i]));
	}
}

const char *oc_login_alg_name(enum oc_proof_alg alg)
{
	switch (alg) {
	case OC_PROOF_ES256:
		return "ES256";
	case OC_PROOF_RS256:
		return "RS256";
	case OC_PROOF_PS256:
		return "PS256";
	case OC_PROOF_SM2_SM3:
		return "SM2-SM3";
	default:
		return NULL;
	}
}

/* ---- requests ------------------------------------------------------------ */

int oc_login_challenge_request(const char *audience, char **body)
{
	json_t *o = NULL;
	int r = ONECARD_ERR_NOMEM;

	*body = NULL;
	if (!oc_login_audience_ok(audience)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	o = json_object();
	if (o == NULL || json_object_set_new(o, "audience", json_string(audience)) != 0) {
		goto out;
	}
	r = oc_json_dump(o, 0, body);
out:
	json_decref(o);
	return r;
}

/* One proof object: {"x5c": [base64 DER], "alg": ALG, "sig": base64url}. */
static json_t *proof_object(const struct oc_login_proof *p)
{
	json_t *o = NULL, *x5c = NULL, *result = NULL;
	unsigned char *b64 = NULL;
	char *sig = NULL;
	const char *alg = oc_login_alg_name(p->alg);

	if (alg == NULL || p->der == NULL || p->der_len == 0 || p->der_len > DER_MAX ||
	    p->sig_len == 0 || p->sig_len > sizeof(p->sig)) {
		goto out;
	}
	b64 = malloc(B64_LEN(p->der_len) + 1u);
	if (b64 == NULL) {
		goto out;
	}
	if (EVP_EncodeBlock(b64, p->der, (int)p->der_len) != (int)B64_LEN(p->der_len)) {
		goto out;
	}
	if (oc_b64url_encode_alloc(p->sig, p->sig_len, &sig) != ONECARD_OK) {
		goto out;
	}
	o = json_object();
	x5c = json_array();
	if (o == NULL || x5c == NULL ||
	    json_array_append_new(x5c, json_string((const char *)b64)) != 0 ||
	    json_object_set(o, "x5c", x5c) != 0 ||
	    json_object_set_new(o, "alg", json_string(alg)) != 0 ||
	    json_object_set_new(o, "sig", json_string(sig)) != 0) {
		goto out;
	}
	result = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(x5c);
	free(b64);
	free(sig);
	return result;
}

int oc_login_request_build(const char *challenge, const struct oc_login_proof *proofs, size_t n,
			   char **body)
{
	json_t *o = NULL, *list = NULL, *p;
	size_t i, len;
	int r = ONECARD_ERR_INVALID_ARG;

	*body = NULL;
	if (challenge == NULL || proofs == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	len = strnlen(challenge, OC_CHALLENGE_TEXT_MAX + 1);
	if (len == 0 || len > OC_CHALLENGE_TEXT_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (n == 0 || n > OC_LOGIN_PROOFS_MAX) {
		return n == 0 ? ONECARD_ERR_INVALID_ARG : ONECARD_ERR_TOO_LARGE;
	}
	o = json_object();
	list = json_array();
	if (o == NULL || list == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		p = proof_object(&proofs[i]);
		if (p == NULL) {
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		if (json_array_append_new(list, p) != 0) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
	}
	if (json_object_set_new(o, "challenge", json_stringn(challenge, len)) != 0 ||
	    json_object_set(o, "proofs", list) != 0) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = oc_json_dump(o, 0, body);
out:
	json_decref(list);
	json_decref(o);
	return r;
}

/* Appends n bytes at p to body[PASSWORD_BODY_MAX + 1]. */
static int body_append(char *body, size_t *pos, const char *p, size_t n)
{
	if (n > PASSWORD_BODY_MAX - *pos) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(body + *pos, p, n);
	*pos += n;
	body[*pos] = '\0';
	return ONECARD_OK;
}

/* Appends the n bytes at s as the inside of a JSON string (RFC 8259 §7):
 * '"' and '\\' escaped, control characters as \u00XX, the rest (UTF-8,
 * checked by the caller) as it is. */
static int body_append_escaped(char *body, size_t *pos, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[JSON_ESCAPED];
	unsigned char c;
	size_t i;
	int r = ONECARD_OK;

	for (i = 0; i < n && r == ONECARD_OK; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			r = body_append(body, pos, esc, 2);
		} else if (c < 0x20u) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0x0fu];
			r = body_append(body, pos, esc, JSON_ESCAPED);
		} else {
			r = body_append(body, pos, &s[i], 1);
		}
	}
	OPENSSL_cleanse(esc, sizeof(esc));
	return r;
}

void oc_login_password_request_free(char *body)
{
	if (body == NULL) {
		return;
	}
	OPENSSL_cleanse(body, PASSWORD_BODY_MAX + 1u);
	free(body);
}

int oc_login_password_request(const char *user, const struct oc_login_secrets *secrets,
			      const char *audience, char **body, size_t *len, const char **why)
{
	char *buf = NULL;
	size_t pos = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	*body = NULL;
	*len = 0;
	*why = "";
	if (!oc_login_user_ok(user)) {
		*why = "the user must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (secrets == NULL || secrets->password_len == 0 ||
	    secrets->password_len > OC_LOGIN_PASSWORD_MAX ||
	    memchr(secrets->password, '\0', secrets->password_len) != NULL) {
		*why = "the password must be 1 to 256 bytes without a NUL byte";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (oc_utf8_valid((const unsigned char *)secrets->password, secrets->password_len) != 1) {
		*why = "the password is not UTF-8 text";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_login_otp_ok(secrets->otp, secrets->otp_len)) {
		*why = "the TOTP code is not 6 or 8 digits";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (!oc_login_audience_ok(audience)) {
		*why = "the audience must be 1 to 255 characters of a-z, 0-9 and '-'";
		return ONECARD_ERR_INVALID_ARG;
	}
	buf = malloc(PASSWORD_BODY_MAX + 1u);
	if (buf == NULL) {
		*why = "out of memory";
		return ONECARD_ERR_NOMEM;
	}
	buf[0] = '\0';
	/* The user, code and audience need no escaping: their forms are
	 * checked above. */
	r = body_append(buf, &pos, LITERAL("{\"username\":\""));
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, user, strlen(user));
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, LITERAL("\",\"password\":\""));
	}
	if (r == ONECARD_OK) {
		r = body_append_escaped(buf, &pos, secrets->password, secrets->password_len);
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, LITERAL("\",\"otp\":\""));
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, secrets->otp, secrets->otp_len);
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, LITERAL("\",\"audience\":\""));
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, audience, strlen(audience));
	}
	if (r == ONECARD_OK) {
		r = body_append(buf, &pos, LITERAL("\"}"));
	}
	if (r != ONECARD_OK) {
		/* Cannot happen with the limits above; kept as a bound. */
		*why = "the request would be too large";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	*body = buf;
	*len = pos;
	buf = NULL;
	r = ONECARD_OK;
out:
	oc_login_password_request_free(buf);
	return r;
}

/* ---- answers ------------------------------------------------------------- */

/* A string member of 1..max bytes: returns it borrowed, or NULL (absent,
 * not a string, empty or too long). */
static const char *bounded_string(const json_t *o, const char *name, size_t max, size_t *len)
{
	const char *s = oc_json_get_string(o, name, len);

	if (s == NULL || *len == 0 || *len > max) {
		return NULL;
	}
	return s;
}

/* Copies a bounded string member into out[max + 1]. */
static int copy_member(const json_t *o, const char *name, char *out, size_t max)
{
	size_t len = 0;
	const char *s = bounded_string(o, name, max, &len);

	if (s == NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return ONECARD_OK;
}

int oc_login_challenge_parse(const char *body, size_t len, const char *audience,
			     struct oc_login_challenge *out, const char **why)
{
	json_t *root = NULL, *v;
	const char *s;
	size_t n = 0;
	int r = ONECARD_ERR_BAD_FORMAT;

	memset(out, 0, sizeof(*out));
	*why = "the challenge answer is not a JSON object";
	if (body == NULL || oc_json_parse_object(body, len, &root) != ONECARD_OK) {
		goto out;
	}
	s = oc_json_get_string(root, "challenge", &n);
	if (s == NULL || n == 0) {
		*why = "the challenge answer has no \"challenge\" string";
		goto out;
	}
	if (n > OC_CHALLENGE_TEXT_MAX) {
		*why = "the challenge is longer than a challenge can be";
		goto out;
	}
	if (oc_b64url_decode_public(s, n, out->wire, sizeof(out->wire), &out->wire_len) !=
		    ONECARD_OK ||
	    out->wire_len == 0) {
		*why = "the challenge is not strict base64url";
		goto out;
	}
	memcpy(out->text, s, n);
	out->text[n] = '\0';
	out->text_len = n;
	v = json_object_get(root, "audience");
	if (v != NULL && (!json_is_string(v) || audience == NULL ||
			  strcmp(json_string_value(v), audience) != 0)) {
		*why = "the challenge answer names another audience";
		goto out;
	}
	v = json_object_get(root, "context");
	if (v != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), OC_LOGIN_CONTEXT) != 0)) {
		*why = "authd speaks another proof context than onecard-login-v1";
		goto out;
	}
	v = json_object_get(root, "origin");
	if (v != NULL) {
		if (copy_member(root, "origin", out->origin, OC_CHALLENGE_ORIGIN_MAX) !=
		    ONECARD_OK) {
			*why = "the challenge answer has a bad \"origin\"";
			goto out;
		}
	}
	v = json_object_get(root, "expires_at");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			*why = "the challenge answer has a bad \"expires_at\"";
			goto out;
		}
		out->expires_at = (int64_t)json_integer_value(v);
	}
	*why = "";
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		memset(out, 0, sizeof(*out));
	}
	json_decref(root);
	return r;
}

void oc_login_token_clear(struct oc_login_token *t)
{
	if (t == NULL) {
		return;
	}
	if (t->access_token != NULL) {
		OPENSSL_cleanse(t->access_token, strlen(t->access_token));
		free(t->access_token);
	}
	json_decref(t->agencies);
	OPENSSL_cleanse(t, sizeof(*t));
}

bool oc_login_session_credential_ok(const char *text, size_t len)
{
	uint8_t secret[OC_LOGIN_SESSION_SECRET_BYTES + 1];
	size_t n = 0;
	bool ok;

	if (text == NULL || len != OC_LOGIN_SESSION_CRED_LEN ||
	    memcmp(text, OC_LOGIN_SESSION_PREFIX, OC_LOGIN_SESSION_PREFIX_LEN) != 0) {
		return false;
	}
	/* The constant-time decoder: the rest is the secret itself. */
	ok = oc_b64url_decode(text + OC_LOGIN_SESSION_PREFIX_LEN, len - OC_LOGIN_SESSION_PREFIX_LEN,
			      secret, sizeof(secret), &n) == ONECARD_OK &&
	     n == OC_LOGIN_SESSION_SECRET_BYTES;
	OPENSSL_cleanse(secret, sizeof(secret));
	return ok;
}

/* Three non-empty segments of base64url characters, separated by dots. */
static bool is_jws_compact(const char *s, size_t n)
{
	size_t i, dots = 0, seg = 0;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '.') {
			if (seg == 0) {
				return false;
			}
			dots++;
			seg = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			return false;
		}
		seg++;
	}
	return dots == JWS_SEGMENTS - 1u && seg > 0;
}

/* "agencies": min..OC_LOGIN_AGENCIES_MAX strings of 1..OC_LOGIN_FIELD_MAX. */
static bool agencies_ok(const json_t *a, size_t min)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) < min ||
	    json_array_size(a) > OC_LOGIN_AGENCIES_MAX) {
		return false;
	}
	json_array_foreach (a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > OC_LOGIN_FIELD_MAX) {
			return false;
		}
	}
	return true;
}

/* An integer member of lo..hi; false when absent or out of range. */
static bool integer_in(const json_t *o, const char *name, json_int_t lo, json_int_t hi,
		       int64_t *out)
{
	const json_t *v = json_object_get(o, name);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		return false;
	}
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* The fixed sentences of token_common, per answer. */
struct token_why {
	const char *no_token, *token_type, *expires_in, *audience;
};

static const struct token_why login_why = {
	"the login answer has no access token of JWS compact form",
	"the login answer's token_type is not Bearer",
	"the login answer's expires_in is not 1 to 86400 seconds",
	"the login answer names another audience",
};

static const struct token_why grant_why = {
	"the token answer has no access token of JWS compact form",
	"the token answer's token_type is not Bearer",
	"the token answer's expires_in is not 1 to 86400 seconds",
	"the token answer names another audience",
};

/* What a login's and a grant's answers share: the access token (a JWS,
 * so never a session credential), "token_type" Bearer, "expires_in", and
 * "audience" the one asked for. */
static int token_common(const json_t *root, const char *audience, struct oc_login_token *out,
			const struct token_why *w, const char **why)
{
	const char *s;
	size_t n = 0;

	s = bounded_string(root, "access_token", OC_LOGIN_TOKEN_MAX, &n);
	if (s == NULL || !is_jws_compact(s, n)) {
		*why = w->no_token;
		return ONECARD_ERR_BAD_FORMAT;
	}
	s = oc_json_get_string(root, "token_type", NULL);
	if (s == NULL || strcasecmp(s, "Bearer") != 0) {
		*why = w->token_type;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!integer_in(root, "expires_in", 1, OC_LOGIN_LIFETIME_MAX, &out->expires_in)) {
		*why = w->expires_in;
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (copy_member(root, "audience", out->audience, OC_LOGIN_AUDIENCE_MAX) != ONECARD_OK ||
	    audience == NULL || strcmp(out->audience, audience) != 0) {
		*why = w->audience;
		return ONECARD_ERR_BAD_FORMAT;
	}
	return ONECARD_OK;
}

/* Copies the access token (checked by token_common) into out. */
static int token_copy(const json_t *root, struct oc_login_token *out, const char **why)
{
	size_t n = 0;
	const char *s = oc_json_get_string(root, "access_token", &n);

	out->access_token = malloc(n + 1);
	if (s == NULL || out->access_token == NULL) {
		*why = "out of memory";
		return ONECARD_ERR_NOMEM;
	}
	memcpy(out->access_token, s, n);
	out->access_token[n] = '\0';
	return ONECARD_OK;
}

/* The session of a login answer: absent, or all three members right. */
static int session_parse(const json_t *root, struct oc_login_session *out, const char **why)
{
	const json_t *v = json_object_get(root, "refresh_token");

	if (v == NULL) {
		return ONECARD_OK; /* an authd that opens no session */
	}
	if (!json_is_string(v) ||
	    !oc_login_session_credential_ok(json_string_value(v), json_string_length(v))) {
		*why = "the login answer's refresh_token is not a session credential (ocs1_...)";
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!integer_in(root, "refresh_expires_in", 1, OC_LOGIN_SESSION_LIFETIME_MAX,
			&out->expires_in) ||
	    !integer_in(root, "session_idle_timeout", 1, OC_LOGIN_SESSION_LIFETIME_MAX,
			&out->idle_timeout)) {
		*why = "the login answer's refresh_expires_in or session_idle_timeout is not 1 "
		       "to 2592000 seconds";
		return ONECARD_ERR_BAD_FORMAT;
	}
	memcpy(out->credential, json_string_value(v), OC_LOGIN_SESSION_CRED_LEN);
	out->credential[OC_LOGIN_SESSION_CRED_LEN] = '\0';
	return ONECARD_OK;
}

/* A card login's "card", "agencies" and "acr": the card and at least one
 * agency required; an acr, when named, not the password login's. */
static int card_members(const json_t *root, struct oc_login_token *out, const char **why)
{
	json_t *v;

	if (copy_member(root, "card", out->card, OC_LOGIN_FIELD_MAX) != ONECARD_OK) {
		*why = "the login answer lacks sub, ent or card";
		return ONECARD_ERR_BAD_FORMAT;
	}
	v = json_object_get(root, "agencies");
	if (!agencies_ok(v, 1)) {
		*why = "the login answer's agencies are not a list of agency ids";
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (json_object_get(root, "acr") != NULL &&
	    (copy_member(root, "acr", out->acr, OC_LOGIN_ACR_MAX) != ONECARD_OK ||
	     strcmp(out->acr, OC_LOGIN_ACR_PWD_OTP) == 0)) {
		*why = "the login answer's acr is not a card login's";
		return ONECARD_ERR_BAD_FORMAT;
	}
	out->agencies = json_incref(v);
	return ONECARD_OK;
}

/* A password login's: no card kept (one named is checked, then left);
 * agencies optional, none when absent; acr, when named, pwd-otp. */
static int password_members(const json_t *root, struct oc_login_token *out, const char **why)
{
	char card[OC_LOGIN_FIELD_MAX + 1];
	json_t *v;

	if (json_object_get(root, "card") != NULL &&
	    copy_member(root, "card", card, OC_LOGIN_FIELD_MAX) != ONECARD_OK) {
		*why = "the password login answer's card is not a string of 1 to 255 bytes";
		return ONECARD_ERR_BAD_FORMAT;
	}
	v = json_object_get(root, "acr");
	if (v != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), OC_LOGIN_ACR_PWD_OTP) != 0)) {
		*why = "the password login answer's acr is not pwd-otp";
		return ONECARD_ERR_BAD_FORMAT;
	}
	memcpy(out->acr, OC_LOGIN_ACR_PWD_OTP, sizeof(OC_LOGIN_ACR_PWD_OTP));
	v = json_object_get(root, "agencies");
	if (v == NULL) {
		out->agencies = json_array();
		if (out->agencies == NULL) {
			*why = "out of memory";
			return ONECARD_ERR_NOMEM;
		}
		return ONECARD_OK;
	}
	if (!agencies_ok(v, 0)) {
		*why = "the password login answer's agencies are not a list of agency ids";
		return ONECARD_ERR_BAD_FORMAT;
	}
	out->agencies = json_incref(v);
	return ONECARD_OK;
}

/* The answer of a login: by card (/v1/login) or by password and code
 * (/v1/login/password). */
static int login_answer_parse(const char *body, size_t len, const char *audience, bool password,
			      struct oc_login_token *out, const char **why)
{
	json_t *root = NULL;
	int r = ONECARD_ERR_BAD_FORMAT;

	memset(out, 0, sizeof(*out));
	*why = "the login answer is not a JSON object";
	if (body == NULL || oc_json_parse_object(body, len, &root) != ONECARD_OK) {
		goto out;
	}
	r = token_common(root, audience, out, &login_why, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_BAD_FORMAT;
	if (copy_member(root, "sub", out->sub, OC_LOGIN_FIELD_MAX) != ONECARD_OK ||
	    copy_member(root, "ent", out->ent, OC_LOGIN_FIELD_MAX) != ONECARD_OK) {
		*why = password ? "the login answer lacks sub or ent"
				: "the login answer lacks sub, ent or card";
		goto out;
	}
	r = password ? password_members(root, out, why) : card_members(root, out, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = session_parse(root, &out->session, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = token_copy(root, out, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	*why = "";
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		oc_login_token_clear(out);
	}
	json_decref(root);
	return r;
}

int oc_login_token_parse(const char *body, size_t len, const char *audience,
			 struct oc_login_token *out, const char **why)
{
	return login_answer_parse(body, len, audience, false, out, why);
}

int oc_login_password_parse(const char *body, size_t len, const char *audience,
			    struct oc_login_token *out, const char **why)
{
	return login_answer_parse(body, len, audience, true, out, why);
}

int oc_login_grant_parse(const char *body, size_t len, const char *audience,
			 struct oc_login_token *out, const char **why)
{
	json_t *root = NULL, *v;
	const char *s;
	int r = ONECARD_ERR_BAD_FORMAT;

	memset(out, 0, sizeof(*out));
	*why = "the token answer is not a JSON object";
	if (body == NULL || oc_json_parse_object(body, len, &root) != ONECARD_OK) {
		goto out;
	}
	r = token_common(root, audience, out, &grant_why, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_BAD_FORMAT;
	v = json_object_get(root, "issued_token_type");
	if (v != NULL) {
		s = json_string_value(v);
		if (s == NULL || (strcmp(s, OC_LOGIN_TOKEN_TYPE_AT) != 0 &&
				  strcmp(s, OC_LOGIN_TOKEN_TYPE_JWT) != 0)) {
			*why = "the token answer's issued_token_type is not an access token";
			goto out;
		}
	}
	v = json_object_get(root, "acr");
	if (v != NULL && copy_member(root, "acr", out->acr, OC_LOGIN_ACR_MAX) != ONECARD_OK) {
		*why = "the token answer's acr is not a string of 1 to 32 bytes";
		goto out;
	}
	v = json_object_get(root, "agencies");
	if (v == NULL) {
		out->agencies = json_array();
		if (out->agencies == NULL) {
			r = ONECARD_ERR_NOMEM;
			*why = "out of memory";
			goto out;
		}
	} else if (!agencies_ok(v, 0)) {
		*why = "the token answer's agencies are not a list of agency ids";
		goto out;
	} else {
		out->agencies = json_incref(v);
	}
	r = token_copy(root, out, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	*why = "";
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		oc_login_token_clear(out);
	}
	json_decref(root);
	return r;
}

int oc_login_error_parse(const char *body, size_t len, struct oc_login_error *out)
{
	json_t *root = NULL, *v;
	const char *s;
	size_t n = 0, i;
	int r = ONECARD_ERR_BAD_FORMAT;

	memset(out, 0, sizeof(*out));
	if (body == NULL || oc_json_parse_object(body, len, &root) != ONECARD_OK) {
		goto out;
	}
	s = bounded_string(root, "error", OC_LOGIN_ERROR_CODE_MAX, &n);
	if (s == NULL) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_')) {
			goto out;
		}
	}
	memcpy(out->code, s, n);
	out->code[n] = '\0';
	v = json_object_get(root, "error_description");
	if (v != NULL) {
		if (!json_is_string(v) || json_string_length(v) > OC_LOGIN_ERROR_DESC_MAX) {
			goto out;
		}
		memcpy(out->description, json_string_value(v), json_string_length(v));
		out->description[json_string_length(v)] = '\0';
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		memset(out, 0, sizeof(*out));
	}
	json_decref(root);
	return r;
}

/* ---- exit classes -------------------------------------------------------- */

/* docs/authd.md "Error codes", by class. */
static const struct {
	const char *code;
	int exit_code;
} error_classes[] = {
	{"invalid_request", OC_LOGIN_EXIT_REFUSED},
	{"request_too_large", OC_LOGIN_EXIT_REFUSED},
	{"invalid_target", OC_LOGIN_EXIT_REFUSED},
	{"challenge_invalid", OC_LOGIN_EXIT_AUTH_FAILED},
	{"challenge_expired", OC_LOGIN_EXIT_AUTH_FAILED},
	{"challenge_replayed", OC_LOGIN_EXIT_AUTH_FAILED},
	{"proof_invalid", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_untrusted", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_expired", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_revoked", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_status_unknown", OC_LOGIN_EXIT_AUTH_FAILED},
	{"crl_stale", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_invalid", OC_LOGIN_EXIT_AUTH_FAILED},
	{"cert_unknown", OC_LOGIN_EXIT_AUTH_FAILED},
	{"card_mismatch", OC_LOGIN_EXIT_AUTH_FAILED},
	{"card_suspended", OC_LOGIN_EXIT_DENIED},
	{"person_suspended", OC_LOGIN_EXIT_DENIED},
	{"enterprise_suspended", OC_LOGIN_EXIT_DENIED},
	{"access_denied", OC_LOGIN_EXIT_DENIED},
	/* The password login (docs/login.md "Password and code"). */
	{"invalid_credentials", OC_LOGIN_EXIT_BAD_CREDENTIALS},
	{"locked", OC_LOGIN_EXIT_LOCKED},
	/* docs/sso.md: the session credential or subject token is dead. */
	{"invalid_grant", OC_LOGIN_EXIT_SESSION_ENDED},
	{"unsupported_grant_type", OC_LOGIN_EXIT_REFUSED},
	{"database_unavailable", OC_LOGIN_EXIT_UNAVAILABLE},
	{"directory_unavailable", OC_LOGIN_EXIT_UNAVAILABLE},
	{"internal", OC_LOGIN_EXIT_UNAVAILABLE},
};

int oc_login_exit_for_error(const char *code, long http_status)
{
	size_t i;

	for (i = 0; code != NULL && i < sizeof(error_classes) / sizeof(error_classes[0]); i++) {
		if (strcmp(code, error_classes[i].code) == 0) {
			return error_classes[i].exit_code;
		}
	}
	switch (http_status) {
	case 400:
	case 413:
	case 415:
		return OC_LOGIN_EXIT_REFUSED;
	case 401:
		return OC_LOGIN_EXIT_AUTH_FAILED;
	case 403:
		return OC_LOGIN_EXIT_DENIED;
	case 429:
		return OC_LOGIN_EXIT_LOCKED;
	case 500:
	case 502:
	case 503:
	case 504:
		return OC_LOGIN_EXIT_UNAVAILABLE;
	default:
		return OC_LOGIN_EXIT_BAD_ANSWER;
	}
}
