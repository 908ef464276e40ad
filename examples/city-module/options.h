/*
 * The command line of the example city module (README.md "Options").
 * Pure parsing: no I/O beyond what the caller prints.
 */
#ifndef CITY_OPTIONS_H
#define CITY_OPTIONS_H

#include <stdbool.h>

#include <onecard/module.h>

#define CITY_ADDR_MAX 64u /* bytes of the listen address text */

struct city_options {
	char listen_addr[CITY_ADDR_MAX]; /* "127.0.0.1" or "::1" (no brackets) */
	unsigned listen_port;		 /* 0: any free port */
	bool listen_v6;
	const char *module;  /* --module: the module id, its tokens' audience */
	const char *issuer;  /* --issuer, or NULL: authd's URL */
	const char *ca_file; /* --ca-file, or NULL: the system's store */
	/* Derived from --authd: its URL without a trailing slash, and the
	 * two documents below it. */
	char authd[ONECARD_MODULE_URL_MAX + 1];
	char jwks_url[ONECARD_MODULE_URL_MAX + 1];
	char modules_url[ONECARD_MODULE_URL_MAX + 1];
	bool help;
};

/* Fills *o from argv. Returns 0, or -1 with a fixed sentence in *why
 * (usage error; the program exits 2). */
int city_options_parse(int argc, char **argv, struct city_options *o, const char **why);

/* The usage text. */
const char *city_options_usage(void);

#endif
