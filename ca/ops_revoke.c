/* revoke: mark a certificate revoked, with its reason (ca.h). */
#include <string.h>

#include <onecard/error.h>

#include "ca_int.h"
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
