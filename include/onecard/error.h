/*
 * onecard — error codes shared by every part of onecard.
 *
 * Every fallible function returns 0 (ONECARD_OK) or one of the negative
 * codes below. Codes are only ever appended: a number, once published,
 * keeps its meaning, and so does its short code string (which also
 * appears in HTTP error bodies as "error").
 */
#ifndef ONECARD_ERROR_H
#define ONECARD_ERROR_H

#include <onecard/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

enum onecard_error {
	ONECARD_OK = 0,
	ONECARD_ERR_INTERNAL = -1,	    /* a bug or an unexpected library failure */
	ONECARD_ERR_NOMEM = -2,		    /* out of memory */
	ONECARD_ERR_INVALID_ARG = -3,	    /* the caller passed something unusable */
	ONECARD_ERR_BAD_FORMAT = -4,	    /* not a compact JWS / not valid JSON / bad base64url */
	ONECARD_ERR_TOO_LARGE = -5,	    /* input over its named maximum */
	ONECARD_ERR_ALG_NOT_ALLOWED = -6,   /* alg not allowed, or does not fit the key */
	ONECARD_ERR_UNKNOWN_KID = -7,	    /* no key for this kid (or no kid and no single fit) */
	ONECARD_ERR_BAD_SIGNATURE = -8,	    /* signature does not verify */
	ONECARD_ERR_EXPIRED = -9,	    /* exp passed (beyond leeway) */
	ONECARD_ERR_NOT_YET_VALID = -10,    /* nbf or iat in the future (beyond leeway) */
	ONECARD_ERR_WRONG_ISSUER = -11,	    /* iss is not exactly the expected issuer */
	ONECARD_ERR_WRONG_AUDIENCE = -12,   /* aud does not name the expected audience */
	ONECARD_ERR_WRONG_TYPE = -13,	    /* typ header is not the expected token type */
	ONECARD_ERR_CRIT_UNSUPPORTED = -14, /* crit header present: no extension is understood */
	ONECARD_ERR_HEADER_NOT_ALLOWED = -15, /* jwk, jku, x5u, x5c or another unlisted header */
	ONECARD_ERR_BAD_CLAIM = -16,	      /* a required claim missing or of the wrong type */
	ONECARD_ERR_BAD_KEY = -17,	      /* a JWK is invalid or unsupported */
	ONECARD_ERR_BAD_KEYSET = -18, /* a JWKS is invalid (duplicate kid, mixed private...) */
	ONECARD_ERR_IO = -19,	      /* reading or writing a file failed */
	ONECARD_ERR_CRYPTO = -20,     /* OpenSSL refused an operation it should not have */
	/* cards (PKCS#11) */
	ONECARD_ERR_CARD_ABSENT = -21,	 /* no card, or not the card asked for */
	ONECARD_ERR_PIN_INCORRECT = -22, /* wrong PIN (retries may be left) */
	ONECARD_ERR_PIN_LOCKED = -23,	 /* PIN blocked: too many wrong tries */
	ONECARD_ERR_KEY_MISSING = -24,	 /* certificate without its private key */
	ONECARD_ERR_CARD = -25,		 /* the card or its module failed */
	ONECARD_ERR_NOT_FOUND = -26,	 /* no such object, serial, entry */
	/* certificate authority, policy, stores */
	ONECARD_ERR_POLICY = -27,	   /* policy or config file invalid */
	ONECARD_ERR_UNKNOWN_PROFILE = -28, /* no such certificate profile */
	ONECARD_ERR_BAD_CSR = -29,	   /* CSR malformed or its signature invalid */
	ONECARD_ERR_KEY_FORBIDDEN = -30,   /* key type or size the profile forbids */
	ONECARD_ERR_ALREADY_REVOKED = -31, /* certificate revoked before */
	ONECARD_ERR_DATABASE = -32,	   /* PostgreSQL unreachable or failed */
	ONECARD_ERR_DIRECTORY = -33,	   /* LDAP unreachable or failed */
	ONECARD_ERR_PASSPHRASE = -34,	   /* wrong or missing key passphrase */
	ONECARD_ERR_EXISTS = -35,	   /* already there (CA home, card entry...) */
	ONECARD_ERR_CANCELLED = -36,	   /* the user cancelled (PIN prompt) */
	/* authd */
	ONECARD_ERR_MISMATCH = -37, /* things that must belong together do not (two cards) */
	/* module verifier (module.h) */
	ONECARD_ERR_ACR_NOT_ALLOWED = -38, /* acr is not an assurance level the module admits */
	ONECARD_ERR_AGENCY_MISSING = -39,  /* a required agency is not among the token's agencies */
	ONECARD_ERR_KEYS_UNAVAILABLE = -40, /* no usable keys: the JWKS could not be fetched */
};

/* Returns the stable short code of an error ("bad_format", "expired"...).
 * Never NULL; an unknown number gives "unknown_error". */
ONECARD_API const char *onecard_err_code(int err);

/* Returns a fixed human sentence for an error ("token has expired").
 * Never NULL; the string is static. */
ONECARD_API const char *onecard_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* ONECARD_ERROR_H */
