/*
 * onecard-login --token AUD (docs/login.md "Tokens for other modules",
 * docs/sso.md): an access token for another module from the SSO session a
 * card login left in the credential cache, with neither card nor PIN.
 *
 *   1. the cache read (it must hold a session);
 *   2. a token cached for AUD that still lives is printed as it is
 *      (unless --no-cache);
 *   3. else POST /v1/token grant_type=refresh_token with the session
 *      credential and the audience, to the authd the cache names;
 *   4. the token kept in the cache beside the others, printed on stdout.
 *
 * The session credential goes only in the form body, which is wiped once
 * sent; it is never printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onecard/error.h>

#include "prog.h"

/* What one run holds, freed at the one exit. */
struct token_run {
	struct oc_ccache_loc loc;
	int dirfd;
	json_t *cache;
	struct oc_login_url url;
	struct oc_login_http *http;
	struct oc_login_reply reply;
	struct oc_login_token token;
	char *form;
	size_t form_len;
	bool password_session;		  /* the session is a password login's (acr pwd-otp) */
	char user[OC_LOGIN_USER_MAX + 1]; /* and its person id, for the advice; "" if odd */
};

static int no_session(const char *audience, const char *where)
{
	prog_error("no SSO session in the credential cache (%s): log in with your card first: " PROG
		   " --audience %s",
		   where, audience);
	return OC_LOGIN_EXIT_NO_SESSION;
}

/* The cache and its session; OC_LOGIN_EXIT_OK or the exit status. */
static int read_session(const struct login_opts *o, struct token_run *t)
{
	struct oc_ccache_session s;
	const char *why = "";
	bool absent = false;
	int r;

	r = prog_cache_dir(&t->loc, false, &t->dirfd, &absent);
	if (absent) {
		return no_session(o->token, t->loc.path);
	}
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	r = oc_ccache_read(t->dirfd, t->loc.name, &t->cache, &why);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return no_session(o->token, t->loc.path);
	}
	if (r != ONECARD_OK) {
		prog_error("credential cache refused: %s (%s); see '" PROG " --logout'", why,
			   t->loc.path);
		return OC_LOGIN_EXIT_CACHE;
	}
	if (oc_ccache_session_get(t->cache, &s) != ONECARD_OK) {
		return no_session(o->token, t->loc.path);
	}
	t->password_session = strcmp(s.acr, OC_LOGIN_ACR_PWD_OTP) == 0;
	if (oc_login_user_ok(s.sub)) {
		memcpy(t->user, s.sub, strlen(s.sub) + 1u);
	}
	return OC_LOGIN_EXIT_OK;
}

/* --authd, when given, must name the authd of the cached session. */
static int check_authd(const struct login_opts *o, const struct token_run *t)
{
	struct oc_login_url given;
	const char *why = "";

	if (o->authd == NULL) {
		return OC_LOGIN_EXIT_OK;
	}
	if (oc_login_url_parse(o->authd, &given, &why) != ONECARD_OK) {
		prog_error("--authd: %s", why);
		return OC_LOGIN_EXIT_USAGE;
	}
	if (strcmp(given.base, t->url.base) != 0) {
		prog_error("the cached SSO session is for %s, not %s: log in with your card "
			   "first: " PROG " --authd %s --audience %s",
			   t->url.base, given.base, given.base, o->token);
		return OC_LOGIN_EXIT_NO_SESSION;
	}
	return OC_LOGIN_EXIT_OK;
}

/* authd's refusal of the grant, in words that say what to do. */
static int grant_refused(const struct login_opts *o, const struct token_run *t)
{
	const struct oc_login_reply *reply = &t->reply;
	struct oc_login_error e;

	if (reply->status == 200 || !reply->json ||
	    oc_login_error_parse(reply->body, reply->len, &e) != ONECARD_OK) {
		return prog_refused(reply, ROUTE_TOKEN);
	}
	if (strcmp(e.code, "invalid_grant") == 0 && t->password_session) {
		/* Logged out, timed out, or ended by authd: a password login
		 * opens another, as the card does. */
		prog_error("the SSO session has ended%s%s%s; log in again: " PROG
			   " --password --user %s --audience %s (invalid_grant)",
			   e.description[0] != '\0' ? " (authd: " : "", e.description,
			   e.description[0] != '\0' ? ")" : "", t->user[0] != '\0' ? t->user : "ID",
			   o->token);
		return OC_LOGIN_EXIT_SESSION_ENDED;
	}
	if (strcmp(e.code, "invalid_grant") == 0) {
		/* Logged out, timed out, or ended by authd (a certificate
		 * revoked, the card suspended): only the card opens another. */
		prog_error("the SSO session has ended%s%s%s; log in with your card again: " PROG
			   " --audience %s (invalid_grant)",
			   e.description[0] != '\0' ? " (authd: " : "", e.description,
			   e.description[0] != '\0' ? ")" : "", o->token);
		return OC_LOGIN_EXIT_SESSION_ENDED;
	}
	if (strcmp(e.code, "invalid_target") == 0) {
		prog_error("authd knows no module %s (invalid_target)", o->token);
		return oc_login_exit_for_error(e.code, reply->status);
	}
	if (strcmp(e.code, "access_denied") == 0) {
		/* authd's description says what is missing ("module X
		 * requires a card login with the customs certificate"). */
		prog_error("%s (access_denied)",
			   e.description[0] != '\0' ? e.description
						    : "the module's policy refuses this session");
		return oc_login_exit_for_error(e.code, reply->status);
	}
	return prog_refused(reply, ROUTE_TOKEN);
}

/* POST /v1/token; the token into t->token. */
static int request_token(const struct login_opts *o, struct token_run *t)
{
	struct oc_ccache_session s;
	const char *why = "";
	int r;

	if (oc_ccache_session_get(t->cache, &s) != ONECARD_OK) {
		return no_session(o->token, t->loc.path);
	}
	r = oc_login_refresh_form(s.credential, o->token, &t->form, &t->form_len);
	if (r != ONECARD_OK) {
		prog_error("cannot build the token request: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
	r = prog_send(t->http, &t->url, ROUTE_TOKEN, t->form, t->form_len, true, &t->reply);
	/* The credential has gone; its copy in the body goes now. */
	oc_login_form_free(t->form);
	t->form = NULL;
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	if (!prog_answered(&t->reply)) {
		return grant_refused(o, t);
	}
	r = oc_login_grant_parse(t->reply.body, t->reply.len, o->token, &t->token, &why);
	if (r != ONECARD_OK) {
		prog_error("%s", why);
		return r == ONECARD_ERR_NOMEM ? OC_LOGIN_EXIT_OTHER : OC_LOGIN_EXIT_BAD_ANSWER;
	}
	return OC_LOGIN_EXIT_OK;
}

static int store_token(const struct login_opts *o, struct token_run *t, int64_t issued_at)
{
	int r;

	r = oc_ccache_put_grant(&t->cache, o->token, &t->token, issued_at);
	if (r == ONECARD_ERR_TOO_LARGE) {
		prog_error("the credential cache holds %u live tokens already; see '" PROG
			   " --logout'",
			   OC_CCACHE_AUDIENCES_MAX);
		return OC_LOGIN_EXIT_CACHE;
	}
	if (r != ONECARD_OK) {
		prog_error("cannot update the credential cache: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_CACHE;
	}
	r = oc_ccache_write(t->dirfd, t->loc.name, t->cache);
	if (r != ONECARD_OK) {
		prog_error("cannot write the credential cache %s: %s", t->loc.path,
			   r == ONECARD_ERR_IO ? strerror(errno) : onecard_strerror(r));
		return OC_LOGIN_EXIT_CACHE;
	}
	return OC_LOGIN_EXIT_OK;
}

int cmd_token(const struct login_opts *o)
{
	struct token_run t;
	const char *cached;
	int64_t issued_at;
	int r;

	memset(&t, 0, sizeof(t));
	t.dirfd = -1;
	if (!oc_login_audience_ok(o->token)) {
		prog_error("--token must name a module: 1 to 255 characters of a-z, 0-9 and '-'");
		r = OC_LOGIN_EXIT_USAGE;
		goto out;
	}
	if (o->cacert != NULL && access(o->cacert, R_OK) != 0) {
		prog_error("--cacert: cannot read %s: %s", o->cacert, strerror(errno));
		r = OC_LOGIN_EXIT_USAGE;
		goto out;
	}
	r = read_session(o, &t);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = prog_cached_authd(t.cache, o->cacert, &t.url, &t.http);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = check_authd(o, &t);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	if (!o->no_cache) {
		cached = oc_ccache_token_get(t.cache, o->token, (int64_t)time(NULL),
					     OC_LOGIN_TOKEN_MIN_LEFT);
		if (cached != NULL) {
			r = prog_print_token(cached);
			goto out;
		}
	}
	/* Taken before the request leaves: the token cannot be younger. */
	issued_at = (int64_t)time(NULL);
	r = request_token(o, &t);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	if (!o->no_cache) {
		r = store_token(o, &t, issued_at);
		if (r != OC_LOGIN_EXIT_OK) {
			goto out;
		}
	}
	r = prog_print_token(t.token.access_token);
out:
	oc_login_form_free(t.form);
	oc_login_token_clear(&t.token);
	oc_login_reply_clear(&t.reply);
	oc_login_http_free(t.http);
	json_decref(t.cache);
	if (t.dirfd >= 0) {
		(void)close(t.dirfd);
	}
	return r;
}
