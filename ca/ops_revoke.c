/* revoke: mark a certificate, or every valid certificate of a card,
 * revoked, with its reason (ca.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "ca_int.h"
#include "check.h"
#include "reason.h"
#include "serial.h"

int oc_ca_revoke(oc_ca *ca, const char *serial, const char *reason, struct oc_ca_diag *diag)
{
	char hex[OC_CA_SERIAL_HEX_MAX + 1];
	const char *why = NULL;
	int code = -1, r;

	diag->detail[0] = '\0';
	hex[0] = '\0';
	r = oc_serial_parse(serial, hex, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		goto out;
	}
	r = oc_reason_parse(reason, &code, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		goto out;
	}
	r = oc_store_begin(ca->store);
	if (r == ONECARD_OK) {
		r = oc_store_revoke(ca->store, ca->ca_id, hex, oc_reason_name(code));
	}
	if (r == ONECARD_OK) {
		const struct oc_audit_pair pairs[] = {{"reason", oc_reason_name(code)}};

		r = oc_audit_record(ca->store, ca->actor, "revoke", ca->ca_id, hex, ONECARD_OK,
				    pairs, sizeof(pairs) / sizeof(pairs[0]));
	}
	if (r == ONECARD_OK) {
		r = oc_store_commit(ca->store);
	}
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
	}
out:
	if (r != ONECARD_OK) {
		const struct oc_audit_pair pairs[] = {
			{"reason", reason},
			{"detail", diag->detail},
		};

		oc_audit_failure(ca->store, ca->actor, "revoke", ca->ca_id,
				 hex[0] != '\0' ? hex : NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
	}
	return r;
}

void oc_serial_list_clear(struct oc_serial_list *list)
{
	if (list == NULL) {
		return;
	}
	free(list->serial);
	list->serial = NULL;
	list->n = 0;
}

/* What the card revocation collects while its statement's rows are
 * handed out: the serials, and an audit row for each. */
struct card_revoke {
	oc_ca *ca;
	const char *card_id;
	const char *reason;
	struct oc_serial_list list;
	size_t cap;
};

static int card_revoked(void *arg, const char *serial)
{
	struct card_revoke *cr = arg;
	const struct oc_audit_pair pairs[] = {
		{"reason", cr->reason},
		{"card_id", cr->card_id},
	};
	char(*grown)[OC_CA_SERIAL_HEX_MAX + 1] = NULL;
	size_t cap;

	if (strlen(serial) > OC_CA_SERIAL_HEX_MAX) {
		return ONECARD_ERR_INTERNAL;
	}
	if (cr->list.n == cr->cap) {
		if (cr->cap >= OC_CA_CARD_CERTS_MAX) {
			return ONECARD_ERR_TOO_LARGE;
		}
		cap = cr->cap == 0 ? 8 : 2 * cr->cap;
		if (cap > OC_CA_CARD_CERTS_MAX) {
			cap = OC_CA_CARD_CERTS_MAX;
		}
		grown = realloc(cr->list.serial, cap * sizeof(*grown));
		if (grown == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		cr->list.serial = grown;
		cr->cap = cap;
	}
	(void)snprintf(cr->list.serial[cr->list.n], sizeof(cr->list.serial[0]), "%s", serial);
	cr->list.n++;
	return oc_audit_record(cr->ca->store, cr->ca->actor, "revoke", cr->ca->ca_id, serial,
			       ONECARD_OK, pairs, sizeof(pairs) / sizeof(pairs[0]));
}

int oc_ca_revoke_card(oc_ca *ca, const char *card_id, const char *reason,
		      struct oc_serial_list *revoked, struct oc_ca_diag *diag)
{
	struct card_revoke cr = {ca, card_id, NULL, {0, NULL}, 0};
	const char *why = NULL;
	int code = -1, r;

	revoked->n = 0;
	revoked->serial = NULL;
	diag->detail[0] = '\0';
	r = oc_check_text(card_id, OC_CA_CARD_ID_MAX, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "card id: %s", why);
		card_id = NULL; /* not recorded in the audit trail either */
		goto out;
	}
	r = oc_reason_parse(reason, &code, &why);
	if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", why);
		goto out;
	}
	cr.reason = oc_reason_name(code);
	r = oc_store_begin(ca->store);
	if (r == ONECARD_OK) {
		r = oc_store_revoke_card(ca->store, ca->ca_id, card_id, cr.reason, card_revoked,
					 &cr);
	}
	if (r == ONECARD_OK) {
		r = oc_store_commit(ca->store);
	}
	if (r == ONECARD_ERR_TOO_LARGE) {
		oc_diag_set(diag, "more than %u valid certificates for this card",
			    OC_CA_CARD_CERTS_MAX);
	} else if (r != ONECARD_OK) {
		oc_diag_set(diag, "%s", oc_store_error(ca->store));
	}
out:
	if (r != ONECARD_OK) {
		const struct oc_audit_pair pairs[] = {
			{"reason", reason},
			{"card_id", card_id},
			{"detail", diag->detail},
		};

		oc_serial_list_clear(&cr.list);
		oc_audit_failure(ca->store, ca->actor, "revoke", ca->ca_id, NULL, r, pairs,
				 sizeof(pairs) / sizeof(pairs[0]));
		return r;
	}
	*revoked = cr.list;
	return ONECARD_OK;
}
