/*
 * onecard-login, the program over the core (login.h): main.c reads the
 * options and dispatches; cmd_login.c logs in with the card;
 * cmd_password.c logs in with the directory password and a TOTP code;
 * cmd_token.c
 * gets a token for another module from the cached SSO session;
 * cmd_cache.c shows the credential cache; cmd_logout.c ends the session
 * and removes the cache; prog_authd.c is what they share to talk to
 * authd, prog_login.c what the two logins share. Errors are one line on
 * stderr starting with "onecard-login: ", logged once; the token goes to
 * stdout only.
 */
#ifndef ONECARD_LOGIN_PROG_H
#define ONECARD_LOGIN_PROG_H

#include <stdbool.h>

#include "login.h"

#define PROG		"onecard-login"
#define AUTHD_URL_ENV	"ONECARD_AUTHD_URL"
#define ROUTE_CHALLENGE "/v1/challenge"
#define ROUTE_LOGIN	"/v1/login"
#define ROUTE_PASSWORD	"/v1/login/password"
#define ROUTE_TOKEN	"/v1/token"
#define ROUTE_LOGOUT	"/v1/logout"

struct login_opts {
	const char *authd;    /* --authd URL, else $ONECARD_AUTHD_URL */
	const char *audience; /* --audience AUD */
	const char *card;     /* --card URI, or NULL */
	const char *pin_file; /* --pin-file FILE, or NULL */
	const char *module;   /* --module PATH, or NULL */
	const char *cacert;   /* --cacert FILE, or NULL */
	bool rsa_pss;	      /* --rsa-pss: PS256 for RSA keys */
	bool no_cache;	      /* --no-cache */
	const char *token;    /* --token AUD: from the SSO session, no card */
	bool password;	      /* --password: the directory password and a TOTP code */
	const char *user;     /* --user ID: whose password (with --password) */
};

/* "onecard-login: <message>" on stderr, control characters replaced. */
void prog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The login (cmd_login.c). Returns the exit status. */
int cmd_login(const struct login_opts *o);

/* The login with password and code, --password (cmd_password.c).
 * Returns the exit status. */
int cmd_password(const struct login_opts *o);

/* --token AUD (cmd_token.c). Returns the exit status. */
int cmd_token(const struct login_opts *o);

/* --show (cmd_cache.c). Returns the exit status. */
int cmd_show(void);

/* --logout (cmd_logout.c): the session ended at authd (o->cacert), the
 * cache removed. Returns the exit status. */
int cmd_logout(const struct login_opts *o);

/* ---- talking to authd (prog_authd.c) ---------------------------------- */

/* POSTs body to route (form: as a form, else JSON). Returns
 * OC_LOGIN_EXIT_OK with *reply for any HTTP answer; else reports why
 * there was none (an error line) and returns its exit status. */
int prog_send(struct oc_login_http *h, const struct oc_login_url *url, const char *route,
	      const char *body, size_t len, bool form, struct oc_login_reply *reply);

/* Whether reply is an answer to read: 200 with a JSON body. */
bool prog_answered(const struct oc_login_reply *reply);

/* Reports an answer that is not prog_answered (authd's description and
 * code when it sent an error body) and returns its exit status. */
int prog_refused(const struct oc_login_reply *reply, const char *what);

/* The authd a cache document names, checked again as --authd is
 * (oc_login_url_parse) and against the cache's origin, and a client for
 * it (cacert: --cacert). Reports a refusal; OC_LOGIN_EXIT_OK with *url
 * and *http (oc_login_http_free), else the exit status. */
int prog_cached_authd(const json_t *cache, const char *cacert, struct oc_login_url *url,
		      struct oc_login_http **http);

/* Finds and opens the cache folder (create: make it when missing),
 * reporting a refusal; OC_LOGIN_EXIT_OK with *dirfd, or the exit status
 * (OC_LOGIN_EXIT_OTHER with *dirfd -1 and *absent when it is missing). */
int prog_cache_dir(struct oc_ccache_loc *loc, bool create, int *dirfd, bool *absent);

/* For a login: opens (making it when missing) the cache folder and reads
 * the cache there, before anything is asked or sent: a refused cache must
 * cost neither a PIN try nor a code. OC_LOGIN_EXIT_OK with *dirfd and
 * *cache (NULL when there is none yet), else the exit status, reported. */
int prog_cache_open(struct oc_ccache_loc *loc, int *dirfd, json_t **cache);

/* For a login: puts its token for audience (and the session it opened)
 * into *cache and writes it. OC_LOGIN_EXIT_OK, else the exit status,
 * reported. */
int prog_cache_store(const struct oc_ccache_loc *loc, int dirfd, json_t **cache,
		     const struct oc_login_url *url, const char *audience,
		     const struct oc_login_token *token, int64_t issued_at);

/* ---- what the two logins share (prog_login.c) -------------------------- */

/* A login's authd and credential cache: set up by prog_login_open, freed
 * by prog_login_close. dirfd is -1, and cache NULL, while there is none
 * (--no-cache). */
struct prog_login {
	struct oc_login_url url;
	struct oc_ccache_loc loc;
	int dirfd;
	json_t *cache;
	struct oc_login_http *http;
};

/* A login's first step, before any secret is asked or anything sent:
 * --authd, --user (with --password), --audience and --cacert checked,
 * the cache opened and read (unless --no-cache), the HTTP client set up.
 * OC_LOGIN_EXIT_OK, else the exit status, reported; either way *pl is to
 * be given to prog_login_close. */
int prog_login_open(const struct login_opts *o, struct prog_login *pl);

/* A login's last step: token (and the session it opened) kept in the
 * cache (unless --no-cache), then printed. issued_at: taken before the
 * request left. OC_LOGIN_EXIT_OK, else the exit status, reported. */
int prog_login_keep(const struct login_opts *o, struct prog_login *pl,
		    const struct oc_login_token *token, int64_t issued_at);

/* Frees what prog_login_open set up; a zeroed *pl with dirfd -1 too. */
void prog_login_close(struct prog_login *pl);

/* token and a newline on stdout, flushed. OC_LOGIN_EXIT_OK, else the
 * exit status, reported. */
int prog_print_token(const char *token);

#endif /* ONECARD_LOGIN_PROG_H */
