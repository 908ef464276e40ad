/* ca.conf: a strict key=value parser and its writer (home.h). */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "check.h"
#include "home.h"

/* Keys, and whether each was seen. */
enum conf_key { KEY_VERSION, KEY_NAME, KEY_ALG, KEY_POLICY, KEY_COUNT };
static const char *const conf_keys[KEY_COUNT] = {"version", "name", "alg", "policy"};

/* A policy path: absolute, printable UTF-8, fits. */
static int check_policy_path(const char *v, size_t len)
{
	return len > 1 && len < OC_CA_PATH_MAX && v[0] == '/' &&
	       oc_utf8_printable((const unsigned char *)v, len);
}

/* Applies one "key=value" line (len bytes, no newline) to out. */
static int conf_line(const char *s, size_t len, int seen[KEY_COUNT], struct oc_ca_conf *out,
		     const char **why)
{
	const char *eq = memchr(s, '=', len), *v;
	size_t klen, vlen, k;
	const char *check_why;

	if (eq == NULL) {
		*why = "expected key=value";
		return ONECARD_ERR_POLICY;
	}
	klen = (size_t)(eq - s);
	v = eq + 1;
	vlen = len - klen - 1;
	for (k = 0; k < KEY_COUNT; k++) {
		if (strlen(conf_keys[k]) == klen && memcmp(conf_keys[k], s, klen) == 0) {
			break;
		}
	}
	if (k == KEY_COUNT) {
		*why = "unknown key (known: version, name, alg, policy)";
		return ONECARD_ERR_POLICY;
	}
	if (seen[k]) {
		*why = "key given twice";
		return ONECARD_ERR_POLICY;
	}
	seen[k] = 1;
	switch ((enum conf_key)k) {
	case KEY_VERSION:
		if (vlen != 1 || v[0] != '0' + OC_HOME_VERSION) {
			*why = "unsupported version (this onecard-ca reads version=1)";
			return ONECARD_ERR_POLICY;
		}
		out->version = OC_HOME_VERSION;
		return ONECARD_OK;
	case KEY_NAME:
		if (vlen > OC_CA_NAME_MAX) {
			*why = "name is too long";
			return ONECARD_ERR_POLICY;
		}
		memcpy(out->name, v, vlen);
		out->name[vlen] = '\0';
		if (oc_check_text(out->name, OC_CA_NAME_MAX, &check_why) != ONECARD_OK) {
			*why = "name must be non-empty UTF-8 text";
			return ONECARD_ERR_POLICY;
		}
		return ONECARD_OK;
	case KEY_ALG: {
		char alg[8];

		if (vlen >= sizeof(alg)) {
			*why = "alg must be ec, rsa or sm2";
			return ONECARD_ERR_POLICY;
		}
		memcpy(alg, v, vlen);
		alg[vlen] = '\0';
		if (oc_alg_parse(alg, &out->alg) != ONECARD_OK) {
			*why = "alg must be ec, rsa or sm2";
			return ONECARD_ERR_POLICY;
		}
		return ONECARD_OK;
	}
	case KEY_POLICY:
		if (!check_policy_path(v, vlen)) {
			*why = "policy must be an absolute path";
			return ONECARD_ERR_POLICY;
		}
		memcpy(out->policy, v, vlen);
		out->policy[vlen] = '\0';
		return ONECARD_OK;
	case KEY_COUNT:
	default:
		break;
	}
	*why = "internal error";
	return ONECARD_ERR_INTERNAL;
}

int oc_conf_parse(const char *text, size_t len, struct oc_ca_conf *out, unsigned *line,
		  const char **why)
{
	int seen[KEY_COUNT] = {0};
	size_t pos = 0, end, llen;
	const char *nl;
	int r = ONECARD_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	*line = 0;
	*why = NULL;
	if (len > OC_CA_CONF_MAX) {
		*why = "file is too large";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "file holds a NUL byte";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	while (pos < len) {
		(*line)++;
		nl = memchr(text + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - text) : len;
		llen = end - pos;
		if (llen > OC_CA_CONF_LINE_MAX) {
			*why = "line is too long";
			r = ONECARD_ERR_POLICY;
			goto out;
		}
		if (llen > 0 && text[pos] != '#') {
			r = conf_line(text + pos, llen, seen, out, why);
			if (r != ONECARD_OK) {
				goto out;
			}
		}
		pos = end + 1;
	}
	*line = 0;
	if (!seen[KEY_VERSION] || !seen[KEY_NAME] || !seen[KEY_ALG]) {
		*why = "version, name and alg are required";
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		memset(out, 0, sizeof(*out));
	}
	return r;
}

int oc_conf_format(const struct oc_ca_conf *conf, char *out, size_t out_size)
{
	const char *why;
	int n;

	if (out_size > 0) {
		out[0] = '\0';
	}
	if (oc_check_text(conf->name, OC_CA_NAME_MAX, &why) != ONECARD_OK ||
	    (conf->policy[0] != '\0' && !check_policy_path(conf->policy, strlen(conf->policy)))) {
		return ONECARD_ERR_INVALID_ARG;
	}
	n = snprintf(out, out_size,
		     "# onecard-ca home: written by 'onecard-ca init'; do not edit.\n"
		     "version=%d\nname=%s\nalg=%s\n%s%s%s",
		     OC_HOME_VERSION, conf->name, oc_alg_name(conf->alg),
		     conf->policy[0] != '\0' ? "policy=" : "", conf->policy,
		     conf->policy[0] != '\0' ? "\n" : "");
	if (n < 0 || (size_t)n >= out_size) {
		if (out_size > 0) {
			out[0] = '\0';
		}
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}
