/*
 * Helpers of the TOTP tests: codes from two implementations independent
 * of otp/ (a reference RFC 6238 over OpenSSL's HMAC, written here from
 * the RFC, and the oathtool program), unique person ids, the fixture's
 * database and a direct libpq connection to look at and tamper with
 * rows.
 */
#ifndef ONECARD_TESTS_OTP_TEST_H
#define ONECARD_TESTS_OTP_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "otp.h"

#define OT_CODE_SIZE 12u /* a code and its NUL */

/* RFC 6238 §4 / RFC 4226 §5.3 over OpenSSL's HMAC: the code of secret
 * s at time step `step`, s->digits digits, into out. */
void ot_ref_code(const struct oc_otp_secret *s, uint64_t step, char out[OT_CODE_SIZE]);

/* The code oathtool prints for secret s at Unix time t (oathtool --totp
 * [=sha256] -d DIGITS -N @t HEX). Fails the test if oathtool fails. */
void ot_oathtool_code(const struct oc_otp_secret *s, int64_t t, char out[OT_CODE_SIZE]);

/* The same with the secret given as base32 (-b), as an app reads it
 * from the URI. */
void ot_oathtool_code_b32(enum oc_otp_alg alg, unsigned digits, const char *b32, int64_t t,
			  char out[OT_CODE_SIZE]);

/* "<prefix>-<8 hex of this process>-<n>" into out[cap]. */
void ot_person(const char *prefix, char *out, size_t cap);

/* A fixed 32-byte test key: every byte b. */
oc_otp_key *ot_key(unsigned char b);

/* $ONECARD_PG; fails the test when unset. */
const char *ot_conninfo(void);

/* A direct connection for checks; fails the test if it cannot. */
PGconn *ot_connect(void);

/* Runs sql with up to two text parameters (NULL: fewer); returns the
 * number of rows it affected or returned, -1 when it failed. */
long ot_exec(PGconn *conn, const char *sql, const char *p1, const char *p2);

/* The one text value sql returns (into out[cap]); fails the test
 * otherwise. */
void ot_value(PGconn *conn, const char *sql, const char *p1, char *out, size_t cap);

#endif
