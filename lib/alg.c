/* The two JOSE algorithm names onecard knows (RFC 7518 §3.1, RFC 8037 §3.1). */
#include <string.h>

#include <onecard/token.h>

const char *onecard_alg_name(int alg)
{
	switch (alg) {
	case ONECARD_ALG_EDDSA:
		return "EdDSA";
	case ONECARD_ALG_ES256:
		return "ES256";
	default:
		return NULL;
	}
}

int onecard_alg_from_name(const char *name)
{
	/* Exact, case-sensitive: "none", "None", "HS256"... are all refused. */
	if (name == NULL) {
		return ONECARD_ERR_ALG_NOT_ALLOWED;
	}
	if (strcmp(name, "EdDSA") == 0) {
		return ONECARD_ALG_EDDSA;
	}
	if (strcmp(name, "ES256") == 0) {
		return ONECARD_ALG_ES256;
	}
	return ONECARD_ERR_ALG_NOT_ALLOWED;
}
