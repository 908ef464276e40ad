/*
 * The gate in front of the page: the Authorization header of a request
 * checked with onecard_module_verify (include/onecard/module.h), and
 * what to answer (RFC 6750 §3). No HTTP library here: server.c passes
 * the header in and writes the outcome out.
 */
#ifndef CITY_GUARD_H
#define CITY_GUARD_H

#include <onecard/module.h>

struct city_outcome {
	unsigned status;	/* 200, 400, 401, 403, 500 or 503 */
	const char *error;	/* RFC 6750 error code, or NULL (200; 401 without a bearer token) */
	int code;		/* ONECARD_OK or the library's ONECARD_ERR_* (0 for our own) */
	const char *summary;	/* a fixed sentence for the status */
	const char *reason;	/* a fixed sentence saying why; never bytes of the token */
	onecard_claims *claims; /* on 200: the token's claims (city_outcome_clear frees) */
};

/* Checks authorization (the header's value, NULL when absent) for module
 * m and fills *out. */
void city_guard(onecard_module *m, const char *authorization, struct city_outcome *out);

/* Frees the claims; NULL does nothing. */
void city_outcome_clear(struct city_outcome *out);

#endif
