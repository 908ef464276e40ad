/* The verified claims of a token, as the verifier hands them out. */
#ifndef ONECARD_CLAIMS_H
#define ONECARD_CLAIMS_H

#include <jansson.h>

#include <onecard/token.h>

struct onecard_claims {
	json_t *payload; /* owned */
	char kid[ONECARD_KID_MAX_LEN + 1];
};

/* Wraps a payload object (takes the reference) and the verifying kid. */
int oc_claims_new(json_t *payload, const char *kid, onecard_claims **out);

#endif
