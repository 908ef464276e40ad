/*
 * onecard — card certificate path validation for login (docs/chain.md).
 *
 * A store holds the configured trust anchors, the CA certificates authd
 * knows (chain-building candidates, never trusted by themselves) and the
 * CRLs that verified against one of them. oc_chain_verify() builds and
 * checks the path of one card certificate with OpenSSL, applies onecard's
 * own rules on top, and reports the revocation evidence it relied on.
 *
 * This is the only file set in authd that touches OpenSSL's X509_STORE.
 */
#ifndef ONECARD_CHAIN_H
#define ONECARD_CHAIN_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Named maximums. */
#define OC_CHAIN_MAX_PATH	 16   /* certificates in a validated path, hard cap */
#define OC_CHAIN_DEFAULT_DEPTH	 8    /* default cap on CA certificates above the leaf */
#define OC_CHAIN_MAX_UNTRUSTED	 16   /* default cap on certificates a client presents */
#define OC_CHAIN_MAX_STORE_CERTS 1024 /* anchors plus CA certificates in one store */
#define OC_CHAIN_MAX_STORE_CRLS	 1024 /* CRLs in one store */
#define OC_CHAIN_MAX_POLICIES	 8    /* OIDs in the initial policy set */
#define OC_CHAIN_MAX_DN		 512  /* bytes of a printed DN, with its NUL */
#define OC_CHAIN_MAX_CRL_NUMBER	 48   /* hex digits of a CRL number (20 octets), with NUL */
#define OC_CHAIN_MAX_CRL_FILE	 (1024 * 1024) /* bytes of one CRL file in load_dir */
#define OC_CHAIN_MAX_PATH_NAME	 4096	       /* bytes of a file path in load_dir */

/*
 * Returned by oc_chain_verify() when the certificate is rejected. It is
 * outside the onecard error table on purpose and temporary: it will become
 * one of the codes proposed in docs/chain.md once they are appended to
 * include/onecard/error.h. res->reason says why.
 */
#define OC_CHAIN_REJECTED (-1000)

/* Why a certificate was rejected; each has a fixed string (oc_chain_reason_str). */
enum oc_chain_reason {
	OC_CHAIN_OK = 0,
	OC_CHAIN_INVALID,		    /* OpenSSL refused the path for another reason */
	OC_CHAIN_UNTRUSTED,		    /* no path to a configured trust anchor */
	OC_CHAIN_BAD_SIGNATURE,		    /* a certificate or CRL signature does not verify */
	OC_CHAIN_EXPIRED,		    /* a certificate in the path has expired */
	OC_CHAIN_NOT_YET_VALID,		    /* a certificate in the path is not yet valid */
	OC_CHAIN_REVOKED,		    /* a certificate in the path is revoked */
	OC_CHAIN_CRL_MISSING,		    /* no usable CRL: revocation status unknown */
	OC_CHAIN_CRL_STALE,		    /* a CRL is past nextUpdate, has none, or is too old */
	OC_CHAIN_CRL_INVALID,		    /* a CRL is malformed, not yet valid or out of scope */
	OC_CHAIN_TOO_LONG,		    /* the path is longer than the depth cap */
	OC_CHAIN_BASIC_CONSTRAINTS,	    /* a non-CA acts as CA, or pathLen exceeded */
	OC_CHAIN_KEY_USAGE,		    /* a CA lacks keyCertSign (or cRLSign) */
	OC_CHAIN_POLICY,		    /* certificate policy processing failed */
	OC_CHAIN_NAME_CONSTRAINTS,	    /* a name constraint was violated */
	OC_CHAIN_UNKNOWN_CRITICAL_EXT,	    /* an unknown critical extension */
	OC_CHAIN_LEAF_IS_CA,		    /* the card certificate is a CA or lacks CA:FALSE */
	OC_CHAIN_LEAF_NO_CLIENT_AUTH,	    /* the card certificate lacks the clientAuth EKU */
	OC_CHAIN_LEAF_NO_DIGITAL_SIGNATURE, /* the card certificate lacks digitalSignature */
	OC_CHAIN_WEAK_KEY,		    /* key type or size not acceptable */
	OC_CHAIN_WEAK_ALGORITHM,	    /* SHA-1 or MD5 signature in the path */
	OC_CHAIN_TOO_MANY_CERTS,	    /* more presented certificates than allowed */
	OC_CHAIN_BAD_SERIAL,		    /* card certificate serial zero or negative (X11) */
};

/* What the leaf's basicConstraints must say. */
enum oc_chain_leaf_ca {
	OC_CHAIN_LEAF_CA_FALSE = 0, /* present and CA:FALSE (onecard card certificates) */
	OC_CHAIN_LEAF_NOT_CA,	    /* CA:FALSE or absent */
	OC_CHAIN_LEAF_ANY,	    /* no rule (PKITS, whose end entities may be CAs) */
};

/* Verification parameters. Start from oc_chain_params_init(). */
struct oc_chain_params {
	time_t verify_time;	     /* 0 = now; tests pin it */
	int max_depth;		     /* CA certificates above the leaf, 1..OC_CHAIN_MAX_PATH-1 */
	size_t max_untrusted;	     /* certificates the caller may present */
	long max_crl_age;	     /* seconds since thisUpdate; 0 = no limit */
	int require_crl_next_update; /* a CRL without nextUpdate is stale */
	/* onecard card-certificate profile (off for PKITS) */
	int require_client_auth;       /* leaf EKU has clientAuth (anyEKU alone is not enough) */
	int require_digital_signature; /* leaf keyUsage present with digitalSignature */
	enum oc_chain_leaf_ca leaf_ca; /* what the leaf's basicConstraints must say */
	/* RFC 5280 policy inputs (PKITS settings) */
	const char *policies[OC_CHAIN_MAX_POLICIES]; /* initial policy set, dotted OIDs */
	size_t npolicies;			     /* 0 = {anyPolicy} */
	int explicit_policy;			     /* initial-explicit-policy */
	int inhibit_policy_mapping;		     /* initial-policy-mapping-inhibit */
	int inhibit_any_policy;			     /* initial-any-policy-inhibit */
};

/* The CRL relied on for one certificate in the path. */
struct oc_chain_evidence {
	int found;			  /* 0: the CRL used could not be named (see docs) */
	char crl_issuer[OC_CHAIN_MAX_DN]; /* RFC 2253 DN of the CRL issuer */
	int has_crl_number;		  /* the CRL carries a cRLNumber */
	char crl_number[OC_CHAIN_MAX_CRL_NUMBER]; /* upper-case hex */
	time_t this_update;
	time_t next_update; /* 0 when absent */
};

/* Outcome of oc_chain_verify(). */
struct oc_chain_result {
	int ok;			     /* 1 only when every check passed */
	enum oc_chain_reason reason; /* OC_CHAIN_OK when ok */
	const char *reason_str;	     /* fixed string for reason, never NULL */
	int x509_error;		     /* OpenSSL X509_V_ERR_*, X509_V_OK when not from OpenSSL */
	const char *x509_error_str;  /* X509_verify_cert_error_string(), never NULL */
	int error_depth;	     /* 0 = leaf; -1 when not tied to a certificate */
	size_t path_len;	     /* certificates in the path, leaf first, anchor last */
	struct oc_chain_evidence evidence[OC_CHAIN_MAX_PATH]; /* one per path certificate */
};

struct oc_chain_store;

/* Fills p with the login defaults: time now, depth OC_CHAIN_DEFAULT_DEPTH,
 * OC_CHAIN_MAX_UNTRUSTED, nextUpdate required, the card profile on, no
 * policy set. */
void oc_chain_params_init(struct oc_chain_params *p);

/* Returns the fixed string for a reason; never NULL. */
const char *oc_chain_reason_str(enum oc_chain_reason reason);

/* Creates an empty store in *out. Returns 0, ONECARD_ERR_INVALID_ARG or
 * ONECARD_ERR_NOMEM; *out is NULL on failure. Free with oc_chain_store_free. */
__attribute__((warn_unused_result)) int oc_chain_store_new(struct oc_chain_store **out);

/* Frees the store and all it holds. NULL does nothing. */
void oc_chain_store_free(struct oc_chain_store *store);

/* Adds a trust anchor (a card-issuing CA or a root). The store takes its
 * own reference; the caller keeps cert. Returns 0, ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_TOO_LARGE or ONECARD_ERR_NOMEM. */
__attribute__((warn_unused_result)) int oc_chain_store_add_anchor(struct oc_chain_store *store,
								  X509 *cert);

/* Adds a CA certificate that is not trusted by itself: a chain-building
 * candidate and a possible CRL signer. Add CA certificates before the
 * CRLs they sign. Same ownership and returns as oc_chain_store_add_anchor. */
__attribute__((warn_unused_result)) int oc_chain_store_add_ca(struct oc_chain_store *store,
							      X509 *cert);

/* Adds a CRL if its signature verifies with the key of an anchor or CA
 * certificate in the store whose subject is the CRL issuer and whose
 * keyUsage (if present) has cRLSign. The store takes its own reference.
 * Returns 0; ONECARD_ERR_BAD_SIGNATURE when no such issuer verifies it
 * (the CRL is not added); ONECARD_ERR_INVALID_ARG, ONECARD_ERR_TOO_LARGE,
 * ONECARD_ERR_NOMEM. */
__attribute__((warn_unused_result)) int oc_chain_store_add_crl(struct oc_chain_store *store,
							       X509_CRL *crl);

/* Loads the PEM certificates in anchors_pem_path as anchors, then every
 * regular file in crl_dir (DER or PEM CRL) with oc_chain_store_add_crl.
 * CRLs that do not verify are skipped and counted in *rejected (may be
 * NULL). crl_dir may be NULL. Returns 0, ONECARD_ERR_IO, ONECARD_ERR_BAD_FORMAT
 * (an unreadable anchor file or CRL), ONECARD_ERR_TOO_LARGE, ONECARD_ERR_NOMEM,
 * ONECARD_ERR_INVALID_ARG. */
__attribute__((warn_unused_result)) int oc_chain_store_load_dir(struct oc_chain_store *store,
								const char *anchors_pem_path,
								const char *crl_dir,
								size_t *rejected);

/* As oc_chain_store_load_dir, for named files: the PEM certificates in
 * anchors_pem_path as anchors, those in cas_pem_path (NULL: none) as CA
 * certificates, then each CRL file of crl_paths[0..ncrl) (DER or PEM, one
 * CRL each). CRLs that do not verify are skipped and counted in
 * *rejected. Same returns as oc_chain_store_load_dir. */
__attribute__((warn_unused_result)) int oc_chain_store_load_files(struct oc_chain_store *store,
								  const char *anchors_pem_path,
								  const char *cas_pem_path,
								  const char *const *crl_paths,
								  size_t ncrl, size_t *rejected);

/* The earliest notAfter of the anchors and CA certificates in the store
 * (0 when it holds none): a verdict cached from this store must not
 * outlive it. Returns 0, ONECARD_ERR_INVALID_ARG or ONECARD_ERR_BAD_FORMAT. */
__attribute__((warn_unused_result)) int
oc_chain_store_earliest_expiry(const struct oc_chain_store *store, time_t *out);

/*
 * Validates leaf for login. untrusted (may be NULL) holds the certificates
 * the client presented besides the leaf; the store's CA certificates are
 * added to them. Nothing is retained.
 * Returns 0 when accepted (res->ok == 1); OC_CHAIN_REJECTED when rejected
 * (res->reason and res->error_depth say why); ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_NOMEM or ONECARD_ERR_CRYPTO when it could not decide (res->ok
 * is 0). res is always fully written.
 */
__attribute__((warn_unused_result)) int oc_chain_verify(const struct oc_chain_store *store,
							X509 *leaf, STACK_OF(X509) * untrusted,
							const struct oc_chain_params *p,
							struct oc_chain_result *res);

#ifdef __cplusplus
}
#endif

#endif /* ONECARD_CHAIN_H */
