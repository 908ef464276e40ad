/* Session credentials and session ids (authd/server/own_token.c): their
 * form, that they never pass for each other's or for an access token's,
 * and that the stored hash is the credential's SHA-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <onecard/error.h>

#include "own_token.h"

static void credentials(void **state)
{
	char cred[AUTHD_SESSION_CRED_SIZE], other[AUTHD_SESSION_CRED_SIZE];
	uint8_t hash[32], again[32], want[32];

	(void)state;
	assert_int_equal(authd_session_credential_new(cred, hash), ONECARD_OK);
	assert_int_equal(strlen(cred), AUTHD_SESSION_CRED_SIZE - 1);
	assert_memory_equal(cred, "ocs1_", 5);
	assert_true(authd_is_session_credential(cred, strlen(cred)));
	assert_int_equal(EVP_Digest(cred, strlen(cred), want, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(hash, want, 32);
	assert_int_equal(authd_session_credential_hash(cred, strlen(cred), again), ONECARD_OK);
	assert_memory_equal(again, want, 32);
	assert_int_equal(authd_session_credential_new(other, again), ONECARD_OK);
	assert_string_not_equal(cred, other);
}

static void forms_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"ocs1_",
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
		"ocs2_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"OCS1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A",
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.",
		/* an access token's shape (J9) */
		"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
	};
	uint8_t hash[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(authd_is_session_credential(bad[i], strlen(bad[i])));
		assert_int_equal(authd_session_credential_hash(bad[i], strlen(bad[i]), hash),
				 ONECARD_ERR_BAD_FORMAT);
	}
	assert_false(authd_is_session_credential(NULL, 48));
	/* An embedded NUL: the length counts. */
	assert_false(authd_is_session_credential(
		"ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0A", 49));
	assert_true(authd_is_session_credential("ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
						48));
}

static void session_ids(void **state)
{
	char a[AUTHD_SID_SIZE], b[AUTHD_SID_SIZE];

	(void)state;
	assert_int_equal(authd_sid_new(a), ONECARD_OK);
	assert_int_equal(authd_sid_new(b), ONECARD_OK);
	assert_int_equal(strlen(a), AUTHD_SID_SIZE - 1);
	assert_string_not_equal(a, b);
	assert_false(authd_is_session_credential(a, strlen(a)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(credentials),
		cmocka_unit_test(forms_refused),
		cmocka_unit_test(session_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
