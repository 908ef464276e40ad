/*
 * onecard policy: the agencies, the certificate profiles the CA issues,
 * and the modules (token audiences) with what each demands. Loaded from
 * a human-edited libconfig file (a .conf file in policies/); every mistake is
 * reported as "FILE:LINE: message".
 *
 * A loaded policy is immutable and may be shared between threads. All
 * pointers returned are borrowed from the policy and live until
 * oc_policy_free().
 */
#ifndef ONECARD_POLICY_H
#define ONECARD_POLICY_H

#include <stddef.h>

#define OC_POLICY_ERR_MAX 512 /* bytes of an error message, NUL included */
#define OC_POLICY_ID_MAX  64  /* bytes of an agency, profile or module id */

/* Key types a profile may allow (bit set). */
enum oc_key_type {
	OC_KEY_EC_P256 = 1u << 0,  /* "ec-p256" */
	OC_KEY_RSA_2048 = 1u << 1, /* "rsa-2048" */
	OC_KEY_RSA_3072 = 1u << 2, /* "rsa-3072" */
	OC_KEY_SM2 = 1u << 3,	   /* "sm2" (SM2 with SM3) */
};

/* Extended key usages a profile may name (bit set). */
enum oc_eku {
	OC_EKU_CLIENT_AUTH = 1u << 0,	   /* "clientAuth", 1.3.6.1.5.5.7.3.2 */
	OC_EKU_SMARTCARD_LOGON = 1u << 1,  /* "smartcardLogon", 1.3.6.1.4.1.311.20.2.2 */
	OC_EKU_EMAIL_PROTECTION = 1u << 2, /* "emailProtection", 1.3.6.1.5.5.7.3.4 */
};

/* Key usages a profile may name (bit set). */
enum oc_key_usage {
	OC_KU_DIGITAL_SIGNATURE = 1u << 0, /* "digitalSignature" */
	OC_KU_NON_REPUDIATION = 1u << 1,   /* "nonRepudiation" */
	OC_KU_KEY_ENCIPHERMENT = 1u << 2,  /* "keyEncipherment" */
};

/* Assurance levels a module may admit (bit set). */
enum oc_acr {
	OC_ACR_CARD = 1u << 0,	  /* "card": a card login */
	OC_ACR_PWD_OTP = 1u << 1, /* "pwd-otp": directory password plus TOTP */
};

typedef struct oc_agency {
	const char *id;		/* "customs" */
	const char *name;	/* "General Administration of Customs" */
	const char *policy_oid; /* certificate policy OID, dotted */
} oc_agency;

/* One RDN of a subject: an attribute and a template whose ${name}
 * placeholders are filled at issuance (enterprise_name, uscc,
 * person_id, person_name, agency). */
typedef struct oc_rdn_template {
	const char *attr;  /* OpenSSL short or long name: "C", "O", "UID", ... */
	const char *value; /* template text */
} oc_rdn_template;

typedef struct oc_profile {
	const char *id;
	const oc_agency *agency;
	const oc_rdn_template *subject; /* in DN order, most significant first */
	size_t subject_len;
	unsigned key_types; /* enum oc_key_type bits: what may be certified */
	unsigned key_usage; /* enum oc_key_usage bits */
	unsigned eku;	    /* enum oc_eku bits */
	int lifetime_days;  /* 1..1825 */
} oc_profile;

typedef struct oc_module {
	const char *id;		     /* the token audience, e.g. "city-a-customs" */
	const char *platform;	     /* "province", "city-a", ... */
	unsigned acr;		     /* enum oc_acr bits: levels admitted (pwd-otp implies card) */
	const char *const *agencies; /* agency ids whose certificate is required */
	size_t agencies_len;
	int token_lifetime; /* seconds, 30..3600 */
} oc_module;

/* How long an SSO session lives (docs/sso.md): seconds without use, and
 * seconds from the login whatever the use. idle <= absolute. */
typedef struct oc_session_policy {
	int idle_timeout;     /* 60..86400, default 1800 */
	int absolute_timeout; /* 300..604800, default 28800 */
} oc_session_policy;

/* The TOTP secrets enrolled for the password + TOTP level (docs/otp.md):
 * RFC 6238 with 30-second steps. */
enum oc_totp_alg {
	OC_TOTP_SHA1 = 1,   /* "sha1": what every authenticator app supports */
	OC_TOTP_SHA256 = 2, /* "sha256" */
};
typedef struct oc_totp_policy {
	enum oc_totp_alg algorithm; /* default OC_TOTP_SHA1 */
	int digits;		    /* 6 or 8, default 6 */
} oc_totp_policy;

typedef struct oc_policy oc_policy;

/* Loads and checks a policy file. Returns 0 and *out, or
 * ONECARD_ERR_POLICY with err holding "FILE:LINE: message" (or
 * ONECARD_ERR_IO / ONECARD_ERR_NOMEM). Checks: ids unique and of
 * [a-z0-9-], every reference resolves, OIDs well-formed, lifetimes and
 * bit names known, nothing unknown in the file. */
int oc_policy_load(const char *path, oc_policy **out, char err[OC_POLICY_ERR_MAX]);

void oc_policy_free(oc_policy *policy);

const oc_agency *oc_policy_agency(const oc_policy *policy, const char *id);
const oc_profile *oc_policy_profile(const oc_policy *policy, const char *id);
const oc_module *oc_policy_module(const oc_policy *policy, const char *id);
/* The session timeouts (the defaults when the file has no session group). */
const oc_session_policy *oc_policy_session(const oc_policy *policy);
/* The TOTP settings (the defaults when the file has no totp group). */
const oc_totp_policy *oc_policy_totp(const oc_policy *policy);

size_t oc_policy_agency_count(const oc_policy *policy);
size_t oc_policy_profile_count(const oc_policy *policy);
size_t oc_policy_module_count(const oc_policy *policy);
const oc_agency *oc_policy_agency_at(const oc_policy *policy, size_t i);
const oc_profile *oc_policy_profile_at(const oc_policy *policy, size_t i);
const oc_module *oc_policy_module_at(const oc_policy *policy, size_t i);

/* Names for the bit values, as written in policy files. */
const char *oc_key_type_name(unsigned one_bit);

#endif
