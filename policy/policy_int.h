/*
 * Internals of the policy module, shared by its files, its tests and its
 * fuzz target. Nothing here is API: programs include "policy.h" only.
 *
 * Layout: policy.c (load a file, accessors, free) reads the file and
 * hands its bytes to pol_load_text(); conf_libconfig.c (the only file
 * that calls libconfig) turns the bytes into a tree of pc_node; build.c
 * walks that tree as the schema says and fills an oc_policy; text.c,
 * oid.c and x509_attr.c (the only file that calls OpenSSL) check single
 * values. Every string of a loaded policy lives in its arena.
 */
#ifndef ONECARD_POLICY_INT_H
#define ONECARD_POLICY_INT_H

#include <stddef.h>

#include "arena.h"
#include "policy.h"

/* Named maximums for everything a policy file controls. */
#define OC_POLICY_FILE_MAX     (1024u * 1024u) /* bytes of a policy file */
#define OC_POLICY_STR_MAX      256u	       /* bytes of any string, NUL included */
#define OC_POLICY_AGENCIES_MAX 64u
#define OC_POLICY_PROFILES_MAX 256u
#define OC_POLICY_MODULES_MAX  1024u
#define OC_POLICY_RDNS_MAX     16u /* RDNs of one subject template */

/* Lifetimes, inclusive. */
#define OC_POLICY_LIFETIME_DAYS_MIN  1
#define OC_POLICY_LIFETIME_DAYS_MAX  1825
#define OC_POLICY_TOKEN_LIFETIME_MIN 30
#define OC_POLICY_TOKEN_LIFETIME_MAX 3600
#define OC_POLICY_TOKEN_LIFETIME_DEF 300
/* SSO session timeouts, seconds (docs/sso.md). */
#define OC_POLICY_SESSION_IDLE_MIN     60
#define OC_POLICY_SESSION_IDLE_MAX     86400
#define OC_POLICY_SESSION_IDLE_DEF     1800
#define OC_POLICY_SESSION_ABSOLUTE_MIN 300
#define OC_POLICY_SESSION_ABSOLUTE_MAX 604800
#define OC_POLICY_SESSION_ABSOLUTE_DEF 28800

struct oc_policy {
	struct pol_arena arena; /* owns everything below */
	oc_agency *agencies;
	size_t agencies_len;
	oc_profile *profiles;
	size_t profiles_len;
	oc_module *modules;
	size_t modules_len;
	oc_session_policy session;
	oc_totp_policy totp;
};

/* A name as written in a policy file and the bit it stands for. */
struct pol_name {
	const char *name;
	unsigned bit;
};

extern const struct pol_name pol_key_type_names[];
extern const size_t pol_key_type_names_len;
extern const struct pol_name pol_key_usage_names[];
extern const size_t pol_key_usage_names_len;
extern const struct pol_name pol_eku_names[];
extern const size_t pol_eku_names_len;
extern const struct pol_name pol_acr_names[];
extern const size_t pol_acr_names_len;

/*
 * Loads a policy from text (len bytes, need not be NUL-terminated) as
 * if read from a file called file_name, which prefixes every message.
 * Same results as oc_policy_load() except that it never returns
 * ONECARD_ERR_IO. err must hold OC_POLICY_ERR_MAX bytes.
 */
int pol_load_text(const char *text, size_t len, const char *file_name, oc_policy **out,
		  char err[OC_POLICY_ERR_MAX]);

/* Checks the parsed tree (conf.h) against the schema and fills pol, whose
 * arena receives copies of every string. Returns 0, ONECARD_ERR_POLICY
 * or ONECARD_ERR_NOMEM with "FILE:LINE: message" in err. */
struct pc_node;
int pol_build(const struct pc_node *root, const char *file, oc_policy *pol, char *err,
	      size_t err_size);

/* Error messages: writes "FILE:LINE: message" (or "FILE: message" when
 * line is 0) into err, truncating to err_size. */
void pol_err(char *err, size_t err_size, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Copies at most POL_QUOTE_MAX - 1 bytes of s into buf for a message,
 * control bytes replaced by '?', "..." marking a cut. Returns buf. */
#define POL_QUOTE_MAX 72u
const char *pol_quote(char buf[POL_QUOTE_MAX], const char *s);

/* Single-value checks: each returns NULL when s is acceptable, or a fixed
 * reason that completes a sentence about s ("is not valid UTF-8"). */
const char *pol_text_problem(const char *s);
const char *pol_id_problem(const char *s);
const char *pol_oid_problem(const char *oid);
/* On an unknown or unterminated ${...}, also points *bad and *bad_len at
 * the offending text inside s. */
const char *pol_template_problem(const char *s, const char **bad, size_t *bad_len);

/* 1 when OpenSSL knows name as an object (short name, long name or a
 * registered dotted OID), else 0. Leaves OpenSSL's error queue as it was. */
int pol_x509_attr_known(const char *name);

#endif
