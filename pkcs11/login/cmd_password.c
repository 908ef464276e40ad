/*
 * onecard-login --password (docs/login.md "Password and code", issue 6):
 * the lower assurance level, acr pwd-otp, with the directory password
 * and a TOTP code instead of the card. No card and no PKCS#11 module are
 * touched.
 *
 *   1. check the authd URL, the user, the audience and the credential
 *      cache (a mistake here must not use up a code: each works once);
 *   2. take the password and the code: asked on the terminal without
 *      echo, or, when standard input is not a terminal, its two lines;
 *      the code's form checked; never from the command line;
 *   3. POST /v1/login/password {"username", "password", "otp",
 *      "audience"}; the password and the code are wiped once the body is
 *      built, the body once it is sent;
 *   4. keep the token and the SSO session in the cache (the session
 *      records acr pwd-otp), print the token on stdout.
 *
 * authd gives one answer for a wrong user, password or code and for a
 * code used before (invalid_credentials), and locks the person out after
 * repeated failures (locked, with Retry-After): each has an exit status
 * of its own and a message that says what to do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "pin_source.h"
#include "prog.h"

#define PROMPT_BYTES (OC_LOGIN_USER_MAX + 32u)
#define OTP_PROMPT   "TOTP code: "

/* What one password login holds, freed and wiped at the one exit. */
struct pw_login {
	struct prog_login pl;
	struct oc_login_secrets secrets;
	char *body;
	size_t body_len;
	struct oc_login_reply reply;
	struct oc_login_token token;
};

/* ---- the password and the code ----------------------------------------- */

/* The exit status and message of a prompt that gave nothing usable;
 * code: it was the code's prompt, else the password's. */
static int prompt_error(int err, bool code, int saved_errno)
{
	const char *what = code ? "TOTP code" : "password";

	switch (err) {
	case ONECARD_ERR_CANCELLED:
		prog_error("no %s given (end of input, an empty answer, or cancelled); nothing was "
			   "sent to authd",
			   what);
		return OC_LOGIN_EXIT_OTHER;
	case ONECARD_ERR_TOO_LARGE:
		if (code) {
			prog_error("the TOTP code is not 6 or 8 digits; nothing was sent to "
				   "authd");
		} else {
			prog_error("the password is longer than %u bytes; nothing was sent to "
				   "authd",
				   OC_LOGIN_PASSWORD_MAX);
		}
		return OC_LOGIN_EXIT_USAGE;
	case ONECARD_ERR_BAD_FORMAT:
		prog_error("the %s holds a NUL byte; nothing was sent to authd", what);
		return OC_LOGIN_EXIT_USAGE;
	case ONECARD_ERR_IO:
		prog_error("cannot read the %s from the terminal: %s", what, strerror(saved_errno));
		return OC_LOGIN_EXIT_OTHER;
	default:
		prog_error("cannot read the %s: %s", what, onecard_strerror(err));
		return OC_LOGIN_EXIT_OTHER;
	}
}

/* Both asked on the terminal, echo off (pin_source.h). */
static int ask(const struct login_opts *o, struct oc_login_secrets *s)
{
	char prompt[PROMPT_BYTES];
	int r;

	(void)snprintf(prompt, sizeof(prompt), "Password for %s: ", o->user);
	r = oc_pin_prompt(prompt, s->password, sizeof(s->password), &s->password_len);
	if (r != ONECARD_OK) {
		return prompt_error(r, false, errno);
	}
	r = oc_pin_prompt(OTP_PROMPT, s->otp, sizeof(s->otp), &s->otp_len);
	if (r != ONECARD_OK) {
		return prompt_error(r, true, errno);
	}
	return OC_LOGIN_EXIT_OK;
}

/* The password and the code: from the terminal, else the two lines of
 * standard input. The code's form is checked here: a typo must not cost
 * a failed attempt at authd (and a step towards the lockout). */
static int take_secrets(const struct login_opts *o, struct oc_login_secrets *s)
{
	const char *why = "";
	int r;

	if (isatty(STDIN_FILENO)) {
		r = ask(o, s);
		if (r != OC_LOGIN_EXIT_OK) {
			return r;
		}
	} else {
		r = oc_login_secrets_read(STDIN_FILENO, s, &why);
		if (r == ONECARD_ERR_IO) {
			prog_error("standard input: %s: %s", why, strerror(errno));
			return OC_LOGIN_EXIT_OTHER;
		}
		if (r != ONECARD_OK) {
			prog_error("standard input: %s; nothing was sent to authd", why);
			return OC_LOGIN_EXIT_USAGE;
		}
	}
	if (!oc_login_otp_ok(s->otp, s->otp_len)) {
		prog_error("the TOTP code is not 6 or 8 digits; nothing was sent to authd");
		return OC_LOGIN_EXIT_USAGE;
	}
	return OC_LOGIN_EXIT_OK;
}

/* ---- authd ------------------------------------------------------------- */

/* authd's refusal of the login, in words that say what to do. */
static int refused(const struct login_opts *o, const struct oc_login_reply *reply)
{
	struct oc_login_error e;

	if (reply->status == 200 || !reply->json ||
	    oc_login_error_parse(reply->body, reply->len, &e) != ONECARD_OK) {
		return prog_refused(reply, ROUTE_PASSWORD);
	}
	if (strcmp(e.code, "invalid_credentials") == 0) {
		/* One answer for all: authd does not say which was wrong. */
		prog_error("wrong user name, password or code; a code works only once: wait for "
			   "the next one (invalid_credentials)");
		return OC_LOGIN_EXIT_BAD_CREDENTIALS;
	}
	if (strcmp(e.code, "locked") == 0) {
		if (reply->retry_after > 0) {
			prog_error("too many failed attempts: try again in %lld s (locked)",
				   (long long)reply->retry_after);
		} else {
			prog_error("too many failed attempts: try again later (locked)");
		}
		return OC_LOGIN_EXIT_LOCKED;
	}
	if (strcmp(e.code, "not_found") == 0 && reply->status == 404) {
		/* An authd without the TOTP key offers no such login. */
		prog_error("this authd offers no password and code login: log in with your card "
			   "(not_found)");
		return OC_LOGIN_EXIT_REFUSED;
	}
	if (strcmp(e.code, "invalid_target") == 0) {
		prog_error("authd knows no module %s (invalid_target)", o->audience);
		return oc_login_exit_for_error(e.code, reply->status);
	}
	if (strcmp(e.code, "access_denied") == 0) {
		/* authd's description says what is missing ("module X
		 * requires a card login"). */
		prog_error("%s (access_denied)",
			   e.description[0] != '\0' ? e.description
						    : "the module's policy refuses this login");
		return oc_login_exit_for_error(e.code, reply->status);
	}
	return prog_refused(reply, ROUTE_PASSWORD);
}

/* Builds the body, wipes the secrets, sends it, wipes it; the token into
 * p->token. */
static int send_login(const struct login_opts *o, struct pw_login *p)
{
	const char *why = "";
	int r;

	r = oc_login_password_request(o->user, &p->secrets, o->audience, &p->body, &p->body_len,
				      &why);
	oc_login_secrets_clear(&p->secrets);
	if (r == ONECARD_ERR_INVALID_ARG) {
		prog_error("%s; nothing was sent to authd", why);
		return OC_LOGIN_EXIT_USAGE;
	}
	if (r != ONECARD_OK) {
		prog_error("cannot build the login request: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
	r = prog_send(p->pl.http, &p->pl.url, ROUTE_PASSWORD, p->body, p->body_len, false,
		      &p->reply);
	oc_login_password_request_free(p->body);
	p->body = NULL;
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	if (!prog_answered(&p->reply)) {
		return refused(o, &p->reply);
	}
	r = oc_login_password_parse(p->reply.body, p->reply.len, o->audience, &p->token, &why);
	if (r != ONECARD_OK) {
		prog_error("%s", why);
		return r == ONECARD_ERR_NOMEM ? OC_LOGIN_EXIT_OTHER : OC_LOGIN_EXIT_BAD_ANSWER;
	}
	return OC_LOGIN_EXIT_OK;
}

/* ---- the whole --------------------------------------------------------- */

static void pw_login_free(struct pw_login *p)
{
	oc_login_password_request_free(p->body);
	oc_login_secrets_clear(&p->secrets);
	oc_login_token_clear(&p->token);
	oc_login_reply_clear(&p->reply);
	prog_login_close(&p->pl);
	OPENSSL_cleanse(p, sizeof(*p));
}

int cmd_password(const struct login_opts *o)
{
	struct pw_login *p = NULL;
	int64_t issued_at;
	int r;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		prog_error("out of memory");
		return OC_LOGIN_EXIT_OTHER;
	}
	p->pl.dirfd = -1;

	/* 1. Everything that needs neither the secrets nor the network. */
	r = prog_login_open(o, &p->pl);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}

	/* 2. The password and the code. */
	r = take_secrets(o, &p->secrets);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}

	/* 3. and 4. authd, then the cache. Taken before the request
	 * leaves: the token cannot be younger. */
	issued_at = (int64_t)time(NULL);
	r = send_login(o, p);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = prog_login_keep(o, &p->pl, &p->token, issued_at);
out:
	pw_login_free(p);
	free(p);
	return r;
}
