/*
 * crl: the next CRL of the card-issuing CA (ca.h). The number is taken
 * under a per-CA advisory lock inside the transaction that stores the
 * CRL, so numbers rise by one even when two tools run at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "reason.h"
#include "x509.h"

struct crl_fill {
	X509_CRL *crl;
	size_t count;
};

static int add_revoked(void *arg, const struct oc_revoked_row *row)
{
	struct crl_fill *f = arg;
	const char *why = NULL;
	int code = -1, r;

	r = oc_reason_parse(row->reason, &code, &why);
	if (r == ONECARD_OK) {
		r = oc_x509_crl_add(f->crl, row->serial, row->revoked_at, code);
	}
	if (r == ONECARD_OK) {
		f->count++;
	}
	return r;
}

int oc_ca_crl(oc_ca *ca, unsigned hours, char **pem, struct oc_ca_diag *diag)
{
	struct crl_fill fill = {NULL, 0};
	EVP_PKEY *key = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char number_text[24], count_text[24];
	time_t now = time(NULL);
	int64_t number = 0;
	int r, committed = 0;

	*pem = NULL;
	diag->detail[0] = '\0';
	number_text[0] = '\0';
	if (hours == 0 || hours > OC_CA_CRL_HOURS_MAX) {
		oc_diag_set(diag, "next update must be 1 to %u hours away", OC_CA_CRL_HOURS_MAX);
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_home_open_key(ca->home, OC_HOME_CA_KEY, ca->pass_file, ca->conf.alg, ca->card, &key,
			     diag);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_store_begin(ca->store);
	if (r == ONECARD_OK) {
		r = oc_store_crl_next(ca->store, ca->ca_id, &number);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
		goto out;
	}
	(void)snprintf(number_text, sizeof(number_text), "%lld", (long long)number);
	r = oc_x509_crl_new(ca->card, number, now, now + (time_t)hours * 3600, &fill.crl);
	if (r == ONECARD_OK) {
		r = oc_store_revoked_list(ca->store, ca->ca_id, add_revoked, &fill);
		if (r == ONECARD_ERR_DATABASE) {
			oc_diag_set(diag, "%s", oc_store_error(ca->store));
		}
	}
	if (r == ONECARD_OK) {
		r = oc_x509_crl_finish(fill.crl, key);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_crl_der(fill.crl, &der, &der_len);
	}
	if (r != ONECARD_OK) {
		if (diag->detail[0] == '\0') {
			oc_diag_set(diag, "building or signing the CRL failed");
		}
		goto out;
	}
	(void)snprintf(count_text, sizeof(count_text), "%zu", fill.count);
	r = oc_store_crl_insert(ca->store, ca->ca_id, number, (int64_t)now,
				(int64_t)now + (int64_t)hours * 3600, der, der_len);
	if (r == ONECARD_OK) {
		const struct oc_audit_pair pairs[] = {
			{"number", number_text},
			{"revoked", count_text},
		};

		r = oc_audit_record(ca->store, ca->actor, "crl", ca->ca_id, NULL, ONECARD_OK, pairs,
				    sizeof(pairs) / sizeof(pairs[0]));
	}
	if (r == ONECARD_OK) {
		r = oc_store_commit(ca->store);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "storing the CRL: %s", oc_store_error(ca->store));
		goto out;
	}
	committed = 1;
	r = oc_x509_crl_pem(fill.crl, pem);
out:
	if (r != ONECARD_OK && !committed) {
		const struct oc_audit_pair pairs[] = {
			{"number", number_text[0] != '\0' ? number_text : NULL},
			{"detail", diag->detail},
		};

		oc_audit_failure(ca->store, ca->actor, "crl", ca->ca_id, NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
	}
	oc_der_free(der);
	X509_CRL_free(fill.crl);
	EVP_PKEY_free(key);
	return r;
}
