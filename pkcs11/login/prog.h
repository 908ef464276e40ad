/*
 * onecard-login, the program over the core (login.h): main.c reads the
 * options and dispatches; cmd_login.c logs in; cmd_cache.c shows and
 * removes the credential cache. Errors are one line on stderr starting
 * with "onecard-login: ", logged once; the token goes to stdout only.
 */
#ifndef ONECARD_LOGIN_PROG_H
#define ONECARD_LOGIN_PROG_H

#include <stdbool.h>

#include "login.h"

#define PROG		"onecard-login"
#define AUTHD_URL_ENV	"ONECARD_AUTHD_URL"
#define ROUTE_CHALLENGE "/v1/challenge"
#define ROUTE_LOGIN	"/v1/login"

struct login_opts {
	const char *authd;    /* --authd URL, else $ONECARD_AUTHD_URL */
	const char *audience; /* --audience AUD */
	const char *card;     /* --card URI, or NULL */
	const char *pin_file; /* --pin-file FILE, or NULL */
	const char *module;   /* --module PATH, or NULL */
	const char *cacert;   /* --cacert FILE, or NULL */
	bool rsa_pss;	      /* --rsa-pss: PS256 for RSA keys */
	bool no_cache;	      /* --no-cache */
};

/* "onecard-login: <message>" on stderr, control characters replaced. */
void prog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The login (cmd_login.c). Returns the exit status. */
int cmd_login(const struct login_opts *o);

/* --show and --logout (cmd_cache.c). Return the exit status. */
int cmd_show(void);
int cmd_logout(void);

/* Finds and opens the cache folder (create: make it when missing),
 * reporting a refusal; OC_LOGIN_EXIT_OK with *dirfd, or the exit status
 * (OC_LOGIN_EXIT_OTHER with *dirfd -1 and *absent when it is missing). */
int prog_cache_dir(struct oc_ccache_loc *loc, bool create, int *dirfd, bool *absent);

#endif /* ONECARD_LOGIN_PROG_H */
