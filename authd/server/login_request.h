/*
 * The body of POST /v1/login, decoded and checked for shape only
 * (docs/authd.md): exactly {"challenge", "proofs"}, 1..LOGIN_PROOFS_MAX
 * proofs of exactly {"x5c", "alg", "sig"}, strict base64 certificates
 * and base64url signatures, no certificate twice. Nothing here trusts
 * anything: login.c checks the contents. Fuzzed (fuzz_login_request).
 */
#ifndef ONECARD_AUTHD_LOGIN_REQUEST_H
#define ONECARD_AUTHD_LOGIN_REQUEST_H
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "challenge.h"
#include "reasons.h"
#include "trust.h"

#define LOGIN_PROOFS_MAX 16u /* certificates in one login (OC_DIR_CERTS_MAX) */
#define LOGIN_X5C_MAX	 4u  /* certificates in one proof's x5c, the card's first */

/* One proof, decoded. */
struct proof {
	unsigned char *der[LOGIN_X5C_MAX];
	size_t der_len[LOGIN_X5C_MAX];
	size_t nder;
	enum oc_proof_alg alg;
	uint8_t sig[OC_PROOF_SIG_MAX];
	size_t sig_len;
	const struct authd_cert *cert; /* set by the caller after the trust check */
};

struct login_request {
	const char *challenge; /* borrowed from the JSON body */
	size_t challenge_len;
	struct proof proofs[LOGIN_PROOFS_MAX];
	size_t nproofs;
};

/* Decodes body into *req (zeroed first). Returns AR_OK, or
 * AR_INVALID_REQUEST / AR_INTERNAL (memory) with a sentence in detail.
 * Release with login_request_clear in every case. */
enum authd_reason login_request_parse(const json_t *body, struct login_request *req, char *detail,
				      size_t detail_size);
/* Frees the decoded certificates (not proofs[i].cert) and zeroes *req. */
void login_request_clear(struct login_request *req);

#endif
