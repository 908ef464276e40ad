/*
 * The password + TOTP login, as one straight line:
 *
 *   request shape -> the module admits pwd-otp -> the user name's lockout
 *   -> the directory password (a bind as the person) -> the TOTP code
 *   (liboath, +-1 step, once) -> the session and the token -> the audit
 *   row, committed -> the answer.
 *
 * Whatever failed among user name, password and code, the client hears
 * one answer (invalid_credentials) after the same work: an unknown person
 * costs the directory the same bind as a wrong password (the stand-in
 * entry, directory/password.c), and the code is only looked at once the
 * password is right. The audit row says which it was. Every failure
 * counts towards the user name's lockout, known or not.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "audit.h"
#include "authd.h"
#include "dir_pool.h"
#include "directory.h"
#include "json_strict.h"
#include "mint.h"
#include "own_token.h"
#include "password_login.h"
#include "session.h"

#define USERNAME_MAX OC_DIR_PERSON_ID_MAX
#define PASSWORD_MAX OC_DIR_PASSWORD_MAX
#define OTP_MAX	     OC_OTP_DIGITS_MAX
/* A person id no one is enrolled under: the code's check for a wrong
 * password (never accepted: no secret, only the dummy work). */
#define OTP_STAND_IN "onecard.no-such-person"

struct pw_login {
	struct authd *a;
	const char *remote_addr;
	const char *username, *password, *otp, *audience; /* borrowed from the body */
	const oc_module *module;
	char subject[OC_ASTORE_LOCK_SUBJECT_LEN + 1];
	struct oc_dir_pw_owner owner;
	int owner_known;
	int count_failure; /* a wrong user name, password or code */
	int64_t failures;  /* counted with this attempt */
	int64_t locked_until;
	struct oc_keyring *keys;
	struct minted tok;
	char cred[AUTHD_SESSION_CRED_SIZE];
	uint8_t cred_hash[32];
	char sid[AUTHD_SID_SIZE];
	enum authd_reason reason;
	char detail[AUTHD_DETAIL_MAX];	     /* for the client */
	char audit_detail[AUTHD_DETAIL_MAX]; /* for the audit row: which factor failed */
	json_t *missing;
};

static enum authd_reason refuse(struct pw_login *l, enum authd_reason why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum authd_reason refuse(struct pw_login *l, enum authd_reason why, const char *fmt, ...)
{
	va_list ap;

	l->reason = why;
	va_start(ap, fmt);
	(void)vsnprintf(l->detail, sizeof(l->detail), fmt, ap);
	va_end(ap);
	return why;
}

/* One answer for a wrong user name, password or code; the audit row
 * keeps which. */
static enum authd_reason wrong_credentials(struct pw_login *l, const char *which)
{
	l->count_failure = 1;
	(void)snprintf(l->audit_detail, sizeof(l->audit_detail), "%s", which);
	return refuse(l, AR_INVALID_CREDENTIALS,
		      "wrong user name, password or code (a code works only once: wait for the "
		      "next one)");
}

/* A string member of at most max bytes, required. */
static const char *member(const json_t *body, const char *name, size_t max, size_t *len)
{
	const char *v = oc_json_get_string(body, name, len);

	return v != NULL && *len > 0 && *len <= max ? v : NULL;
}

static enum authd_reason parse(struct pw_login *l, const json_t *body)
{
	static const char *const allowed[] = {"username", "password", "otp", "audience"};
	const char *key;
	json_t *v;
	size_t len = 0, i;
	int known;

	json_object_foreach ((json_t *)body, key, v) {
		known = 0;
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
			known |= strcmp(key, allowed[i]) == 0;
		}
		if (!known) {
			return refuse(l, AR_INVALID_REQUEST,
				      "the body holds a member other than username, password, otp "
				      "and audience");
		}
	}
	l->username = member(body, "username", USERNAME_MAX, &len);
	l->password = member(body, "password", PASSWORD_MAX, &len);
	if (l->password != NULL && memchr(l->password, '\0', len) != NULL) {
		l->password = NULL;
	}
	l->otp = member(body, "otp", OTP_MAX, &len);
	l->audience = member(body, "audience", OC_POLICY_ID_MAX, &len);
	for (i = 0; l->audience != NULL && i < len; i++) {
		if ((unsigned char)l->audience[i] < 0x21 || (unsigned char)l->audience[i] > 0x7e) {
			l->audience = NULL; /* no module id has such a byte */
		}
	}
	if (l->username == NULL || l->password == NULL || l->otp == NULL || l->audience == NULL) {
		return refuse(l, AR_INVALID_REQUEST,
			      "username (1..%u bytes), password (1..%u bytes), otp (6 or 8 "
			      "digits) and audience are required strings",
			      USERNAME_MAX, PASSWORD_MAX);
	}
	return AR_OK;
}

static enum authd_reason check_module(struct pw_login *l)
{
	l->module = oc_policy_module(l->a->policy, l->audience);
	if (l->module == NULL) {
		return refuse(l, AR_INVALID_TARGET, "no module \"%s\" in this policy", l->audience);
	}
	if ((l->module->acr & OC_ACR_PWD_OTP) == 0) {
		l->missing = json_pack("{s:s}", "acr", "card");
		return refuse(l, AR_ACCESS_DENIED, "module %s requires a card login",
			      l->module->id);
	}
	/* A password login proves no agency (the policy refuses such a
	 * module; checked here too, as /v1/token and /v1/authz do). */
	if (l->module->agencies_len > 0) {
		l->missing = json_pack("{s:[s]}", "agencies", l->module->agencies[0]);
		return refuse(l, AR_ACCESS_DENIED,
			      "module %s requires a card login with the %s certificate",
			      l->module->id, l->module->agencies[0]);
	}
	return AR_OK;
}

/* The lockout subject: SHA-256 of the user name in lower case (a person
 * id's letters are ASCII; uid matches without regard to case). */
static enum authd_reason check_lockout(struct pw_login *l)
{
	unsigned char sha[32];
	char lower[USERNAME_MAX + 1];
	int64_t failures = 0;
	size_t i, n = strlen(l->username);
	int r;

	for (i = 0; i < n; i++) {
		lower[i] = (char)tolower((unsigned char)l->username[i]);
	}
	lower[n] = '\0';
	if (EVP_Digest(lower, n, sha, NULL, EVP_sha256(), NULL) != 1) {
		return refuse(l, AR_INTERNAL, "hash");
	}
	for (i = 0; i < sizeof(sha); i++) {
		(void)snprintf(l->subject + 2 * i, 3, "%02x", sha[i]);
	}
	r = oc_astore_lockout_state(l->a->store, l->subject, &l->locked_until, &failures);
	if (r != ONECARD_OK) {
		authd_log("lockout: %s (%s)", onecard_err_code(r), oc_astore_diagnostic());
		return refuse(l, AR_DATABASE_UNAVAILABLE, "the database did not answer");
	}
	if (l->locked_until > 0) {
		(void)snprintf(l->audit_detail, sizeof(l->audit_detail),
			       "locked after %lld failures", (long long)failures);
		return refuse(l, AR_LOCKED, "too many failed attempts: try again in %lld s",
			      (long long)(l->locked_until - authd_now() > 0
						  ? l->locked_until - authd_now()
						  : 1));
	}
	/* The attempt counts as a failure before the password is checked
	 * (a success clears the count): attempts racing in together cannot
	 * all slip past the lock. When others were counted between the read
	 * above and this count, and their number reached the lock, this one
	 * waits too. */
	r = oc_astore_lockout_fail(l->a->store, l->subject, &l->failures, &l->locked_until);
	if (r != ONECARD_OK) {
		authd_log("lockout: %s (%s)", onecard_err_code(r), oc_astore_diagnostic());
		return refuse(l, AR_DATABASE_UNAVAILABLE, "the database did not answer");
	}
	if (l->failures > failures + 1 && l->failures > OC_ASTORE_LOCK_FREE_FAILURES) {
		(void)snprintf(l->audit_detail, sizeof(l->audit_detail),
			       "locked: %lld attempts at once",
			       (long long)(l->failures - failures));
		return refuse(l, AR_LOCKED, "too many failed attempts: try again in %lld s",
			      (long long)(l->locked_until - authd_now() > 0
						  ? l->locked_until - authd_now()
						  : 1));
	}
	return AR_OK;
}

static enum authd_reason check_password(struct pw_login *l)
{
	struct oc_dir *dir;
	enum oc_dir_pw_check r;
	int stand_in;

	dir = dir_pool_get(l->a->dirs);
	r = oc_dir_check_password(dir, l->username, l->password, strlen(l->password), &l->owner);
	if (r == OC_DIR_PW_UNAVAILABLE) {
		authd_log("directory: %s", oc_dir_diagnostic(dir));
	}
	dir_pool_put(l->a->dirs, dir);
	switch (r) {
	case OC_DIR_PW_OK:
		l->owner_known = 1;
		return AR_OK;
	case OC_DIR_PW_WRONG:
		/* The code's check costs a round trip and an HMAC when the
		 * password is right: spend the same on a wrong one, so that the
		 * answer's time does not tell the password right apart. */
		stand_in = oc_otp_verify(l->a->otp_store, l->a->otp_key, OTP_STAND_IN, l->otp,
					 strlen(l->otp), authd_now(), NULL, NULL);
		(void)stand_in;
		return wrong_credentials(l, "wrong user name or password");
	case OC_DIR_PW_SUSPENDED:
		l->owner_known = 1;
		if (l->owner.person.status != OC_DIR_STATUS_ACTIVE) {
			return refuse(l, AR_PERSON_SUSPENDED, "the person is suspended");
		}
		return refuse(l, AR_ENTERPRISE_SUSPENDED, "the enterprise is suspended");
	default:
		return refuse(l, AR_DIRECTORY_UNAVAILABLE, "the directory did not answer");
	}
}

static enum authd_reason check_otp(struct pw_login *l)
{
	const char *why = NULL;
	int r;

	r = oc_otp_verify(l->a->otp_store, l->a->otp_key, l->owner.person.id, l->otp,
			  strlen(l->otp), authd_now(), NULL, &why);
	switch (r) {
	case ONECARD_OK:
		return AR_OK;
	case ONECARD_ERR_NOT_FOUND:
		return wrong_credentials(l, "right password; no TOTP secret enrolled");
	case ONECARD_ERR_EXISTS:
		return wrong_credentials(l, "right password; the code was used before (replay)");
	case ONECARD_ERR_BAD_FORMAT:
	case ONECARD_ERR_BAD_SIGNATURE:
		return wrong_credentials(l, "right password; wrong code");
	case ONECARD_ERR_DATABASE:
		authd_log("totp: %s", oc_otp_store_diagnostic());
		return refuse(l, AR_DATABASE_UNAVAILABLE, "the database did not answer");
	default:
		/* A row that does not open (another key, altered): a fault
		 * for the administrators, not the operator's mistake. */
		authd_log("totp: the secret of a person cannot be used: %s (%s)",
			  onecard_err_code(r), why != NULL ? why : "");
		return refuse(l, AR_INTERNAL, "the TOTP secret cannot be used");
	}
}

static enum authd_reason issue(struct pw_login *l)
{
	static const char *const amr[] = {"pwd", "otp"};
	struct mint_in in;
	int r;

	if (authd_session_credential_new(l->cred, l->cred_hash) != ONECARD_OK ||
	    authd_sid_new(l->sid) != ONECARD_OK) {
		return refuse(l, AR_INTERNAL, "no random session credential");
	}
	memset(&in, 0, sizeof(in));
	in.sub = l->owner.person.id;
	in.ent = l->owner.enterprise.uscc;
	in.acr = "pwd-otp";
	in.amr = amr;
	in.amr_len = 2;
	in.module = l->module;
	in.sid = l->sid;
	r = authd_mint(l->a, l->keys, &in, &l->tok);
	if (r != ONECARD_OK) {
		return refuse(l, AR_INTERNAL, "token signature: %s", onecard_err_code(r));
	}
	l->reason = AR_OK;
	return AR_OK;
}

/* The lock a failed attempt started (counted in check_lockout) goes
 * into its audit row. */
static void note_lock(struct pw_login *l)
{
	size_t used;

	if (!l->count_failure || l->locked_until <= 0) {
		return;
	}
	used = strlen(l->audit_detail);
	(void)snprintf(l->audit_detail + used, sizeof(l->audit_detail) - used,
		       "; failure %lld: locked for %lld s", (long long)l->failures,
		       (long long)(l->locked_until - authd_now()));
}

static void record(struct pw_login *l)
{
	const oc_session_policy *sp = oc_policy_session(l->a->policy);
	struct oc_astore_session session;
	struct audit_login row;
	int r;

	memset(&row, 0, sizeof(row));
	memset(&session, 0, sizeof(session));
	row.method = "pwd-otp";
	row.remote_addr = l->remote_addr;
	row.audience = l->module != NULL ? l->module->id : "";
	row.reason = l->reason;
	row.detail = l->audit_detail[0] != '\0' ? l->audit_detail : l->detail;
	row.person = l->owner_known ? l->owner.person.id : "";
	row.enterprise = l->owner_known ? l->owner.enterprise.uscc : "";
	row.card = "";
	if (l->reason == AR_OK) {
		row.jti = l->tok.jti;
		row.kid = l->tok.kid;
		row.acr = "pwd-otp";
		row.iat = l->tok.iat;
		row.exp = l->tok.exp;
		session.secret_hash = l->cred_hash;
		session.sid = l->sid;
		session.acr = "pwd-otp";
		session.amr_json = "[\"pwd\",\"otp\"]";
		session.certs_json = "[]";
		session.idle_timeout = sp->idle_timeout;
		session.absolute_timeout = sp->absolute_timeout;
		row.session = &session;
	}
	r = audit_login(l->a, &row);
	if (r == ONECARD_ERR_DATABASE) {
		refuse(l, AR_DATABASE_UNAVAILABLE, "the audit row could not be written");
	} else if (r != ONECARD_OK) {
		refuse(l, AR_INTERNAL, "the audit row could not be written");
	}
}

static int reply(struct pw_login *l, struct oc_http_response *resp)
{
	const oc_session_policy *sp = oc_policy_session(l->a->policy);
	char retry[32];
	json_t *body = NULL;
	int r;

	if (l->reason == AR_OK) {
		body = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:s}", "access_token",
				 l->tok.token, "token_type", "Bearer", "expires_in",
				 (json_int_t)(l->tok.exp - l->tok.iat), "refresh_token", l->cred,
				 "refresh_expires_in", (json_int_t)sp->absolute_timeout,
				 "session_idle_timeout", (json_int_t)sp->idle_timeout, "sub",
				 l->owner.person.id, "ent", l->owner.enterprise.uscc, "acr",
				 "pwd-otp", "audience", l->module->id);
		if (body == NULL) {
			refuse(l, AR_INTERNAL, "out of memory");
		}
	}
	if (l->reason != AR_OK) {
		body = json_pack("{s:s,s:s}", "error", authd_reason_code(l->reason),
				 "error_description",
				 l->detail[0] != '\0' ? l->detail : authd_reason_text(l->reason));
		if (body != NULL && l->missing != NULL) {
			(void)json_object_set(body, "missing", l->missing);
		}
		if (l->reason == AR_LOCKED) {
			(void)snprintf(retry, sizeof(retry), "%lld",
				       (long long)(l->locked_until - authd_now() > 0
							   ? l->locked_until - authd_now()
							   : 1));
			(void)oc_http_response_add_header(resp, "Retry-After", retry);
		}
	}
	if (body == NULL) {
		return -1;
	}
	r = oc_http_reply_json(resp, l->reason == AR_OK ? 200 : authd_reason_status(l->reason),
			       body);
	if (l->reason == AR_OK) {
		json_t *t = json_object_get(body, "access_token");
		json_t *c = json_object_get(body, "refresh_token");

		OPENSSL_cleanse((char *)json_string_value(t), json_string_length(t));
		OPENSSL_cleanse((char *)json_string_value(c), json_string_length(c));
	}
	json_decref(body);
	return r;
}

int authd_handle_password_login(void *app, const struct oc_http_request *req,
				struct oc_http_response *resp)
{
	struct pw_login *l;
	json_t *body = NULL;
	int r;

	if (((struct authd *)app)->otp_key == NULL) {
		return oc_http_reply_error(resp, 404, "not_found",
					   "this authd offers no password + TOTP login");
	}
	if (oc_http_request_json(req, &body, resp) != ONECARD_OK) {
		return 0;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		json_decref(body);
		return -1;
	}
	l->a = app;
	l->remote_addr = req->remote_addr;
	l->keys = authd_get_keys(l->a);
	/* The first refusal stops the line and leaves its reason in l. */
	(void)(parse(l, body) == AR_OK && check_module(l) == AR_OK && check_lockout(l) == AR_OK &&
	       check_password(l) == AR_OK && check_otp(l) == AR_OK && issue(l) == AR_OK);
	note_lock(l);
	if (l->reason == AR_OK && oc_astore_lockout_clear(l->a->store, l->subject) != ONECARD_OK) {
		authd_log("lockout: a count could not be cleared (%s)", oc_astore_diagnostic());
	}
	record(l);
	r = reply(l, resp);
	authd_minted_clear(&l->tok);
	json_decref(l->missing);
	oc_keyring_unref(l->keys);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
	{
		/* The password and the code passed through here: wipe them. */
		json_t *v = json_object_get(body, "password");
		json_t *c = json_object_get(body, "otp");

		if (json_is_string(v)) {
			OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
		}
		if (json_is_string(c)) {
			OPENSSL_cleanse((char *)json_string_value(c), json_string_length(c));
		}
	}
	json_decref(body);
	return r;
}
