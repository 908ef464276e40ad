/*
 * init: a new CA home (ca.h). The order keeps failures cheap and
 * leaves nothing behind: inputs and database first, then keys and
 * certificates in memory, then the files (each created exclusively),
 * then the inventory rows in one transaction, and last the rename of
 * ca.conf into place, which is what makes the directory a CA home.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "check.h"
#include "fileio.h"
#include "pass.h"
#include "serial.h"
#include "x509.h"

#define INIT_FILES_MAX 5

struct init {
	const struct oc_ca_args *args;
	const char *name;
	enum oc_ca_alg alg;
	oc_store *store;
	char actor[OC_AUDIT_ACTOR_MAX];
	char home[OC_CA_PATH_MAX];   /* absolute, for the audit trail */
	char policy[OC_CA_PATH_MAX]; /* absolute, "" if none */
	char *pass;
	size_t pass_len;
	EVP_PKEY *root_key, *card_key;
	X509 *root, *card;
	int created_dir;
	char written[INIT_FILES_MAX][OC_CA_PATH_MAX]; /* files to remove on failure */
	size_t n_written;
};

/* The home must not exist (it is then created 0700) or be an empty
 * directory (it is then made 0700). */
static int check_home(struct init *in, struct oc_ca_diag *diag)
{
	const char *home = in->args->home;
	char conf[OC_CA_PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *dir;
	int empty = 1;

	if (home == NULL || home[0] == '\0' || strlen(home) >= OC_CA_PATH_MAX - 32) {
		oc_diag_set(diag, "the home path is empty or too long");
		return ONECARD_ERR_INVALID_ARG;
	}
	if (lstat(home, &st) != 0) {
		if (errno == ENOENT) {
			return ONECARD_OK;
		}
		oc_diag_set(diag, "cannot look at %s: %s", home, strerror(errno));
		return ONECARD_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		oc_diag_set(diag, "%s exists and is not a directory", home);
		return ONECARD_ERR_EXISTS;
	}
	if (oc_path_join(home, OC_HOME_CONF, conf, sizeof(conf)) == ONECARD_OK &&
	    lstat(conf, &st) == 0) {
		oc_diag_set(diag, "%s already holds a CA", home);
		return ONECARD_ERR_EXISTS;
	}
	dir = opendir(home);
	if (dir == NULL) {
		oc_diag_set(diag, "cannot read %s: %s", home, strerror(errno));
		return ONECARD_ERR_IO;
	}
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	(void)closedir(dir);
	if (!empty) {
		oc_diag_set(diag, "%s is not empty", home);
		return ONECARD_ERR_EXISTS;
	}
	return ONECARD_OK;
}

static int make_home(struct init *in, struct oc_ca_diag *diag)
{
	const char *home = in->args->home;

	if (mkdir(home, 0700) == 0) {
		in->created_dir = 1;
	} else if (errno != EEXIST) {
		oc_diag_set(diag, "cannot create %s: %s", home, strerror(errno));
		return ONECARD_ERR_IO;
	}
	if (chmod(home, 0700) != 0) {
		oc_diag_set(diag, "cannot make %s private: %s", home, strerror(errno));
		return ONECARD_ERR_IO;
	}
	return ONECARD_OK;
}

/* path made absolute against the working directory (links are not
 * resolved); "" when it cannot be. */
static void absolute_path(const char *path, char *out, size_t out_size)
{
	char cwd[OC_CA_PATH_MAX];
	int n = -1;

	if (path[0] == '/') {
		n = snprintf(out, out_size, "%s", path);
	} else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		n = snprintf(out, out_size, "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= out_size) {
		out[0] = '\0';
	}
}

/* A policy given at init is checked now and recorded by absolute path
 * (relative to the working directory; links are not resolved). */
static int check_policy(struct init *in, struct oc_ca_diag *diag)
{
	const char *given = in->args->policy;
	char err[OC_POLICY_ERR_MAX];
	oc_policy *policy = NULL;
	int r;

	if (given == NULL) {
		given = getenv(OC_CA_ENV_POLICY);
	}
	if (given == NULL || given[0] == '\0') {
		return ONECARD_OK;
	}
	absolute_path(given, in->policy, sizeof(in->policy));
	if (in->policy[0] == '\0') {
		oc_diag_set(diag, "the policy path is too long, or the working directory unknown");
		return ONECARD_ERR_TOO_LARGE;
	}
	err[0] = '\0';
	r = oc_policy_load(in->policy, &policy, err);
	oc_policy_free(policy);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", err[0] != '\0' ? err : "the policy does not load");
		in->policy[0] = '\0';
	}
	return r;
}

static int make_certs(struct init *in, struct oc_ca_diag *diag)
{
	unsigned char root_serial[OC_CA_SERIAL_BYTES], card_serial[OC_CA_SERIAL_BYTES];
	struct oc_ca_cert_params p;
	X509_NAME *root_name = NULL, *card_name = NULL;
	const char *why = NULL;
	time_t now = time(NULL);
	int r;

	r = oc_x509_name_ca(in->name, "Root CA", &root_name, &why);
	if (r == ONECARD_OK) {
		r = oc_x509_name_ca(in->name, "Card CA", &card_name, &why);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why != NULL ? why : "the CA name does not make a subject");
		goto out;
	}
	r = oc_key_generate(in->alg, &in->root_key);
	if (r == ONECARD_OK) {
		r = oc_key_generate(in->alg, &in->card_key);
	}
	if (r == ONECARD_OK) {
		r = oc_serial_random(root_serial);
	}
	if (r == ONECARD_OK) {
		r = oc_serial_random(card_serial);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "generating the CA keys failed");
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.subject = root_name;
	p.key = in->root_key;
	p.issuer = NULL;
	p.issuer_key = in->root_key;
	p.serial = root_serial;
	p.serial_len = sizeof(root_serial);
	p.now = now;
	p.days = OC_CA_ROOT_DAYS;
	p.pathlen = -1;
	r = oc_x509_make_ca(&p, &in->root);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "making the root certificate failed");
		goto out;
	}
	p.subject = card_name;
	p.key = in->card_key;
	p.issuer = in->root;
	p.issuer_key = in->root_key;
	p.serial = card_serial;
	p.days = OC_CA_CARD_CA_DAYS;
	p.pathlen = 0;
	r = oc_x509_make_ca(&p, &in->card);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "making the card CA certificate failed");
	}
out:
	X509_NAME_free(root_name);
	X509_NAME_free(card_name);
	return r;
}

/* Creates one file of the home and remembers it for a rollback. */
static int write_file(struct init *in, const char *file, unsigned mode, const void *data,
		      size_t len, struct oc_ca_diag *diag)
{
	char *path;
	int r;

	if (in->n_written >= INIT_FILES_MAX) {
		return ONECARD_ERR_INTERNAL;
	}
	path = in->written[in->n_written];
	r = oc_path_join(in->args->home, file, path, OC_CA_PATH_MAX);
	if (r == ONECARD_OK) {
		r = oc_file_create(path, mode, data, len);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "cannot write %s/%s: %s", in->args->home, file,
			    onecard_strerror(r));
		return r;
	}
	in->n_written++;
	return ONECARD_OK;
}

static int write_key(struct init *in, const char *file, EVP_PKEY *key, struct oc_ca_diag *diag)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	r = oc_key_encrypt_pem(key, in->pass, in->pass_len, &pem, &len);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "encrypting the CA key failed");
		return r;
	}
	r = write_file(in, file, 0600, pem, len, diag);
	oc_buf_free(pem, len);
	return r;
}

static int write_cert(struct init *in, const char *file, X509 *cert, struct oc_ca_diag *diag)
{
	char *pem = NULL;
	int r;

	r = oc_x509_pem(cert, &pem);
	if (r == ONECARD_OK) {
		r = write_file(in, file, 0644, pem, strlen(pem), diag);
	}
	free(pem);
	return r;
}

static int write_files(struct init *in, struct oc_ca_diag *diag)
{
	struct oc_ca_conf conf;
	char text[OC_CA_CONF_MAX];
	int r, n;

	memset(&conf, 0, sizeof(conf));
	conf.version = OC_HOME_VERSION;
	conf.alg = in->alg;
	n = snprintf(conf.name, sizeof(conf.name), "%s", in->name);
	if (n < 0 || (size_t)n >= sizeof(conf.name)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memcpy(conf.policy, in->policy, sizeof(conf.policy));
	r = oc_conf_format(&conf, text, sizeof(text));
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "the CA name or policy path cannot be recorded");
		return r;
	}
	r = write_key(in, OC_HOME_ROOT_KEY, in->root_key, diag);
	if (r == ONECARD_OK) {
		r = write_key(in, OC_HOME_CA_KEY, in->card_key, diag);
	}
	if (r == ONECARD_OK) {
		r = write_cert(in, OC_HOME_ROOT_CERT, in->root, diag);
	}
	if (r == ONECARD_OK) {
		r = write_cert(in, OC_HOME_CA_CERT, in->card, diag);
	}
	if (r == ONECARD_OK) {
		r = write_file(in, OC_HOME_CONF_TMP, 0600, text, strlen(text), diag);
	}
	return r;
}

/* The inventory row of one CA certificate. */
static int record_ca(struct init *in, const char *role, X509 *cert, int issuer_id, int *id)
{
	struct oc_store_ca row;
	struct oc_cert_facts facts;
	int r;

	r = oc_x509_facts(cert, &facts);
	if (r != ONECARD_OK) {
		return r;
	}
	row.role = role;
	row.issuer_id = issuer_id;
	row.name = in->name;
	row.alg = oc_alg_name(in->alg);
	row.subject = facts.subject;
	row.serial = facts.serial;
	row.sha256 = facts.sha256;
	row.not_before = facts.not_before;
	row.not_after = facts.not_after;
	row.der = facts.der;
	row.der_len = facts.der_len;
	r = oc_store_ca_insert(in->store, &row, id);
	oc_x509_facts_clear(&facts);
	return r;
}

static int record(struct init *in, struct oc_ca_diag *diag)
{
	const struct oc_audit_pair pairs[] = {
		{"home", in->home},
		{"name", in->name},
		{"alg", oc_alg_name(in->alg)},
		{"policy", in->policy[0] != '\0' ? in->policy : NULL},
	};
	char serial[OC_CA_SERIAL_HEX_MAX + 1];
	int root_id = 0, card_id = 0, r;

	r = oc_x509_serial_hex(in->card, serial);
	if (r == ONECARD_OK) {
		r = oc_store_begin(in->store);
	}
	if (r == ONECARD_OK) {
		r = record_ca(in, "root", in->root, 0, &root_id);
	}
	if (r == ONECARD_OK) {
		r = record_ca(in, "card", in->card, root_id, &card_id);
	}
	if (r == ONECARD_OK) {
		r = oc_audit_record(in->store, in->actor, "init", card_id, serial, ONECARD_OK,
				    pairs, sizeof(pairs) / sizeof(pairs[0]));
	}
	if (r == ONECARD_OK) {
		r = oc_store_commit(in->store);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "recording the CA: %s", oc_store_error(in->store));
	}
	return r;
}

/* ca.conf.tmp -> ca.conf: from here on the directory is a CA home. */
static int publish(struct init *in, struct oc_ca_diag *diag)
{
	char from[OC_CA_PATH_MAX], to[OC_CA_PATH_MAX];

	if (oc_path_join(in->args->home, OC_HOME_CONF_TMP, from, sizeof(from)) != ONECARD_OK ||
	    oc_path_join(in->args->home, OC_HOME_CONF, to, sizeof(to)) != ONECARD_OK) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (rename(from, to) != 0) {
		oc_diag_set(diag, "cannot rename %s: %s", from, strerror(errno));
		return ONECARD_ERR_IO;
	}
	in->n_written--; /* ca.conf.tmp is gone: nothing to remove */
	return oc_dir_sync(in->args->home);
}

static void undo_files(struct init *in)
{
	size_t i;

	for (i = 0; i < in->n_written; i++) {
		(void)unlink(in->written[i]);
	}
	if (in->created_dir) {
		(void)rmdir(in->args->home);
	}
}

int oc_ca_init(const struct oc_ca_args *args, const char *name, enum oc_ca_alg alg,
	       struct oc_ca_diag *diag)
{
	struct init in;
	const char *why = NULL;
	int r = ONECARD_ERR_INTERNAL, recorded = 0;

	memset(&in, 0, sizeof(in));
	diag->detail[0] = '\0';
	in.args = args;
	in.name = name;
	in.alg = alg;
	oc_audit_actor(in.actor);
	if (args->home != NULL) {
		absolute_path(args->home, in.home, sizeof(in.home));
	}
	if (oc_check_text(name, OC_CA_NAME_MAX, &why) != ONECARD_OK) {
		oc_diag_set(diag, "the CA name %s", why);
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (args->conninfo == NULL) {
		oc_diag_set(diag, "no database given");
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_store_open(args->conninfo, &in.store, diag->detail, sizeof(diag->detail));
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_store_migrate(in.store);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "applying the schema: %s", oc_store_error(in.store));
		goto out;
	}
	r = check_home(&in, diag);
	if (r == ONECARD_OK) {
		r = check_policy(&in, diag);
	}
	if (r == ONECARD_OK) {
		r = oc_pass_get(args->pass_file, &in.pass, &in.pass_len, &why);
		if (r == ONECARD_ERR_IO) {
			oc_diag_set(diag, "cannot read the pass file %s: %s", args->pass_file,
				    strerror(errno));
		} else if (r != ONECARD_OK) {
			oc_diag_set(diag, "%s", why != NULL ? why : onecard_strerror(r));
		}
	}
	if (r == ONECARD_OK) {
		r = make_certs(&in, diag);
	}
	if (r == ONECARD_OK) {
		r = make_home(&in, diag);
	}
	if (r == ONECARD_OK) {
		r = write_files(&in, diag);
	}
	/* The keys are on disk, encrypted: the passphrase is done with. */
	oc_pass_free(in.pass, in.pass_len);
	in.pass = NULL;
	if (r == ONECARD_OK) {
		r = record(&in, diag);
		recorded = r == ONECARD_OK;
	}
	if (r == ONECARD_OK) {
		r = publish(&in, diag);
	}
out:
	if (r != ONECARD_OK) {
		const struct oc_audit_pair pairs[] = {
			{"home", in.home[0] != '\0' ? in.home : args->home},
			{"name", name},
			{"alg", oc_alg_name(alg)},
			{"detail", diag->detail},
		};

		/* Recorded but not published is the one failure that leaves
		 * rows behind: rows of a CA nobody can use, and the audit
		 * trail says so. */
		if (!recorded) {
			undo_files(&in);
		}
		oc_audit_failure(in.store, in.actor, "init", 0, NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
	}
	oc_pass_free(in.pass, in.pass_len);
	EVP_PKEY_free(in.root_key);
	EVP_PKEY_free(in.card_key);
	X509_free(in.root);
	X509_free(in.card);
	oc_store_free(in.store);
	return r;
}
