/*
 * Why a request was refused: one entry per error code of docs/authd.md,
 * with its HTTP status and a fixed sentence. The code strings are a
 * published interface (clients and the audit rows use them): append,
 * never rename.
 */
#ifndef ONECARD_AUTHD_REASONS_H
#define ONECARD_AUTHD_REASONS_H

#include "chain.h"

enum authd_reason {
	AR_OK = 0,
	AR_INVALID_REQUEST,
	AR_INVALID_TARGET,
	AR_CHALLENGE_INVALID,
	AR_CHALLENGE_EXPIRED,
	AR_CHALLENGE_REPLAYED,
	AR_PROOF_INVALID,
	AR_CERT_UNTRUSTED,
	AR_CERT_EXPIRED,
	AR_CERT_REVOKED,
	AR_CERT_STATUS_UNKNOWN,
	AR_CRL_STALE,
	AR_CERT_INVALID,
	AR_CERT_UNKNOWN,
	AR_CARD_MISMATCH,
	AR_CARD_SUSPENDED,
	AR_PERSON_SUSPENDED,
	AR_ENTERPRISE_SUSPENDED,
	AR_ACCESS_DENIED,
	AR_DATABASE_UNAVAILABLE,
	AR_DIRECTORY_UNAVAILABLE,
	AR_INTERNAL,
	/* SSO (docs/sso.md) */
	AR_UNSUPPORTED_GRANT_TYPE,
	AR_INVALID_GRANT,
	AR_INVALID_CLIENT,
	AR_INVALID_TOKEN,
	/* the password + TOTP login (issue 6) */
	AR_INVALID_CREDENTIALS,
	AR_LOCKED,
	AR_COUNT_
};

/* The stable code ("challenge_replayed"); never NULL. */
const char *authd_reason_code(enum authd_reason r);
/* The HTTP status the code is answered with. */
unsigned authd_reason_status(enum authd_reason r);
/* A fixed sentence for people; never NULL. */
const char *authd_reason_text(enum authd_reason r);
/* The login refusal for a certificate path verdict. */
enum authd_reason authd_reason_from_chain(enum oc_chain_reason why);

#endif
