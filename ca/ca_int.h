/*
 * What the operations of the core (ops_*.c) share; not seen by the
 * command-line tool.
 */
#ifndef ONECARD_CA_CA_INT_H
#define ONECARD_CA_CA_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "audit.h"
#include "ca.h"
#include "home.h"
#include "policy.h"
#include "store.h"

struct oc_ca {
	char home[OC_CA_PATH_MAX];
	struct oc_ca_conf conf;
	X509 *root; /* root.pem */
	X509 *card; /* ca.pem, the card-issuing CA */
	int ca_id;  /* cas.id of the card-issuing CA */
	oc_store *store;
	oc_policy *policy; /* NULL unless OC_CA_NEED_POLICY */
	char policy_path[OC_CA_PATH_MAX];
	const char *pass_file; /* borrowed from the args */
	char actor[OC_AUDIT_ACTOR_MAX];
};

/* Sets diag->detail (printf format); a NULL diag is ignored. */
void oc_diag_set(struct oc_ca_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Records one audit row: result is ONECARD_OK ("ok") or the error code
 * (its onecard_err_code()), detail the pairs as a JSON object. Inside
 * the caller's transaction if one is open, else in its own.
 */
int oc_audit_record(oc_store *store, const char *actor, const char *action, int ca_id,
		    const char *serial, int result, const struct oc_audit_pair *pairs, size_t n);

/* Records a failure after rolling back whatever was open; its own
 * failure is ignored (the caller reports the original error). */
void oc_audit_failure(oc_store *store, const char *actor, const char *action, int ca_id,
		      const char *serial, int result, const struct oc_audit_pair *pairs, size_t n);

/* Reads a certificate file of the home (no symbolic link). */
int oc_home_read_cert(const char *home, const char *file, X509 **out, struct oc_ca_diag *diag);

/* Opens an encrypted key file of the home with the passphrase (pass
 * file or environment), checks it is of the CA's family and, when cert
 * is given, that it belongs to cert. The passphrase is wiped before this
 * returns. */
int oc_home_open_key(const char *home, const char *file, const char *pass_file, enum oc_ca_alg alg,
		     X509 *cert, EVP_PKEY **out, struct oc_ca_diag *diag);

#endif /* ONECARD_CA_CA_INT_H */
