/*
 * The whole check of a login's TOTP code (oc_otp_verify): read and open
 * the person's secret, check the code through liboath, apply the replay
 * rule, accept the step. Also the store's per-thread diagnostic. No
 * libpq and no liboath here: this file only coordinates.
 */
#include <string.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"
#include "pg_line.h"

static _Thread_local char diag[OC_OTP_DIAG_MAX + 1];

void oc_otp_diag_set(const char *text)
{
	oc_pg_line_copy(text, diag, sizeof(diag));
}

const char *oc_otp_store_diagnostic(void)
{
	return diag;
}

int oc_otp_verify(oc_otp_store *st, const oc_otp_key *key, const char *person_id, const char *code,
		  size_t code_len, int64_t now, uint64_t *step, const char **why)
{
	struct oc_otp_record rec;
	const char *reason = "the code could not be checked";
	uint64_t matched = 0;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (step != NULL) {
		*step = 0;
	}
	if (st == NULL || key == NULL || !oc_otp_person_ok(person_id) || code == NULL) {
		reason = "a store, key, person id or code not in its form";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = oc_otp_store_get(st, key, person_id, &rec, &reason);
	if (r == ONECARD_ERR_NOT_FOUND) {
		/* The HMAC work a real check would have done, on a dummy
		 * secret, so that an unknown person costs about as much. */
		oc_otp_totp_dummy(OC_OTP_SHA1, 6, now);
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_otp_totp_check(&rec.secret, code, code_len, now, &matched, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* Refused here without a write when plainly a replay; the UPDATE
	 * below decides the races. */
	if (rec.has_last_step && matched <= rec.last_step) {
		reason = "the code was used already";
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	r = oc_otp_store_accept_step(st, &rec, matched);
	if (r == ONECARD_ERR_EXISTS) {
		reason = "the code was used already";
		goto out;
	}
	if (r != ONECARD_OK) {
		reason = "the code's use could not be recorded";
		goto out;
	}
	if (step != NULL) {
		*step = matched;
	}
	reason = "";
out:
	oc_otp_record_clear(&rec);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}
