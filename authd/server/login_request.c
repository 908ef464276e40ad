/* Decoding the body of POST /v1/login (login_request.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "b64url.h"
#include "login_request.h"

#define SIG_B64_MAX ((OC_PROOF_SIG_MAX * 4u + 2u) / 3u)
#define DER_B64_MAX ((AUTHD_CERT_DER_MAX + 2u) / 3u * 4u)

/* Where a refusal's sentence goes. */
struct why {
	char *detail;
	size_t size;
};

__attribute__((format(printf, 3, 4))) static enum authd_reason
refuse(struct why *res, enum authd_reason why, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(res->detail, res->size, fmt, ap);
	va_end(ap);
	if (n < 0) {
		res->detail[0] = '\0';
	}
	return why;
}

/* RFC 7515 x5c: standard base64 with padding, decoded strictly by
 * mapping it onto the base64url alphabet. */
static int decode_std_b64(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
	char *url = NULL;
	unsigned char *buf = NULL;
	size_t i, n = len, cap, der_len = 0;
	int r = ONECARD_ERR_BAD_FORMAT;

	*out = NULL;
	*out_len = 0;
	if (len == 0 || len > DER_B64_MAX || len % 4 != 0) {
		goto out;
	}
	if (in[n - 1] == '=') {
		n--;
		if (in[n - 1] == '=') {
			n--;
		}
	}
	url = malloc(n + 1);
	cap = oc_b64url_decoded_max(n);
	buf = malloc(cap + 1);
	if (url == NULL || buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '-' || c == '_' || c == '=') {
			goto out;
		}
		url[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	url[n] = '\0';
	r = oc_b64url_decode_public(url, n, buf, cap, &der_len);
	/* DER_B64_MAX rounds up to whole 4-character groups: up to two bytes
	 * over AUTHD_CERT_DER_MAX would decode. */
	if (r != ONECARD_OK || der_len > AUTHD_CERT_DER_MAX) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	*out = buf;
	*out_len = der_len;
	buf = NULL;
out:
	free(url);
	free(buf);
	return r;
}

static int alg_from_name(const char *name, enum oc_proof_alg *alg)
{
	static const struct {
		const char *name;
		enum oc_proof_alg alg;
	} algs[] = {
		{"ES256", OC_PROOF_ES256},
		{"RS256", OC_PROOF_RS256},
		{"PS256", OC_PROOF_PS256},
		{"SM2-SM3", OC_PROOF_SM2_SM3},
	};
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strcmp(algs[i].name, name) == 0) {
			*alg = algs[i].alg;
			return 1;
		}
	}
	return 0;
}

/* Exactly the members names[0..n) and no other. */
static int has_exactly(const json_t *obj, const char *const *names, size_t n)
{
	size_t i;

	if (!json_is_object(obj) || json_object_size(obj) != n) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (json_object_get(obj, names[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

static enum authd_reason parse_proof(const json_t *j, struct proof *p, struct why *res)
{
	static const char *const members[] = {"x5c", "alg", "sig"};
	const json_t *x5c, *alg, *sig;
	size_t i;

	if (!has_exactly(j, members, 3)) {
		return refuse(res, AR_INVALID_REQUEST,
			      "a proof must have exactly x5c, alg and sig");
	}
	x5c = json_object_get(j, "x5c");
	alg = json_object_get(j, "alg");
	sig = json_object_get(j, "sig");
	if (!json_is_array(x5c) || json_array_size(x5c) == 0 ||
	    json_array_size(x5c) > LOGIN_X5C_MAX) {
		return refuse(res, AR_INVALID_REQUEST, "x5c must hold 1 to %u certificates",
			      LOGIN_X5C_MAX);
	}
	if (!json_is_string(alg) || !alg_from_name(json_string_value(alg), &p->alg)) {
		return refuse(res, AR_INVALID_REQUEST,
			      "alg must be ES256, RS256, PS256 or SM2-SM3");
	}
	if (!json_is_string(sig) || json_string_length(sig) == 0 ||
	    json_string_length(sig) > SIG_B64_MAX ||
	    oc_b64url_decode_public(json_string_value(sig), json_string_length(sig), p->sig,
				    sizeof(p->sig), &p->sig_len) != ONECARD_OK) {
		return refuse(res, AR_INVALID_REQUEST, "sig must be base64url of a signature");
	}
	for (i = 0; i < json_array_size(x5c); i++) {
		const json_t *c = json_array_get(x5c, i);
		int r;

		if (!json_is_string(c)) {
			return refuse(res, AR_INVALID_REQUEST, "x5c must hold strings");
		}
		r = decode_std_b64(json_string_value(c), json_string_length(c), &p->der[i],
				   &p->der_len[i]);
		if (r == ONECARD_ERR_NOMEM) {
			return refuse(res, AR_INTERNAL, "out of memory");
		}
		if (r != ONECARD_OK) {
			return refuse(res, AR_INVALID_REQUEST,
				      "x5c must hold base64 DER certificates");
		}
		p->nder++;
	}
	return AR_OK;
}

static enum authd_reason parse_request(struct login_request *l, const json_t *body, struct why *res)
{
	static const char *const members[] = {"challenge", "proofs"};
	const json_t *ch, *proofs;
	enum authd_reason why;
	size_t i, k;

	if (!has_exactly(body, members, 2)) {
		return refuse(res, AR_INVALID_REQUEST,
			      "the body must have exactly challenge and proofs");
	}
	ch = json_object_get(body, "challenge");
	proofs = json_object_get(body, "proofs");
	if (!json_is_string(ch) || json_string_length(ch) == 0 ||
	    json_string_length(ch) > OC_CHALLENGE_TEXT_MAX) {
		return refuse(res, AR_INVALID_REQUEST, "challenge must be the string received");
	}
	if (!json_is_array(proofs) || json_array_size(proofs) == 0 ||
	    json_array_size(proofs) > LOGIN_PROOFS_MAX) {
		return refuse(res, AR_INVALID_REQUEST, "proofs must hold 1 to %u proofs",
			      LOGIN_PROOFS_MAX);
	}
	for (i = 0; i < json_array_size(proofs); i++) {
		why = parse_proof(json_array_get(proofs, i), &l->proofs[i], res);
		l->nproofs = i + 1;
		if (why != AR_OK) {
			return why;
		}
	}
	/* The same card certificate twice would count one proof twice. */
	for (i = 0; i < l->nproofs; i++) {
		for (k = 0; k < i; k++) {
			if (l->proofs[i].der_len[0] == l->proofs[k].der_len[0] &&
			    memcmp(l->proofs[i].der[0], l->proofs[k].der[0],
				   l->proofs[i].der_len[0]) == 0) {
				return refuse(res, AR_INVALID_REQUEST,
					      "the same certificate is presented twice");
			}
		}
	}
	l->challenge = json_string_value(ch);
	l->challenge_len = json_string_length(ch);
	return AR_OK;
}

enum authd_reason login_request_parse(const json_t *body, struct login_request *req, char *detail,
				      size_t detail_size)
{
	struct why res = {detail, detail_size};

	memset(req, 0, sizeof(*req));
	detail[0] = '\0';
	return parse_request(req, body, &res);
}

void login_request_clear(struct login_request *req)
{
	size_t i, k;

	for (i = 0; i < req->nproofs; i++) {
		for (k = 0; k < req->proofs[i].nder; k++) {
			free(req->proofs[i].der[k]);
		}
	}
	memset(req, 0, sizeof(*req));
}
