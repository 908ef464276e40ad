/* SSO sessions: storing what a login proved, checking it at each use
 * (session.h, docs/sso.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "b64url.h"
#include "directory.h"
#include "dir_pool.h"
#include "json_strict.h"
#include "session.h"

/* The largest DER a session keeps of one certificate (as the login's
 * x5c entries, authd/server/login_request.c). */
#define SESSION_DER_MAX 16384u

json_t *authd_session_certs_json(const struct proof *proofs, size_t n)
{
	json_t *all = json_array();
	json_t *one = NULL, *x5c = NULL;
	char *b64 = NULL;
	size_t i, j;

	for (i = 0; all != NULL && i < n; i++) {
		x5c = json_array();
		for (j = 0; x5c != NULL && j < proofs[i].nder; j++) {
			if (oc_b64url_encode_alloc(proofs[i].der[j], proofs[i].der_len[j], &b64) !=
				    ONECARD_OK ||
			    json_array_append_new(x5c, json_string(b64)) != 0) {
				json_decref(x5c);
				x5c = NULL;
			}
			free(b64);
			b64 = NULL;
		}
		one = x5c != NULL ? json_pack("{s:s,s:s,s:o}", "agency", proofs[i].cert->agency,
					      "sha256", proofs[i].cert->sha256_hex, "x5c", x5c)
				  : NULL;
		if (one == NULL || json_array_append_new(all, one) != 0) {
			json_decref(all);
			all = NULL;
		}
	}
	return all;
}

enum authd_reason authd_session_find(struct authd *a, const uint8_t *hash, const char *sid,
				     int touch, struct session *s, char detail[AUTHD_DETAIL_MAX])
{
	enum oc_astore_session_state state = 0;
	int r;

	memset(s, 0, sizeof(*s));
	detail[0] = '\0';
	r = oc_astore_session_use(a->store, hash, sid, touch, &state, &s->row);
	if (r == ONECARD_ERR_INVALID_ARG) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "no session has that id");
		return AR_INVALID_GRANT;
	}
	if (r != ONECARD_OK) {
		authd_log("session: lookup failed: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
		return AR_DATABASE_UNAVAILABLE;
	}
	switch (state) {
	case OC_ASTORE_SESSION_LIVE:
		return AR_OK;
	case OC_ASTORE_SESSION_ENDED:
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "the session has ended (logout or revocation)");
		break;
	case OC_ASTORE_SESSION_EXPIRED:
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "the session has reached its absolute timeout");
		break;
	case OC_ASTORE_SESSION_IDLE:
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "the session was unused for longer than its idle timeout");
		break;
	default:
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "no session has that credential");
		break;
	}
	return AR_INVALID_GRANT;
}

/* Ends s for why (a refusal code) and says so in detail. */
static enum authd_reason end_for(struct authd *a, struct session *s, enum authd_reason why,
				 const char *remote_addr, char detail[AUTHD_DETAIL_MAX],
				 const char *cause)
{
	int r;

	r = oc_astore_session_end(
		a->store, NULL, s->row.sid, authd_reason_code(why),
		remote_addr != NULL && remote_addr[0] != '\0' ? remote_addr : NULL, NULL);
	if (r != ONECARD_OK) {
		/* Refused either way; the next use finds the same cause. */
		authd_log("session: could not end a session: %s (%s)", onecard_err_code(r),
			  oc_astore_diagnostic());
	}
	(void)snprintf(detail, AUTHD_DETAIL_MAX, "the session has ended: %s (%s)", cause,
		       authd_reason_code(why));
	return AR_INVALID_GRANT;
}

/* Decodes one stored certificate and its CA certificates and checks them. */
static enum authd_reason check_stored_cert(struct authd *a, struct authd_trust *t,
					   const json_t *entry, const struct authd_cert **out,
					   char detail[AUTHD_DETAIL_MAX])
{
	unsigned char *der[LOGIN_X5C_MAX] = {NULL};
	size_t der_len[LOGIN_X5C_MAX] = {0};
	const json_t *x5c = json_object_get(entry, "x5c");
	const char *text;
	size_t i, n, len;
	enum authd_reason why = AR_INTERNAL;

	n = json_array_size(x5c);
	if (!json_is_array(x5c) || n == 0 || n > LOGIN_X5C_MAX) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "a stored certificate is malformed");
		goto out;
	}
	for (i = 0; i < n; i++) {
		text = json_string_value(json_array_get(x5c, i));
		der[i] = malloc(SESSION_DER_MAX);
		if (text == NULL || der[i] == NULL ||
		    oc_b64url_decode(text, strlen(text), der[i], SESSION_DER_MAX, &len) !=
			    ONECARD_OK) {
			(void)snprintf(detail, AUTHD_DETAIL_MAX,
				       "a stored certificate is malformed");
			goto out;
		}
		der_len[i] = len;
	}
	why = authd_trust_check(t, a->policy, der[0], der_len[0],
				(const unsigned char *const *)&der[1], &der_len[1], n - 1,
				(time_t)authd_now(), out, detail);
out:
	for (i = 0; i < LOGIN_X5C_MAX; i++) {
		free(der[i]);
	}
	return why;
}

/* A password + TOTP session proved no certificate: only its person and
 * enterprise are checked again. */
static enum authd_reason recheck_person(struct authd *a, struct session *s, const char *remote_addr,
					char detail[AUTHD_DETAIL_MAX])
{
	struct oc_dir_pw_owner who;
	struct oc_dir *dir;
	int r;

	dir = dir_pool_get(a->dirs);
	r = oc_dir_find_person(dir, s->row.person_id, &who);
	if (r == ONECARD_ERR_DIRECTORY) {
		authd_log("directory: %s", oc_dir_diagnostic(dir));
	}
	dir_pool_put(a->dirs, dir);
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_DIRECTORY:
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "the directory did not answer");
		return AR_DIRECTORY_UNAVAILABLE;
	case ONECARD_ERR_NOT_FOUND:
		return end_for(a, s, AR_PERSON_SUSPENDED, remote_addr, detail,
			       "the person is no longer in the directory");
	default:
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "directory lookup: %s",
			       onecard_err_code(r));
		return AR_INTERNAL;
	}
	if (strcmp(who.enterprise.uscc, s->row.enterprise_uscc) != 0) {
		return end_for(a, s, AR_PERSON_SUSPENDED, remote_addr, detail,
			       "the directory now records the person under another enterprise");
	}
	if (who.person.status != OC_DIR_STATUS_ACTIVE) {
		return end_for(a, s, AR_PERSON_SUSPENDED, remote_addr, detail,
			       "the person is suspended");
	}
	if (who.enterprise.status != OC_DIR_STATUS_ACTIVE) {
		return end_for(a, s, AR_ENTERPRISE_SUSPENDED, remote_addr, detail,
			       "the enterprise is suspended");
	}
	return AR_OK;
}

enum authd_reason authd_session_recheck(struct authd *a, struct authd_trust *t, struct session *s,
					const char *remote_addr, char detail[AUTHD_DETAIL_MAX])
{
	const char *hashes[LOGIN_PROOFS_MAX];
	char cause[AUTHD_DETAIL_MAX];
	struct oc_dir_login who;
	json_t *certs = NULL;
	struct oc_dir *dir;
	enum authd_reason why = AR_INTERNAL;
	size_t i, n, missing = 0;
	int r;

	detail[0] = '\0';
	if (strcmp(s->row.acr, "pwd-otp") == 0) {
		return recheck_person(a, s, remote_addr, detail);
	}
	certs = s->row.certs_json != NULL ? json_loadb(s->row.certs_json, strlen(s->row.certs_json),
						       JSON_REJECT_DUPLICATES, NULL)
					  : NULL;
	n = json_array_size(certs);
	if (!json_is_array(certs) || n == 0 || n > LOGIN_PROOFS_MAX) {
		(void)snprintf(detail, AUTHD_DETAIL_MAX,
			       "the session's certificates are unreadable");
		goto out;
	}
	for (i = 0; i < n; i++) {
		why = check_stored_cert(a, t, json_array_get(certs, i), &s->certs[i], cause);
		if (why != AR_OK) {
			/* A fault of authd's, or a CRL late or missing for now: refused
			 * for the time being, the session left alone (fails closed,
			 * ends nothing that a published CRL would let on again). */
			if (authd_reason_status(why) >= 500 || why == AR_CRL_STALE ||
			    why == AR_CERT_STATUS_UNKNOWN) {
				(void)snprintf(detail, AUTHD_DETAIL_MAX, "%.200s (%s)", cause,
					       authd_reason_code(why));
				if (authd_reason_status(why) < 500) {
					why = AR_INVALID_GRANT;
				}
				goto out;
			}
			why = end_for(a, s, why, remote_addr, detail, cause);
			goto out;
		}
		s->ncerts = i + 1;
		hashes[i] = s->certs[i]->sha256_hex;
	}
	dir = dir_pool_get(a->dirs);
	r = oc_dir_find_login(dir, hashes, n, &who, &missing);
	if (r == ONECARD_ERR_DIRECTORY) {
		authd_log("directory: %s", oc_dir_diagnostic(dir));
	}
	dir_pool_put(a->dirs, dir);
	switch (r) {
	case ONECARD_OK:
		break;
	case ONECARD_ERR_DIRECTORY:
		why = AR_DIRECTORY_UNAVAILABLE;
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "the directory did not answer");
		goto out;
	case ONECARD_ERR_NOT_FOUND:
	case ONECARD_ERR_MISMATCH:
		why = end_for(a, s, AR_CERT_UNKNOWN, remote_addr, detail,
			      "a certificate of the session is on no enrolled card any more");
		goto out;
	default:
		why = AR_INTERNAL;
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "directory lookup: %s",
			       onecard_err_code(r));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(who.agency[i], s->certs[i]->agency) != 0) {
			why = end_for(a, s, AR_CERT_UNKNOWN, remote_addr, detail,
				      "the directory records another agency for a certificate");
			goto out;
		}
	}
	if (strcmp(who.card.id, s->row.card_id) != 0 ||
	    strcmp(who.person.id, s->row.person_id) != 0 ||
	    strcmp(who.enterprise.uscc, s->row.enterprise_uscc) != 0) {
		why = end_for(a, s, AR_CARD_MISMATCH, remote_addr, detail,
			      "the directory now records the card under someone else");
	} else if (who.card.status != OC_DIR_STATUS_ACTIVE) {
		why = end_for(a, s, AR_CARD_SUSPENDED, remote_addr, detail,
			      "the card is suspended");
	} else if (who.person.status != OC_DIR_STATUS_ACTIVE) {
		why = end_for(a, s, AR_PERSON_SUSPENDED, remote_addr, detail,
			      "the card holder is suspended");
	} else if (who.enterprise.status != OC_DIR_STATUS_ACTIVE) {
		why = end_for(a, s, AR_ENTERPRISE_SUSPENDED, remote_addr, detail,
			      "the enterprise is suspended");
	} else {
		why = AR_OK;
	}
out:
	json_decref(certs);
	return why;
}

static unsigned acr_bit(const char *acr)
{
	if (strcmp(acr, "card") == 0) {
		return OC_ACR_CARD;
	}
	if (strcmp(acr, "pwd-otp") == 0) {
		return OC_ACR_PWD_OTP;
	}
	return 0;
}

enum authd_reason authd_session_admits(const oc_module *m, const struct session *s,
				       json_t **missing, char detail[AUTHD_DETAIL_MAX])
{
	json_t *absent = NULL;
	size_t i, j, used = 0;
	int found, denied = 0, w;

	*missing = NULL;
	detail[0] = '\0';
	if ((m->acr & acr_bit(s->row.acr)) == 0) {
		*missing = json_pack("{s:s}", "acr", "card");
		(void)snprintf(detail, AUTHD_DETAIL_MAX, "module %s requires a card login", m->id);
		return AR_ACCESS_DENIED;
	}
	for (i = 0; i < m->agencies_len; i++) {
		found = 0;
		for (j = 0; j < s->ncerts; j++) {
			if (strcmp(s->certs[j]->agency, m->agencies[i]) == 0) {
				found = 1;
			}
		}
		if (found) {
			continue;
		}
		if (!denied) {
			denied = 1;
			absent = json_array();
			w = snprintf(detail, AUTHD_DETAIL_MAX,
				     "module %s requires a card login with the %s certificate",
				     m->id, m->agencies[i]);
		} else {
			w = snprintf(detail + used, AUTHD_DETAIL_MAX - used,
				     " and the %s certificate", m->agencies[i]);
		}
		if (w > 0 && (size_t)w < AUTHD_DETAIL_MAX - used) {
			used += (size_t)w;
		}
		(void)json_array_append_new(absent, json_string(m->agencies[i]));
	}
	if (!denied) {
		return AR_OK;
	}
	*missing = json_pack("{s:o}", "agencies", absent);
	return AR_ACCESS_DENIED;
}

void authd_session_clear(struct session *s)
{
	size_t i;

	for (i = 0; i < s->ncerts; i++) {
		authd_cert_release(s->certs[i]);
	}
	oc_astore_session_row_clear(&s->row);
	memset(s, 0, sizeof(*s));
}
