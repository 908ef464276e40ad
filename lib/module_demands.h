/*
 * What the module verifier's configuration (module.c) and a module's
 * entry of authd's module list (module_demands.c) check the same way:
 * names (issuer, audience, module id, platform) and values (acr levels,
 * agency ids). One set of rules, so that an entry the list parser takes
 * is one onecard_module_new takes too.
 */
#ifndef ONECARD_MODULE_DEMANDS_H
#define ONECARD_MODULE_DEMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include <onecard/module.h>

/* true when src is 1..ONECARD_MODULE_NAME_MAX bytes without a control
 * character; then, if dst is not NULL, copies it there (NUL included). */
bool oc_module_copy_name(char dst[ONECARD_MODULE_NAME_MAX + 1], const char *src);

/* true when each of the count values is [A-Za-z0-9._-]{1,ONECARD_MODULE_VALUE_MAX}
 * and none is listed twice; copies them into dst as it goes (dst's
 * earlier rows are what the duplicate check compares with). */
bool oc_module_copy_values(char (*dst)[ONECARD_MODULE_VALUE_MAX + 1], const char *const *src,
			   size_t count);

#endif
