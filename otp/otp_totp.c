/*
 * TOTP verification (RFC 6238) through liboath: the only file of onecard
 * that calls liboath. liboath computes the HMAC codes of the steps in the
 * window; the comparison is ours, in constant time, through its callback
 * interface, and so is the time step a match belongs to, returned for
 * the replay rule.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_init_rc = OATH_OK;

/* liboath wants oath_init() once before use; it is never undone
 * (oath_done would pull it from under other threads). */
static void init_oath(void)
{
	oath_init_rc = oath_init();
}

static int oath_ready(void)
{
	if (pthread_once(&oath_once, init_oath) != 0) {
		return 0;
	}
	return oath_init_rc == OATH_OK;
}

/* The code under test, for the callback. */
struct expect {
	const char *code;
	size_t len;
};

/* liboath's strcmp-like callback: 0 on a match, 1 otherwise. The
 * candidate is a code liboath made (digits, NUL-terminated); our code
 * has the same length (checked before), so only the bytes are compared,
 * in constant time. */
static int compare_code(void *handle, const char *candidate)
{
	const struct expect *e = handle;

	if (strlen(candidate) != e->len) {
		return 1;
	}
	return CRYPTO_memcmp(candidate, e->code, e->len) == 0 ? 0 : 1;
}

/* The dummy's callback: never a match. */
static int compare_never(void *handle, const char *candidate)
{
	(void)handle;
	(void)candidate;
	return 1;
}

static int oath_flags(enum oc_otp_alg alg)
{
	return alg == OC_OTP_SHA256 ? (int)OATH_TOTP_HMAC_SHA256 : 0;
}

static int code_ok(const char *code, size_t len, unsigned digits)
{
	size_t i;

	if (code == NULL || len != digits) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (code[i] < '0' || code[i] > '9') {
			return 0;
		}
	}
	return 1;
}

int oc_otp_totp_check(const struct oc_otp_secret *s, const char *code, size_t code_len, int64_t now,
		      uint64_t *step, const char **why)
{
	struct expect e = {code, code_len};
	uint64_t counter = 0, base;
	int pos = 0, rc, r = ONECARD_ERR_INTERNAL;
	const char *reason = "the code could not be checked";

	if (step != NULL) {
		*step = 0;
	}
	if (s == NULL || step == NULL || oc_otp_alg_name(s->alg) == NULL ||
	    !oc_otp_digits_ok(s->digits) || s->len < OC_OTP_SECRET_MIN ||
	    s->len > OC_OTP_SECRET_MAX) {
		reason = "the secret is not usable";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (now < OC_OTP_TIME_MIN || now > OC_OTP_TIME_MAX) {
		reason = "the time is out of range";
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (!code_ok(code, code_len, s->digits)) {
		reason = "the code is not a string of the right number of digits";
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	if (!oath_ready()) {
		reason = "liboath could not be initialised";
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	rc = oath_totp_validate4_callback((const char *)s->bytes, s->len, (time_t)now,
					  OC_OTP_PERIOD, OATH_TOTP_DEFAULT_START_TIME, s->digits,
					  OC_OTP_WINDOW, &pos, &counter, oath_flags(s->alg),
					  compare_code, &e);
	if (rc == OATH_INVALID_OTP) {
		reason = "the code does not match";
		r = ONECARD_ERR_BAD_SIGNATURE;
		goto out;
	}
	if (rc < 0) {
		reason = "liboath failed to check the code";
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	/* A match: the step must be the one its position says, inside the
	 * window (liboath promises both; a violation fails closed). */
	base = (uint64_t)now / OC_OTP_PERIOD;
	if (pos < -(int)OC_OTP_WINDOW || pos > (int)OC_OTP_WINDOW ||
	    counter != (pos < 0 ? base - (uint64_t)(-pos) : base + (uint64_t)pos)) {
		reason = "liboath gave an inconsistent time step";
		r = ONECARD_ERR_INTERNAL;
		goto out;
	}
	*step = counter;
	reason = "";
	r = ONECARD_OK;
out:
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

void oc_otp_totp_dummy(enum oc_otp_alg alg, unsigned digits, int64_t now)
{
	/* Not secret: only its cost matters. */
	static const unsigned char dummy[OC_OTP_SHA256_LEN] = {0};
	size_t len = alg == OC_OTP_SHA256 ? OC_OTP_SHA256_LEN : OC_OTP_SHA1_LEN;
	uint64_t counter = 0;
	int pos = 0;

	if (!oath_ready() || !oc_otp_digits_ok(digits)) {
		return;
	}
	if (now < OC_OTP_TIME_MIN || now > OC_OTP_TIME_MAX) {
		now = OC_OTP_TIME_MIN;
	}
	(void)oath_totp_validate4_callback((const char *)dummy, len, (time_t)now, OC_OTP_PERIOD,
					   OATH_TOTP_DEFAULT_START_TIME, digits, OC_OTP_WINDOW,
					   &pos, &counter, oath_flags(alg), compare_never, NULL);
}
