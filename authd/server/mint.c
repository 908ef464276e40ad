/* The access token's claims and signature (mint.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "b64url.h"
#include "json_strict.h"
#include "mint.h"

#define TOKEN_PAYLOAD_MAX 8192u

static int cmp_agency(const void *a, const void *b)
{
	const struct authd_cert *const *ca = a;
	const struct authd_cert *const *cb = b;

	return strcmp((*ca)->agency, (*cb)->agency);
}

/* certs sorted by agency id, into sorted (n entries). */
static void sort_certs(const struct authd_cert *const *certs, size_t n,
		       const struct authd_cert **sorted)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sorted[i] = certs[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_agency);
}

static json_t *thumbprint(const struct authd_cert *c)
{
	char b64[64];

	if (oc_b64url_encode(c->sha256, sizeof(c->sha256), b64, sizeof(b64)) != ONECARD_OK) {
		return NULL;
	}
	return json_string(b64);
}

json_t *authd_agency_ids(const struct authd_cert *const *certs, size_t n)
{
	const struct authd_cert *sorted[AUTHD_MINT_CERTS_MAX];
	json_t *ids;
	size_t i;

	if (n > AUTHD_MINT_CERTS_MAX) {
		return NULL;
	}
	sort_certs(certs, n, sorted);
	ids = json_array();
	for (i = 0; ids != NULL && i < n; i++) {
		if (json_array_append_new(ids, json_string(sorted[i]->agency)) != 0) {
			json_decref(ids);
			ids = NULL;
		}
	}
	return ids;
}

/* The jti, iat and exp the token library chose, read back from the
 * token's payload for the audit rows. */
static int read_back(struct minted *m)
{
	const char *dot1, *dot2;
	uint8_t payload[TOKEN_PAYLOAD_MAX];
	size_t len = 0;
	json_t *claims = NULL;
	const char *jti;
	int r = ONECARD_ERR_BAD_FORMAT;

	dot1 = strchr(m->token, '.');
	dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL) {
		goto out;
	}
	r = oc_b64url_decode_public(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, sizeof(payload),
				    &len);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = ONECARD_ERR_BAD_FORMAT;
	claims = json_loadb((const char *)payload, len, 0, NULL);
	if (claims == NULL ||
	    json_unpack(claims, "{s:I,s:I}", "iat", &m->iat, "exp", &m->exp) != 0) {
		goto out;
	}
	jti = oc_json_get_string(claims, "jti", NULL);
	if (jti == NULL || strlen(jti) >= sizeof(m->jti)) {
		goto out;
	}
	memcpy(m->jti, jti, strlen(jti) + 1);
	r = ONECARD_OK;
out:
	json_decref(claims);
	return r;
}

int authd_mint(struct authd *a, struct oc_keyring *keys, const struct mint_in *in,
	       struct minted *out)
{
	const struct authd_cert *sorted[AUTHD_MINT_CERTS_MAX];
	json_t *claims = NULL, *agencies = NULL, *amr = NULL;
	const onecard_signer *signer = oc_keyring_signer(keys);
	char *text = NULL;
	int64_t lifetime;
	size_t i;
	int r = ONECARD_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	/* A card login proves certificates; a password + TOTP login none. */
	if (in->ncerts > AUTHD_MINT_CERTS_MAX || in->amr_len == 0 ||
	    (in->ncerts == 0) != (in->card == NULL)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	sort_certs(in->certs, in->ncerts, sorted);
	agencies = json_array();
	amr = json_array();
	for (i = 0; agencies != NULL && i < in->ncerts; i++) {
		(void)json_array_append_new(agencies,
					    json_pack("{s:s,s:o}", "id", sorted[i]->agency,
						      "x5t#S256", thumbprint(sorted[i])));
	}
	for (i = 0; amr != NULL && i < in->amr_len; i++) {
		(void)json_array_append_new(amr, json_string(in->amr[i]));
	}
	if (agencies == NULL || amr == NULL || json_array_size(agencies) != in->ncerts ||
	    json_array_size(amr) != in->amr_len) {
		goto out;
	}
	claims = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s}", "iss", a->cfg.issuer, "sub", in->sub, "ent",
			   in->ent, "acr", in->acr, "amr", amr, "aud", in->module->id);
	if (claims == NULL) {
		goto out;
	}
	/* card, agencies and cnf only where certificates proved them: no
	 * agency ever comes from a password login (issue 6). */
	if (in->ncerts > 0 &&
	    (json_object_set_new(claims, "card", json_string(in->card)) != 0 ||
	     json_object_set(claims, "agencies", agencies) != 0 ||
	     json_object_set_new(claims, "cnf",
				 json_pack("{s:o}", "x5t#S256", thumbprint(in->certs[0]))) != 0)) {
		goto out;
	}
	if (in->sid != NULL && json_object_set_new(claims, "sid", json_string(in->sid)) != 0) {
		goto out;
	}
	r = oc_json_dump(claims, JSON_COMPACT, &text);
	if (r != ONECARD_OK) {
		goto out;
	}
	lifetime = in->module->token_lifetime;
	if (lifetime > a->cfg.token_max_lifetime) {
		lifetime = a->cfg.token_max_lifetime;
	}
	r = onecard_signer_issue(signer, text, strlen(text), NULL, 0, lifetime, &out->token);
	if (r == ONECARD_OK) {
		r = read_back(out);
	}
	if (r == ONECARD_OK) {
		(void)snprintf(out->kid, sizeof(out->kid), "%s", onecard_signer_get0_kid(signer));
	}
out:
	if (r != ONECARD_OK) {
		authd_minted_clear(out);
	}
	free(text);
	json_decref(claims);
	json_decref(agencies);
	json_decref(amr);
	return r;
}

void authd_minted_clear(struct minted *m)
{
	if (m->token != NULL) {
		OPENSSL_cleanse(m->token, strlen(m->token));
		onecard_string_free(m->token);
	}
	memset(m, 0, sizeof(*m));
}
