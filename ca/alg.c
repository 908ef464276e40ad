/* CA algorithm names (alg.h). */
#include <string.h>

#include <onecard/error.h>

#include "alg.h"

static const struct {
	const char *name;
	enum oc_ca_alg alg;
} algs[] = {
	{"ec", OC_ALG_EC},
	{"rsa", OC_ALG_RSA},
	{"sm2", OC_ALG_SM2},
};

int oc_alg_parse(const char *name, enum oc_ca_alg *out)
{
	size_t i;

	*out = OC_ALG_EC;
	for (i = 0; name != NULL && i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(name, algs[i].name) == 0) {
			*out = algs[i].alg;
			return ONECARD_OK;
		}
	}
	return ONECARD_ERR_INVALID_ARG;
}

const char *oc_alg_name(enum oc_ca_alg alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (algs[i].alg == alg) {
			return algs[i].name;
		}
	}
	return "unknown";
}
