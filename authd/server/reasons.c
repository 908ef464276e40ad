/* The refusal table of docs/authd.md "Error codes". */
#include "reasons.h"

struct reason_row {
	const char *code;
	unsigned status;
	const char *text;
};

static const struct reason_row rows[AR_COUNT_] = {
	[AR_OK] = {"ok", 200, "ok"},
	[AR_INVALID_REQUEST] = {"invalid_request", 400, "the request is malformed"},
	[AR_INVALID_TARGET] = {"invalid_target", 400,
			       "the audience is not a module that admits a card login"},
	[AR_CHALLENGE_INVALID] = {"challenge_invalid", 401, "the challenge is not valid here"},
	[AR_CHALLENGE_EXPIRED] = {"challenge_expired", 401, "the challenge has expired"},
	[AR_CHALLENGE_REPLAYED] = {"challenge_replayed", 401,
				   "the challenge was used before: ask for a new one"},
	[AR_PROOF_INVALID] = {"proof_invalid", 401,
			      "a signature does not verify with its certificate"},
	[AR_CERT_UNTRUSTED] = {"cert_untrusted", 401,
			       "a certificate does not chain to a trusted card CA"},
	[AR_CERT_EXPIRED] = {"cert_expired", 401, "a certificate has expired or is not yet valid"},
	[AR_CERT_REVOKED] = {"cert_revoked", 401, "a certificate is revoked"},
	[AR_CERT_STATUS_UNKNOWN] = {"cert_status_unknown", 401,
				    "the revocation status of a certificate is unknown"},
	[AR_CRL_STALE] = {"crl_stale", 401, "the CRL authd holds is out of date"},
	[AR_CERT_INVALID] = {"cert_invalid", 401, "a certificate is not a valid card certificate"},
	[AR_CERT_UNKNOWN] = {"cert_unknown", 401, "a certificate is not on any enrolled card"},
	[AR_CARD_MISMATCH] = {"card_mismatch", 401, "the proofs come from more than one card"},
	[AR_CARD_SUSPENDED] = {"card_suspended", 403, "the card is suspended"},
	[AR_PERSON_SUSPENDED] = {"person_suspended", 403, "the card holder is suspended"},
	[AR_ENTERPRISE_SUSPENDED] = {"enterprise_suspended", 403, "the enterprise is suspended"},
	[AR_ACCESS_DENIED] = {"access_denied", 403,
			      "the module's policy does not admit this login"},
	[AR_DATABASE_UNAVAILABLE] = {"database_unavailable", 503,
				     "the database is not available; try again later"},
	[AR_DIRECTORY_UNAVAILABLE] = {"directory_unavailable", 503,
				      "the directory is not available; try again later"},
	[AR_INTERNAL] = {"internal", 500, "internal error"},
	[AR_UNSUPPORTED_GRANT_TYPE] = {"unsupported_grant_type", 400,
				       "the grant type is not one authd offers"},
	[AR_INVALID_GRANT] = {"invalid_grant", 400,
			      "the session or subject token is not valid (any more)"},
	[AR_INVALID_CLIENT] = {"invalid_client", 401, "the caller is not a known client"},
	[AR_INVALID_TOKEN] = {"invalid_token", 401, "no valid access token for this module"},
	[AR_INVALID_CREDENTIALS] = {"invalid_credentials", 401,
				    "wrong user name, password or code (a code works only once)"},
	[AR_LOCKED] = {"locked", 429, "too many failed attempts: try again later"},
};

static const struct reason_row *row(enum authd_reason r)
{
	if ((unsigned)r >= AR_COUNT_) {
		return &rows[AR_INTERNAL];
	}
	return &rows[r];
}

const char *authd_reason_code(enum authd_reason r)
{
	return row(r)->code;
}

unsigned authd_reason_status(enum authd_reason r)
{
	return row(r)->status;
}

const char *authd_reason_text(enum authd_reason r)
{
	return row(r)->text;
}

enum authd_reason authd_reason_from_chain(enum oc_chain_reason why)
{
	switch (why) {
	case OC_CHAIN_OK:
		return AR_OK;
	case OC_CHAIN_UNTRUSTED:
		return AR_CERT_UNTRUSTED;
	case OC_CHAIN_EXPIRED:
	case OC_CHAIN_NOT_YET_VALID:
		return AR_CERT_EXPIRED;
	case OC_CHAIN_REVOKED:
		return AR_CERT_REVOKED;
	case OC_CHAIN_CRL_MISSING:
		return AR_CERT_STATUS_UNKNOWN;
	case OC_CHAIN_CRL_STALE:
		return AR_CRL_STALE;
	default:
		return AR_CERT_INVALID;
	}
}
