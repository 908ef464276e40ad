/*
 * onecard-login --show: the credential cache listed like klist (never a
 * token, never the session credential); the cache folder found and
 * opened for every action; and the cache read before a login and written
 * after it, for both kinds of login.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <onecard/error.h>

#include "prog.h"

int prog_cache_dir(struct oc_ccache_loc *loc, bool create, int *dirfd, bool *absent)
{
	const char *why = "";
	int r;

	*dirfd = -1;
	*absent = false;
	r = oc_ccache_locate(loc);
	if (r == ONECARD_ERR_INVALID_ARG) {
		prog_error("$" OC_CCACHE_ENV " must be an absolute path to a file");
		return OC_LOGIN_EXIT_CACHE;
	}
	if (r != ONECARD_OK) {
		prog_error("no place for the credential cache: set $" OC_CCACHE_ENV
			   ", $XDG_RUNTIME_DIR or $HOME");
		return OC_LOGIN_EXIT_CACHE;
	}
	r = oc_ccache_dir_open(loc, create, dirfd, &why);
	if (r == ONECARD_ERR_NOT_FOUND && !create) {
		*absent = true;
		return OC_LOGIN_EXIT_OTHER;
	}
	if (r == ONECARD_ERR_IO) {
		prog_error("credential cache %s: %s: %s", loc->dir, why, strerror(errno));
		return OC_LOGIN_EXIT_CACHE;
	}
	if (r != ONECARD_OK) {
		prog_error("credential cache refused: %s (%s)", why, loc->dir);
		return OC_LOGIN_EXIT_CACHE;
	}
	return OC_LOGIN_EXIT_OK;
}

int prog_cache_open(struct oc_ccache_loc *loc, int *dirfd, json_t **cache)
{
	const char *why = "";
	bool absent = false;
	int r;

	*cache = NULL;
	r = prog_cache_dir(loc, true, dirfd, &absent);
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	r = oc_ccache_read(*dirfd, loc->name, cache, &why);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return OC_LOGIN_EXIT_OK;
	}
	if (r != ONECARD_OK) {
		prog_error("credential cache refused: %s (%s); see '" PROG " --logout'", why,
			   loc->path);
		return OC_LOGIN_EXIT_CACHE;
	}
	return OC_LOGIN_EXIT_OK;
}

int prog_cache_store(const struct oc_ccache_loc *loc, int dirfd, json_t **cache,
		     const struct oc_login_url *url, const char *audience,
		     const struct oc_login_token *token, int64_t issued_at)
{
	bool replaced = false;
	int r;

	r = oc_ccache_put(cache, url, audience, token, issued_at, &replaced);
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
	if (replaced) {
		prog_error("note: the credential cache held another authd's, person's or login's "
			   "tokens; replaced");
	}
	r = oc_ccache_write(dirfd, loc->name, *cache);
	if (r != ONECARD_OK) {
		prog_error("cannot write the credential cache %s: %s", loc->path,
			   r == ONECARD_ERR_IO ? strerror(errno) : onecard_strerror(r));
		return OC_LOGIN_EXIT_CACHE;
	}
	return OC_LOGIN_EXIT_OK;
}

int cmd_show(void)
{
	struct oc_ccache_loc loc;
	json_t *root = NULL;
	const char *why = "";
	bool absent = false;
	int dirfd = -1, r;

	r = prog_cache_dir(&loc, false, &dirfd, &absent);
	if (absent) {
		prog_error("no credential cache (%s)", loc.path);
		return OC_LOGIN_EXIT_OTHER;
	}
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	r = oc_ccache_read(dirfd, loc.name, &root, &why);
	if (r == ONECARD_ERR_NOT_FOUND) {
		prog_error("no credential cache (%s)", loc.path);
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	if (r != ONECARD_OK) {
		prog_error("credential cache refused: %s (%s)", why, loc.path);
		r = OC_LOGIN_EXIT_CACHE;
		goto out;
	}
	r = oc_ccache_show(root, loc.path, (int64_t)time(NULL), stdout);
	if (r != ONECARD_OK) {
		prog_error("cannot write the listing");
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	r = OC_LOGIN_EXIT_OK;
out:
	json_decref(root);
	if (dirfd >= 0) {
		(void)close(dirfd);
	}
	return r;
}
