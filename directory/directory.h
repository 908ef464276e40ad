/*
 * onecard's directory library: enterprises, people, cards and the agency
 * certificates on each card, kept in OpenLDAP under the schema of
 * ldap/onecard.ldif. See docs/directory.md for the tree, the schema and
 * this library's design (reconnect, rollback of enroll, escaping).
 *
 *   struct oc_dir   one connection to the directory (bound, reconnecting)
 *
 * Conventions: functions return ONECARD_OK or a negative ONECARD_ERR_*
 * code (<onecard/error.h>); outputs are cleared at entry and set only on
 * success; _free(NULL) and _clear() of a zeroed struct do nothing.
 * The library never logs, never exits and never reads a password from
 * anywhere: the caller hands one in (pw_file.h reads one from a file).
 * A failed call leaves a short diagnostic in oc_dir_diagnostic().
 * Not thread-safe: use a handle from one thread at a time.
 *
 * ONECARD_ERR_DIRECTORY always means "the directory could not answer":
 * unreachable (also after one reconnect), timed out, a failed bind, or
 * an answer that breaks the schema's promises. authd treats it as a
 * failed login (fail closed), never as "not found".
 */
#ifndef ONECARD_DIRECTORY_H
#define ONECARD_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#define OC_DIR_WARN_UNUSED __attribute__((warn_unused_result))

/* Named maxima, in bytes (not counting the NUL). */
#define OC_DIR_URI_MAX	      1024u  /* ldap_initialize() URI (list) */
#define OC_DIR_BASE_MAX	      256u   /* the suffix, e.g. dc=onecard,dc=test */
#define OC_DIR_BIND_DN_MAX    512u   /* the DN bound as */
#define OC_DIR_PASSWORD_MAX   256u   /* the bind password */
#define OC_DIR_USCC_LEN	      18u    /* unified social credit code (GB 32100) */
#define OC_DIR_NAME_MAX	      128u   /* enterprise and person names (UTF-8) */
#define OC_DIR_PERSON_ID_MAX  64u    /* [A-Za-z0-9._-] */
#define OC_DIR_CARD_ID_MAX    64u    /* [A-Za-z0-9._-] */
#define OC_DIR_REASON_MAX     256u   /* suspension reason (UTF-8) */
#define OC_DIR_AGENCY_MAX     63u    /* [a-z0-9-], as policy ids */
#define OC_DIR_SERIAL_HEX_MAX 40u    /* 20 octets (RFC 5280) */
#define OC_DIR_ISSUER_MAX     1024u  /* RFC 4514 string */
#define OC_DIR_SHA256_HEX_LEN 64u    /* exactly */
#define OC_DIR_CERT_DER_MAX   16384u /* one DER certificate */
#define OC_DIR_CERTS_MAX      16u    /* certificates on one card */
#define OC_DIR_DIAG_MAX	      256u   /* oc_dir_diagnostic() text */

/* Seconds allowed for connecting, for StartTLS and for each operation. */
#define OC_DIR_TIMEOUT_SECONDS 5

/* A status as the directory holds it. Anything but exactly "active" or
 * "suspended" (or an entry that cannot be read) is UNKNOWN, and UNKNOWN
 * is not active: zero-initialized results fail closed. */
enum oc_dir_status {
	OC_DIR_STATUS_UNKNOWN = 0,
	OC_DIR_STATUS_ACTIVE = 1,
	OC_DIR_STATUS_SUSPENDED = 2,
};

/* Why oc_dir_enroll() refused; each has a fixed sentence. */
enum oc_dir_refusal {
	OC_DIR_REFUSED_NONE = 0,
	OC_DIR_REFUSED_BAD_USCC,	     /* format or GB 32100 check character */
	OC_DIR_REFUSED_BAD_ENTERPRISE_NAME,  /* not 1..128 bytes of printable UTF-8 */
	OC_DIR_REFUSED_BAD_PERSON_ID,	     /* not [A-Za-z0-9._-]{1,64} */
	OC_DIR_REFUSED_BAD_PERSON_NAME,	     /* not 1..128 bytes of printable UTF-8 */
	OC_DIR_REFUSED_BAD_CARD_ID,	     /* not [A-Za-z0-9._-]{1,64} */
	OC_DIR_REFUSED_MISMATCHED_REFS,	     /* person/card fields name another uscc/person */
	OC_DIR_REFUSED_NO_CERTS,	     /* n is 0 */
	OC_DIR_REFUSED_TOO_MANY_CERTS,	     /* n over OC_DIR_CERTS_MAX */
	OC_DIR_REFUSED_BAD_CERT,	     /* DER unparsable, or fields not those of the DER */
	OC_DIR_REFUSED_BAD_AGENCY,	     /* not [a-z0-9-]{1,63} */
	OC_DIR_REFUSED_DUPLICATE_CERT,	     /* the same certificate twice in one call */
	OC_DIR_REFUSED_DUPLICATE_AGENCY,     /* two certificates for one agency */
	OC_DIR_REFUSED_ENTERPRISE_UNKNOWN,   /* no name given, and not registered */
	OC_DIR_REFUSED_ENTERPRISE_NAME,	     /* registered under another name */
	OC_DIR_REFUSED_ENTERPRISE_SUSPENDED, /* registered and suspended */
	OC_DIR_REFUSED_PERSON_UNKNOWN,	     /* no name given, and not registered */
	OC_DIR_REFUSED_PERSON_NAME,	     /* registered under another name */
	OC_DIR_REFUSED_PERSON_ENTERPRISE,    /* registered for another enterprise */
	OC_DIR_REFUSED_PERSON_SUSPENDED,     /* registered and suspended */
	OC_DIR_REFUSED_CARD_EXISTS,	     /* the card id is taken */
	OC_DIR_REFUSED_CERT_EXISTS,	     /* a certificate is already on a card */
	OC_DIR_REFUSED_BY_DIRECTORY,	     /* the server refused a value (schema) */
	OC_DIR_REFUSED_UNAVAILABLE,	     /* the directory failed; all undone */
	OC_DIR_REFUSED_ROLLBACK_INCOMPLETE,  /* it failed, and so did undoing it */
};

/* The data model. Strings are NUL-terminated UTF-8; each array holds
 * its maximum. On input to oc_dir_enroll() status and suspended_reason
 * are ignored (new entries are active). */
struct oc_dir_enterprise {
	char uscc[OC_DIR_USCC_LEN + 1];
	char name[OC_DIR_NAME_MAX + 1]; /* the entry's o */
	enum oc_dir_status status;
	char suspended_reason[OC_DIR_REASON_MAX + 1];
};

struct oc_dir_person {
	char id[OC_DIR_PERSON_ID_MAX + 1]; /* uid: the token's sub */
	char name[OC_DIR_NAME_MAX + 1];	   /* cn (and sn) */
	char enterprise_uscc[OC_DIR_USCC_LEN + 1];
	enum oc_dir_status status;
	char suspended_reason[OC_DIR_REASON_MAX + 1];
};

struct oc_dir_card {
	char id[OC_DIR_CARD_ID_MAX + 1];
	char holder[OC_DIR_PERSON_ID_MAX + 1]; /* the holder's person id */
	enum oc_dir_status status;
	char suspended_reason[OC_DIR_REASON_MAX + 1];
};

/* One agency certificate. der is owned by the struct when the library
 * filled it (oc_dir_cert_from_der, lookups): release it with
 * oc_dir_cert_clear(). As input to oc_dir_enroll() it is only read. */
struct oc_dir_cert {
	char serial[OC_DIR_SERIAL_HEX_MAX + 1]; /* lowercase hex, no leading zeros */
	char issuer[OC_DIR_ISSUER_MAX + 1];	/* X509_NAME_print_ex XN_FLAG_RFC2253 */
	char agency[OC_DIR_AGENCY_MAX + 1];	/* the subject's first OU */
	char sha256[OC_DIR_SHA256_HEX_LEN + 1]; /* lowercase hex of SHA-256(der) */
	unsigned char *der;
	size_t der_len;
};

/* What authd needs per login proof: the certificate's entry and the card
 * it is on, that card's holder and the holder's enterprise. A holder or
 * enterprise the directory cannot show has empty fields and status
 * UNKNOWN. oc_dir_found_active() says whether all three are active. */
struct oc_dir_found {
	struct oc_dir_cert cert; /* der owned: oc_dir_found_clear() */
	struct oc_dir_card card;
	struct oc_dir_person person;
	struct oc_dir_enterprise enterprise;
};

/* A card with its holder, enterprise and certificates (show). */
struct oc_dir_card_info {
	struct oc_dir_card card;
	struct oc_dir_person person;
	struct oc_dir_enterprise enterprise;
	size_t n_certs;
	struct oc_dir_cert certs[OC_DIR_CERTS_MAX]; /* sorted by agency; der owned */
};

struct oc_dir;

/* ---- the connection ------------------------------------------------------ */

/*
 * Prepares a connection to the directory at uri (one URI, or several
 * separated by spaces for failover, all ldapi://, or all ldap:// and
 * ldaps://) for the suffix base, to bind as bind_dn with the password
 * password[0..pw_len) (no NUL in it, 1..OC_DIR_PASSWORD_MAX bytes).
 * Nothing is sent yet: the first call that needs the directory connects
 * (oc_dir_ping() to check at once). The library keeps a private copy of
 * the password for reconnecting, wiped by oc_dir_free(); the caller's
 * buffer is not touched (wipe it yourself).
 * Over ldap:// every connection runs StartTLS, with the server's
 * certificate verified (libldap's TLS_CACERT), before the password is
 * sent; a server that refuses StartTLS is never sent the password.
 * Success: ONECARD_OK and *out a new handle (oc_dir_free).
 * Failure: ONECARD_ERR_INVALID_ARG (a scheme other than ldap, ldaps or
 * ldapi, ldapi mixed with others, an empty password or one with a NUL,
 * a base or bind DN that is not a DN), ONECARD_ERR_TOO_LARGE (over a
 * maximum), ONECARD_ERR_NOMEM.
 */
int oc_dir_new(const char *uri, const char *base, const char *bind_dn, const char *password,
	       size_t pw_len, struct oc_dir **out) OC_DIR_WARN_UNUSED;

/*
 * oc_dir_new(), then connects and binds at once (LDAPv3 simple bind).
 * Success: ONECARD_OK and *out a new bound handle (oc_dir_free).
 * Failure: as oc_dir_new(), and ONECARD_ERR_DIRECTORY when the server
 * cannot be reached, refuses StartTLS or refuses the bind.
 */
int oc_dir_open(const char *uri, const char *base, const char *bind_dn, const char *password,
		size_t pw_len, struct oc_dir **out) OC_DIR_WARN_UNUSED;

/* Unbinds, closes and wipes the password copy. NULL does nothing. */
void oc_dir_free(struct oc_dir *dir);

/* The same; the name the design brief uses. */
void oc_dir_close(struct oc_dir *dir);

/*
 * Health check: a base-scope search of the suffix, connecting first if
 * needed. Success: ONECARD_OK. Failure: ONECARD_ERR_NOT_FOUND (the
 * suffix does not exist, or the bind DN may not see it),
 * ONECARD_ERR_DIRECTORY.
 */
int oc_dir_ping(struct oc_dir *dir) OC_DIR_WARN_UNUSED;

/* A short text about the last failure of a call on dir (for example
 * "Can't contact LDAP server", "Constraint violation: some attributes
 * not unique"): from libldap and the server, so untrusted, and never
 * holding the password. "" when the last call succeeded. Borrowed,
 * valid until the next call on dir. */
const char *oc_dir_diagnostic(const struct oc_dir *dir);

/* ---- certificates -------------------------------------------------------- */

/*
 * Fills *out from a DER certificate der[0..len): serial, issuer and
 * sha256 in their canonical forms (docs/directory.md), agency from the
 * subject's first organizationalUnitName, and a copy of the DER.
 * Success: ONECARD_OK, *out filled (oc_dir_cert_clear).
 * Failure (*out zeroed): ONECARD_ERR_BAD_FORMAT (not exactly one DER
 * certificate), ONECARD_ERR_TOO_LARGE (over OC_DIR_CERT_DER_MAX, a serial
 * over 20 octets, an issuer over OC_DIR_ISSUER_MAX),
 * ONECARD_ERR_INVALID_ARG (a negative serial; no OU, or an OU that is not
 * an agency id: *why says which), ONECARD_ERR_NOMEM, ONECARD_ERR_CRYPTO.
 * why may be NULL; else it is set to a fixed sentence or NULL.
 */
int oc_dir_cert_from_der(const unsigned char *der, size_t len, struct oc_dir_cert *out,
			 const char **why) OC_DIR_WARN_UNUSED;

/* Frees cert->der and zeroes *cert. NULL does nothing. */
void oc_dir_cert_clear(struct oc_dir_cert *cert);

/* ---- enrollment ---------------------------------------------------------- */

/*
 * Registers a card: enterprise, then person, then the card, then one
 * onecardCertificate child per certificate (with its DER).
 *  - The enterprise is created when absent (name required). When present
 *    it is kept as it is; an empty name accepts it as registered, a
 *    different name is refused (a mistyped USCC), and so is a suspended
 *    enterprise.
 *  - The person likewise (id and name; person->enterprise_uscc may be ""
 *    or must equal enterprise->uscc). A person registered for another
 *    enterprise is refused, as is a suspended one.
 *  - The card must not exist (card->holder may be "" or must equal
 *    person->id). Each certificate's serial, issuer and sha256 must be
 *    those of its DER; no two may be the same certificate or the same
 *    agency; none may already be on a card (issuer and serial, or
 *    sha256).
 * LDAP has no transactions: when anything fails after the first write,
 * what this call added is deleted again, newest first, so that the
 * directory is left as it was (docs/directory.md, "Enrollment").
 * Success: ONECARD_OK, why (may be NULL) OC_DIR_REFUSED_NONE.
 * Failure, *why telling which rule:
 *   ONECARD_ERR_INVALID_ARG  BAD_*, MISMATCHED_REFS, NO_CERTS,
 *                            TOO_MANY_CERTS, DUPLICATE_*, *_SUSPENDED,
 *                            BY_DIRECTORY
 *   ONECARD_ERR_NOT_FOUND    ENTERPRISE_UNKNOWN, PERSON_UNKNOWN
 *   ONECARD_ERR_EXISTS       ENTERPRISE_NAME, PERSON_NAME,
 *                            PERSON_ENTERPRISE, CARD_EXISTS, CERT_EXISTS
 *   ONECARD_ERR_DIRECTORY    UNAVAILABLE (everything undone),
 *                            ROLLBACK_INCOMPLETE (entries may be left:
 *                            oc_dir_diagnostic() names the first)
 *   ONECARD_ERR_NOMEM, ONECARD_ERR_CRYPTO, ONECARD_ERR_INTERNAL (NONE)
 */
int oc_dir_enroll(struct oc_dir *dir, const struct oc_dir_enterprise *enterprise,
		  const struct oc_dir_person *person, const struct oc_dir_card *card,
		  const struct oc_dir_cert *certs, size_t n,
		  enum oc_dir_refusal *why) OC_DIR_WARN_UNUSED;

/* A fixed sentence for a refusal. Never NULL. */
const char *oc_dir_refusal_str(enum oc_dir_refusal why);

/* ---- status -------------------------------------------------------------- */

/*
 * Suspend: sets onecardStatus to "suspended" and onecardSuspendedReason
 * to reason (NULL or "" removes any earlier reason). Activate: sets
 * "active" and removes the reason. Doing either twice is no error.
 * Success: ONECARD_OK.
 * Failure: ONECARD_ERR_INVALID_ARG (an id, USCC or reason not in its
 * documented form; a USCC's check character is not checked here),
 * ONECARD_ERR_NOT_FOUND (no such card, person or enterprise),
 * ONECARD_ERR_DIRECTORY.
 */
int oc_dir_suspend_card(struct oc_dir *dir, const char *card_id,
			const char *reason) OC_DIR_WARN_UNUSED;
int oc_dir_activate_card(struct oc_dir *dir, const char *card_id) OC_DIR_WARN_UNUSED;
int oc_dir_suspend_person(struct oc_dir *dir, const char *person_id,
			  const char *reason) OC_DIR_WARN_UNUSED;
int oc_dir_activate_person(struct oc_dir *dir, const char *person_id) OC_DIR_WARN_UNUSED;
int oc_dir_suspend_enterprise(struct oc_dir *dir, const char *uscc,
			      const char *reason) OC_DIR_WARN_UNUSED;
int oc_dir_activate_enterprise(struct oc_dir *dir, const char *uscc) OC_DIR_WARN_UNUSED;

/* ---- lookups ------------------------------------------------------------- */

/*
 * The certificate with this issuer (RFC 4514, as oc_dir_cert_from_der()
 * writes it) and serial (lowercase hex, no leading zeros), followed to
 * its card, the card's holder and the holder's enterprise. The strings
 * come from a presented certificate, so any text is accepted and simply
 * matches nothing unless it is in the directory: values go into the
 * filter escaped (RFC 4515), never as filter syntax.
 * Success: ONECARD_OK, *found filled (oc_dir_found_clear).
 * Failure (*found zeroed): ONECARD_ERR_NOT_FOUND (no such certificate;
 * also for a value that cannot be in the directory: empty, over its
 * maximum, not UTF-8), ONECARD_ERR_DIRECTORY (unreachable, two entries
 * for one certificate, a certificate entry not under a card),
 * ONECARD_ERR_TOO_LARGE (a value read over its maximum), NOMEM.
 */
int oc_dir_find_by_cert(struct oc_dir *dir, const char *issuer_dn, const char *serial_hex,
			struct oc_dir_found *found) OC_DIR_WARN_UNUSED;

/* As oc_dir_find_by_cert(), by the certificate's SHA-256 (64 hex
 * digits; the index authd uses first, see docs/directory.md). */
int oc_dir_find_by_sha256(struct oc_dir *dir, const char *sha256_hex,
			  struct oc_dir_found *found) OC_DIR_WARN_UNUSED;

/* What authd needs for one card login: the card all the presented
 * certificates are on, its holder, the holder's enterprise, and the
 * agency the directory records for each certificate (same index as the
 * hashes given). */
struct oc_dir_login {
	struct oc_dir_card card;
	struct oc_dir_person person;
	struct oc_dir_enterprise enterprise;
	char agency[OC_DIR_CERTS_MAX][OC_DIR_AGENCY_MAX + 1];
};
/*
 * Finds the certificates sha256_hex[0..n) (1..OC_DIR_CERTS_MAX distinct
 * values of 64 lowercase hex digits) in one search and follows them to
 * their card, holder and enterprise: four searches whatever n is.
 * Success: ONECARD_OK, *out filled (statuses as the directory says:
 * check oc_dir_login_active()).
 * Failure (*out zeroed): ONECARD_ERR_NOT_FOUND (sha256_hex[*missing] is
 * on no card), ONECARD_ERR_MISMATCH (the certificates are on more than
 * one card), ONECARD_ERR_DIRECTORY (unreachable, a duplicate entry, a
 * certificate not under a card), ONECARD_ERR_INVALID_ARG (n out of
 * range, a malformed or repeated hash), ONECARD_ERR_TOO_LARGE, NOMEM.
 */
int oc_dir_find_login(struct oc_dir *dir, const char *const *sha256_hex, size_t n,
		      struct oc_dir_login *out, size_t *missing) OC_DIR_WARN_UNUSED;
/* 1 when card, person and enterprise of *l are all ACTIVE, else 0. */
int oc_dir_login_active(const struct oc_dir_login *l);
/* 1 when card, person and enterprise of *found are all ACTIVE, else 0. */
int oc_dir_found_active(const struct oc_dir_found *found);

/* Frees found->cert.der and zeroes *found. NULL does nothing. */
void oc_dir_found_clear(struct oc_dir_found *found);

/*
 * A card with its holder, enterprise and every certificate on it.
 * Success: ONECARD_OK, *out a new struct (oc_dir_card_info_free).
 * Failure (*out NULL): ONECARD_ERR_INVALID_ARG (not a card id),
 * ONECARD_ERR_NOT_FOUND, ONECARD_ERR_TOO_LARGE (more than
 * OC_DIR_CERTS_MAX certificates), ONECARD_ERR_DIRECTORY, NOMEM.
 */
int oc_dir_get_card(struct oc_dir *dir, const char *card_id,
		    struct oc_dir_card_info **out) OC_DIR_WARN_UNUSED;

/* Frees a card_info and the DER it holds. NULL does nothing. */
void oc_dir_card_info_free(struct oc_dir_card_info *info);

/* ---- passwords (the second assurance level, docs/directory.md) --------- */

/*
 * A person's directory password, for the password-plus-TOTP login. The
 * directory keeps it: slapd hashes it ({ARGON2}, its password-hash) and
 * its ppolicy overlay keeps the history. These entries, relative to the
 * suffix, come with the directory's setup (ldap/base.ldif and
 * scripts/dev-services):
 *   cn=password-policy,ou=system    the pwdPolicy (pwdInHistory 5, ...)
 *   cn=password-setter,ou=system    the identity a password is set as
 *                                   (the admin acts as it, RFC 4370),
 *                                   so that the policy applies: the
 *                                   admin itself is exempt from it
 *   cn=password-stand-in,ou=system  bound instead of a person who does
 *                                   not exist or has no password, with
 *                                   a random password nobody keeps,
 *                                   hashed like people's
 */
#define OC_DIR_PW_MIN_CHARS    12u /* characters (UTF-8 code points) at least */
#define OC_DIR_PW_HISTORY      5u  /* earlier passwords refused, besides the current */
#define OC_DIR_PW_SETTER_RDN   "cn=password-setter,ou=system"
#define OC_DIR_PW_STAND_IN_RDN "cn=password-stand-in,ou=system"

/* 1 when id is a person id ([A-Za-z0-9._-]{1,OC_DIR_PERSON_ID_MAX}),
 * else 0 (NULL too). */
int oc_dir_person_id_valid(const char *id);

/* Why a new password was refused; each has a fixed sentence. */
enum oc_dir_pw_refusal {
	OC_DIR_PW_REFUSED_NONE = 0,
	OC_DIR_PW_REFUSED_TOO_SHORT,	/* fewer than OC_DIR_PW_MIN_CHARS characters */
	OC_DIR_PW_REFUSED_TOO_LONG,	/* more than OC_DIR_PASSWORD_MAX bytes */
	OC_DIR_PW_REFUSED_NOT_UTF8,	/* not valid UTF-8 (shortest form) */
	OC_DIR_PW_REFUSED_CONTROL_CHAR, /* a control character (C0, DEL, C1), NUL too */
	OC_DIR_PW_REFUSED_IS_PERSON_ID, /* the person id itself (ASCII case ignored) */
	OC_DIR_PW_REFUSED_REUSED,	/* the current one or one of the 5 before it */
	OC_DIR_PW_REFUSED_BY_DIRECTORY, /* the directory's policy refused it otherwise */
};

/* A fixed sentence for a refusal. Never NULL. */
const char *oc_dir_pw_refusal_str(enum oc_dir_pw_refusal why);

/*
 * The rules a new password for person_id must meet that need no
 * directory: 1..OC_DIR_PASSWORD_MAX bytes of valid UTF-8 without control
 * characters, at least OC_DIR_PW_MIN_CHARS characters, not the person id.
 * (Reuse is the directory's to judge: oc_dir_set_password().) No I/O.
 * Success: ONECARD_OK, why (may be NULL) NONE.
 * Failure: ONECARD_ERR_INVALID_ARG with *why, or with NONE when
 * person_id is not a person id or password is NULL.
 */
int oc_dir_password_acceptable(const char *person_id, const char *password, size_t len,
			       enum oc_dir_pw_refusal *why) OC_DIR_WARN_UNUSED;

/*
 * Sets the password of the person person_id to password[0..len), by the
 * Password Modify extended operation (RFC 3062) on dir's connection,
 * acting as the password setter: slapd hashes it and its password policy
 * refuses the current password and the OC_DIR_PW_HISTORY before it.
 * The rules of oc_dir_password_acceptable() are checked first. The
 * library keeps no copy of the password; the caller wipes its buffer.
 * Success: ONECARD_OK, why (may be NULL) NONE.
 * Failure: ONECARD_ERR_INVALID_ARG (*why says which rule; NONE: person_id
 * is not a person id), ONECARD_ERR_NOT_FOUND (no such person),
 * ONECARD_ERR_DIRECTORY (unreachable, or the setup above is missing:
 * oc_dir_diagnostic()), ONECARD_ERR_NOMEM.
 */
int oc_dir_set_password(struct oc_dir *dir, const char *person_id, const char *password, size_t len,
			enum oc_dir_pw_refusal *why) OC_DIR_WARN_UNUSED;

/* What oc_dir_check_password() found. Zero is UNAVAILABLE, so that an
 * unset result fails closed; only OK lets a login on. */
enum oc_dir_pw_check {
	OC_DIR_PW_UNAVAILABLE = 0, /* the directory could not answer: nothing is known */
	OC_DIR_PW_OK,		   /* right password; person and enterprise active */
	OC_DIR_PW_WRONG,	   /* wrong password, unknown person, no password set */
	OC_DIR_PW_SUSPENDED,	   /* right password; person or enterprise not active */
};

/* A fixed sentence for a result. Never NULL. */
const char *oc_dir_pw_check_str(enum oc_dir_pw_check result);

/* Who a password belongs to, filled by oc_dir_check_password() for OK
 * and SUSPENDED; who a person is, by oc_dir_find_person(). */
struct oc_dir_pw_owner {
	struct oc_dir_person person; /* enterprise_uscc set */
	struct oc_dir_enterprise enterprise;
};

/*
 * Checks password[0..len) for the person person_id: an LDAP simple bind
 * as the person's entry on a NEW connection to dir's URI (never on dir's
 * own, which stays bound as the admin), over a protected transport:
 * ldapi://, ldaps://, or ldap:// after StartTLS with the server's
 * certificate verified (a server that refuses StartTLS is never sent the
 * password). dir's own connection first reads the person.
 * The caller must not learn from the result or its timing whether the
 * person exists: an unknown person, a person without a password and a
 * person id not in its form all give WRONG, as a wrong password does,
 * after a bind as the stand-in entry, which costs slapd the same hash.
 * SUSPENDED (a person or enterprise status other than "active") is only
 * ever told after the password proved right.
 * An empty password, one over OC_DIR_PASSWORD_MAX bytes or with a NUL is
 * WRONG without a bind (an empty one would be an unauthenticated bind).
 * The library keeps no copy of the password; the caller wipes its buffer.
 * owner (may be NULL) is zeroed, then filled for OK and SUSPENDED;
 * owner->person.id is the id as the directory holds it (uid matches
 * without regard to case): use it, not person_id, as the subject.
 * Why it was UNAVAILABLE: oc_dir_diagnostic(dir).
 */
enum oc_dir_pw_check oc_dir_check_password(struct oc_dir *dir, const char *person_id,
					   const char *password, size_t len,
					   struct oc_dir_pw_owner *owner) OC_DIR_WARN_UNUSED;

/*
 * The person person_id and their enterprise as the directory holds them
 * now, with their statuses: what the re-check of a password session
 * needs (a card session's is oc_dir_find_login()). No password is read,
 * sent or checked. person_id is the uid as the directory holds it
 * (owner->person.id from oc_dir_check_password(), a token's sub): the
 * entry is found as LDAP finds it, without regard to case, but one whose
 * uid is not exactly person_id is NOT_FOUND, so that one person never
 * answers to two ids.
 * Success: ONECARD_OK, *out filled: out->person (enterprise_uscc set)
 * and out->enterprise as the directory says (check oc_dir_owner_active()
 * before letting anyone on); an enterprise the directory cannot show
 * leaves out->enterprise zeroed (status UNKNOWN) and
 * out->person.enterprise_uscc "".
 * Failure (*out zeroed): ONECARD_ERR_INVALID_ARG (dir or out NULL,
 * person_id not a person id: see oc_dir_person_id_valid()),
 * ONECARD_ERR_NOT_FOUND (no such person), ONECARD_ERR_DIRECTORY
 * (unreachable, or an entry that breaks the schema's promises:
 * oc_dir_diagnostic()), ONECARD_ERR_NOMEM.
 */
int oc_dir_find_person(struct oc_dir *dir, const char *person_id,
		       struct oc_dir_pw_owner *out) OC_DIR_WARN_UNUSED;

/* 1 when the person and the enterprise of *owner are both ACTIVE, else 0
 * (NULL too). */
int oc_dir_owner_active(const struct oc_dir_pw_owner *owner);

/* "active", "suspended" or "unknown". Never NULL. */
const char *oc_dir_status_str(enum oc_dir_status status);

#endif /* ONECARD_DIRECTORY_H */
