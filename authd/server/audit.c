/* authd's audit rows over the store (audit.h, authd/store/astore.h). */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "astore.h"
#include "audit.h"
#include "json_strict.h"

/* "" is "not known": the store wants NULL for that. */
static const char *opt(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int audit_login(struct authd *a, const struct audit_login *l)
{
	struct oc_astore_login row;
	struct oc_astore_token tok;
	char *certs = NULL;
	int r;

	memset(&row, 0, sizeof(row));
	memset(&tok, 0, sizeof(tok));
	if (l->certs != NULL) {
		r = oc_json_dump(l->certs, JSON_COMPACT, &certs);
		if (r != ONECARD_OK) {
			return r;
		}
	}
	row.remote_addr = opt(l->remote_addr);
	row.audience = opt(l->audience);
	if (l->reason == AR_OK) {
		row.outcome = OC_ASTORE_SUCCESS;
	} else if (authd_reason_status(l->reason) >= 500) {
		row.outcome = OC_ASTORE_ERROR;
	} else {
		row.outcome = OC_ASTORE_REFUSED;
	}
	row.reason = l->reason == AR_OK ? NULL : authd_reason_code(l->reason);
	row.detail = opt(l->detail);
	row.nonce_hex = l->nonce_hex;
	row.nonce_expires_at = l->nonce_expires_at;
	row.person_id = opt(l->person);
	row.enterprise_uscc = opt(l->enterprise);
	row.card_id = opt(l->card);
	row.certs_json = certs;
	if (l->reason == AR_OK) {
		tok.jti = l->jti;
		tok.sub = l->person;
		tok.aud = l->audience;
		tok.kid = l->kid;
		tok.acr = "card";
		tok.iat = l->iat;
		tok.exp = l->exp;
	}
	r = oc_astore_record_login(a->store, &row, l->reason == AR_OK ? &tok : NULL);
	if (r != ONECARD_OK && r != ONECARD_ERR_EXISTS) {
		authd_log("audit: login row not written: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
		if (r != ONECARD_ERR_DATABASE) {
			r = ONECARD_ERR_INTERNAL;
		}
	}
	free(certs);
	return r;
}

int audit_challenge(struct authd *a, const char *remote_addr, const char *audience,
		    const char *nonce_hex, int64_t issued_at, int64_t expires_at)
{
	struct oc_astore_challenge c;
	int r;

	(void)issued_at;
	memset(&c, 0, sizeof(c));
	c.remote_addr = opt(remote_addr);
	c.audience = audience;
	c.nonce_hex = nonce_hex;
	c.expires_at = expires_at;
	r = oc_astore_record_challenge(a->store, &c);
	if (r != ONECARD_OK) {
		authd_log("audit: challenge row not written: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
	}
	return r;
}
