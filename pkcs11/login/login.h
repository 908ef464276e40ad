/*
 * onecard-login: the operator's side of the card login (DESIGN.md "Card
 * login protocol", docs/authd.md, docs/login.md).
 *
 * The core below is a static library (onecard_login_core) that the program
 * and its tests link. It never prints, never exits and never reads a PIN:
 *
 *   origin.c      the authd URL: checked, the origin derived (pure)
 *   wire.c        the JSON bodies: requests built, answers parsed (jansson)
 *   http_curl.c   the one file that calls libcurl: requests, and the form
 *                 bodies of docs/sso.md (curl_easy_escape)
 *   cache.c       the credential cache: location, folder and file checks,
 *                 atomic write, wipe (the show output is show.c)
 *   show.c        the klist-like listing of a cache
 *   proofs.c      which certificates of a card sign, and the signing
 *   secrets.c     the password login's inputs: the user id, the code's
 *                 form, and the two lines (password, code) read from a
 *                 descriptor when no terminal asks for them
 *
 * Every function returns ONECARD_OK or a negative ONECARD_ERR_* code;
 * outputs are cleared at entry and set only on success. Where a refusal
 * needs a reason, a fixed English sentence comes back through *why.
 */
#ifndef ONECARD_LOGIN_H
#define ONECARD_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "card.h"
#include "challenge.h"

/* ---- limits ------------------------------------------------------------ */

#define OC_LOGIN_URL_MAX	 2048u /* bytes of --authd */
#define OC_LOGIN_HOST_MAX	 253u  /* bytes of a DNS name (RFC 1035) */
#define OC_LOGIN_LABEL_MAX	 63u   /* bytes of one DNS label */
#define OC_LOGIN_AUDIENCE_MAX	 OC_CHALLENGE_AUDIENCE_MAX
#define OC_LOGIN_ROUTE_MAX	 64u		    /* bytes of "/v1/challenge" and the like */
#define OC_LOGIN_RESPONSE_MAX	 (64u * 1024u)	    /* bytes of an answer body */
#define OC_LOGIN_TOKEN_MAX	 (16u * 1024u)	    /* bytes of an access token */
#define OC_LOGIN_FIELD_MAX	 255u		    /* bytes of sub, ent, card, an agency id */
#define OC_LOGIN_AGENCIES_MAX	 64u		    /* agencies in one answer */
#define OC_LOGIN_PROOFS_MAX	 16u		    /* proofs in one login (docs/authd.md) */
#define OC_LOGIN_ERROR_CODE_MAX	 64u		    /* bytes of "error" (docs/http.md) */
#define OC_LOGIN_ERROR_DESC_MAX	 256u		    /* bytes of "error_description" */
#define OC_LOGIN_LIFETIME_MAX	 86400		    /* seconds: a longer expires_in is refused */
#define OC_LOGIN_CONNECT_TIMEOUT 10L		    /* seconds to connect (TLS included) */
#define OC_LOGIN_TIMEOUT	 30L		    /* seconds for one whole request */
#define OC_LOGIN_CONTEXT	 "onecard-login-v1" /* the proof context authd names */
#define OC_LOGIN_ACR_MAX	 32u		    /* bytes of an "acr" */
#define OC_LOGIN_FORM_MAX	 (8u * 1024u)	    /* bytes of a form body sent */
#define OC_LOGIN_FORM_FIELDS_MAX 8u		    /* fields of a form body */
#define OC_LOGIN_USER_MAX	 64u		    /* bytes of a person id (directory uid) */
#define OC_LOGIN_PASSWORD_MAX	 256u /* bytes of a directory password (docs/directory.md) */
#define OC_LOGIN_OTP_MAX	 8u   /* digits of a TOTP code: 6 or 8 (docs/otp.md) */
#define OC_LOGIN_OTP_SHORT	 6u
/* Bytes read from a descriptor for the two lines: the longest password,
 * the longest code, and a CR LF after each. */
#define OC_LOGIN_SECRETS_INPUT_MAX (OC_LOGIN_PASSWORD_MAX + OC_LOGIN_OTP_MAX + 4u)
/* Seconds of a Retry-After worth repeating: a longer one is not believed. */
#define OC_LOGIN_RETRY_AFTER_MAX 86400
/* The assurance levels (acr) of the two logins (docs/policy.md). */
#define OC_LOGIN_ACR_CARD    "card"
#define OC_LOGIN_ACR_PWD_OTP "pwd-otp"

/* ---- the SSO session (docs/sso.md) -------------------------------------- */

#define OC_LOGIN_SESSION_PREFIX	      "ocs1_"
#define OC_LOGIN_SESSION_PREFIX_LEN   5u
#define OC_LOGIN_SESSION_SECRET_BYTES 32u /* what the base64url part decodes to */
#define OC_LOGIN_SESSION_CRED_LEN     (OC_LOGIN_SESSION_PREFIX_LEN + 43u)
/* Seconds: a longer refresh_expires_in or session_idle_timeout is refused
 * (the policy allows at most 604800 and 86400; this leaves room). */
#define OC_LOGIN_SESSION_LIFETIME_MAX (30 * 86400)
/* Seconds a cached access token must still live to be handed out again:
 * a token about to expire is useless to whoever asked for it. */
#define OC_LOGIN_TOKEN_MIN_LEFT 30
#define OC_LOGIN_TOKEN_TYPE_AT	"urn:ietf:params:oauth:token-type:access_token"
#define OC_LOGIN_TOKEN_TYPE_JWT "urn:ietf:params:oauth:token-type:jwt"

/* ---- the authd URL (origin.c) ------------------------------------------ */

/* An authd URL, checked. All strings NUL-terminated. */
struct oc_login_url {
	char scheme[8];				  /* "http" or "https" */
	char host[OC_LOGIN_HOST_MAX + 1];	  /* lower case; IPv6 "[canonical]" */
	unsigned port;				  /* the port connected to */
	bool loopback;				  /* localhost, 127.0.0.0/8 or [::1] */
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1]; /* scheme://host[:port] */
	char base[OC_LOGIN_URL_MAX + 1]; /* origin plus the path prefix, no '/' at the end */
};

/*
 * Checks text as an authd URL and derives its origin: scheme http or
 * https (any case; lower-cased), a host name (letters, digits, '-', '.',
 * lower-cased; a numeric one must be a dotted-quad IPv4 address) or a
 * bracketed IPv6 address (written canonically, no zone), an optional port
 * (1..65535, no leading zero; 80 for http and 443 for https are left out
 * of the origin), and an optional path prefix of unreserved characters and
 * percent escapes. Refused: user information, a query or fragment, empty
 * or dot path segments, bytes outside printable ASCII, a backslash, and
 * http to a host that is not loopback.
 * Success: ONECARD_OK and *out. Failure: ONECARD_ERR_BAD_FORMAT or
 * ONECARD_ERR_TOO_LARGE with *why a fixed sentence (why may be NULL).
 */
int oc_login_url_parse(const char *text, struct oc_login_url *out, const char **why);

/* Whether text is an audience authd can name: 1..255 of [a-z0-9-]. */
bool oc_login_audience_ok(const char *text);

/* ---- the bodies (wire.c) ----------------------------------------------- */

/* One proof of docs/authd.md: the card certificate (DER), the algorithm
 * and the signature over the proof message. */
struct oc_login_proof {
	uint8_t *der; /* owned, OPENSSL_malloc'ed (i2d_X509) */
	size_t der_len;
	enum oc_proof_alg alg;
	uint8_t sig[OC_PROOF_SIG_MAX];
	size_t sig_len;
};

/* Frees the DER of each proof and wipes the array; NULL does nothing. */
void oc_login_proofs_clear(struct oc_login_proof *proofs, size_t n);

/* The JOSE name of an algorithm ("ES256"), or NULL for an unknown one. */
const char *oc_login_alg_name(enum oc_proof_alg alg);

/* {"audience": AUD}. Success: ONECARD_OK, *body a new string (free()).
 * Failure: ONECARD_ERR_INVALID_ARG (bad audience), ONECARD_ERR_NOMEM. */
int oc_login_challenge_request(const char *audience, char **body);

/* What /v1/challenge answered. */
struct oc_login_challenge {
	char text[OC_CHALLENGE_TEXT_MAX + 1]; /* as received: sent back in /v1/login */
	size_t text_len;
	uint8_t wire[OC_CHALLENGE_WIRE_MAX]; /* the decoded bytes the proof message holds */
	size_t wire_len;
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1]; /* authd's word for its origin ("" if none) */
	int64_t expires_at;			  /* 0 when not given */
};

/*
 * Parses the 200 answer of /v1/challenge (len bytes, untrusted): a JSON
 * object without duplicate members; "challenge" a strict base64url string
 * of at most OC_CHALLENGE_TEXT_MAX characters; "audience", when present,
 * exactly the one asked for; "context", when present, OC_LOGIN_CONTEXT;
 * "origin" a string and "expires_at" an integer when present.
 * Success: ONECARD_OK and *out. Failure: ONECARD_ERR_BAD_FORMAT with *why.
 */
int oc_login_challenge_parse(const char *body, size_t len, const char *audience,
			     struct oc_login_challenge *out, const char **why);

/*
 * {"challenge": TEXT, "proofs": [{"x5c": [base64 DER], "alg": ALG, "sig":
 * base64url}, ...]} with 1..OC_LOGIN_PROOFS_MAX proofs. x5c is standard
 * base64 (RFC 7515 §4.1.6); sig is base64url without padding.
 * Success: ONECARD_OK, *body a new string (free(); it holds no secret).
 * Failure: ONECARD_ERR_INVALID_ARG, ONECARD_ERR_TOO_LARGE, ONECARD_ERR_NOMEM.
 */
int oc_login_request_build(const char *challenge, const struct oc_login_proof *proofs, size_t n,
			   char **body);

/* The SSO session a login opened (docs/sso.md "The session"). */
struct oc_login_session {
	/* The session credential: a secret, like a password. "" when the
	 * answer opened none. Wiped by oc_login_token_clear. */
	char credential[OC_LOGIN_SESSION_CRED_LEN + 1];
	int64_t expires_in;   /* refresh_expires_in: seconds from the login */
	int64_t idle_timeout; /* session_idle_timeout: seconds without use */
};

/* What /v1/login, /v1/login/password or /v1/token answered. */
struct oc_login_token {
	char *access_token;		   /* owned; wiped and freed by oc_login_token_clear */
	int64_t expires_in;		   /* seconds */
	char sub[OC_LOGIN_FIELD_MAX + 1];  /* "" from /v1/token */
	char ent[OC_LOGIN_FIELD_MAX + 1];  /* "" from /v1/token */
	char card[OC_LOGIN_FIELD_MAX + 1]; /* "" from /v1/token and a password login */
	char audience[OC_LOGIN_AUDIENCE_MAX + 1];
	/* The assurance level: from /v1/token and /v1/login when the answer
	 * names one ("" when absent); OC_LOGIN_ACR_PWD_OTP from a password
	 * login. */
	char acr[OC_LOGIN_ACR_MAX + 1];
	json_t *agencies;		 /* owned: an array of strings (1..OC_LOGIN_AGENCIES_MAX
					  * from /v1/login, 0..OC_LOGIN_AGENCIES_MAX from /v1/token
					  * and a password login) */
	struct oc_login_session session; /* from /v1/login and /v1/login/password */
};

/* Wipes the token and the session credential and frees what *t owns;
 * leaves *t zeroed. NULL does nothing. */
void oc_login_token_clear(struct oc_login_token *t);

/* Whether text (len bytes) is a session credential of docs/sso.md:
 * "ocs1_" and 43 strict base64url characters (32 bytes). Constant time
 * for a given length. */
bool oc_login_session_credential_ok(const char *text, size_t len);

/*
 * Parses the 200 answer of /v1/login (untrusted): "access_token" a JWS
 * compact string (three base64url segments) of at most OC_LOGIN_TOKEN_MAX
 * bytes; "token_type" "Bearer" (any case); "expires_in" an integer
 * 1..OC_LOGIN_LIFETIME_MAX; "sub", "ent", "card" strings of
 * 1..OC_LOGIN_FIELD_MAX bytes; "agencies" an array of such strings;
 * "audience" exactly the one asked for; "acr", when present, a string of
 * 1..OC_LOGIN_ACR_MAX bytes other than OC_LOGIN_ACR_PWD_OTP (a card
 * login is never a password login). The SSO session (docs/sso.md)
 * when "refresh_token" is there: a session credential
 * (oc_login_session_credential_ok), with "refresh_expires_in" and
 * "session_idle_timeout" integers 1..OC_LOGIN_SESSION_LIFETIME_MAX; an
 * answer without "refresh_token" opened no session (out->session empty).
 * Success: ONECARD_OK and *out (oc_login_token_clear). Failure:
 * ONECARD_ERR_BAD_FORMAT with *why, ONECARD_ERR_NOMEM.
 */
int oc_login_token_parse(const char *body, size_t len, const char *audience,
			 struct oc_login_token *out, const char **why);

/*
 * Parses the 200 answer of /v1/login/password (untrusted): as a card
 * login's answer (oc_login_token_parse), except that "card" and
 * "agencies" are optional: "card", when present, is checked (a string of
 * 1..OC_LOGIN_FIELD_MAX bytes) but not kept, since no card took part;
 * "agencies", when present, is an array of 0..OC_LOGIN_AGENCIES_MAX
 * agency ids (kept; absent: an empty array). "acr", when present, must be
 * OC_LOGIN_ACR_PWD_OTP; out->acr is OC_LOGIN_ACR_PWD_OTP either way.
 * Success: ONECARD_OK and *out (oc_login_token_clear). Failure:
 * ONECARD_ERR_BAD_FORMAT with *why, ONECARD_ERR_NOMEM.
 */
int oc_login_password_parse(const char *body, size_t len, const char *audience,
			    struct oc_login_token *out, const char **why);

/*
 * Parses the 200 answer of /v1/token (docs/sso.md "The answer";
 * untrusted): "access_token", "token_type", "expires_in" as for a login;
 * "audience" exactly the one asked for; "issued_token_type", when
 * present, OC_LOGIN_TOKEN_TYPE_AT or OC_LOGIN_TOKEN_TYPE_JWT; "acr", when
 * present, a string of 1..OC_LOGIN_ACR_MAX bytes; "agencies", when
 * present, an array of 0..OC_LOGIN_AGENCIES_MAX agency ids. An access
 * token that is a session credential is refused (row J9). sub, ent, card
 * and the session stay empty.
 * Success: ONECARD_OK and *out (oc_login_token_clear). Failure:
 * ONECARD_ERR_BAD_FORMAT with *why, ONECARD_ERR_NOMEM.
 */
int oc_login_grant_parse(const char *body, size_t len, const char *audience,
			 struct oc_login_token *out, const char **why);

/* An error answer: {"error": CODE, "error_description": TEXT}. */
struct oc_login_error {
	char code[OC_LOGIN_ERROR_CODE_MAX + 1];	       /* [a-z0-9_], 1..64 bytes */
	char description[OC_LOGIN_ERROR_DESC_MAX + 1]; /* "" when absent */
};

/* Parses an error body (untrusted). Success: ONECARD_OK and *out.
 * Failure: ONECARD_ERR_BAD_FORMAT (not an error body of docs/authd.md). */
int oc_login_error_parse(const char *body, size_t len, struct oc_login_error *out);

/* ---- the password login's inputs (secrets.c, wire.c) ------------------- */

/* Whether text is a person id authd can name: 1..OC_LOGIN_USER_MAX of
 * [A-Za-z0-9._-] (the directory's uid). */
bool oc_login_user_ok(const char *text);

/* Whether the len bytes at code are a TOTP code's form: exactly 6 or 8
 * ASCII digits. */
bool oc_login_otp_ok(const char *code, size_t len);

/* A password and a TOTP code, as typed. Wiped by oc_login_secrets_clear. */
struct oc_login_secrets {
	char password[OC_LOGIN_PASSWORD_MAX + 1]; /* NUL-terminated, no NUL inside */
	size_t password_len;
	char otp[OC_LOGIN_OTP_MAX + 1]; /* 6 or 8 digits, NUL-terminated */
	size_t otp_len;
};

/* Wipes *s; NULL does nothing. */
void oc_login_secrets_clear(struct oc_login_secrets *s);

/*
 * Splits the len bytes at buf into exactly two lines: the password, then
 * the code. A line ends with LF, or CR LF; the second may also end with
 * the input. Refused, with *why a fixed sentence that never quotes the
 * input: no second line, a third line (an empty one too), an empty
 * password, a NUL byte, a password over OC_LOGIN_PASSWORD_MAX bytes
 * (ONECARD_ERR_TOO_LARGE), a code that is not 6 or 8 digits.
 * Success: ONECARD_OK and *out. Failure: ONECARD_ERR_BAD_FORMAT or
 * ONECARD_ERR_TOO_LARGE, *out wiped.
 */
int oc_login_secrets_parse(const char *buf, size_t len, struct oc_login_secrets *out,
			   const char **why);

/*
 * Reads fd to its end (at most OC_LOGIN_SECRETS_INPUT_MAX bytes; one more
 * is ONECARD_ERR_TOO_LARGE without reading on) and splits what came as
 * oc_login_secrets_parse does. The read buffer is wiped.
 * Success: ONECARD_OK and *out. Failure: ONECARD_ERR_IO (errno kept),
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_BAD_FORMAT; *why says which.
 */
int oc_login_secrets_read(int fd, struct oc_login_secrets *out, const char **why);

/*
 * {"username": USER, "password": PASSWORD, "otp": CODE, "audience": AUD},
 * compact, in that order (docs/login.md "Password and code"). user must
 * pass oc_login_user_ok, the code oc_login_otp_ok, the audience
 * oc_login_audience_ok; the password is 1..OC_LOGIN_PASSWORD_MAX bytes of
 * UTF-8 without NUL, escaped for JSON ('"', '\\' and control characters).
 * The body holds the password: free it with oc_login_password_request_free.
 * Success: ONECARD_OK, *body (NUL-terminated) and *len. Failure:
 * ONECARD_ERR_INVALID_ARG (a field refused; *why says which; the password
 * is never quoted), ONECARD_ERR_NOMEM.
 */
int oc_login_password_request(const char *user, const struct oc_login_secrets *secrets,
			      const char *audience, char **body, size_t *len, const char **why);

/* Wipes and frees a body of oc_login_password_request; NULL does nothing. */
void oc_login_password_request_free(char *body);

/* ---- the card's part (proofs.c) ---------------------------------------- */

/* A certificate that will sign, and how. */
struct oc_login_pick {
	const struct oc_card_cert *cert; /* borrowed from the certificate list */
	enum oc_proof_alg alg;
	enum oc_card_mech mech;
};

/*
 * Picks, in card order, every certificate whose private key is on the card
 * (OC_CARD_KEY_PRESENT) and whose key the card library can sign with: EC
 * P-256 signs ES256 (DER), RSA 2048..4096 RS256, or PS256 when rsa_pss.
 * *skipped counts the certificates left out.
 * Success: ONECARD_OK, picks[0..*n). Failure: ONECARD_ERR_KEY_MISSING (not
 * one), ONECARD_ERR_TOO_LARGE (over OC_LOGIN_PROOFS_MAX).
 */
int oc_login_pick(const struct oc_card_certs *certs, bool rsa_pss,
		  struct oc_login_pick picks[OC_LOGIN_PROOFS_MAX], size_t *n, size_t *skipped);

/* Why a certificate will not sign ("its private key is not on the card"),
 * or NULL when oc_login_pick would pick it. A fixed sentence. */
const char *oc_login_unusable(const struct oc_card_cert *c, bool rsa_pss);

/*
 * Signs msg with the key of each pick on the open session: proofs[i] gets
 * the certificate's DER, the algorithm and the signature (which the card
 * library has verified against the certificate before handing it out).
 * Success: ONECARD_OK. Failure: what oc_card_sign returns, ONECARD_ERR_NOMEM,
 * ONECARD_ERR_CRYPTO; proofs are cleared.
 */
int oc_login_sign(struct oc_card_session *s, const struct oc_login_pick *picks, size_t n,
		  const uint8_t *msg, size_t len, struct oc_login_proof *proofs);

/* ---- exit status: one class per kind of failure ------------------------ */

enum oc_login_exit {
	OC_LOGIN_EXIT_OK = 0,
	OC_LOGIN_EXIT_OTHER = 1,	    /* anything else (I/O, memory, the card failed) */
	OC_LOGIN_EXIT_USAGE = 2,	    /* options, URL, audience, card URI, PIN file */
	OC_LOGIN_EXIT_CARD_ABSENT = 3,	    /* no card, or none the URI names */
	OC_LOGIN_EXIT_PIN_INCORRECT = 4,    /* wrong PIN: nothing was sent to authd */
	OC_LOGIN_EXIT_PIN_LOCKED = 5,	    /* the card refuses every PIN */
	OC_LOGIN_EXIT_NO_CERT = 6,	    /* no certificate with its private key */
	OC_LOGIN_EXIT_UNREACHABLE = 7,	    /* authd could not be reached (network, TLS) */
	OC_LOGIN_EXIT_BAD_ANSWER = 8,	    /* authd's answer breaks docs/authd.md */
	OC_LOGIN_EXIT_REFUSED = 9,	    /* 400/413/415: the request was refused */
	OC_LOGIN_EXIT_AUTH_FAILED = 10,	    /* 401: challenge, proof or certificate refused */
	OC_LOGIN_EXIT_DENIED = 11,	    /* 403: suspended, or access denied */
	OC_LOGIN_EXIT_UNAVAILABLE = 12,	    /* 500/503: authd cannot answer now */
	OC_LOGIN_EXIT_CACHE = 13,	    /* the credential cache is refused or unwritable */
	OC_LOGIN_EXIT_NO_SESSION = 14,	    /* --token: no SSO session cached (card login first) */
	OC_LOGIN_EXIT_SESSION_ENDED = 15,   /* invalid_grant: the SSO session has ended */
	OC_LOGIN_EXIT_BAD_CREDENTIALS = 16, /* invalid_credentials: user, password or code */
	OC_LOGIN_EXIT_LOCKED = 17,	    /* locked (429): too many failed attempts */
};

/* The exit class of an authd error: by its code (docs/authd.md), else
 * by the HTTP status; OC_LOGIN_EXIT_BAD_ANSWER for anything unknown. */
int oc_login_exit_for_error(const char *code, long http_status);

/* ---- HTTP (http_curl.c) ------------------------------------------------ */

struct oc_login_http;

/* An answer: the status and the body (owned, at most
 * OC_LOGIN_RESPONSE_MAX bytes, NUL-terminated). */
struct oc_login_reply {
	long status;
	bool json; /* Content-Type application/json */
	char *body;
	size_t len;
	/* Seconds of a Retry-After header (delay or date, RFC 9110 §10.2.3):
	 * 1..OC_LOGIN_RETRY_AFTER_MAX, else 0 (absent, past, unreadable or
	 * longer). */
	int64_t retry_after;
};

/* Wipes and frees the body; leaves *r zeroed. */
void oc_login_reply_clear(struct oc_login_reply *r);

/*
 * Makes a client for one authd URL: only its scheme (CURLOPT_PROTOCOLS_STR),
 * no redirect followed, TLS peer and host verified (cacert, when not NULL,
 * a PEM file of trusted CAs instead of the system's), timeouts, no proxy
 * and loopback addresses only for http. Success: ONECARD_OK and *out
 * (oc_login_http_free). Failure: ONECARD_ERR_NOMEM, ONECARD_ERR_INTERNAL.
 * Call curl_global_init() once before (the program does).
 */
int oc_login_http_new(const struct oc_login_url *url, const char *cacert,
		      struct oc_login_http **out);

/* Frees the client; NULL does nothing. */
void oc_login_http_free(struct oc_login_http *h);

/*
 * POSTs body (JSON) to the URL's base plus route ("/v1/challenge").
 * Success: ONECARD_OK and *reply, whatever the status. Failure:
 * ONECARD_ERR_IO (no answer: connection, TLS, timeout; *why says which),
 * ONECARD_ERR_TOO_LARGE (answer over OC_LOGIN_RESPONSE_MAX),
 * ONECARD_ERR_INVALID_ARG, ONECARD_ERR_NOMEM.
 */
int oc_login_http_post(struct oc_login_http *h, const char *route, const char *body, size_t len,
		       struct oc_login_reply *reply, const char **why);

/* The same with Content-Type application/x-www-form-urlencoded: body is
 * a form of oc_login_form_build (it may hold a secret; the caller wipes
 * it). */
int oc_login_http_post_form(struct oc_login_http *h, const char *route, const char *body,
			    size_t len, struct oc_login_reply *reply, const char **why);

/* One field of a form: name 1..32 of [a-z_], value any bytes (NUL-ended). */
struct oc_login_form_field {
	const char *name;
	const char *value;
};

/*
 * Builds an application/x-www-form-urlencoded body (RFC 6749 Appendix B):
 * "name=value" per field, joined by '&', each value escaped with
 * curl_easy_escape (every byte but A-Z a-z 0-9 - . _ ~ as %XX, so a space
 * is %20). 1..OC_LOGIN_FORM_FIELDS_MAX fields, at most OC_LOGIN_FORM_MAX
 * bytes. Every intermediate copy of a value is wiped.
 * Success: ONECARD_OK, *body NUL-terminated and *len (oc_login_form_free).
 * Failure: ONECARD_ERR_INVALID_ARG, ONECARD_ERR_TOO_LARGE,
 * ONECARD_ERR_NOMEM; *body NULL.
 */
int oc_login_form_build(const struct oc_login_form_field *fields, size_t n, char **body,
			size_t *len);

/* Wipes and frees a form body; NULL does nothing. */
void oc_login_form_free(char *body);

/* grant_type=refresh_token&refresh_token=CRED&audience=AUD (docs/sso.md
 * "Refresh with an audience"). The credential is checked
 * (oc_login_session_credential_ok) and the audience
 * (oc_login_audience_ok): ONECARD_ERR_INVALID_ARG otherwise. */
int oc_login_refresh_form(const char *credential, const char *audience, char **body, size_t *len);

/* token=CRED (docs/sso.md "POST /v1/logout"); the credential checked. */
int oc_login_logout_form(const char *credential, char **body, size_t *len);

/* ---- the credential cache (cache.c, show.c) ---------------------------- */

#define OC_CCACHE_PATH_MAX	1024u	       /* bytes of the cache file's path */
#define OC_CCACHE_FILE_MAX	(512u * 1024u) /* bytes of a cache file */
#define OC_CCACHE_AUDIENCES_MAX 64u	       /* tokens in one cache */
#define OC_CCACHE_VERSION	1
#define OC_CCACHE_ENV		"ONECARD_CCACHE"
#define OC_CCACHE_DIR_NAME	"onecard"
#define OC_CCACHE_FILE_NAME	"ccache.json"

/* Where the cache is: its folder and the file's name in it. */
struct oc_ccache_loc {
	char path[OC_CCACHE_PATH_MAX]; /* the file */
	char dir[OC_CCACHE_PATH_MAX];  /* its folder */
	const char *name;	       /* the file's name, inside path */
	bool make_parent;	       /* the folder's parent may be made (~/.cache) */
};

/*
 * The cache location: ccache_env ($ONECARD_CCACHE, an absolute path) when
 * set, else runtime_dir/onecard/ccache.json ($XDG_RUNTIME_DIR, absolute),
 * else home/.cache/onecard/ccache.json. Empty or relative values are
 * skipped as unset. Success: ONECARD_OK and *out. Failure:
 * ONECARD_ERR_NOT_FOUND (none usable), ONECARD_ERR_INVALID_ARG
 * ($ONECARD_CCACHE not absolute, or naming a folder), ONECARD_ERR_TOO_LARGE.
 */
int oc_ccache_locate_from(const char *ccache_env, const char *runtime_dir, const char *home,
			  struct oc_ccache_loc *out);

/* The same from the environment (HOME falling back to the password
 * database entry of the effective user). */
int oc_ccache_locate(struct oc_ccache_loc *out);

/*
 * Opens the cache folder; with create, makes it first when missing (mode
 * 0700). The folder must be a real folder (no symlink), owned by the
 * effective user, with no group or other permission.
 * Success: ONECARD_OK and *dirfd. Failure: ONECARD_ERR_NOT_FOUND (missing
 * and not create), ONECARD_ERR_INVALID_ARG (refused: *why says why),
 * ONECARD_ERR_IO (errno kept).
 */
int oc_ccache_dir_open(const struct oc_ccache_loc *loc, bool create, int *dirfd, const char **why);

/*
 * Reads and checks the cache file in the folder dirfd: a regular file (no
 * symlink) owned by the effective user, no group or other permission, at
 * most OC_CCACHE_FILE_MAX bytes, strict JSON of the version-1 layout
 * (docs/login.md). Success: ONECARD_OK and *root (a new reference).
 * Failure: ONECARD_ERR_NOT_FOUND (no file), ONECARD_ERR_INVALID_ARG
 * (owner, type or mode refused), ONECARD_ERR_BAD_FORMAT (not a valid
 * cache), ONECARD_ERR_TOO_LARGE, ONECARD_ERR_IO; *why says why.
 */
int oc_ccache_read(int dirfd, const char *name, json_t **root, const char **why);

/* Checks a cache document against the version-1 layout. ONECARD_OK or
 * ONECARD_ERR_BAD_FORMAT with *why. */
int oc_ccache_validate(const json_t *root, const char **why);

/*
 * Writes root atomically: a new file ".NAME.XXXXXXXXXXXXXXXX" (mode 0600,
 * O_EXCL, no symlink followed) in the folder, written, fsync'ed, renamed
 * over NAME, then the folder fsync'ed. A reader sees the old cache or the
 * new one, never a mix. On failure the temporary file is wiped and
 * removed. ONECARD_OK, ONECARD_ERR_IO (errno kept), ONECARD_ERR_NOMEM,
 * ONECARD_ERR_BAD_FORMAT (root is not a valid cache).
 */
int oc_ccache_write(int dirfd, const char *name, const json_t *root);

/*
 * Removes the cache: the file is checked as oc_ccache_read checks it,
 * overwritten with zeros, fsync'ed and unlinked; left-over temporary files
 * of oc_ccache_write go the same way. Success: ONECARD_OK (*removed: the
 * cache file was there). Failure: ONECARD_ERR_INVALID_ARG (refused, *why;
 * nothing touched), ONECARD_ERR_IO.
 */
int oc_ccache_remove(int dirfd, const char *name, bool *removed, const char **why);

/*
 * Puts a login's token for audience into the cache document *root (NULL:
 * none yet). A cache of another authd origin, subject or card is replaced
 * as a whole (*replaced true), else the audience's entry is set and the
 * others kept. Over OC_CCACHE_AUDIENCES_MAX, expired entries are dropped.
 * The session follows the login: tok->session when the login opened one
 * (issued and last used at issued_at, with the login's sub, ent, card and
 * acr: tok->acr, or OC_LOGIN_ACR_CARD when it is ""), else none. A
 * password login (tok->acr OC_LOGIN_ACR_PWD_OTP) has card "", and a card
 * login a card: ONECARD_ERR_INVALID_ARG otherwise.
 * Success: ONECARD_OK, *root the new document. Failure: ONECARD_ERR_NOMEM,
 * ONECARD_ERR_TOO_LARGE (full of live tokens), ONECARD_ERR_INVALID_ARG.
 */
int oc_ccache_put(json_t **root, const struct oc_login_url *url, const char *audience,
		  const struct oc_login_token *tok, int64_t issued_at, bool *replaced);

/* The SSO session a cache holds; every pointer borrowed from the document. */
struct oc_ccache_session {
	const char *credential; /* a secret: never printed, never logged */
	const char *acr;	/* the login's level; OC_LOGIN_ACR_CARD when not recorded */
	int64_t issued_at;	/* the login (Unix seconds) */
	int64_t exp;		/* issued_at + refresh_expires_in */
	int64_t idle_timeout;	/* seconds */
	int64_t last_used;	/* the login, or the last token it gave */
	const char *sub;
	const char *ent;
	const char *card; /* "" for a password login */
};

/* The session of a valid cache document (oc_ccache_validate).
 * Success: ONECARD_OK and *out. Failure: ONECARD_ERR_NOT_FOUND (none
 * held; *out zeroed). */
int oc_ccache_session_get(const json_t *root, struct oc_ccache_session *out);

/* The access token a valid cache document holds for audience when it
 * lives at least min_left more seconds after now (borrowed), else NULL. */
const char *oc_ccache_token_get(const json_t *root, const char *audience, int64_t now,
				int64_t min_left);

/*
 * Puts a token of /v1/token for audience (oc_login_grant_parse) into the
 * cache document *root, which must hold a session: the entry takes the
 * session's sub, ent and card; the session's last use becomes issued_at.
 * Over OC_CCACHE_AUDIENCES_MAX, expired entries are dropped.
 * Success: ONECARD_OK, *root the new document. Failure:
 * ONECARD_ERR_NOT_FOUND (no session), ONECARD_ERR_TOO_LARGE (full of
 * live tokens), ONECARD_ERR_NOMEM, ONECARD_ERR_INVALID_ARG.
 */
int oc_ccache_put_grant(json_t **root, const char *audience, const struct oc_login_token *tok,
			int64_t issued_at);

/*
 * Prints the cache like klist: the file, the authd URL and origin, the
 * SSO session (whether one is held; the kind of login that opened it,
 * card or password and code; its subject, card, login time, expiry
 * and idle expiry, never its credential), then per audience (sorted)
 * subject, enterprise, card, agencies, issue and expiry time (UTC) and
 * whether it has expired at now. Never a token.
 * Every string from the file is printed with control characters replaced.
 * Returns ONECARD_OK or ONECARD_ERR_IO (the output failed).
 */
int oc_ccache_show(const json_t *root, const char *path, int64_t now, FILE *out);

#endif /* ONECARD_LOGIN_H */
