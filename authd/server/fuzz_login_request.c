/*
 * Fuzz target: the body of POST /v1/login as authd reads it: the bytes
 * through the strict JSON parser (oc_json_parse_object, as the HTTP layer
 * does), then login_request_parse and login_request_clear.
 *
 * Beyond memory safety it checks what login_request.h promises: a refusal
 * is invalid_request with a sentence, never internal (nothing here can run
 * out of memory under the fuzzer); an accepted body has 1..LOGIN_PROOFS_MAX
 * proofs of 1..LOGIN_X5C_MAX certificates within AUTHD_CERT_DER_MAX, a
 * signature within OC_PROOF_SIG_MAX, no card certificate twice, and every
 * x5c and sig string is the one canonical encoding of the bytes decoded
 * from it (strict decoding: no second spelling of the same certificate).
 *
 * Built with -fsanitize=fuzzer when ONECARD_FUZZ is ON, and with
 * fuzz/replay_main.c as a ctest replay of corpus/login_request/
 * (tests/authd/fuzz/). ONECARD_FUZZ_VERBOSE=1 prints each verdict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <onecard/error.h>

#include "b64url.h"
#include "json_strict.h"
#include "login_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void fail(const char *what)
{
	fprintf(stderr, "fuzz_login_request: %s\n", what);
	abort();
}

/* 1 when text[0..len) is exactly the canonical encoding of bytes[0..n):
 * base64url without padding (sig), or standard base64 with padding (x5c,
 * std != 0). */
static int canonical(const uint8_t *bytes, size_t n, const char *text, size_t len, int std)
{
	char *enc = NULL;
	size_t i, enc_len;
	int same = 0;

	if (oc_b64url_encode_alloc(bytes, n, &enc) != ONECARD_OK) {
		fail("oc_b64url_encode_alloc failed");
	}
	enc_len = strlen(enc);
	if (std) {
		for (i = 0; i < enc_len; i++) {
			enc[i] = enc[i] == '-' ? '+' : enc[i] == '_' ? '/' : enc[i];
		}
		/* The padding the url form leaves out. */
		if (len == (enc_len + 3u) / 4u * 4u && len >= enc_len &&
		    memcmp(enc, text, enc_len) == 0) {
			same = 1;
			for (i = enc_len; i < len; i++) {
				same = same && text[i] == '=';
			}
		}
	} else {
		same = len == enc_len && memcmp(enc, text, len) == 0;
	}
	free(enc);
	return same;
}

static void check_proof(const struct proof *p, const json_t *jp)
{
	const json_t *x5c = json_object_get(jp, "x5c");
	const json_t *sig = json_object_get(jp, "sig");
	const char *alg = json_string_value(json_object_get(jp, "alg"));
	static const char *const alg_names[] = {
		[OC_PROOF_ES256] = "ES256",
		[OC_PROOF_RS256] = "RS256",
		[OC_PROOF_PS256] = "PS256",
		[OC_PROOF_SM2_SM3] = "SM2-SM3",
	};
	size_t k;

	if (p->nder == 0 || p->nder > LOGIN_X5C_MAX || p->nder != json_array_size(x5c)) {
		fail("accepted: x5c count");
	}
	for (k = 0; k < p->nder; k++) {
		const json_t *s = json_array_get(x5c, k);

		if (p->der[k] == NULL || p->der_len[k] == 0 || p->der_len[k] > AUTHD_CERT_DER_MAX) {
			fail("accepted: a certificate empty or over AUTHD_CERT_DER_MAX");
		}
		if (!canonical(p->der[k], p->der_len[k], json_string_value(s),
			       json_string_length(s), 1)) {
			fail("accepted: an x5c string that is not the canonical base64 of its DER");
		}
	}
	for (; k < LOGIN_X5C_MAX; k++) {
		if (p->der[k] != NULL || p->der_len[k] != 0) {
			fail("accepted: a certificate slot set beyond nder");
		}
	}
	if (p->sig_len == 0 || p->sig_len > OC_PROOF_SIG_MAX ||
	    !canonical(p->sig, p->sig_len, json_string_value(sig), json_string_length(sig), 0)) {
		fail("accepted: sig empty, too long or not canonical base64url");
	}
	if ((size_t)p->alg >= sizeof(alg_names) / sizeof(alg_names[0]) ||
	    alg_names[p->alg] == NULL || alg == NULL || strcmp(alg, alg_names[p->alg]) != 0) {
		fail("accepted: alg is not the one named");
	}
	if (p->cert != NULL) {
		fail("accepted: cert set by the parser");
	}
}

static void check_accepted(const struct login_request *req, const json_t *body)
{
	const json_t *ch = json_object_get(body, "challenge");
	const json_t *proofs = json_object_get(body, "proofs");
	size_t i, k;

	if (req->nproofs == 0 || req->nproofs > LOGIN_PROOFS_MAX ||
	    req->nproofs != json_array_size(proofs)) {
		fail("accepted: proof count");
	}
	if (req->challenge != json_string_value(ch) ||
	    req->challenge_len != json_string_length(ch) || req->challenge_len == 0 ||
	    req->challenge_len > OC_CHALLENGE_TEXT_MAX) {
		fail("accepted: challenge not the body's, or out of range");
	}
	for (i = 0; i < req->nproofs; i++) {
		check_proof(&req->proofs[i], json_array_get(proofs, i));
		for (k = 0; k < i; k++) {
			if (req->proofs[i].der_len[0] == req->proofs[k].der_len[0] &&
			    memcmp(req->proofs[i].der[0], req->proofs[k].der[0],
				   req->proofs[i].der_len[0]) == 0) {
				fail("accepted: the same card certificate twice");
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct login_request zero;
	struct login_request req;
	char detail[AUTHD_DETAIL_MAX];
	json_t *body = NULL;
	enum authd_reason why;

	if (oc_json_parse_object((const char *)data, size, &body) != ONECARD_OK) {
		if (body != NULL) {
			fail("a refused body left a value");
		}
		if (getenv("ONECARD_FUZZ_VERBOSE") != NULL) {
			fprintf(stderr, "fuzz_login_request: json: not one strict JSON object\n");
		}
		return 0;
	}
	memset(detail, 0x55, sizeof(detail));
	why = login_request_parse(body, &req, detail, sizeof(detail));
	if (memchr(detail, '\0', sizeof(detail)) == NULL) {
		fail("detail not terminated");
	}
	if (why == AR_OK) {
		check_accepted(&req, body);
	} else if (why != AR_INVALID_REQUEST || detail[0] == '\0') {
		fail("a refusal other than invalid_request, or without a sentence");
	}
	if (getenv("ONECARD_FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "fuzz_login_request: %s: %s\n", authd_reason_code(why), detail);
	}
	login_request_clear(&req);
	if (memcmp(&req, &zero, sizeof(req)) != 0) {
		fail("login_request_clear left something behind");
	}
	json_decref(body);
	return 0;
}
