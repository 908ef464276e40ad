/*
 * The card's part of a login (login.h): which certificates prove, and
 * their signatures over the proof message. The card library signs and
 * checks each signature against its certificate (P1) before it returns.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "login.h"

/* Which mechanism and algorithm a certificate signs with; NULL reason
 * when it can sign, else why not. */
static const char *how(const struct oc_card_cert *c, bool rsa_pss, struct oc_login_pick *p)
{
	enum oc_card_mech rsa = rsa_pss ? OC_CARD_RSA_PSS_SHA256 : OC_CARD_RSA_PKCS1_SHA256;

	switch (oc_card_cert_key_state(c)) {
	case OC_CARD_KEY_PRESENT:
		break;
	case OC_CARD_KEY_MISMATCH:
		return "the key under its id is not the certificate's key";
	default:
		return "its private key is not on the card";
	}
	if (oc_card_cert_fits(c, OC_CARD_ECDSA_SHA256) == ONECARD_OK) {
		p->mech = OC_CARD_ECDSA_SHA256;
		p->alg = OC_PROOF_ES256;
	} else if (oc_card_cert_fits(c, rsa) == ONECARD_OK) {
		p->mech = rsa;
		p->alg = rsa_pss ? OC_PROOF_PS256 : OC_PROOF_RS256;
	} else {
		return "its key is neither EC P-256 nor RSA of 2048 to 4096 bits";
	}
	p->cert = c;
	return NULL;
}

const char *oc_login_unusable(const struct oc_card_cert *c, bool rsa_pss)
{
	struct oc_login_pick p;

	return how(c, rsa_pss, &p);
}

int oc_login_pick(const struct oc_card_certs *certs, bool rsa_pss,
		  struct oc_login_pick picks[OC_LOGIN_PROOFS_MAX], size_t *n, size_t *skipped)
{
	struct oc_login_pick p;
	size_t i, count = 0, left_out = 0;

	*n = 0;
	*skipped = 0;
	memset(picks, 0, OC_LOGIN_PROOFS_MAX * sizeof(*picks));
	for (i = 0; i < oc_card_certs_count(certs); i++) {
		memset(&p, 0, sizeof(p));
		if (how(oc_card_certs_get0(certs, i), rsa_pss, &p) != NULL) {
			left_out++;
			continue;
		}
		if (count == OC_LOGIN_PROOFS_MAX) {
			memset(picks, 0, OC_LOGIN_PROOFS_MAX * sizeof(*picks));
			return ONECARD_ERR_TOO_LARGE;
		}
		picks[count++] = p;
	}
	*skipped = left_out;
	if (count == 0) {
		return ONECARD_ERR_KEY_MISSING;
	}
	*n = count;
	return ONECARD_OK;
}

int oc_login_sign(struct oc_card_session *s, const struct oc_login_pick *picks, size_t n,
		  const uint8_t *msg, size_t len, struct oc_login_proof *proofs)
{
	unsigned char *der = NULL;
	size_t i;
	int der_len, r = ONECARD_ERR_INVALID_ARG;

	memset(proofs, 0, n * sizeof(*proofs));
	if (s == NULL || picks == NULL || n == 0 || n > OC_LOGIN_PROOFS_MAX || msg == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < n; i++) {
		der = NULL;
		der_len = i2d_X509(oc_card_cert_get0_x509(picks[i].cert), &der);
		if (der_len <= 0) {
			r = ONECARD_ERR_CRYPTO;
			goto out;
		}
		proofs[i].der = der;
		proofs[i].der_len = (size_t)der_len;
		proofs[i].alg = picks[i].alg;
		r = oc_card_sign(s, picks[i].cert, picks[i].mech, msg, len, proofs[i].sig,
				 &proofs[i].sig_len);
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		oc_login_proofs_clear(proofs, n);
	}
	return r;
}
