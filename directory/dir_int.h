/*
 * Inside the directory library: the LDAP adapter (dir_ldap.c, the only
 * file that calls libldap), the escaping of values put into DNs and
 * filters (escape.c), input checks (validate.c), and the handle.
 * Tests include this header too.
 */
#ifndef ONECARD_DIR_INT_H
#define ONECARD_DIR_INT_H

#include <stddef.h>

#include "directory.h"

#define DIR_DN_MAX	   1024u			 /* any DN this library builds or reads */
#define DIR_FILTER_MAX	   4096u			 /* any filter this library builds */
#define DIR_ATTRS_MAX	   8u				 /* attributes asked for in one search */
#define DIR_VALUES_MAX	   64u				 /* values of one attribute read */
#define DIR_VALUE_MAX	   (OC_DIR_CERT_DER_MAX + 1024u) /* bytes of one value read */
#define DIR_ENTRIES_MAX	   256u				 /* entries one search may return */
#define DIR_MOD_VALUES_MAX 4u				 /* values of one attribute written */

/* ---- the adapter (dir_ldap.c) -------------------------------------------- */

struct dir_conn;

enum dir_scope {
	DIR_SCOPE_BASE,
	DIR_SCOPE_ONE,
	DIR_SCOPE_SUB,
};

/* A value to write: len bytes at data (text or binary). */
struct dir_bv {
	const void *data;
	size_t len;
};

enum dir_mod_op {
	DIR_MOD_REPLACE, /* with n == 0: remove the attribute if present */
};

/* One attribute of an add (op ignored) or a modify. */
struct dir_mod {
	enum dir_mod_op op;
	const char *attr;
	struct dir_bv vals[DIR_MOD_VALUES_MAX];
	size_t n;
};

/* A value read: len bytes, plus a NUL after them (text is a C string
 * when memchr(data, 0, len) finds none). */
struct dir_value {
	unsigned char *data;
	size_t len;
};

struct dir_values {
	size_t n;
	struct dir_value *v;
};

/* An entry read: its DN and, for each attribute asked for (same index),
 * its values. */
struct dir_entry {
	char *dn;
	struct dir_values attr[DIR_ATTRS_MAX];
};

struct dir_entries {
	size_t n;
	struct dir_entry *e;
};

/* Result of one write, for callers that must know whether a reconnect
 * came between a request and its retry (enroll.c). */
struct dir_write_info {
	int retried; /* 1: the first attempt was cut off with the connection */
};

/*
 * Validates uri (schemes, see oc_dir_new) and keeps copies of it, the
 * bind DN and the password. No I/O. ONECARD_OK and *out, or
 * INVALID_ARG, TOO_LARGE, NOMEM.
 */
int dir_conn_new(const char *uri, const char *bind_dn, const char *password, size_t pw_len,
		 struct dir_conn **out);

/* Unbinds if connected, wipes the password copy, frees. NULL is fine. */
void dir_conn_free(struct dir_conn *conn);

/* Connects and binds now if not connected. ONECARD_OK or DIRECTORY. */
int dir_conn_connect(struct dir_conn *conn);

/* The diagnostic of the last failure ("" after a success). */
const char *dir_conn_diag(const struct dir_conn *conn);

/* Sets the diagnostic text (for failures found above the adapter). */
void dir_conn_set_diag(struct dir_conn *conn, const char *text);

/*
 * Each operation connects first if needed; when it finds the connection
 * dead (LDAP_SERVER_DOWN) it reconnects once and retries once. A timeout
 * drops the connection (the next call reconnects).
 * Results: ONECARD_OK; NOT_FOUND (noSuchObject); EXISTS (alreadyExists);
 * INVALID_ARG (the server refused a value: constraint, syntax, schema,
 * naming); DIRECTORY (anything else, including notAllowedOnNonLeaf);
 * NOMEM.
 */
int dir_ldap_add(struct dir_conn *conn, const char *dn, const struct dir_mod *mods, size_t n,
		 struct dir_write_info *info);
int dir_ldap_modify(struct dir_conn *conn, const char *dn, const struct dir_mod *mods, size_t n);
int dir_ldap_delete(struct dir_conn *conn, const char *dn);

/*
 * Searches base with scope and filter for the attributes attrs[0..nattrs)
 * ("1.1" alone for none), at most limit entries (server size limit).
 * Success: ONECARD_OK and *out (dir_entries_free); no entry is success
 * with out->n == 0. Failure (*out zeroed): NOT_FOUND (base does not
 * exist), TOO_LARGE (more than limit entries, a value over
 * DIR_VALUE_MAX or more than DIR_VALUES_MAX values), DIRECTORY, NOMEM,
 * INVALID_ARG (nattrs over DIR_ATTRS_MAX).
 */
int dir_ldap_search(struct dir_conn *conn, const char *base, enum dir_scope scope,
		    const char *filter, const char *const *attrs, size_t nattrs, size_t limit,
		    struct dir_entries *out);

/* Frees what dir_ldap_search() returned and zeroes *entries. */
void dir_entries_free(struct dir_entries *entries);

/*
 * Passwords. dir_ldap_check_bind(): one simple bind as dn with
 * password[0..pw_len) on a NEW connection to conn's URI, under conn's
 * transport rules (ldapi://; ldap:// only after StartTLS with the server
 * verified; ldaps://), then unbind; conn's own connection is not used.
 * ONECARD_OK (the server accepted), ONECARD_ERR_PASSPHRASE (it refused
 * the credentials: invalidCredentials or inappropriateAuthentication),
 * ONECARD_ERR_DIRECTORY (anything else; the diagnostic in conn),
 * ONECARD_ERR_NOMEM, ONECARD_ERR_INVALID_ARG (an empty password: it would
 * be an unauthenticated bind, RFC 4513 5.1.2).
 *
 * dir_ldap_passwd(): the Password Modify extended operation (RFC 3062)
 * for the entry dn with the new password, on conn's connection, as
 * authz_dn by proxied authorization (RFC 4370, critical), with the
 * password policy request control. Results as dir_ldap_modify(); when
 * the server refused it with a password policy error, *policy says which
 * kind. info (may be NULL) says whether a reconnect came between.
 */
enum dir_pw_policy {
	DIR_PW_POLICY_NONE,	  /* no password policy error */
	DIR_PW_POLICY_IN_HISTORY, /* the password is the current one or in pwdHistory */
	DIR_PW_POLICY_OTHER,	  /* too short, too long, insufficient quality... */
};
int dir_ldap_check_bind(struct dir_conn *conn, const char *dn, const char *password, size_t pw_len);
int dir_ldap_passwd(struct dir_conn *conn, const char *dn, const char *authz_dn,
		    const char *password, size_t pw_len, enum dir_pw_policy *policy,
		    struct dir_write_info *info);

/* Writes the parent of dn (dn without its first RDN) into out[cap],
 * in libldap's string form. ONECARD_OK, INVALID_ARG (not a DN, or no
 * parent), TOO_LARGE. */
int dir_ldap_dn_parent(const char *dn, char *out, size_t cap);

/* Splits the first RDN of dn (single-valued) into its attribute type
 * and its unescaped value. ONECARD_OK, INVALID_ARG (not a DN, a
 * multi-valued first RDN, a value with a NUL), TOO_LARGE. */
int dir_ldap_dn_first_rdn(const char *dn, char *attr, size_t attr_cap, char *value,
			  size_t value_cap);

/* ONECARD_OK when text parses as an LDAPv3 DN, else INVALID_ARG. */
int dir_ldap_dn_check(const char *text);

/* ---- escaping (escape.c) ------------------------------------------------- */

/*
 * RFC 4514 §2.4: value in[0..len) as an RDN attribute value: `"` `+` `,`
 * `;` `<` `>` `\` and `=` after a backslash, a leading `#` or space and a
 * trailing space after a backslash, NUL and other control characters
 * (and DEL) as \XX; other bytes (UTF-8) as they are. Writes out[cap],
 * NUL-terminated. ONECARD_OK; INVALID_ARG for an empty value;
 * TOO_LARGE when it does not fit (out "").
 */
int dir_escape_dn_value(const char *in, size_t len, char *out, size_t cap);

/*
 * RFC 4515 §3: value in[0..len) as an assertion value: `*` `(` `)` `\`
 * NUL, other control characters and DEL as \xx (lowercase hex); other
 * bytes as they are. ONECARD_OK; TOO_LARGE (out "").
 */
int dir_escape_filter_value(const char *in, size_t len, char *out, size_t cap);

/* "attr=<escaped value>,parent" into out[cap]. */
int dir_dn_child(char *out, size_t cap, const char *attr, const char *value, const char *parent);

/* "(attr=<escaped value>)" into out[cap]. */
int dir_filter_eq(char *out, size_t cap, const char *attr, const char *value);

/* ---- input checks (validate.c): 1 when valid, else 0 --------------------- */

/* 18 characters of 0-9 A-H J-N P Q R T U W X Y. */
int dir_valid_uscc_format(const char *s);
/* dir_valid_uscc_format() and the GB 32100-2015 check character. */
int dir_valid_uscc(const char *s);
/* [A-Za-z0-9._-]{1,max}. */
int dir_valid_id(const char *s, size_t max);
/* [a-z0-9-]{1,OC_DIR_AGENCY_MAX}. */
int dir_valid_agency(const char *s);
/* min..max bytes of valid UTF-8 (shortest form, no surrogates) without
 * control characters (C0, DEL, C1), and no space at either end. */
int dir_valid_text(const char *s, size_t min, size_t max);
/* 1 if s[0..len) is valid UTF-8 (any characters). */
int dir_valid_utf8(const unsigned char *s, size_t len);
/* Lowercase hex, no leading zeros ("0" for zero), 1..40 digits. */
int dir_valid_serial(const char *s);
/* Exactly 64 lowercase hex digits. */
int dir_valid_sha256(const char *s);

/* ---- certificates (cert.c) ---------------------------------------------- */

/* 1 when cert->der is one certificate whose serial, issuer and sha256
 * are cert's own fields (strings compared exactly), else 0. */
int dir_cert_matches_der(const struct oc_dir_cert *cert);

/* ---- the handle ---------------------------------------------------------- */

struct oc_dir {
	struct dir_conn *conn;
	char base[OC_DIR_BASE_MAX + 1];
	char enterprises[OC_DIR_BASE_MAX + 32]; /* ou=enterprises,<base> */
	char people[OC_DIR_BASE_MAX + 32];	/* ou=people,<base> */
	char cards[OC_DIR_BASE_MAX + 32];	/* ou=cards,<base> */
};

/* DNs of the entries for a USCC, person id, card id (escaped). */
int dir_enterprise_dn(const struct oc_dir *dir, const char *uscc, char *out, size_t cap);
int dir_person_dn(const struct oc_dir *dir, const char *person_id, char *out, size_t cap);
int dir_card_dn(const struct oc_dir *dir, const char *card_id, char *out, size_t cap);

/* Reads the card at card_dn, its holder and the holder's enterprise
 * (lookup.c). NOT_FOUND when no card is there; an unreadable holder or
 * enterprise leaves its fields empty and its status UNKNOWN. */
int dir_read_owner(struct oc_dir *dir, const char *card_dn, struct oc_dir_card *card,
		   struct oc_dir_person *person, struct oc_dir_enterprise *ent);
/* Reads the enterprise at dn (lookup.c); one that is not there (or not
 * an enterprise) leaves *ent zeroed, status UNKNOWN, and is no error. */
int dir_read_enterprise(struct oc_dir *dir, const char *dn, struct oc_dir_enterprise *ent);
/* Maps an onecardStatus value to the enum (exact match only). */
enum oc_dir_status dir_status_parse(const struct dir_values *v);

/* Flags of dir_value_text(). */
#define DIR_TEXT_OPTIONAL 1u /* no value: "" rather than an error */
#define DIR_TEXT_FIRST	  2u /* several values: the first (cn, o) */

/* Copies the text value of v into out[cap]. ONECARD_OK; DIRECTORY for
 * no value (unless OPTIONAL), several (unless FIRST), a NUL inside or
 * text that is not UTF-8; TOO_LARGE when it does not fit. */
int dir_value_text(const struct dir_values *v, unsigned flags, char *out, size_t cap);

#endif /* ONECARD_DIR_INT_H */
