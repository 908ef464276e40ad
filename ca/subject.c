/* Subject template filling (subject.h). */
#include <string.h>

#include <onecard/error.h>

#include "subject.h"

/* Looks up a placeholder name (the len bytes between "${" and "}").
 * Returns 1 and *value (NULL when not given) if the name is known. */
static int placeholder_value(const char *name, size_t len, const struct oc_subject_values *v,
			     const char **value)
{
	const struct {
		const char *name;
		const char *value;
	} table[] = {
		{"enterprise_name", v->enterprise_name},
		{"uscc", v->uscc},
		{"person_id", v->person_id},
		{"person_name", v->person_name},
		{"agency", v->agency},
	};
	size_t i;

	*value = NULL;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) {
			*value = table[i].value;
			return 1;
		}
	}
	return 0;
}

/* Appends n bytes of s to out at *pos; 0 when it does not fit. */
static int append(char *out, size_t out_size, size_t *pos, const char *s, size_t n)
{
	if (n >= out_size - *pos) {
		return 0;
	}
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 1;
}

int oc_subject_fill(const char *tmpl, const struct oc_subject_values *v, char *out, size_t out_size,
		    const char **why)
{
	const char *p = tmpl, *close, *value;
	size_t pos = 0;
	int r = ONECARD_ERR_INTERNAL;

	*why = NULL;
	if (out_size == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	out[0] = '\0';
	while (*p != '\0') {
		if (p[0] != '$' || p[1] != '{') {
			if (!append(out, out_size, &pos, p, 1)) {
				*why = "a subject attribute would be too long";
				r = ONECARD_ERR_TOO_LARGE;
				goto out;
			}
			p++;
			continue;
		}
		close = strchr(p + 2, '}');
		if (close == NULL) {
			*why = "subject template has an unterminated ${";
			r = ONECARD_ERR_POLICY;
			goto out;
		}
		if (!placeholder_value(p + 2, (size_t)(close - (p + 2)), v, &value)) {
			*why = "subject template has an unknown placeholder";
			r = ONECARD_ERR_POLICY;
			goto out;
		}
		if (value == NULL) {
			*why = "subject template needs a value that was not given";
			r = ONECARD_ERR_POLICY;
			goto out;
		}
		if (!append(out, out_size, &pos, value, strlen(value))) {
			*why = "a subject attribute would be too long";
			r = ONECARD_ERR_TOO_LARGE;
			goto out;
		}
		p = close + 1;
	}
	if (pos == 0) {
		*why = "a subject attribute would be empty";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		out[0] = '\0';
	}
	return r;
}
