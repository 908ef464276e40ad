/*
 * libFuzzer target for the GET /v1/modules answer parser
 * (module_demands.c): the input is the answer's body, read for two module
 * ids the seed corpus uses. Whatever the input: a refusal leaves no
 * demands and gives a reason; an acceptance gives demands within the
 * limits of a module's configuration (module.h), for the id asked, that
 * onecard_module_new's rules would take.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/module.h>

#include "module_demands.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *body, size_t len, const char *id)
{
	char values[ONECARD_MODULE_AGENCIES_MAX][ONECARD_MODULE_VALUE_MAX + 1];
	onecard_module_demands *d = (onecard_module_demands *)&d; /* must be cleared */
	const char *reason = NULL;
	const char *const *list;
	size_t n;
	int r;

	r = onecard_module_demands_parse(body, len, id, &d, &reason);
	if (reason == NULL || reason[0] == '\0') {
		abort();
	}
	if (r != ONECARD_OK) {
		if (d != NULL || r >= 0) {
			abort();
		}
		return;
	}
	if (d == NULL || strcmp(onecard_module_demands_get0_id(d), id) != 0 ||
	    !oc_module_copy_name(NULL, onecard_module_demands_get0_platform(d))) {
		abort();
	}
	list = onecard_module_demands_get0_acr(d, &n);
	if (n < 1 || n > ONECARD_MODULE_ACR_MAX || !oc_module_copy_values(values, list, n)) {
		abort();
	}
	list = onecard_module_demands_get0_agencies(d, &n);
	if (n > ONECARD_MODULE_AGENCIES_MAX || !oc_module_copy_values(values, list, n)) {
		abort();
	}
	if (onecard_module_demands_token_lifetime(d) < 1 ||
	    onecard_module_demands_token_lifetime(d) > ONECARD_MODULE_LIFETIME_MAX) {
		abort();
	}
	onecard_module_demands_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size, "city-a-customs-declaration");
	check((const char *)data, size, "provincial-portal");
	return 0;
}
