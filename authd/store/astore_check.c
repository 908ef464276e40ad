/*
 * The store's input rules (astore.h): every field bounded by its named
 * maximum, every text UTF-8 without control characters, identifiers in
 * their character sets, and the rules that tie a login's outcome, reason
 * and token together. Pure: nothing here touches the database, so a
 * refused call writes nothing.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "astore_int.h"
#include "identity.h"
#include "pg_line.h"

static _Thread_local char diag[OC_ASTORE_DIAG_MAX + 1];

void oc_astore_diag_set(const char *text)
{
	oc_pg_line_copy(text, diag, sizeof(diag));
}

const char *oc_astore_diagnostic(void)
{
	return diag;
}

const char *oc_astore_outcome_str(enum oc_astore_outcome outcome)
{
	switch (outcome) {
	case OC_ASTORE_SUCCESS:
		return "success";
	case OC_ASTORE_REFUSED:
		return "refused";
	case OC_ASTORE_ERROR:
		return "error";
	case OC_ASTORE_OUTCOME_NONE:
	default:
		return NULL;
	}
}

/* Fails with r and a sentence naming field. */
static int refuse(int r, const char *field, const char *why)
{
	char line[OC_ASTORE_DIAG_MAX + 1];

	(void)snprintf(line, sizeof(line), "%s %s", field, why);
	oc_astore_diag_set(line);
	return r;
}

enum need { OPTIONAL, REQUIRED };

/* A text field: NULL only when optional, 1..max bytes, UTF-8 without
 * control characters. */
static int text_ok(const char *v, size_t max, enum need need, const char *field)
{
	size_t len;

	if (v == NULL) {
		return need == REQUIRED ? refuse(ONECARD_ERR_INVALID_ARG, field, "is missing")
					: ONECARD_OK;
	}
	len = strnlen(v, max + 1);
	if (len > max) {
		return refuse(ONECARD_ERR_TOO_LARGE, field, "is over its maximum length");
	}
	if (len == 0) {
		return refuse(ONECARD_ERR_INVALID_ARG, field, "is empty");
	}
	if (!oc_utf8_printable((const unsigned char *)v, len)) {
		return refuse(ONECARD_ERR_INVALID_ARG, field,
			      "is not UTF-8 without control characters");
	}
	return ONECARD_OK;
}

/* 1 if every byte of v is in set (ASCII characters). */
static int all_in(const char *v, const char *set)
{
	return v[strspn(v, set)] == '\0';
}

#define DIGITS	"0123456789"
#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define HEX	DIGITS "abcdef"
#define ID_SET	LOWER UPPER DIGITS "._:-"
#define JTI_SET LOWER UPPER DIGITS "_-"

static int instance_ok(const char *v)
{
	int r = text_ok(v, OC_ASTORE_INSTANCE_MAX, REQUIRED, "the instance name");

	if (r == ONECARD_OK && !all_in(v, ID_SET)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the instance name", "is not [A-Za-z0-9._:-]");
	}
	return r;
}

static int nonce_ok(const char *v, enum need need)
{
	int r = text_ok(v, OC_ASTORE_NONCE_HEX_MAX, need, "the nonce");

	if (r == ONECARD_OK && v != NULL &&
	    (!all_in(v, HEX) || strlen(v) < OC_ASTORE_NONCE_HEX_MIN || strlen(v) % 2 != 0)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the nonce",
			   "is not 16..64 bytes in lowercase hex");
	}
	return r;
}

static int time_ok(int64_t t, const char *field)
{
	if (t <= 0 || t > OC_ASTORE_TIME_MAX) {
		return refuse(ONECARD_ERR_INVALID_ARG, field, "is not a time from 1970 to 9999");
	}
	return ONECARD_OK;
}

int oc_astore_check_new(const char *conninfo, unsigned pool_size, const char *instance_name)
{
	size_t len;

	if (conninfo == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the conninfo", "is missing");
	}
	len = strnlen(conninfo, OC_ASTORE_CONNINFO_MAX + 1);
	if (len > OC_ASTORE_CONNINFO_MAX) {
		return refuse(ONECARD_ERR_TOO_LARGE, "the conninfo", "is over its maximum length");
	}
	if (pool_size < 1 || pool_size > OC_ASTORE_POOL_MAX) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the pool size", "is not 1..64");
	}
	return instance_ok(instance_name);
}

int oc_astore_check_challenge(const struct oc_astore_challenge *c)
{
	int r;

	if (c == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the challenge", "is missing");
	}
	r = text_ok(c->remote_addr, OC_ASTORE_ADDR_MAX, OPTIONAL, "the remote address");
	if (r == ONECARD_OK) {
		r = text_ok(c->audience, OC_ASTORE_AUDIENCE_MAX, REQUIRED, "the audience");
	}
	if (r == ONECARD_OK) {
		r = nonce_ok(c->nonce_hex, REQUIRED);
	}
	if (r == ONECARD_OK) {
		r = time_ok(c->expires_at, "the challenge's expiry");
	}
	return r;
}

/* A session id: OC_ASTORE_SID_MIN..MAX of [A-Za-z0-9_-]. */
static int sid_ok(const char *v, enum need need, const char *field)
{
	int r = text_ok(v, OC_ASTORE_SID_MAX, need, field);

	if (r == ONECARD_OK && v != NULL &&
	    (!all_in(v, JTI_SET) || strlen(v) < OC_ASTORE_SID_MIN)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, field, "is not 16..64 of [A-Za-z0-9_-]");
	}
	return r;
}

/* An error code: [a-z][a-z0-9_]*, 1..OC_ASTORE_REASON_MAX. */
static int reason_ok(const char *v, const char *field)
{
	int r = text_ok(v, OC_ASTORE_REASON_MAX, REQUIRED, field);

	if (r == ONECARD_OK && (!all_in(v, LOWER DIGITS "_") || v[0] < 'a' || v[0] > 'z')) {
		r = refuse(ONECARD_ERR_INVALID_ARG, field,
			   "is not an error code ([a-z][a-z0-9_]*)");
	}
	return r;
}

/* JSON text from the caller: it may hold newlines and tabs between
 * values, so UTF-8 only here; the server checks its shape (jsonb). */
static int json_ok(const char *v, size_t max, const char *field)
{
	size_t len;

	if (v == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, field, "is missing");
	}
	len = strnlen(v, max + 1);
	if (len > max) {
		return refuse(ONECARD_ERR_TOO_LARGE, field, "is over its maximum length");
	}
	if (len == 0 || !oc_utf8_valid((const unsigned char *)v, len)) {
		return refuse(ONECARD_ERR_INVALID_ARG, field, "is empty or not UTF-8");
	}
	return ONECARD_OK;
}

/* The outcome, its reason and its token go together (a login's and a
 * grant's alike). */
static int outcome_ok(enum oc_astore_outcome outcome, const char *reason, int has_token)
{
	if (oc_astore_outcome_str(outcome) == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the outcome", "is not one of the three");
	}
	if ((outcome == OC_ASTORE_SUCCESS) != (has_token != 0)) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the token",
			      "is given other than exactly for a success");
	}
	if (outcome == OC_ASTORE_SUCCESS) {
		return reason == NULL ? ONECARD_OK
				      : refuse(ONECARD_ERR_INVALID_ARG, "the reason",
					       "is given for a success");
	}
	return reason_ok(reason, "the reason");
}

/* A token's own fields; how they tie to the login or grant is checked
 * by the caller, once its fields are known to be set. */
static int token_fields_ok(const struct oc_astore_token *t)
{
	int r;

	r = text_ok(t->jti, OC_ASTORE_JTI_MAX, REQUIRED, "the token's jti");
	if (r == ONECARD_OK && !all_in(t->jti, JTI_SET)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's jti", "is not [A-Za-z0-9_-]");
	}
	if (r == ONECARD_OK) {
		r = text_ok(t->sub, OC_ASTORE_PERSON_ID_MAX, REQUIRED, "the token's sub");
	}
	if (r == ONECARD_OK) {
		r = text_ok(t->aud, OC_ASTORE_AUDIENCE_MAX, REQUIRED, "the token's aud");
	}
	if (r == ONECARD_OK) {
		r = text_ok(t->kid, OC_ASTORE_KID_MAX, REQUIRED, "the token's kid");
	}
	if (r == ONECARD_OK) {
		r = text_ok(t->acr, OC_ASTORE_ACR_MAX, REQUIRED, "the token's acr");
	}
	if (r == ONECARD_OK) {
		r = time_ok(t->iat, "the token's iat");
	}
	if (r == ONECARD_OK) {
		r = time_ok(t->exp, "the token's exp");
	}
	if (r == ONECARD_OK && t->exp <= t->iat) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's exp", "is not after its iat");
	}
	if (r == ONECARD_OK) {
		r = sid_ok(t->sid, OPTIONAL, "the token's sid");
	}
	return r;
}

static int token_ok(const struct oc_astore_token *t, const struct oc_astore_login *l)
{
	int r = token_fields_ok(t);

	/* Checked after the login's own fields, which are then set. */
	if (r == ONECARD_OK && strcmp(t->sub, l->person_id) != 0) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's sub", "is not the login's person");
	}
	if (r == ONECARD_OK && strcmp(t->aud, l->audience) != 0) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's aud",
			   "is not the login's audience");
	}
	if (r == ONECARD_OK && l->session == NULL && t->sid != NULL) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's sid",
			   "is given for a login that opened no session");
	}
	if (r == ONECARD_OK && l->session != NULL &&
	    (t->sid == NULL || strcmp(t->sid, l->session->sid) != 0)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's sid", "is not the session's sid");
	}
	return r;
}

/* The session a login opens. */
static int session_ok(const struct oc_astore_session *ss)
{
	int r;

	if (ss->secret_hash == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the session's credential hash",
			      "is missing");
	}
	r = sid_ok(ss->sid, REQUIRED, "the session's sid");
	if (r == ONECARD_OK) {
		r = text_ok(ss->acr, OC_ASTORE_ACR_MAX, REQUIRED, "the session's acr");
	}
	if (r == ONECARD_OK) {
		r = json_ok(ss->amr_json, OC_ASTORE_AMR_JSON_MAX, "the session's amr JSON");
	}
	if (r == ONECARD_OK) {
		r = json_ok(ss->certs_json, OC_ASTORE_CERTS_JSON_MAX,
			    "the session's certificates' JSON");
	}
	if (r == ONECARD_OK && (ss->idle_timeout <= 0 || ss->absolute_timeout <= 0 ||
				ss->absolute_timeout > OC_ASTORE_SESSION_TIMEOUT_MAX)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the session's timeouts",
			   "are not 1 s to 366 days");
	}
	if (r == ONECARD_OK && ss->idle_timeout > ss->absolute_timeout) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the session's idle timeout",
			   "is longer than its absolute timeout");
	}
	return r;
}

/* The login's method: NULL or "card", or "pwd-otp". *pwd is 1 for a
 * password login. */
static int method_ok(const char *method, int *pwd)
{
	*pwd = 0;
	if (method == NULL || strcmp(method, OC_ASTORE_METHOD_CARD) == 0) {
		return ONECARD_OK;
	}
	if (strcmp(method, OC_ASTORE_METHOD_PWD_OTP) == 0) {
		*pwd = 1;
		return ONECARD_OK;
	}
	return refuse(ONECARD_ERR_INVALID_ARG, "the method", "is not card or pwd-otp");
}

/* What a password login may not have: a nonce, a card, a certificate. */
static int pwd_login_ok(const struct oc_astore_login *l)
{
	if (l->nonce_hex != NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the nonce",
			      "is given for a password login");
	}
	if (l->card_id != NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the card id",
			      "is given for a password login");
	}
	if (l->certs_json != NULL && strcmp(l->certs_json, "[]") != 0) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the certificates' JSON",
			      "is other than [] for a password login");
	}
	return ONECARD_OK;
}

/* The acr a login's session and token carry: pwd-otp exactly for a
 * password login, and the token's the session's. Checked after the
 * fields, which are then set and in their forms. */
static int method_acr_ok(const struct oc_astore_login *l, const struct oc_astore_token *t, int pwd)
{
	const struct oc_astore_session *ss = l->session;

	if (ss != NULL && (strcmp(ss->acr, OC_ASTORE_METHOD_PWD_OTP) == 0) != pwd) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the session's acr",
			      pwd ? "is not pwd-otp for a password login"
				  : "is pwd-otp for a card login");
	}
	if (ss != NULL && pwd && strcmp(ss->certs_json, "[]") != 0) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the session's certificates' JSON",
			      "is other than [] for a password login");
	}
	if (t != NULL && (strcmp(t->acr, OC_ASTORE_METHOD_PWD_OTP) == 0) != pwd) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the token's acr",
			      pwd ? "is not pwd-otp for a password login"
				  : "is pwd-otp for a card login");
	}
	if (t != NULL && ss != NULL && strcmp(t->acr, ss->acr) != 0) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the token's acr",
			      "is not the session's acr");
	}
	return ONECARD_OK;
}

/* The fields of the login row. A card's success names its card; a
 * password login's never does (pwd_login_ok). */
static int login_fields_ok(const struct oc_astore_login *l, int pwd)
{
	enum need who = l->outcome == OC_ASTORE_SUCCESS ? REQUIRED : OPTIONAL;
	int r;

	r = text_ok(l->remote_addr, OC_ASTORE_ADDR_MAX, OPTIONAL, "the remote address");
	if (r == ONECARD_OK) {
		r = text_ok(l->audience, OC_ASTORE_AUDIENCE_MAX, who, "the audience");
	}
	if (r == ONECARD_OK) {
		r = text_ok(l->detail, OC_ASTORE_DETAIL_MAX, OPTIONAL, "the detail");
	}
	if (r == ONECARD_OK) {
		r = nonce_ok(l->nonce_hex, OPTIONAL);
	}
	if (r == ONECARD_OK && l->nonce_hex != NULL) {
		r = time_ok(l->nonce_expires_at, "the challenge's expiry");
	}
	if (r == ONECARD_OK) {
		r = text_ok(l->person_id, OC_ASTORE_PERSON_ID_MAX, who, "the person id");
	}
	if (r == ONECARD_OK) {
		r = text_ok(l->enterprise_uscc, OC_ASTORE_USCC_MAX, who, "the enterprise USCC");
	}
	if (r == ONECARD_OK) {
		r = text_ok(l->card_id, OC_ASTORE_CARD_ID_MAX, pwd ? OPTIONAL : who, "the card id");
	}
	if (r == ONECARD_OK && l->certs_json != NULL) {
		r = json_ok(l->certs_json, OC_ASTORE_CERTS_JSON_MAX, "the certificates' JSON");
	}
	return r;
}

int oc_astore_check_login(const struct oc_astore_login *l, const struct oc_astore_token *t)
{
	int r, pwd = 0;

	if (l == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the login", "is missing");
	}
	r = method_ok(l->method, &pwd);
	if (r == ONECARD_OK) {
		r = outcome_ok(l->outcome, l->reason, t != NULL);
	}
	if (r == ONECARD_OK && l->session != NULL && l->outcome != OC_ASTORE_SUCCESS) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the session",
			   "is opened by other than a success");
	}
	if (r == ONECARD_OK && pwd) {
		r = pwd_login_ok(l);
	}
	if (r == ONECARD_OK) {
		r = login_fields_ok(l, pwd);
	}
	if (r == ONECARD_OK && l->session != NULL) {
		r = session_ok(l->session);
	}
	if (r == ONECARD_OK && t != NULL) {
		r = token_ok(t, l);
	}
	if (r == ONECARD_OK) {
		r = method_acr_ok(l, t, pwd);
	}
	return r;
}

int oc_astore_check_session_key(const uint8_t *secret_hash, const char *sid)
{
	if ((secret_hash == NULL) == (sid == NULL)) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the session's key",
			      "is not exactly one of the credential hash and the sid");
	}
	return sid_ok(sid, OPTIONAL, "the sid");
}

int oc_astore_check_session_end(const uint8_t *secret_hash, const char *sid, const char *reason,
				const char *remote_addr)
{
	int r = oc_astore_check_session_key(secret_hash, sid);

	if (r == ONECARD_OK) {
		r = reason_ok(reason, "the end reason");
	}
	if (r == ONECARD_OK) {
		r = text_ok(remote_addr, OC_ASTORE_ADDR_MAX, OPTIONAL, "the remote address");
	}
	return r;
}

int oc_astore_check_grant(const struct oc_astore_grant *g, const struct oc_astore_token *t)
{
	enum need on_success;
	int exchange, r;

	if (g == NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the grant", "is missing");
	}
	on_success = g->outcome == OC_ASTORE_SUCCESS ? REQUIRED : OPTIONAL;
	r = outcome_ok(g->outcome, g->reason, t != NULL);
	if (r == ONECARD_OK) {
		r = text_ok(g->grant, OC_ASTORE_GRANT_MAX, REQUIRED, "the grant type");
	}
	if (r != ONECARD_OK) {
		return r;
	}
	exchange = strcmp(g->grant, "token_exchange") == 0;
	if (!exchange && strcmp(g->grant, "refresh_token") != 0) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the grant type",
			      "is not refresh_token or token_exchange");
	}
	if (!exchange && g->subject_type != NULL) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the subject type",
			      "is given for other than an exchange");
	}
	r = text_ok(g->subject_type, OC_ASTORE_GRANT_MAX, exchange ? on_success : OPTIONAL,
		    "the subject type");
	if (r == ONECARD_OK && g->subject_type != NULL &&
	    strcmp(g->subject_type, "refresh_token") != 0 &&
	    strcmp(g->subject_type, "access_token") != 0) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the subject type",
			   "is not refresh_token or access_token");
	}
	if (r == ONECARD_OK) {
		r = text_ok(g->remote_addr, OC_ASTORE_ADDR_MAX, OPTIONAL, "the remote address");
	}
	if (r == ONECARD_OK) {
		r = sid_ok(g->sid, on_success, "the grant's sid");
	}
	if (r == ONECARD_OK) {
		r = text_ok(g->audience, OC_ASTORE_AUDIENCE_MAX, on_success, "the audience");
	}
	if (r == ONECARD_OK) {
		r = text_ok(g->detail, OC_ASTORE_DETAIL_MAX, OPTIONAL, "the detail");
	}
	if (r == ONECARD_OK && t != NULL) {
		r = token_fields_ok(t);
	}
	/* A success has its sid and audience set (checked above). */
	if (r == ONECARD_OK && t != NULL && strcmp(t->aud, g->audience) != 0) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's aud",
			   "is not the grant's audience");
	}
	if (r == ONECARD_OK && t != NULL && (t->sid == NULL || strcmp(t->sid, g->sid) != 0)) {
		r = refuse(ONECARD_ERR_INVALID_ARG, "the token's sid", "is not the grant's sid");
	}
	return r;
}

int oc_astore_check_subject(const char *subject)
{
	/* Of one fixed form: anything else, longer too, is INVALID_ARG. */
	if (subject == NULL ||
	    strnlen(subject, OC_ASTORE_LOCK_SUBJECT_LEN + 1) != OC_ASTORE_LOCK_SUBJECT_LEN ||
	    !all_in(subject, HEX)) {
		return refuse(ONECARD_ERR_INVALID_ARG, "the lockout subject",
			      "is not 64 lowercase hex digits");
	}
	return ONECARD_OK;
}

int oc_astore_check_time(int64_t t, const char *field)
{
	return time_ok(t, field);
}
