/*
 * The password login's inputs (login.h, docs/login.md "Password and
 * code"): the person id's form, the TOTP code's form, and the two lines a
 * script hands in on standard input when no terminal asks for them. The
 * program asks on the terminal itself (pkcs11/pin_source.h); what comes
 * from a descriptor is split here, strictly: exactly a password line and
 * a code line, so that a stray line is refused rather than taken for one
 * of them. Every refusal is a fixed sentence that never quotes the input,
 * and every buffer that held it is wiped.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "login.h"

bool oc_login_user_ok(const char *text)
{
	size_t i, n;
	char c;

	if (text == NULL) {
		return false;
	}
	n = strnlen(text, OC_LOGIN_USER_MAX + 1u);
	if (n == 0 || n > OC_LOGIN_USER_MAX) {
		return false;
	}
	for (i = 0; i < n; i++) {
		c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			return false;
		}
	}
	return true;
}

bool oc_login_otp_ok(const char *code, size_t len)
{
	size_t i;

	if (code == NULL || (len != OC_LOGIN_OTP_SHORT && len != OC_LOGIN_OTP_MAX)) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (code[i] < '0' || code[i] > '9') {
			return false;
		}
	}
	return true;
}

void oc_login_secrets_clear(struct oc_login_secrets *s)
{
	if (s == NULL) {
		return;
	}
	OPENSSL_cleanse(s, sizeof(*s));
}

/* The length of a line of n bytes without a CR before its LF (or end). */
static size_t without_cr(const char *line, size_t n)
{
	return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
}

int oc_login_secrets_parse(const char *buf, size_t len, struct oc_login_secrets *out,
			   const char **why)
{
	const char *nl, *code;
	size_t pw_len, rest, code_len;
	int r = ONECARD_ERR_BAD_FORMAT;

	memset(out, 0, sizeof(*out));
	*why = "no password and code: give the password, then the TOTP code, each on a line of "
	       "its own";
	if (buf == NULL || len == 0) {
		goto out;
	}
	nl = memchr(buf, '\n', len);
	if (nl == NULL) {
		*why = "no TOTP code: the input holds one line; give the password, then the code, "
		       "each on a line of its own";
		goto out;
	}
	pw_len = without_cr(buf, (size_t)(nl - buf));
	code = nl + 1;
	rest = len - (size_t)(code - buf);
	if (rest == 0) {
		*why = "no TOTP code: the second line is missing";
		goto out;
	}
	nl = memchr(code, '\n', rest);
	if (nl != NULL && (size_t)(nl - code) + 1u != rest) {
		*why = "more than two lines: give the password, then the TOTP code, and nothing "
		       "else";
		goto out;
	}
	code_len = without_cr(code, nl != NULL ? (size_t)(nl - code) : rest);
	if (pw_len == 0) {
		*why = "the password is empty";
		goto out;
	}
	if (memchr(buf, '\0', pw_len) != NULL) {
		*why = "the password holds a NUL byte";
		goto out;
	}
	if (pw_len > OC_LOGIN_PASSWORD_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		*why = "the password is longer than 256 bytes";
		goto out;
	}
	if (!oc_login_otp_ok(code, code_len)) {
		*why = "the TOTP code is not 6 or 8 digits";
		goto out;
	}
	memcpy(out->password, buf, pw_len);
	out->password[pw_len] = '\0';
	out->password_len = pw_len;
	memcpy(out->otp, code, code_len);
	out->otp[code_len] = '\0';
	out->otp_len = code_len;
	*why = "";
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		oc_login_secrets_clear(out);
	}
	return r;
}

int oc_login_secrets_read(int fd, struct oc_login_secrets *out, const char **why)
{
	char buf[OC_LOGIN_SECRETS_INPUT_MAX + 1u];
	size_t got = 0;
	ssize_t n;
	int r, saved_errno = 0;

	memset(out, 0, sizeof(*out));
	*why = "";
	/* One byte more than allowed, so that a longer input is seen. */
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			saved_errno = errno;
			r = ONECARD_ERR_IO;
			*why = "cannot read the password and code";
			goto out;
		}
		if (n == 0) {
			break;
		}
		got += (size_t)n;
	}
	if (got > OC_LOGIN_SECRETS_INPUT_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		*why = "the input is longer than a password and a code can be";
		goto out;
	}
	r = oc_login_secrets_parse(buf, got, out, why);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	errno = saved_errno;
	return r;
}
