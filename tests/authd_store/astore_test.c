/* Helpers for the authd store tests (astore_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/rand.h>

#include "astore_test.h"

const char *at_conninfo(void)
{
	const char *c = getenv("ONECARD_PG");

	if (c == NULL || c[0] == '\0') {
		fail_msg("ONECARD_PG is not set: run under the services fixture");
	}
	return c;
}

PGconn *at_connect(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);

	assert_non_null(conn);
	if (PQstatus(conn) != CONNECTION_OK) {
		fail_msg("cannot connect: %s", PQerrorMessage(conn));
	}
	PQclear(PQexec(conn, "SET client_min_messages = error"));
	return conn;
}

long long at_int(PGconn *conn, const char *sql, const char *param)
{
	const char *values[1] = {param};
	PGresult *res;
	long long v;
	char *end = NULL;

	res = PQexecParams(conn, sql, param != NULL ? 1 : 0, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0)) {
		fail_msg("%s: %s", sql, PQerrorMessage(conn));
	}
	v = strtoll(PQgetvalue(res, 0, 0), &end, 10);
	assert_true(end != NULL && *end == '\0');
	PQclear(res);
	return v;
}

int at_exec_fails(PGconn *conn, const char *sql, const char *param, char *msg, size_t size)
{
	const char *values[1] = {param};
	PGresult *res;
	const char *primary;
	int failed;

	res = PQexecParams(conn, sql, param != NULL ? 1 : 0, NULL, values, NULL, NULL, 0);
	failed = PQresultStatus(res) == PGRES_FATAL_ERROR;
	primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	(void)snprintf(msg, size, "%s", primary != NULL ? primary : "");
	PQclear(res);
	return failed;
}

void at_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i;

	assert_true(n <= sizeof(raw));
	assert_int_equal(RAND_bytes(raw, (int)n), 1);
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * n] = '\0';
}

void at_login_fix(struct at_login *a)
{
	a->l.nonce_hex = a->nonce;
	a->t.jti = a->jti;
}

void at_login_success(struct at_login *a)
{
	memset(a, 0, sizeof(*a));
	at_hex(a->nonce, (AT_NONCE_SIZE - 1) / 2);
	at_hex(a->jti, (AT_JTI_SIZE - 1) / 2);
	a->l.remote_addr = "192.0.2.7";
	a->l.audience = "provincial-portal";
	a->l.outcome = OC_ASTORE_SUCCESS;
	a->l.reason = NULL;
	a->l.detail = NULL;
	a->l.nonce_expires_at = (int64_t)time(NULL) + 120;
	a->l.person_id = "p-0001";
	a->l.enterprise_uscc = "91350100M000100Y43";
	a->l.card_id = "card-1";
	a->l.certs_json = "[{\"sha256\": \"00ff\", \"issuer\": \"CN=Test CA\", \"serial\": \"0a\","
			  " \"agency\": \"customs\", \"evidence\": [{\"crl_issuer\": \"CN=Test "
			  "CA\", \"crl_number\": 7, \"this_update\": 1700000000, "
			  "\"next_update\": 1700086400}]}]";
	a->t.sub = "p-0001";
	a->t.aud = "provincial-portal";
	a->t.kid = "k-2025";
	a->t.acr = "card";
	a->t.iat = (int64_t)time(NULL);
	a->t.exp = a->t.iat + 300;
	at_login_fix(a);
}

void at_sid(char out[AT_SID_SIZE])
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[AT_SID_SIZE - 1];
	size_t i;

	assert_int_equal(RAND_bytes(raw, (int)sizeof(raw)), 1);
	for (i = 0; i < sizeof(raw); i++) {
		out[i] = set[raw[i] & 63];
	}
	out[AT_SID_SIZE - 1] = '\0';
}

void at_sso_fix(struct at_sso *x)
{
	at_login_fix(&x->a);
	x->s.secret_hash = x->hash;
	x->s.sid = x->sid;
	x->a.l.session = &x->s;
	x->a.t.sid = x->sid;
}

void at_sso_login(struct at_sso *x, int64_t idle, int64_t absolute)
{
	memset(x, 0, sizeof(*x));
	at_login_success(&x->a);
	assert_int_equal(RAND_bytes(x->hash, (int)sizeof(x->hash)), 1);
	at_sid(x->sid);
	x->s.acr = "card";
	x->s.amr_json = AT_AMR;
	x->s.certs_json = AT_SSO_CERTS;
	x->s.idle_timeout = idle;
	x->s.absolute_timeout = absolute;
	at_sso_fix(x);
}

void at_pwd_fix(struct at_sso *x)
{
	at_sso_fix(x);
	x->a.l.nonce_hex = NULL;
}

void at_pwd_login(struct at_sso *x, int64_t idle, int64_t absolute)
{
	at_sso_login(x, idle, absolute);
	x->a.l.method = OC_ASTORE_METHOD_PWD_OTP;
	x->a.l.nonce_expires_at = 0;
	x->a.l.card_id = NULL;
	x->a.l.certs_json = NULL;
	x->a.t.acr = OC_ASTORE_METHOD_PWD_OTP;
	x->s.acr = OC_ASTORE_METHOD_PWD_OTP;
	x->s.amr_json = AT_PWD_AMR;
	x->s.certs_json = "[]";
	at_pwd_fix(x);
}

void at_subject(char out[AT_SUBJECT_SIZE])
{
	at_hex(out, (AT_SUBJECT_SIZE - 1) / 2);
}

int64_t at_now_ms(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void at_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0) {
	}
}
