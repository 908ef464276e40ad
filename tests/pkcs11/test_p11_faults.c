/*
 * P2 (NEGATIVE-TESTS.md): every error path ends in a hard deny. The card
 * is SoftHSM behind faulty_p11, a module that fails a chosen PKCS#11 call
 * with a chosen CK_RV (or corrupts a signature): card removed mid-sign,
 * CKR_DEVICE_ERROR, CKR_PIN_LOCKED, out of memory, a lying "already
 * logged in"... Each must give an error, never a signature or a session,
 * and a provisioning step that fails must leave the card as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "card_internal.h"
#include "p11_fixture.h"

static const uint8_t msg[] = "challenge";

struct world {
	struct p11fx fx;
	struct oc_card_ctx *ctx;
	struct oc_card *card;
	EVP_PKEY *ca_key;
};

static struct world *w;

static void fault(const char *spec)
{
	assert_int_equal(setenv("ONECARD_FAULT", spec, 1), 0);
}

static void no_fault(void)
{
	assert_int_equal(unsetenv("ONECARD_FAULT"), 0);
	assert_int_equal(unsetenv("ONECARD_FAULT_FLAGS"), 0);
}

/* Each test starts with a card that works, whatever the last one left. */
static int reset(void **state)
{
	(void)state;
	no_fault();
	return 0;
}

static void provision(struct oc_card_session *s, uint8_t id, enum oc_card_key_alg alg,
		      const char *label)
{
	EVP_PKEY *pub = NULL;
	X509 *x;

	assert_int_equal(oc_card_keygen(s, alg, &id, 1, label, &pub), ONECARD_OK);
	x = p11fx_issue(w->ca_key, pub, label, "Zhang San", id);
	assert_int_equal(oc_card_write_cert(s, x, &id, 1, label), ONECARD_OK);
	X509_free(x);
	EVP_PKEY_free(pub);
}

static int group_setup(void **state)
{
	static const char *const labels[] = {"card1"};
	struct oc_card_session *s;

	(void)state;
	no_fault();
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	p11fx_setup(&w->fx, labels, 1);
	/* The module under test is the wrapper, not SoftHSM itself. */
	assert_string_not_equal(w->fx.module, w->fx.softhsm);
	assert_int_equal(oc_card_ctx_new(w->fx.module, &w->ctx), ONECARD_OK);
	w->card = p11fx_card(w->ctx, "pkcs11:token=card1");
	w->ca_key = p11fx_ca_key();
	s = p11fx_login(w->card);
	provision(s, 0x01, OC_CARD_KEY_EC_P256, "customs");
	provision(s, 0x02, OC_CARD_KEY_RSA_2048, "inspection-quarantine");
	oc_card_session_close(s);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	no_fault();
	oc_card_free(w->card);
	oc_card_ctx_free(w->ctx);
	EVP_PKEY_free(w->ca_key);
	p11fx_teardown(&w->fx);
	free(w);
	return 0;
}

static struct oc_card_certs *read_certs(void)
{
	struct oc_card_certs *certs = NULL;

	assert_int_equal(oc_card_certs_read(w->card, NULL, &certs), ONECARD_OK);
	return certs;
}

static void assert_signs(const struct oc_card_cert *c, enum oc_card_mech mech)
{
	struct oc_card_session *s = p11fx_login(w->card);
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t len = 0;

	assert_int_equal(oc_card_sign(s, c, mech, msg, sizeof(msg), sig, &len), ONECARD_OK);
	assert_int_equal(p11fx_verify(oc_card_cert_get0_x509(c), mech, msg, sizeof(msg), sig, len),
			 1);
	oc_card_session_close(s);
}

/* Card removed mid-sign, device error, out of memory...: no signature,
 * and the session is dead afterwards even when the card recovers. */
static void sign_failures_deny(void **state)
{
	static const char *const specs[] = {
		"C_Sign=0x32",	     /* CKR_DEVICE_REMOVED */
		"C_Sign=0x30",	     /* CKR_DEVICE_ERROR */
		"C_Sign=0x02",	     /* CKR_HOST_MEMORY */
		"C_Sign=0x05",	     /* CKR_GENERAL_ERROR */
		"C_Sign=0x06",	     /* CKR_FUNCTION_FAILED */
		"C_Sign=0x101",	     /* CKR_USER_NOT_LOGGED_IN */
		"C_Sign=0x80000001", /* vendor defined */
		"C_SignInit=0x30",   "C_SignInit=0x32",
	};
	struct oc_card_certs *certs = read_certs();
	const struct oc_card_cert *c = p11fx_find(certs, "customs");
	struct oc_card_session *s;
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		s = p11fx_login(w->card);
		fault(specs[i]);
		len = 99;
		assert_int_equal(
			oc_card_sign(s, c, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), sig, &len),
			ONECARD_ERR_CARD);
		assert_int_equal(len, 0);
		no_fault();
		assert_int_equal(
			oc_card_sign(s, c, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), sig, &len),
			ONECARD_ERR_CARD);
		oc_card_session_close(s);
		assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));
	}
	assert_signs(c, OC_CARD_ECDSA_SHA256);
	oc_card_certs_free(certs);
}

/* A signature the card got wrong never leaves the library. */
static void corrupt_signature_never_leaves(void **state)
{
	static const struct {
		const char *label;
		enum oc_card_mech mech;
	} cases[] = {
		{"customs", OC_CARD_ECDSA_SHA256},
		{"customs", OC_CARD_ECDSA_SHA256_RAW},
		{"inspection-quarantine", OC_CARD_RSA_PKCS1_SHA256},
		{"inspection-quarantine", OC_CARD_RSA_PSS_SHA256},
	};
	struct oc_card_certs *certs = read_certs();
	struct oc_card_session *s = p11fx_login(w->card);
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t i, len;
	int r;

	(void)state;
	fault("C_Sign=corrupt");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = 99;
		r = oc_card_sign(s, p11fx_find(certs, cases[i].label), cases[i].mech, msg,
				 sizeof(msg), sig, &len);
		assert_int_not_equal(r, ONECARD_OK);
		assert_int_equal(len, 0);
	}
	no_fault();
	oc_card_session_close(s);
	oc_card_certs_free(certs);
}

static void login_failures_deny(void **state)
{
	static const struct {
		const char *spec;
		int want;
	} cases[] = {
		{"C_Login=0xa4", ONECARD_ERR_PIN_LOCKED},    /* CKR_PIN_LOCKED */
		{"C_Login=0xa0", ONECARD_ERR_PIN_INCORRECT}, /* CKR_PIN_INCORRECT */
		{"C_Login=0xa3", ONECARD_ERR_CARD},	     /* CKR_PIN_EXPIRED */
		{"C_Login=0x30", ONECARD_ERR_CARD},	     /* CKR_DEVICE_ERROR */
		{"C_Login=0x32", ONECARD_ERR_CARD},	     /* CKR_DEVICE_REMOVED */
		{"C_Login=0x02", ONECARD_ERR_CARD},	     /* CKR_HOST_MEMORY */
		{"C_Login=0x05", ONECARD_ERR_CARD},	     /* CKR_GENERAL_ERROR */
		/* A module that says "already logged in" without checking the
		 * PIN (the CVE-2023-40660 class) does not open a session. */
		{"C_Login=0x100", ONECARD_ERR_CARD},
		{"C_OpenSession=0xe0", ONECARD_ERR_CARD_ABSENT}, /* CKR_TOKEN_NOT_PRESENT */
		{"C_OpenSession=0x30", ONECARD_ERR_CARD},
	};
	struct oc_card_session *s;
	char pin[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fault(cases[i].spec);
		s = (struct oc_card_session *)&s;
		assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, FX_PIN), 4, &s),
				 cases[i].want);
		assert_null(s);
		assert_memory_equal(pin, "\0\0\0\0", 4);
		no_fault();
		assert_false(p11fx_raw_logged_in(w->fx.module, "card1"));
	}
}

/* The retry state the card reports reaches the caller. */
static void pin_state_is_reported(void **state)
{
	struct oc_card_session *s = NULL;
	struct oc_card_info info;
	char pin[16];

	(void)state;
	fault("C_Login=0xa0");
	assert_int_equal(setenv("ONECARD_FAULT_FLAGS", "0x20000", 1), 0); /* FINAL_TRY */
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, "9999"), 4, &s),
			 ONECARD_ERR_PIN_INCORRECT);
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	assert_int_not_equal(info.pin_flags & OC_CARD_PIN_FINAL_TRY, 0);
	/* The try that locks the card is reported as locked. */
	assert_int_equal(setenv("ONECARD_FAULT_FLAGS", "0x40000", 1), 0); /* LOCKED */
	assert_int_equal(oc_card_session_open(w->card, p11fx_pin(pin, "9999"), 4, &s),
			 ONECARD_ERR_PIN_LOCKED);
	assert_null(s);
	no_fault();
	assert_int_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	assert_int_equal(info.pin_flags & (OC_CARD_PIN_FINAL_TRY | OC_CARD_PIN_LOCKED), 0);
}

static void read_failures_deny(void **state)
{
	struct oc_card_certs *certs = read_certs(), *none = (struct oc_card_certs *)&none;
	const struct oc_card_cert *c = p11fx_find(certs, "customs");
	struct oc_card_session *s;
	struct oc_card_info info;
	uint8_t sig[OC_CARD_SIG_MAX];
	size_t len = 99;

	(void)state;
	fault("C_FindObjectsInit=0x30");
	assert_int_not_equal(oc_card_certs_read(w->card, NULL, &none), ONECARD_OK);
	assert_null(none);
	no_fault();
	/* The key lookup before signing fails too: no signature. */
	s = p11fx_login(w->card);
	fault("C_FindObjectsInit=0x30");
	assert_int_equal(oc_card_sign(s, c, OC_CARD_ECDSA_SHA256, msg, sizeof(msg), sig, &len),
			 ONECARD_ERR_CARD);
	assert_int_equal(len, 0);
	no_fault();
	oc_card_session_close(s);
	fault("C_GetTokenInfo=0x30");
	assert_int_not_equal(oc_card_get_info(w->card, &info), ONECARD_OK);
	no_fault();
	oc_card_certs_free(certs);
}

/* A failed provisioning step leaves the card as it was. */
static void provisioning_failures_leave_no_trace(void **state)
{
	static const uint8_t id = 0x05;
	struct oc_card_certs *certs = read_certs();
	struct oc_card_session *s;
	EVP_PKEY *pub = NULL;
	size_t before = oc_card_certs_count(certs), deleted = 0;
	X509 *x;

	(void)state;
	oc_card_certs_free(certs);
	s = p11fx_login(w->card);
	fault("C_GenerateKeyPair=0x31"); /* CKR_DEVICE_MEMORY */
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &id, 1, "maritime", &pub),
			 ONECARD_ERR_CARD);
	assert_null(pub);
	no_fault();
	oc_card_session_close(s);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id, 1), 0);

	/* Key made, certificate refused by the card: roll back by id. */
	s = p11fx_login(w->card);
	assert_int_equal(oc_card_keygen(s, OC_CARD_KEY_EC_P256, &id, 1, "maritime", &pub),
			 ONECARD_OK);
	x = p11fx_issue(w->ca_key, pub, "maritime", "Zhang San", 77);
	fault("C_CreateObject=0x30");
	assert_int_equal(oc_card_write_cert(s, x, &id, 1, "maritime"), ONECARD_ERR_CARD);
	no_fault();
	/* The session is dead after a card failure... */
	assert_int_equal(oc_card_delete(s, &id, 1, &deleted), ONECARD_ERR_CARD);
	oc_card_session_close(s);
	/* ...so the rollback takes a new one. */
	s = p11fx_login(w->card);
	assert_int_equal(oc_card_delete(s, &id, 1, &deleted), ONECARD_OK);
	assert_int_equal(deleted, 2);
	oc_card_session_close(s);
	assert_int_equal(p11fx_raw_count(w->fx.module, "card1", &id, 1), 0);
	certs = read_certs();
	assert_int_equal(oc_card_certs_count(certs), before);
	oc_card_certs_free(certs);
	X509_free(x);
	EVP_PKEY_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(sign_failures_deny, reset),
		cmocka_unit_test_setup(corrupt_signature_never_leaves, reset),
		cmocka_unit_test_setup(login_failures_deny, reset),
		cmocka_unit_test_setup(pin_state_is_reported, reset),
		cmocka_unit_test_setup(read_failures_deny, reset),
		cmocka_unit_test_setup(provisioning_failures_leave_no_trace, reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
