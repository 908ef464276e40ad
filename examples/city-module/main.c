/*
 * city-module: an example of a city platform's module built on onecard's
 * verifier (README.md). At start it reads its demands from authd's
 * GET /v1/modules, builds its verifier with them and fetches authd's
 * JWKS once (so that a wrong URL shows at once); then it serves its page
 * to operators whose token is valid for it and meets them, and says why
 * it refuses the others, until SIGTERM or SIGINT.
 *
 * Only the public API: <onecard/module.h> and libonecard.
 * Exit status: 0 stopped on a signal, 1 could not start, 2 usage.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>
#include <onecard/module.h>

#include "options.h"
#include "page.h"
#include "server.h"

#define DEMANDS_TIMEOUT_S 10u

/* Prints the module's demands as read from the list, one line. */
static void print_demands(const struct city_app *app, const char *url)
{
	size_t i;

	printf("city-module: %s (platform %s) from %s: acr ", app->info.id, app->info.platform,
	       url);
	for (i = 0; i < app->info.acr_count; i++) {
		printf("%s%s", i > 0 ? "," : "", app->info.acr[i]);
	}
	printf("; agencies ");
	for (i = 0; i < app->info.agency_count; i++) {
		printf("%s%s", i > 0 ? "," : "", app->info.agencies[i]);
	}
	printf("%s\n", app->info.agency_count == 0 ? "none" : "");
}

/* Blocks SIGTERM and SIGINT in every thread (the server's inherit the
 * mask), so that only sigwait() below sees them; SIGPIPE is ignored. */
static int block_signals(sigset_t *set)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &ign, NULL) != 0) {
		return -1;
	}
	if (sigemptyset(set) != 0 || sigaddset(set, SIGTERM) != 0 || sigaddset(set, SIGINT) != 0) {
		return -1;
	}
	return pthread_sigmask(SIG_BLOCK, set, NULL) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct city_options opt;
	struct onecard_module_config cfg;
	struct city_app app;
	struct city_server *server = NULL;
	onecard_module_demands *demands = NULL;
	const char *why = "";
	unsigned port = 0;
	sigset_t set;
	int r, sig = 0, status = 1;

	memset(&app, 0, sizeof(app));
	if (city_options_parse(argc, argv, &opt, &why) != 0) {
		fprintf(stderr, "city-module: %s\n%s", why, city_options_usage());
		return 2;
	}
	if (opt.help) {
		fputs(city_options_usage(), stdout);
		return 0;
	}
	if (block_signals(&set) != 0) {
		fprintf(stderr, "city-module: cannot set up the signals\n");
		return 1;
	}

	/* The module's demands, as authd's policy says. */
	r = onecard_module_demands_fetch(opt.modules_url, opt.module, opt.ca_file,
					 DEMANDS_TIMEOUT_S, &demands, &why);
	if (r != ONECARD_OK) {
		fprintf(stderr,
			"city-module: cannot load the demands of module %s from %s: %s (%s)\n",
			opt.module, opt.modules_url, why, onecard_err_code(r));
		goto out;
	}
	onecard_module_config_init(&cfg);
	cfg.issuer = opt.issuer;
	cfg.jwks_url = opt.jwks_url;
	cfg.ca_file = opt.ca_file;
	r = onecard_module_new_with_demands(&cfg, demands, &app.module);
	if (r != ONECARD_OK) {
		fprintf(stderr,
			"city-module: cannot set up the verifier (issuer %s, JWKS %s): %s\n",
			opt.issuer, opt.jwks_url, onecard_strerror(r));
		goto out;
	}
	r = onecard_module_refresh(app.module, &why);
	if (r != ONECARD_OK) {
		fprintf(stderr, "city-module: cannot fetch the JWKS from %s: %s (%s)\n",
			opt.jwks_url, why, onecard_err_code(r));
		goto out;
	}
	/* The pages show what the list said; demands stays until the end. */
	app.info.id = onecard_module_demands_get0_id(demands);
	app.info.platform = onecard_module_demands_get0_platform(demands);
	app.info.acr = onecard_module_demands_get0_acr(demands, &app.info.acr_count);
	app.info.agencies = onecard_module_demands_get0_agencies(demands, &app.info.agency_count);
	print_demands(&app, opt.modules_url);

	if (city_server_start(&opt, &app, &server, &port, &why) != 0) {
		fprintf(stderr, "city-module: %s:%u: %s\n", opt.listen_addr, opt.listen_port, why);
		goto out;
	}
	printf(opt.listen_v6 ? "city-module: listening on http://[%s]:%u\n"
			     : "city-module: listening on http://%s:%u\n",
	       opt.listen_addr, port);
	fflush(stdout);

	if (sigwait(&set, &sig) != 0) {
		fprintf(stderr, "city-module: sigwait failed\n");
		goto out;
	}
	printf("city-module: stopping on %s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	status = 0;
out:
	city_server_stop(server);
	onecard_module_free(app.module);
	onecard_module_demands_free(demands);
	fflush(stdout);
	return status;
}
