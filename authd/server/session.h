/*
 * SSO sessions in authd (docs/sso.md): what a card login stores, and
 * what every later use of the session checks again before a token is
 * issued from it (the certificates' paths and revocation, the card, its
 * holder and enterprise in the directory). The store keeps the rows
 * (authd/store, oc_astore_session_*); this file decides.
 */
#ifndef ONECARD_AUTHD_SESSION_H
#define ONECARD_AUTHD_SESSION_H

#include <jansson.h>
#include <stdint.h>

#include "astore.h"
#include "authd.h"
#include "login_request.h"
#include "own_token.h"
#include "reasons.h"
#include "trust.h"

/* A session found live, with its certificates checked again. */
struct session {
	struct oc_astore_session_row row;
	const struct authd_cert *certs[LOGIN_PROOFS_MAX]; /* in login order */
	size_t ncerts;
};

/* The certificates a login proved, as the session row keeps them:
 * [{"agency", "sha256" (hex), "x5c": [base64url DER, ...]}, ...] in
 * proof order. NULL when out of memory. */
json_t *authd_session_certs_json(const struct proof *proofs, size_t n);

/*
 * Finds the session of a credential hash (or, hash NULL, of a sid) and,
 * touch 1, marks it used. AR_OK with s->row filled when it is live;
 * AR_INVALID_GRANT with a sentence saying why not (ended, expired, idle,
 * unknown); AR_DATABASE_UNAVAILABLE. Release s with authd_session_clear
 * in every case.
 */
enum authd_reason authd_session_find(struct authd *a, const uint8_t *hash, const char *sid,
				     int touch, struct session *s, char detail[AUTHD_DETAIL_MAX]);

/*
 * Checks a live session again against trust t (a reference the caller
 * holds) at now: each certificate's path, revocation and profile (the
 * validated-certificate cache makes this cheap while nothing changed),
 * then the directory (the certificates still on one card; card, holder
 * and enterprise active). A refusal ends the session (reason the refusal
 * code, event row at remote_addr) and answers AR_INVALID_GRANT with the
 * cause in detail; a service down answers its *_UNAVAILABLE code and
 * leaves the session alone.
 */
enum authd_reason authd_session_recheck(struct authd *a, struct authd_trust *t, struct session *s,
					const char *remote_addr, char detail[AUTHD_DETAIL_MAX]);

/*
 * Whether module m admits session s: its acr among the module's, each
 * agency the module requires proven. AR_OK, or AR_ACCESS_DENIED with
 * the sentence in detail and *missing set to {"acr": "card"} or
 * {"agencies": [ids]} (a new reference, for the answer).
 */
enum authd_reason authd_session_admits(const oc_module *m, const struct session *s,
				       json_t **missing, char detail[AUTHD_DETAIL_MAX]);

/* Releases the certificates and the row; zeroes *s. */
void authd_session_clear(struct session *s);

#endif
