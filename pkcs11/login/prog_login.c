/*
 * What the two logins share (prog.h), the card's (cmd_login.c) and the
 * password's (cmd_password.c): before any secret is asked, the options
 * checked, the credential cache read and the HTTP client set up, so that
 * a typo costs neither a PIN try nor a code; after authd's token, the
 * token and its session kept in the cache and the token printed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <onecard/error.h>

#include "prog.h"

int prog_login_open(const struct login_opts *o, struct prog_login *pl)
{
	const char *why = "";
	int r;

	memset(pl, 0, sizeof(*pl));
	pl->dirfd = -1;
	r = oc_login_url_parse(o->authd, &pl->url, &why);
	if (r != ONECARD_OK) {
		prog_error("--authd: %s", why);
		return OC_LOGIN_EXIT_USAGE;
	}
	if (o->password && !oc_login_user_ok(o->user)) {
		prog_error("--user must be a person id: 1 to 64 characters of A-Z, a-z, 0-9, '.', "
			   "'_' and '-'");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (!oc_login_audience_ok(o->audience)) {
		prog_error("--audience must be 1 to 255 characters of a-z, 0-9 and '-'");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (o->cacert != NULL && access(o->cacert, R_OK) != 0) {
		prog_error("--cacert: cannot read %s: %s", o->cacert, strerror(errno));
		return OC_LOGIN_EXIT_USAGE;
	}
	if (!o->no_cache) {
		r = prog_cache_open(&pl->loc, &pl->dirfd, &pl->cache);
		if (r != OC_LOGIN_EXIT_OK) {
			return r;
		}
	}
	r = oc_login_http_new(&pl->url, o->cacert, &pl->http);
	if (r != ONECARD_OK) {
		prog_error("cannot set up the HTTP client: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
	return OC_LOGIN_EXIT_OK;
}

int prog_login_keep(const struct login_opts *o, struct prog_login *pl,
		    const struct oc_login_token *token, int64_t issued_at)
{
	int r;

	if (!o->no_cache) {
		r = prog_cache_store(&pl->loc, pl->dirfd, &pl->cache, &pl->url, o->audience, token,
				     issued_at);
		if (r != OC_LOGIN_EXIT_OK) {
			return r;
		}
	}
	return prog_print_token(token->access_token);
}

void prog_login_close(struct prog_login *pl)
{
	oc_login_http_free(pl->http);
	pl->http = NULL;
	json_decref(pl->cache);
	pl->cache = NULL;
	if (pl->dirfd >= 0) {
		(void)close(pl->dirfd);
	}
	pl->dirfd = -1;
}

int prog_print_token(const char *token)
{
	if (printf("%s\n", token) < 0 || fflush(stdout) != 0 || ferror(stdout)) {
		prog_error("cannot write the token to stdout");
		return OC_LOGIN_EXIT_OTHER;
	}
	return OC_LOGIN_EXIT_OK;
}
