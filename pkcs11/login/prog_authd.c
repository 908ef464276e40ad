/*
 * What the program's actions share to talk to authd (prog.h): a request
 * sent and its transport failures reported, an error answer reported with
 * authd's own words, and the authd a credential cache names. A session
 * credential is only ever sent to the origin it came from: the cached
 * URL must still parse as --authd would, to that same origin.
 */
#include <string.h>

#include <onecard/error.h>

#include "prog.h"

int prog_send(struct oc_login_http *h, const struct oc_login_url *url, const char *route,
	      const char *body, size_t len, bool form, struct oc_login_reply *reply)
{
	const char *why = "";
	int r;

	r = form ? oc_login_http_post_form(h, route, body, len, reply, &why)
		 : oc_login_http_post(h, route, body, len, reply, &why);
	if (r == ONECARD_ERR_IO) {
		prog_error("%s: %s", url->base, why);
		return OC_LOGIN_EXIT_UNREACHABLE;
	}
	if (r == ONECARD_ERR_TOO_LARGE) {
		prog_error("%s", why);
		return OC_LOGIN_EXIT_BAD_ANSWER;
	}
	if (r != ONECARD_OK) {
		prog_error("cannot send the request: %s",
			   why[0] != '\0' ? why : onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
	return OC_LOGIN_EXIT_OK;
}

bool prog_answered(const struct oc_login_reply *reply)
{
	return reply->status == 200 && reply->json;
}

int prog_refused(const struct oc_login_reply *reply, const char *what)
{
	struct oc_login_error e;

	if (reply->status == 200) {
		prog_error("authd's answer to %s is not JSON", what);
		return OC_LOGIN_EXIT_BAD_ANSWER;
	}
	if (reply->json && oc_login_error_parse(reply->body, reply->len, &e) == ONECARD_OK) {
		if (e.description[0] != '\0') {
			prog_error("%s (%s)", e.description, e.code);
		} else {
			prog_error("authd refused %s (%s)", what, e.code);
		}
		return oc_login_exit_for_error(e.code, reply->status);
	}
	prog_error("authd answered %s with HTTP %ld and no error body", what, reply->status);
	return oc_login_exit_for_error(NULL, reply->status);
}

int prog_cached_authd(const json_t *cache, const char *cacert, struct oc_login_url *url,
		      struct oc_login_http **http)
{
	const char *base = json_string_value(json_object_get(cache, "authd"));
	const char *origin = json_string_value(json_object_get(cache, "origin"));
	const char *why = "";
	int r;

	*http = NULL;
	r = oc_login_url_parse(base != NULL ? base : "", url, &why);
	if (r != ONECARD_OK) {
		prog_error("the credential cache names an authd URL that is refused: %s; see '" PROG
			   " --logout'",
			   why);
		return OC_LOGIN_EXIT_CACHE;
	}
	if (origin == NULL || strcmp(origin, url->origin) != 0) {
		prog_error("the credential cache's authd URL and origin disagree; see '" PROG
			   " --logout'");
		return OC_LOGIN_EXIT_CACHE;
	}
	r = oc_login_http_new(url, cacert, http);
	if (r != ONECARD_OK) {
		prog_error("cannot set up the HTTP client: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
	return OC_LOGIN_EXIT_OK;
}
