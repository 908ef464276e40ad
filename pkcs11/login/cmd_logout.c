/*
 * onecard-login --logout (docs/login.md, docs/sso.md "POST /v1/logout"):
 * the SSO session ended at authd, for every module, then the credential
 * cache overwritten and removed.
 *
 * Ending the session is best effort: when authd cannot be reached or
 * refuses, the cache is removed all the same (the credential must not
 * outlive the logout on this machine), and the exit status says that the
 * session could not be ended at authd: it then ends at its own timeout.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <onecard/error.h>

#include "prog.h"

/* Ends the cache's session at authd. OC_LOGIN_EXIT_OK when authd said
 * so; else the exit status, the reason reported. */
static int end_session(const struct login_opts *o, const json_t *cache,
		       const struct oc_ccache_session *s)
{
	struct oc_login_url url;
	struct oc_login_http *http = NULL;
	struct oc_login_reply reply;
	char *form = NULL;
	size_t form_len = 0;
	int r;

	memset(&reply, 0, sizeof(reply));
	r = prog_cached_authd(cache, o->cacert, &url, &http);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = oc_login_logout_form(s->credential, &form, &form_len);
	if (r != ONECARD_OK) {
		prog_error("cannot build the logout request: %s", onecard_strerror(r));
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	r = prog_send(http, &url, ROUTE_LOGOUT, form, form_len, true, &reply);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	if (!prog_answered(&reply)) {
		r = prog_refused(&reply, ROUTE_LOGOUT);
		goto out;
	}
	/* 200 {"session": "ended"} whether or not it was still live: the
	 * body says nothing more to check. */
	r = OC_LOGIN_EXIT_OK;
out:
	oc_login_form_free(form);
	oc_login_reply_clear(&reply);
	oc_login_http_free(http);
	return r;
}

int cmd_logout(const struct login_opts *o)
{
	struct oc_ccache_loc loc;
	struct oc_ccache_session s;
	json_t *cache = NULL;
	const char *why = "";
	bool absent = false, removed = false, had_session = false;
	int dirfd = -1, r, server = OC_LOGIN_EXIT_OK, saved_errno;

	if (o->cacert != NULL && access(o->cacert, R_OK) != 0) {
		prog_error("--cacert: cannot read %s: %s", o->cacert, strerror(errno));
		return OC_LOGIN_EXIT_USAGE;
	}
	r = prog_cache_dir(&loc, false, &dirfd, &absent);
	if (absent) {
		prog_error("no credential cache (%s)", loc.path);
		return OC_LOGIN_EXIT_OK;
	}
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	/* A cache that cannot be read holds no session we can end; it is
	 * removed below all the same when it is the user's and private. */
	if (oc_ccache_read(dirfd, loc.name, &cache, &why) == ONECARD_OK &&
	    oc_ccache_session_get(cache, &s) == ONECARD_OK) {
		had_session = true;
		server = end_session(o, cache, &s);
	}
	json_decref(cache); /* jansson's blocks are wiped as they are freed */
	cache = NULL;
	r = oc_ccache_remove(dirfd, loc.name, &removed, &why);
	saved_errno = errno;
	(void)close(dirfd);
	if (r == ONECARD_ERR_IO) {
		prog_error("credential cache %s: %s: %s", loc.path, why, strerror(saved_errno));
		return OC_LOGIN_EXIT_CACHE;
	}
	if (r != ONECARD_OK) {
		prog_error("credential cache refused, not removed: %s (%s)", why, loc.path);
		return OC_LOGIN_EXIT_CACHE;
	}
	if (server != OC_LOGIN_EXIT_OK) {
		prog_error("the SSO session could not be ended at authd: it stays open until its "
			   "idle or absolute timeout; credential cache removed (%s)",
			   loc.path);
		return server;
	}
	if (had_session) {
		prog_error("SSO session ended at authd; credential cache removed (%s)", loc.path);
	} else {
		prog_error(removed ? "credential cache removed (%s)" : "no credential cache (%s)",
			   loc.path);
	}
	return OC_LOGIN_EXIT_OK;
}
