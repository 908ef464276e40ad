/*
 * issue: one end-entity certificate (ca.h). The steps, in order:
 * check every given value; make the subject from the profile; open the
 * card CA key; get the public key from the key source (a CSR is judged
 * and verified there); pick a serial not in the inventory; build, sign
 * and check the certificate; then, in one transaction, the certificate
 * row, its audit row and (for a card) the delivery; COMMIT; only then
 * is the certificate given to the caller.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "check.h"
#include "keypolicy.h"
#include "serial.h"
#include "x509.h"

/* Everything the issuance made, freed at one place. */
struct issue {
	const struct oc_issue_req *req;
	const oc_profile *profile;
	X509_NAME *subject;
	EVP_PKEY *pub, *ca_key;
	unsigned char serial[OC_CA_SERIAL_BYTES];
	char serial_hex[OC_CA_SERIAL_HEX_MAX + 1];
	X509 *cert;
	struct oc_cert_facts facts; /* of cert */
};

static int check_text_arg(const char *what, const char *value, size_t max, struct oc_ca_diag *diag)
{
	const char *why = NULL;

	if (oc_check_text(value, max, &why) != ONECARD_OK) {
		oc_diag_set(diag, "the %s %s (at most %zu bytes)", what, why, max);
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

static int check_request(oc_ca *ca, struct issue *is, struct oc_ca_diag *diag)
{
	const struct oc_issue_req *req = is->req;
	const char *why = NULL;
	int r;

	if (req->profile == NULL || req->profile[0] == '\0' ||
	    strnlen(req->profile, OC_CA_PROFILE_ID_MAX) >= OC_CA_PROFILE_ID_MAX ||
	    !oc_utf8_printable((const unsigned char *)req->profile, strlen(req->profile))) {
		oc_diag_set(diag, "the profile name is not a profile id");
		return ONECARD_ERR_UNKNOWN_PROFILE;
	}
	is->profile = oc_policy_profile(ca->policy, req->profile);
	if (is->profile == NULL) {
		oc_diag_set(diag, "no profile '%s' in %s", req->profile, ca->policy_path);
		return ONECARD_ERR_UNKNOWN_PROFILE;
	}
	r = check_text_arg("enterprise name", req->enterprise_name, OC_CA_TEXT_MAX, diag);
	if (r != ONECARD_OK) {
		return r;
	}
	if (oc_check_uscc(req->uscc, &why) != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		return ONECARD_ERR_INVALID_ARG;
	}
	if (oc_check_person_id(req->person_id, &why) != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		return ONECARD_ERR_INVALID_ARG;
	}
	r = check_text_arg("person name", req->person_name, OC_CA_TEXT_MAX, diag);
	if (r == ONECARD_OK && req->label != NULL) {
		r = check_text_arg("label", req->label, OC_CA_LABEL_MAX, diag);
	}
	return r;
}

static int make_subject(struct issue *is, struct oc_ca_diag *diag)
{
	struct oc_subject_values v;
	const char *why = NULL;
	int r;

	v.enterprise_name = is->req->enterprise_name;
	v.uscc = is->req->uscc;
	v.person_id = is->req->person_id;
	v.person_name = is->req->person_name;
	v.agency = is->profile->agency->id;
	r = oc_x509_name_from_profile(is->profile, &v, &is->subject, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "profile %s: %s", is->profile->id,
			    why != NULL ? why : "the subject cannot be made");
	}
	return r;
}

/* The key source judged the key; the profile's rule is applied once
 * more here, whatever the source, before the CA signs anything. */
static int get_key(struct issue *is, struct oc_key_source *src, struct oc_ca_diag *diag)
{
	struct oc_key_info ki;
	const char *why = NULL;
	int r;

	r = src->pubkey(src, is->profile->key_types, &is->pub, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why != NULL ? why : onecard_strerror(r));
		return r;
	}
	r = oc_key_info_from_pkey(is->pub, &ki);
	if (r == ONECARD_OK) {
		r = oc_key_policy_check(&ki, is->profile->key_types, &why);
	} else {
		why = "the public key cannot be read";
		r = ONECARD_ERR_KEY_FORBIDDEN;
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
	}
	return r;
}

/* A fresh serial that no certificate in the inventory has. */
static int pick_serial(oc_ca *ca, struct issue *is, struct oc_ca_diag *diag)
{
	unsigned tries;
	int exists = 1, r = ONECARD_ERR_INTERNAL;

	for (tries = 0; tries < OC_CA_SERIAL_TRIES && exists; tries++) {
		r = oc_serial_random(is->serial);
		if (r == ONECARD_OK) {
			r = oc_serial_to_hex(is->serial, sizeof(is->serial), is->serial_hex);
		}
		if (r == ONECARD_OK) {
			r = oc_store_serial_exists(ca->store, is->serial_hex, &exists);
			if (r != ONECARD_OK) {
				oc_diag_set(diag, "%s", oc_store_error(ca->store));
			}
		}
		if (r != ONECARD_OK) {
			return r;
		}
	}
	if (exists) {
		oc_diag_set(diag, "no unused serial after %u tries", OC_CA_SERIAL_TRIES);
		return ONECARD_ERR_INTERNAL;
	}
	return ONECARD_OK;
}

static int make_cert(oc_ca *ca, struct issue *is, struct oc_ca_diag *diag)
{
	struct oc_leaf_params p;
	const char *why = NULL;
	int r;

	memset(&p, 0, sizeof(p));
	p.subject = is->subject;
	p.subject_key = is->pub;
	p.issuer = ca->card;
	p.issuer_key = is->ca_key;
	p.serial = is->serial;
	p.serial_len = sizeof(is->serial);
	p.now = time(NULL);
	p.days = is->profile->lifetime_days;
	p.key_usage = is->profile->key_usage;
	p.eku = is->profile->eku;
	p.policy_oid = is->profile->agency->policy_oid;
	r = oc_x509_make_leaf(&p, &is->cert, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why != NULL ? why : "the certificate cannot be made");
		return r;
	}
	return oc_x509_facts(is->cert, &is->facts);
}

/* Row, audit row, delivery, COMMIT: all or nothing. */
static int commit_cert(oc_ca *ca, struct issue *is, struct oc_key_source *src,
		       struct oc_ca_diag *diag)
{
	const struct oc_audit_pair pairs[] = {
		{"profile", is->profile->id},
		{"subject", is->facts.subject},
		{"sha256", is->facts.sha256},
		{"source", src->kind},
		{"request_sha256", src->input_sha256[0] != '\0' ? src->input_sha256 : NULL},
		{"card_id", src->card_id},
		{"label", is->req->label},
	};
	struct oc_store_cert row;
	const char *why = NULL;
	int r;

	memset(&row, 0, sizeof(row));
	row.serial = is->facts.serial;
	row.ca_id = ca->ca_id;
	row.profile = is->profile->id;
	row.subject = is->facts.subject;
	row.issuer = is->facts.issuer;
	row.not_before = is->facts.not_before;
	row.not_after = is->facts.not_after;
	row.der = is->facts.der;
	row.der_len = is->facts.der_len;
	row.sha256 = is->facts.sha256;
	row.card_id = src->card_id;
	row.label = is->req->label;

	r = oc_store_begin(ca->store);
	if (r == ONECARD_OK) {
		r = oc_store_cert_insert(ca->store, &row);
	}
	if (r == ONECARD_OK) {
		r = oc_audit_record(ca->store, ca->actor, "issue", ca->ca_id, is->serial_hex,
				    ONECARD_OK, pairs, sizeof(pairs) / sizeof(pairs[0]));
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "recording the certificate: %s", oc_store_error(ca->store));
		return r;
	}
	if (src->deliver != NULL) {
		r = src->deliver(src, is->cert, &why);
		if (r != ONECARD_OK) {
			oc_diag_set(diag, "%s",
				    why != NULL ? why : "the certificate was not delivered");
			return r;
		}
	}
	r = oc_store_commit(ca->store);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "committing the certificate: %s", oc_store_error(ca->store));
	}
	return r;
}

int oc_ca_issue(oc_ca *ca, const struct oc_issue_req *req, struct oc_key_source *src, char **pem,
		struct oc_ca_diag *diag)
{
	struct issue is;
	int r, key_made = 0, committed = 0;

	*pem = NULL;
	diag->detail[0] = '\0';
	memset(&is, 0, sizeof(is));
	is.req = req;
	r = check_request(ca, &is, diag);
	if (r == ONECARD_OK) {
		r = make_subject(&is, diag);
	}
	/* The CA key before the subject key: a card is not asked to make a
	 * key for an issuance that cannot be signed. */
	if (r == ONECARD_OK) {
		r = oc_home_open_key(ca->home, OC_HOME_CA_KEY, ca->pass_file, ca->conf.alg,
				     ca->card, &is.ca_key, diag);
	}
	if (r == ONECARD_OK) {
		r = get_key(&is, src, diag);
		key_made = is.pub != NULL;
	}
	if (r == ONECARD_OK) {
		r = pick_serial(ca, &is, diag);
	}
	if (r == ONECARD_OK) {
		r = make_cert(ca, &is, diag);
	}
	if (r == ONECARD_OK) {
		r = commit_cert(ca, &is, src, diag);
		committed = r == ONECARD_OK;
	}
	if (r == ONECARD_OK) {
		/* Committed: the certificate exists whatever happens now, and
		 * 'show' can print it if this fails. */
		r = oc_x509_pem(is.cert, pem);
	}
	if (r != ONECARD_OK && !committed) {
		const struct oc_audit_pair pairs[] = {
			{"profile", req->profile},
			{"uscc", req->uscc},
			{"person_id", req->person_id},
			{"label", req->label},
			{"source", src->kind},
			{"request_sha256", src->input_sha256[0] != '\0' ? src->input_sha256 : NULL},
			{"card_id", src->card_id},
			{"detail", diag->detail},
		};

		oc_store_rollback(ca->store);
		if (key_made && src->abort != NULL) {
			src->abort(src);
		}
		oc_audit_failure(ca->store, ca->actor, "issue", ca->ca_id,
				 is.serial_hex[0] != '\0' ? is.serial_hex : NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
	}
	X509_NAME_free(is.subject);
	EVP_PKEY_free(is.pub);
	EVP_PKEY_free(is.ca_key);
	X509_free(is.cert);
	oc_x509_facts_clear(&is.facts);
	return r;
}
