/* Helpers of the TOTP tests (otp_test.h). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "otp_test.h"

void ot_ref_code(const struct oc_otp_secret *s, uint64_t step, char out[OT_CODE_SIZE])
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0, i;
	uint32_t bin, mod = 1;
	unsigned off;

	for (i = 0; i < 8; i++) {
		msg[7 - i] = (unsigned char)(step >> (8 * i));
	}
	assert_non_null(HMAC(s->alg == OC_OTP_SHA256 ? EVP_sha256() : EVP_sha1(), s->bytes,
			     (int)s->len, msg, sizeof(msg), mac, &mac_len));
	/* RFC 4226 §5.3: dynamic truncation. */
	off = mac[mac_len - 1] & 0x0fu;
	bin = ((uint32_t)(mac[off] & 0x7fu) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	for (i = 0; i < s->digits; i++) {
		mod *= 10u;
	}
	(void)snprintf(out, OT_CODE_SIZE, "%0*" PRIu32, (int)s->digits, bin % mod);
}

static void run_oathtool(const char *args, char out[OT_CODE_SIZE])
{
	char cmd[512];
	FILE *p;
	size_t n;

	assert_true(snprintf(cmd, sizeof(cmd), "oathtool %s", args) < (int)sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	memset(out, 0, OT_CODE_SIZE);
	assert_non_null(fgets(out, OT_CODE_SIZE, p));
	assert_int_equal(pclose(p), 0);
	n = strcspn(out, "\n");
	out[n] = '\0';
	assert_true(n == 6 || n == 8);
}

void ot_oathtool_code(const struct oc_otp_secret *s, int64_t t, char out[OT_CODE_SIZE])
{
	char hex[2 * OC_OTP_SECRET_MAX + 1], args[300];
	size_t i;

	for (i = 0; i < s->len; i++) {
		(void)snprintf(hex + 2 * i, 3, "%02x", s->bytes[i]);
	}
	(void)snprintf(args, sizeof(args), "--totp=%s -d %u -N @%" PRId64 " %s",
		       s->alg == OC_OTP_SHA256 ? "sha256" : "sha1", s->digits, t, hex);
	run_oathtool(args, out);
}

void ot_oathtool_code_b32(enum oc_otp_alg alg, unsigned digits, const char *b32, int64_t t,
			  char out[OT_CODE_SIZE])
{
	char args[300];

	assert_true(strspn(b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == strlen(b32));
	(void)snprintf(args, sizeof(args), "--totp=%s -d %u -N @%" PRId64 " -b %s",
		       alg == OC_OTP_SHA256 ? "sha256" : "sha1", digits, t, b32);
	run_oathtool(args, out);
}

void ot_person(const char *prefix, char *out, size_t cap)
{
	static unsigned char tag[4];
	static int have_tag = 0;
	static unsigned n = 0;

	if (!have_tag) {
		assert_int_equal(RAND_bytes(tag, sizeof(tag)), 1);
		have_tag = 1;
	}
	(void)snprintf(out, cap, "%s-%02x%02x%02x%02x-%u", prefix, tag[0], tag[1], tag[2], tag[3],
		       n++);
}

oc_otp_key *ot_key(unsigned char b)
{
	unsigned char raw[OC_OTP_KEY_LEN];
	oc_otp_key *key = NULL;

	memset(raw, b, sizeof(raw));
	assert_int_equal(oc_otp_key_from_bytes(raw, sizeof(raw), &key), ONECARD_OK);
	return key;
}

const char *ot_conninfo(void)
{
	const char *c = getenv("ONECARD_PG");

	if (c == NULL || c[0] == '\0') {
		fail_msg("ONECARD_PG is not set: run under tests/services/fixture.sh exec");
	}
	return c;
}

PGconn *ot_connect(void)
{
	PGconn *conn = PQconnectdb(ot_conninfo());

	assert_non_null(conn);
	if (PQstatus(conn) != CONNECTION_OK) {
		fail_msg("cannot connect: %s", PQerrorMessage(conn));
	}
	return conn;
}

long ot_exec(PGconn *conn, const char *sql, const char *p1, const char *p2)
{
	const char *values[2] = {p1, p2};
	int n = p1 == NULL ? 0 : (p2 == NULL ? 1 : 2);
	PGresult *res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
	long rows = -1;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		rows = PQntuples(res);
	} else if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		rows = strtol(PQcmdTuples(res)[0] != '\0' ? PQcmdTuples(res) : "0", NULL, 10);
	}
	PQclear(res);
	return rows;
}

void ot_value(PGconn *conn, const char *sql, const char *p1, char *out, size_t cap)
{
	const char *values[1] = {p1};
	PGresult *res = PQexecParams(conn, sql, p1 == NULL ? 0 : 1, NULL, values, NULL, NULL, 0);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0)) {
		fail_msg("%s: %s", sql, PQerrorMessage(conn));
	}
	(void)snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}
