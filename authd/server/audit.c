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

static enum oc_astore_outcome outcome_of(enum authd_reason why)
{
	if (why == AR_OK) {
		return OC_ASTORE_SUCCESS;
	}
	return authd_reason_status(why) >= 500 ? OC_ASTORE_ERROR : OC_ASTORE_REFUSED;
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
	row.outcome = outcome_of(l->reason);
	row.reason = l->reason == AR_OK ? NULL : authd_reason_code(l->reason);
	row.detail = opt(l->detail);
	row.nonce_hex = l->nonce_hex;
	row.nonce_expires_at = l->nonce_expires_at;
	row.person_id = opt(l->person);
	row.enterprise_uscc = opt(l->enterprise);
	row.card_id = opt(l->card);
	row.certs_json = certs;
	row.session = l->reason == AR_OK ? l->session : NULL;
	row.method = l->method;
	if (l->reason == AR_OK) {
		tok.sid = l->session != NULL ? l->session->sid : NULL;
		tok.jti = l->jti;
		tok.sub = l->person;
		tok.aud = l->audience;
		tok.kid = l->kid;
		tok.acr = l->acr != NULL ? l->acr : "card";
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

int audit_grant(struct authd *a, const struct audit_grant *g)
{
	struct oc_astore_grant row;
	struct oc_astore_token tok;
	int r;

	memset(&row, 0, sizeof(row));
	memset(&tok, 0, sizeof(tok));
	row.remote_addr = opt(g->remote_addr);
	row.grant = g->grant;
	row.subject_type = g->subject_type;
	row.sid = opt(g->sid);
	row.audience = opt(g->audience);
	row.outcome = outcome_of(g->reason);
	row.reason = g->reason == AR_OK ? NULL : authd_reason_code(g->reason);
	row.detail = opt(g->detail);
	if (g->reason == AR_OK) {
		tok.jti = g->jti;
		tok.sub = g->sub;
		tok.aud = g->audience;
		tok.kid = g->kid;
		tok.acr = g->acr;
		tok.iat = g->iat;
		tok.exp = g->exp;
		tok.sid = g->sid;
	}
	r = oc_astore_record_grant(a->store, &row, g->reason == AR_OK ? &tok : NULL);
	if (r != ONECARD_OK) {
		authd_log("audit: grant row not written: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
		if (r != ONECARD_ERR_DATABASE) {
			r = ONECARD_ERR_INTERNAL;
		}
	}
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
