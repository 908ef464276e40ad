/*
 * Opening a CA home for an operation, and what every operation shares:
 * diagnostics, audit rows, reading the home's certificates and keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "fileio.h"
#include "pass.h"
#include "x509.h"

void oc_diag_set(struct oc_ca_diag *diag, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (diag == NULL) {
		return;
	}
	va_start(ap, fmt);
	if (vsnprintf(diag->detail, sizeof(diag->detail), fmt, ap) < 0) {
		diag->detail[0] = '\0';
	}
	va_end(ap);
	/* One line, whatever a path or a server message held. */
	for (i = 0; diag->detail[i] != '\0'; i++) {
		if ((unsigned char)diag->detail[i] < 0x20 || diag->detail[i] == 0x7f) {
			diag->detail[i] = '?';
		}
	}
}

int oc_audit_record(oc_store *store, const char *actor, const char *action, int ca_id,
		    const char *serial, int result, const struct oc_audit_pair *pairs, size_t n)
{
	struct oc_store_audit a;
	char *detail = NULL;
	int r;

	r = oc_audit_json(pairs, n, &detail);
	if (r != ONECARD_OK) {
		return r;
	}
	a.actor = actor;
	a.action = action;
	a.ca_id = ca_id;
	a.serial = serial;
	a.result = onecard_err_code(result);
	a.detail = detail;
	r = oc_store_audit(store, &a);
	free(detail);
	return r;
}

void oc_audit_failure(oc_store *store, const char *actor, const char *action, int ca_id,
		      const char *serial, int result, const struct oc_audit_pair *pairs, size_t n)
{
	if (store == NULL) {
		return;
	}
	oc_store_rollback(store);
	(void)oc_audit_record(store, actor, action, ca_id, serial, result, pairs, n);
}

int oc_home_read_cert(const char *home, const char *file, X509 **out, struct oc_ca_diag *diag)
{
	char path[OC_CA_PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = oc_path_join(home, file, path, sizeof(path));
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "the home path is too long");
		return r;
	}
	r = oc_file_read(path, OC_CA_CERT_FILE_MAX, OC_FILE_NOFOLLOW, &buf, &len);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "cannot read %s: %s", path,
			    r == ONECARD_ERR_IO ? strerror(errno) : onecard_strerror(r));
		return r;
	}
	r = oc_x509_from_pem(buf, len, out);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s holds no PEM certificate", path);
	}
	oc_buf_free(buf, len);
	return r;
}

int oc_home_open_key(const char *home, const char *file, const char *pass_file, enum oc_ca_alg alg,
		     X509 *cert, EVP_PKEY **out, struct oc_ca_diag *diag)
{
	char path[OC_CA_PATH_MAX];
	unsigned char *pem = NULL;
	size_t pem_len = 0, pass_len = 0;
	char *pass = NULL;
	const char *why = NULL;
	EVP_PKEY *key = NULL;
	int r;

	*out = NULL;
	r = oc_path_join(home, file, path, sizeof(path));
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "the home path is too long");
		goto out;
	}
	r = oc_file_read(path, OC_CA_KEY_FILE_MAX, OC_FILE_NOFOLLOW, &pem, &pem_len);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "cannot read %s: %s", path,
			    r == ONECARD_ERR_IO ? strerror(errno) : onecard_strerror(r));
		goto out;
	}
	r = oc_pass_get(pass_file, &pass, &pass_len, &why);
	if (r != ONECARD_OK) {
		if (r == ONECARD_ERR_IO) {
			oc_diag_set(diag, "cannot read the pass file %s: %s", pass_file,
				    strerror(errno));
		} else {
			oc_diag_set(diag, "%s", why != NULL ? why : onecard_strerror(r));
		}
		goto out;
	}
	r = oc_key_decrypt_pem(pem, pem_len, pass, pass_len, &key);
	oc_pass_free(pass, pass_len);
	pass = NULL;
	if (r == ONECARD_ERR_PASSPHRASE) {
		oc_diag_set(diag, "the passphrase does not open %s", path);
		goto out;
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s is not an encrypted private key", path);
		goto out;
	}
	r = oc_key_check_alg(key, alg);
	if (r == ONECARD_OK && cert != NULL) {
		r = oc_x509_key_matches(cert, key);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s does not hold the key of this CA", path);
		goto out;
	}
	*out = key;
	key = NULL;
out:
	oc_pass_free(pass, pass_len);
	oc_buf_free(pem, pem_len);
	EVP_PKEY_free(key);
	return r;
}

/* Reads and parses DIR/ca.conf. */
static int read_conf(oc_ca *ca, struct oc_ca_diag *diag)
{
	char path[OC_CA_PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	unsigned line = 0;
	const char *why = NULL;
	int r;

	r = oc_path_join(ca->home, OC_HOME_CONF, path, sizeof(path));
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "the home path is too long");
		return r;
	}
	r = oc_file_read(path, OC_CA_CONF_MAX, OC_FILE_NOFOLLOW, &buf, &len);
	if (r == ONECARD_ERR_IO && errno == ENOENT) {
		oc_diag_set(diag, "%s holds no CA (no %s; run 'onecard-ca init')", ca->home,
			    OC_HOME_CONF);
		return ONECARD_ERR_NOT_FOUND;
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "cannot read %s: %s", path,
			    r == ONECARD_ERR_IO ? strerror(errno) : onecard_strerror(r));
		return r;
	}
	r = oc_conf_parse((const char *)buf, len, &ca->conf, &line, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s:%u: %s", path, line, why);
	}
	oc_buf_free(buf, len);
	return r;
}

/* The card CA must be the root's child, and recorded in this database. */
static int check_chain_and_find(oc_ca *ca, struct oc_ca_diag *diag)
{
	struct oc_cert_facts facts;
	int r;

	if (oc_x509_check_issued(ca->root, ca->card) != ONECARD_OK) {
		oc_diag_set(diag, "%s/%s is not issued by %s/%s", ca->home, OC_HOME_CA_CERT,
			    ca->home, OC_HOME_ROOT_CERT);
		return ONECARD_ERR_BAD_SIGNATURE;
	}
	r = oc_x509_facts(ca->card, &facts);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_store_ca_find(ca->store, facts.sha256, &ca->ca_id);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
	}
	oc_x509_facts_clear(&facts);
	return r;
}

static int load_policy(oc_ca *ca, const char *given, struct oc_ca_diag *diag)
{
	char err[OC_POLICY_ERR_MAX];
	const char *path = given;
	int r, n;

	if (path == NULL && ca->conf.policy[0] != '\0') {
		path = ca->conf.policy;
	}
	if (path == NULL) {
		path = getenv(OC_CA_ENV_POLICY);
	}
	if (path == NULL || path[0] == '\0') {
		oc_diag_set(diag, "no policy: give --policy FILE, record one at init, or set "
				  "ONECARD_POLICY");
		return ONECARD_ERR_POLICY;
	}
	n = snprintf(ca->policy_path, sizeof(ca->policy_path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(ca->policy_path)) {
		oc_diag_set(diag, "the policy path is too long");
		return ONECARD_ERR_TOO_LARGE;
	}
	err[0] = '\0';
	r = oc_policy_load(ca->policy_path, &ca->policy, err);
	if (r != ONECARD_OK) {
		if (err[0] != '\0') {
			oc_diag_set(diag, "%s", err);
		} else {
			oc_diag_set(diag, "cannot load the policy %s", ca->policy_path);
		}
	}
	return r;
}

int oc_ca_open(const struct oc_ca_args *args, const char *action, unsigned need, oc_ca **out,
	       struct oc_ca_diag *diag)
{
	oc_ca *ca = NULL;
	int r = ONECARD_ERR_INTERNAL, migrated = 0, n;

	*out = NULL;
	diag->detail[0] = '\0';
	if (args->home == NULL || args->conninfo == NULL) {
		oc_diag_set(diag, "the CA home and the database must be given");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	ca = calloc(1, sizeof(*ca));
	if (ca == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	oc_audit_actor(ca->actor);
	ca->pass_file = args->pass_file;
	r = oc_store_open(args->conninfo, &ca->store, diag->detail, sizeof(diag->detail));
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_store_migrate(ca->store);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "applying the schema: %s", oc_store_error(ca->store));
		goto out;
	}
	migrated = 1;
	n = snprintf(ca->home, sizeof(ca->home), "%s", args->home);
	if (n <= 0 || (size_t)n >= sizeof(ca->home)) {
		oc_diag_set(diag, "the home path is empty or too long");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = read_conf(ca, diag);
	if (r == ONECARD_OK) {
		r = oc_home_read_cert(ca->home, OC_HOME_ROOT_CERT, &ca->root, diag);
	}
	if (r == ONECARD_OK) {
		r = oc_home_read_cert(ca->home, OC_HOME_CA_CERT, &ca->card, diag);
	}
	if (r == ONECARD_OK) {
		r = check_chain_and_find(ca, diag);
	}
	if (r == ONECARD_OK && (need & OC_CA_NEED_POLICY) != 0) {
		r = load_policy(ca, args->policy, diag);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	*out = ca;
	ca = NULL;
out:
	if (r != ONECARD_OK && ca != NULL && migrated) {
		const struct oc_audit_pair pairs[] = {
			{"home", args->home},
			{"detail", diag->detail},
		};

		oc_audit_failure(ca->store, ca->actor, action, ca->ca_id, NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
	}
	oc_ca_free(ca);
	return r;
}

void oc_ca_free(oc_ca *ca)
{
	if (ca == NULL) {
		return;
	}
	oc_store_free(ca->store);
	oc_policy_free(ca->policy);
	X509_free(ca->root);
	X509_free(ca->card);
	free(ca);
}
