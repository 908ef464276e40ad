/*
 * The HTTP side of the example city module: the one file that includes
 * libmicrohttpd (server.c). Routes: GET / (the page, behind guard.c) and
 * GET /healthz; HEAD as GET; anything else 404 or 405.
 */
#ifndef CITY_SERVER_H
#define CITY_SERVER_H

#include <onecard/module.h>

#include "options.h"
#include "page.h"

/* What every request reads; set before the server starts, then read-only. */
struct city_app {
	onecard_module *module;
	struct city_module_info info;
};

struct city_server;

/* Listens where o says and serves app from a few threads. Returns 0,
 * *out and the port listened on, or -1 with a fixed sentence in *why. */
int city_server_start(const struct city_options *o, const struct city_app *app,
		      struct city_server **out, unsigned *port, const char **why);

/* Stops serving (requests in flight finish) and frees; NULL does nothing. */
void city_server_stop(struct city_server *s);

#endif
