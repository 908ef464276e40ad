/*
 * The JSON bodies of a card login (docs/authd.md "HTTP API") and the
 * faults of struct sc_tweaks (softcard.h). The only jansson user of
 * the library.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "b64url.h"
#include "softcard.h"

#define DER_B64_SIZE (((SC_CERT_DER_MAX + 2u) / 3u) * 4u + 1u) /* with NUL */
#define SIG_B64_SIZE (((OC_PROOF_SIG_MAX * 4u) + 2u) / 3u + 1u)

/* Appends the standard base64 (RFC 7515 x5c) of a DER certificate. */
static int x5c_append(json_t *x5c, const unsigned char *der, size_t der_len)
{
	char *text = malloc(DER_B64_SIZE);
	int r = ONECARD_ERR_NOMEM;

	if (text == NULL) {
		goto out;
	}
	if (der_len > SC_CERT_DER_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (EVP_EncodeBlock((unsigned char *)text, der, (int)der_len) <= 0) {
		r = ONECARD_ERR_CRYPTO;
		goto out;
	}
	if (json_array_append_new(x5c, json_string(text)) != 0) {
		goto out;
	}
	r = ONECARD_OK;
out:
	free(text);
	return r;
}

/* One proof object: {"x5c": [...], "alg": ..., "sig": ...}. */
static int proof_json(const struct sc_card *card, size_t i, const uint8_t *msg, size_t msg_len,
		      const struct sc_tweaks *tw, json_t **out)
{
	const struct sc_proof *p = &card->proofs[i];
	int target = i == tw->target;
	EVP_PKEY *key = target && tw->sign_with != NULL ? tw->sign_with : p->key;
	const char *alg = NULL;
	json_t *proof = json_object(), *x5c = json_array();
	char sig_text[SIG_B64_SIZE];
	uint8_t *sig = NULL;
	size_t sig_len = 0, k;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	if (proof == NULL || x5c == NULL) {
		goto out;
	}
	r = x5c_append(x5c, p->der, p->der_len);
	for (k = 0; r == ONECARD_OK && k < card->nchain; k++) {
		r = x5c_append(x5c, card->chain[k], card->chain_len[k]);
	}
	if (r == ONECARD_OK) {
		r = sc_default_alg(key, &alg);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (target && tw->alg != NULL) {
		alg = tw->alg;
	}
	r = sc_sign(key, alg, msg, msg_len, &sig, &sig_len);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (target && tw->flip_sig) {
		sig[sig_len - 1u] ^= 0x01u;
	}
	r = oc_b64url_encode(sig, sig_len, sig_text, sizeof(sig_text));
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	if (json_object_set_new(proof, "x5c", x5c) != 0) {
		x5c = NULL; /* jansson released it */
		goto out;
	}
	x5c = NULL;
	if (json_object_set_new(proof, "alg", json_string(alg)) != 0) {
		goto out;
	}
	if (!(target && tw->drop_sig) &&
	    json_object_set_new(proof, "sig", json_string(sig_text)) != 0) {
		goto out;
	}
	*out = proof;
	proof = NULL;
	r = ONECARD_OK;
out:
	OPENSSL_free(sig);
	json_decref(x5c);
	json_decref(proof);
	return r;
}

/* Flips one bit of the nonce (after version, kid length and kid) and
 * re-encodes: the MAC no longer fits, the structure still parses. */
static int tamper(uint8_t *wire, size_t wire_len, char *text, size_t text_cap)
{
	size_t at;

	if (wire_len < 2u || wire_len < 2u + (size_t)wire[1] + OC_CHALLENGE_NONCE_LEN) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	at = 2u + (size_t)wire[1] + OC_CHALLENGE_NONCE_LEN - 1u;
	wire[at] ^= 0x01u;
	return oc_b64url_encode(wire, wire_len, text, text_cap);
}

int sc_login_body(const struct sc_card *card, const char *challenge, const char *origin,
		  const char *audience, const struct sc_tweaks *tweaks, char **body,
		  size_t *body_len)
{
	static const struct sc_tweaks honest = {NULL, 0, NULL, NULL, 0, 0, 0};
	const struct sc_tweaks *tw = tweaks != NULL ? tweaks : &honest;
	char text[OC_CHALLENGE_TEXT_MAX + 1];
	uint8_t wire[OC_CHALLENGE_WIRE_MAX];
	size_t wire_len = 0, text_len, msg_len = 0, i;
	json_t *doc = NULL, *proofs = NULL, *proof = NULL;
	uint8_t *msg = NULL;
	char *dump = NULL;
	int r = ONECARD_ERR_INVALID_ARG;

	*body = NULL;
	*body_len = 0;
	if (card->nproofs == 0 || tw->target >= card->nproofs || challenge == NULL ||
	    origin == NULL || audience == NULL) {
		goto out;
	}
	if (tw->origin != NULL) {
		origin = tw->origin;
	}
	text_len = strlen(challenge);
	if (text_len == 0 || text_len > OC_CHALLENGE_TEXT_MAX) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	memcpy(text, challenge, text_len + 1u);
	r = oc_b64url_decode(text, text_len, wire, sizeof(wire), &wire_len);
	if (r == ONECARD_OK && tw->tamper_challenge) {
		r = tamper(wire, wire_len, text, sizeof(text));
	}
	if (r != ONECARD_OK) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	r = oc_proof_message_build(origin, strlen(origin), audience, strlen(audience), wire,
				   wire_len, &msg, &msg_len);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_NOMEM;
	doc = json_object();
	proofs = json_array();
	if (doc == NULL || proofs == NULL ||
	    json_object_set_new(doc, "challenge", json_string(text)) != 0) {
		goto out;
	}
	for (i = 0; i < card->nproofs; i++) {
		r = proof_json(card, i, msg, msg_len, tw, &proof);
		if (r != ONECARD_OK) {
			goto out;
		}
		r = ONECARD_ERR_NOMEM;
		if (json_array_append_new(proofs, proof) != 0) {
			proof = NULL; /* jansson released it */
			goto out;
		}
		proof = NULL;
	}
	if (json_object_set_new(doc, "proofs", proofs) != 0) {
		proofs = NULL;
		goto out;
	}
	proofs = NULL;
	dump = json_dumps(doc, JSON_COMPACT);
	if (dump == NULL) {
		goto out;
	}
	*body_len = strlen(dump);
	*body = dump;
	r = ONECARD_OK;
out:
	free(msg);
	json_decref(proof);
	json_decref(proofs);
	json_decref(doc);
	return r;
}

int sc_answer_challenge(const char *answer, size_t len, char out[OC_CHALLENGE_TEXT_MAX + 1])
{
	json_t *doc = json_loadb(answer, len, JSON_REJECT_DUPLICATES, NULL);
	const json_t *ch = json_object_get(doc, "challenge");
	size_t n;
	int r = ONECARD_ERR_BAD_FORMAT;

	out[0] = '\0';
	if (!json_is_string(ch)) {
		goto out;
	}
	n = json_string_length(ch);
	if (n == 0 || n > OC_CHALLENGE_TEXT_MAX || strlen(json_string_value(ch)) != n) {
		goto out;
	}
	memcpy(out, json_string_value(ch), n + 1u);
	r = ONECARD_OK;
out:
	json_decref(doc);
	return r;
}

int sc_challenge_body(const char *audience, char **body, size_t *body_len)
{
	json_t *doc = json_object();
	char *dump = NULL;
	int r = ONECARD_ERR_NOMEM;

	*body = NULL;
	*body_len = 0;
	if (doc == NULL || json_object_set_new(doc, "audience", json_string(audience)) != 0) {
		goto out;
	}
	dump = json_dumps(doc, JSON_COMPACT);
	if (dump == NULL) {
		goto out;
	}
	*body = dump;
	*body_len = strlen(dump);
	r = ONECARD_OK;
out:
	json_decref(doc);
	return r;
}
