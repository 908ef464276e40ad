/* Read-only operations: chain, list, profiles, show (ca.h). Not audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "check.h"
#include "serial.h"
#include "x509.h"

int oc_ca_chain(const char *home, char **pem, struct oc_ca_diag *diag)
{
	X509 *root = NULL, *card = NULL;
	char *root_pem = NULL, *card_pem = NULL, *chain = NULL;
	size_t a, b;
	int r;

	*pem = NULL;
	diag->detail[0] = '\0';
	if (home == NULL || home[0] == '\0') {
		oc_diag_set(diag, "no CA home given");
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_home_read_cert(home, OC_HOME_CA_CERT, &card, diag);
	if (r == ONECARD_OK) {
		r = oc_home_read_cert(home, OC_HOME_ROOT_CERT, &root, diag);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_pem(card, &card_pem);
	}
	if (r == ONECARD_OK) {
		r = oc_x509_pem(root, &root_pem);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	a = strlen(card_pem);
	b = strlen(root_pem);
	chain = malloc(a + b + 1);
	if (chain == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(chain, card_pem, a);
	memcpy(chain + a, root_pem, b + 1);
	*pem = chain;
out:
	free(card_pem);
	free(root_pem);
	X509_free(card);
	X509_free(root);
	return r;
}

int oc_ca_list(oc_ca *ca, const char *card_id, oc_cert_row_cb cb, void *arg,
	       struct oc_ca_diag *diag)
{
	const char *why = NULL;
	int r;

	diag->detail[0] = '\0';
	if (card_id != NULL) {
		r = oc_check_text(card_id, OC_CA_CARD_ID_MAX, &why);
		if (r != ONECARD_OK) {
			oc_diag_set(diag, "card id: %s", why);
			return r;
		}
	}
	r = oc_store_cert_list(ca->store, ca->ca_id, card_id, cb, arg);
	if (r == ONECARD_ERR_DATABASE) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
	}
	return r;
}

int oc_ca_profiles(oc_ca *ca, oc_profile_cb cb, void *arg, struct oc_ca_diag *diag)
{
	size_t i, n;
	int r = ONECARD_OK;

	diag->detail[0] = '\0';
	if (ca->policy == NULL) {
		oc_diag_set(diag, "the policy is not loaded");
		return ONECARD_ERR_INTERNAL;
	}
	n = oc_policy_profile_count(ca->policy);
	for (i = 0; i < n && r == ONECARD_OK; i++) {
		r = cb(arg, oc_policy_profile_at(ca->policy, i));
	}
	return r;
}

struct show {
	oc_cert_row_cb cb;
	void *arg;
};

/* Adds the PEM form of the row's der before handing the row on. */
static int show_row(void *arg, const struct oc_cert_row *row)
{
	const struct show *sh = arg;
	struct oc_cert_row with_pem = *row;
	char *pem = NULL;
	int r;

	r = oc_x509_der_to_pem(row->der, row->der_len, &pem);
	if (r != ONECARD_OK) {
		return r;
	}
	with_pem.pem = pem;
	r = sh->cb(sh->arg, &with_pem);
	free(pem);
	return r;
}

int oc_ca_show(oc_ca *ca, const char *serial, oc_cert_row_cb cb, void *arg, struct oc_ca_diag *diag)
{
	char hex[OC_CA_SERIAL_HEX_MAX + 1];
	const char *why = NULL;
	struct show sh = {cb, arg};
	int r;

	diag->detail[0] = '\0';
	r = oc_serial_parse(serial, hex, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		return r;
	}
	r = oc_store_cert_get(ca->store, ca->ca_id, hex, show_row, &sh);
	if (r == ONECARD_ERR_DATABASE || r == ONECARD_ERR_NOT_FOUND) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
	}
	return r;
}
