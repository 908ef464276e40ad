/*
 * What the audit trail records beside the fixed columns: a small JSON
 * object of string members (audit.detail, jsonb), and who acted.
 */
#ifndef ONECARD_CA_AUDIT_H
#define ONECARD_CA_AUDIT_H

#include <stddef.h>

#define OC_AUDIT_ACTOR_MAX 64u	 /* bytes of the actor, NUL included */
#define OC_AUDIT_PAIRS_MAX 16u	 /* members of one detail object */
#define OC_AUDIT_JSON_MAX  8192u /* bytes of one detail object */

struct oc_audit_pair {
	const char *key;
	const char *value; /* NULL: the member is left out */
};

/*
 * Builds a compact JSON object {"key":"value",...} of the n pairs
 * (n ≤ OC_AUDIT_PAIRS_MAX) as a new string (free with free()). A value
 * that is not valid UTF-8 is recorded as "(not UTF-8)", so a bad input
 * can still be audited. ONECARD_ERR_NOMEM, ONECARD_ERR_TOO_LARGE,
 * ONECARD_ERR_INVALID_ARG.
 */
int oc_audit_json(const struct oc_audit_pair *pairs, size_t n, char **out);

/* The name of the effective user (getpwuid(geteuid())), or "uid:N"
 * when it has none. */
void oc_audit_actor(char out[OC_AUDIT_ACTOR_MAX]);

#endif /* ONECARD_CA_AUDIT_H */
