/*
 * TOTP parameters and secrets: the algorithm names, new random secrets,
 * and the otpauth:// URI that hands a secret to an authenticator app.
 * The base32 encoding here runs without table lookups or branches on
 * the secret's bytes, since it carries key material.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "otp.h"

int oc_otp_alg_parse(const char *name, enum oc_otp_alg *out)
{
	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*out = OC_OTP_ALG_NONE;
	if (name == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (strcmp(name, "sha1") == 0) {
		*out = OC_OTP_SHA1;
		return ONECARD_OK;
	}
	if (strcmp(name, "sha256") == 0) {
		*out = OC_OTP_SHA256;
		return ONECARD_OK;
	}
	return ONECARD_ERR_INVALID_ARG;
}

const char *oc_otp_alg_name(enum oc_otp_alg alg)
{
	switch (alg) {
	case OC_OTP_SHA1:
		return "sha1";
	case OC_OTP_SHA256:
		return "sha256";
	case OC_OTP_ALG_NONE:
	default:
		return NULL;
	}
}

/* The algorithm's name in the URI (upper case, as apps expect). */
static const char *alg_uri_name(enum oc_otp_alg alg)
{
	switch (alg) {
	case OC_OTP_SHA1:
		return "SHA1";
	case OC_OTP_SHA256:
		return "SHA256";
	case OC_OTP_ALG_NONE:
	default:
		return NULL;
	}
}

int oc_otp_digits_ok(unsigned digits)
{
	return digits == 6 || digits == 8;
}

int oc_otp_person_ok(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0') {
		return 0;
	}
	for (i = 0; id[i] != '\0'; i++) {
		unsigned char c = (unsigned char)id[i];

		if (i >= OC_OTP_PERSON_ID_MAX) {
			return 0;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			return 0;
		}
	}
	return 1;
}

static int secret_ok(const struct oc_otp_secret *s)
{
	return s != NULL && oc_otp_alg_name(s->alg) != NULL && oc_otp_digits_ok(s->digits) &&
	       s->len >= OC_OTP_SECRET_MIN && s->len <= OC_OTP_SECRET_MAX;
}

void oc_otp_secret_clear(struct oc_otp_secret *s)
{
	if (s == NULL) {
		return;
	}
	OPENSSL_cleanse(s, sizeof(*s));
}

int oc_otp_secret_set(enum oc_otp_alg alg, unsigned digits, const unsigned char *bytes, size_t len,
		      struct oc_otp_secret *out)
{
	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	oc_otp_secret_clear(out);
	if (oc_otp_alg_name(alg) == NULL || !oc_otp_digits_ok(digits) || bytes == NULL ||
	    len < OC_OTP_SECRET_MIN || len > OC_OTP_SECRET_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	out->alg = alg;
	out->digits = digits;
	out->len = len;
	memcpy(out->bytes, bytes, len);
	return ONECARD_OK;
}

int oc_otp_secret_generate(enum oc_otp_alg alg, unsigned digits, struct oc_otp_secret *out)
{
	size_t len;

	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	oc_otp_secret_clear(out);
	if (oc_otp_alg_name(alg) == NULL || !oc_otp_digits_ok(digits)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* RFC 4226 §4 recommends a secret as long as the HMAC's output. */
	len = alg == OC_OTP_SHA256 ? OC_OTP_SHA256_LEN : OC_OTP_SHA1_LEN;
	if (RAND_bytes(out->bytes, (int)len) != 1) {
		ERR_clear_error();
		oc_otp_secret_clear(out);
		return ONECARD_ERR_CRYPTO;
	}
	out->alg = alg;
	out->digits = digits;
	out->len = len;
	return ONECARD_OK;
}

/* ---- the URI ------------------------------------------------------------ */

/* A writer into a bounded buffer; the first overflow sticks. */
struct sink {
	char *p;
	size_t cap, len;
	int full;
};

static void put_char(struct sink *w, char c)
{
	if (w->full || w->len + 1 >= w->cap) {
		w->full = 1;
		return;
	}
	w->p[w->len++] = c;
	w->p[w->len] = '\0';
}

static void put_str(struct sink *w, const char *s)
{
	for (; *s != '\0'; s++) {
		put_char(w, *s);
	}
}

/* RFC 3986 §2.3: unreserved characters stay, every other byte is %XX. */
static void put_pct(struct sink *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			put_char(w, (char)c);
		} else {
			put_char(w, '%');
			put_char(w, hex[c >> 4]);
			put_char(w, hex[c & 15u]);
		}
	}
}

/* The base32 character (RFC 4648 §6) of v (0..31) without a lookup:
 * 'A' + v for v < 26, '2' + (v - 26) after; the choice is a mask. */
static char b32_char(unsigned v)
{
	/* ge26 is all ones when v >= 26: (25 - v) underflows. */
	unsigned ge26 = 0u - ((25u - v) >> 31);

	return (char)(('A' + v) ^ (ge26 & (('A' + v) ^ ('2' + v - 26u))));
}

/* Base32 of in[0..len) without padding. */
static void put_base32(struct sink *w, const unsigned char *in, size_t len)
{
	unsigned long acc = 0;
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		acc = ((acc << 8) | in[i]) & 0xfffful;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			put_char(w, b32_char((unsigned)(acc >> bits) & 31u));
		}
	}
	if (bits > 0) {
		put_char(w, b32_char((unsigned)(acc << (5 - bits)) & 31u));
	}
	acc = 0;
}

int oc_otp_uri(const struct oc_otp_secret *s, const char *person_id, char *out, size_t cap,
	       size_t *len)
{
	struct sink w = {out, cap, 0, 0};
	char digits[4], period[12];

	if (len != NULL) {
		*len = 0;
	}
	if (out == NULL || cap == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	out[0] = '\0';
	if (!secret_ok(s) || !oc_otp_person_ok(person_id)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	(void)snprintf(digits, sizeof(digits), "%u", s->digits);
	(void)snprintf(period, sizeof(period), "%u", OC_OTP_PERIOD);
	put_str(&w, "otpauth://totp/");
	put_pct(&w, OC_OTP_ISSUER);
	put_char(&w, ':');
	put_pct(&w, person_id);
	put_str(&w, "?secret=");
	put_base32(&w, s->bytes, s->len);
	put_str(&w, "&issuer=");
	put_pct(&w, OC_OTP_ISSUER);
	put_str(&w, "&algorithm=");
	put_str(&w, alg_uri_name(s->alg));
	put_str(&w, "&digits=");
	put_str(&w, digits);
	put_str(&w, "&period=");
	put_str(&w, period);
	if (w.full) {
		OPENSSL_cleanse(out, cap);
		return ONECARD_ERR_TOO_LARGE;
	}
	if (len != NULL) {
		*len = w.len;
	}
	return ONECARD_OK;
}
