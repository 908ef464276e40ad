/*
 * The access token authd signs, whatever led to it (a card login, a
 * refresh, a token exchange): one set of claims (docs/authd.md "The
 * token", docs/sso.md), signed with the keyring's current key.
 */
#ifndef ONECARD_AUTHD_MINT_H
#define ONECARD_AUTHD_MINT_H

#include <stddef.h>
#include <stdint.h>

#include "authd.h"
#include "trust.h"

#define AUTHD_MINT_CERTS_MAX 16u

/* Who the token is about and what the login proved. Borrowed. */
struct mint_in {
	const char *sub, *ent;
	const char *card;		       /* NULL exactly when ncerts is 0 (pwd-otp) */
	const char *acr;		       /* "card" or "pwd-otp" */
	const char *const *amr;		       /* e.g. {"sc", "pin"} */
	size_t amr_len;			       /* 1..4 */
	const struct authd_cert *const *certs; /* proven certificates; certs[0] is cnf */
	size_t ncerts;			       /* 0 (pwd-otp)..AUTHD_MINT_CERTS_MAX */
	const oc_module *module;	       /* the audience */
	const char *sid;		       /* the session; NULL for none */
};

/* A signed token and the claims the audit rows keep of it. */
struct minted {
	char *token; /* onecard_string_free'd (and wiped) by authd_minted_clear */
	char jti[128];
	char kid[129];
	int64_t iat, exp;
};

/* Signs a token for in with keys (the caller's reference): ONECARD_OK and
 * *out filled, or a negative code with *out cleared. The lifetime is the
 * module's token_lifetime, capped by authd's token.max_lifetime. */
int authd_mint(struct authd *a, struct oc_keyring *keys, const struct mint_in *in,
	       struct minted *out) __attribute__((warn_unused_result));

/* Wipes and frees the token; zeroes *m. */
void authd_minted_clear(struct minted *m);

/* The agency ids of certs, sorted, as a new JSON array of strings (what
 * the answers list), or NULL when out of memory. */
json_t *authd_agency_ids(const struct authd_cert *const *certs, size_t n);

#endif
