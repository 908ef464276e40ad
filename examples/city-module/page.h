/*
 * The pages the example city module serves: plain HTML built into a
 * bounded buffer, with every value that comes from a token, the module
 * list or the library escaped. No HTTP here (server.c sends them).
 */
#ifndef CITY_PAGE_H
#define CITY_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <onecard/module.h>

#define CITY_PAGE_MAX 16384u /* bytes of one page */

struct city_page {
	char buf[CITY_PAGE_MAX];
	size_t len;
	bool overflow; /* something did not fit: the page must not be sent */
};

/* What the pages say about the module: read once at start. */
struct city_module_info {
	const char *id;
	const char *platform;
	const char *const *acr;
	size_t acr_count;
	const char *const *agencies;
	size_t agency_count;
};

/* "Welcome, SUB of ENT — MODULE": sub and ent from the token (NULL
 * shown as "(none)"). */
void city_page_welcome(struct city_page *p, const struct city_module_info *mod, const char *sub,
		       const char *ent);

/* A refusal: its title (summary) and why, in words (reason, then the
 * library's sentence for code when code is not 0). */
void city_page_refusal(struct city_page *p, const struct city_module_info *mod, unsigned status,
		       const char *summary, const char *reason, int code);

/* Appends s with &, <, >, " and ' as character references; control
 * characters other than tab and newline as U+FFFD. Public for tests. */
void city_page_escaped(struct city_page *p, const char *s);

#endif
