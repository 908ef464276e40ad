/*
 * Filling a profile's subject templates (policies/ files): each RDN
 * value may hold ${enterprise_name}, ${uscc}, ${person_id},
 * ${person_name} and ${agency}. Pure string work, one pass: a value
 * filled in is never scanned again, so text given at issuance cannot
 * inject a placeholder.
 */
#ifndef ONECARD_CA_SUBJECT_H
#define ONECARD_CA_SUBJECT_H

#include <stddef.h>

struct oc_subject_values {
	const char *enterprise_name;
	const char *uscc;
	const char *person_id;
	const char *person_name;
	const char *agency; /* the profile's agency id */
};

/*
 * Writes tmpl with every placeholder replaced into out (out_size bytes,
 * NUL included). A '$' not followed by '{' is literal text. Returns
 * ONECARD_OK; ONECARD_ERR_POLICY for an unknown or unterminated
 * placeholder or a placeholder whose value is missing (NULL);
 * ONECARD_ERR_TOO_LARGE when the result does not fit;
 * ONECARD_ERR_INVALID_ARG when the result is empty. On failure out is ""
 * and *why a fixed sentence.
 */
int oc_subject_fill(const char *tmpl, const struct oc_subject_values *v, char *out, size_t out_size,
		    const char **why);

#endif /* ONECARD_CA_SUBJECT_H */
