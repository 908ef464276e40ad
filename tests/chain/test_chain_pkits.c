/*
 * PKITS (NIST Public Key Interoperability Test Suite, RSA-2048/SHA-256
 * edition, shared/vectors/pkits-2048) through oc_chain_verify().
 *
 * The store gets TrustAnchorRootCertificate as the only anchor, every
 * other non-EE certificate as an (untrusted) CA certificate, and every CRL
 * that verifies against one of them. Each end entity listed in good.txt /
 * bad.txt is verified with its PKITS settings at 2020-01-01 and must be
 * accepted / rejected. onecard's card profile (clientAuth, digitalSignature,
 * CA:FALSE) is off: PKITS end entities are not card certificates. Its
 * algorithm rule (X9) stays on; the two DSA-1024/SHA-1 "Valid" tests are
 * listed below as rejected by policy.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "chain.h"

#ifndef PKITS_DIR
#error "PKITS_DIR must be defined by tests/chain/CMakeLists.txt"
#endif

#define PKITS_TIME	 ((time_t)1577836800) /* 2020-01-01T00:00:00Z */
#define MAX_LINE	 256
#define MAX_PATH_LEN	 1024
#define PKITS_POLICY_ARC "2.16.840.1.101.3.2.1.48."
#define MAX_POLICY_OID	 40

struct section_rule {
	const char *needle;
	const char *section;
};

/* First match wins: the more specific names come first. */
static const struct section_rule section_rules[] = {
	{"inhibitAnyPolicy", "4.12"},
	{"inhibitPolicyMapping", "4.11"},
	{"requireExplicitPolicy", "4.9"},
	{"PolicyMapping", "4.10"},
	{"MappingFromanyPolicy", "4.10"},
	{"MappingToanyPolicy", "4.10"},
	{"Policies", "4.8"},
	{"AnyPolicy", "4.8"},
	{"anyPolicy", "4.8"},
	{"CPSPointer", "4.8"},
	{"UserNotice", "4.8"},
	{"nameConstraints", "4.13"},
	{"deltaCRL", "4.15"},
	{"distributionPoint", "4.14"},
	{"DistributionPoint", "4.14"},
	{"IDP", "4.14"},
	{"onlyContains", "4.14"},
	{"onlySomeReasons", "4.14"},
	{"cRLIssuer", "4.14"},
	{"CertificateExtension", "4.16"},
	{"keyUsage", "4.7"},
	{"basicConstraints", "4.6"},
	{"cAFalse", "4.6"},
	{"pathLenConstraint", "4.6"},
	{"BasicSelfIssued", "4.5"},
	{"CRL", "4.4"},
	{"Revoked", "4.4"},
	{"SerialNumber", "4.4"},
	{"notBefore", "4.2"},
	{"notAfter", "4.2"},
	{"NameChaining", "4.3"},
	{"NameUIDs", "4.3"},
	{"RFC3280", "4.3"},
	{"UTF8String", "4.3"},
	{"Signature", "4.1"},
	{"CertificatePath", "4.1"},
	{"DSA", "4.1"},
};

/* PKITS "Valid" paths onecard rejects on purpose, and why (docs/chain.md). */
struct policy_override {
	const char *name;
	enum oc_chain_reason reason;
};
static const struct policy_override overrides[] = {
	{"ValidDSASignaturesTest4EE.crt", OC_CHAIN_WEAK_KEY},
	{"ValidDSAParameterInheritanceTest5EE.crt", OC_CHAIN_WEAK_KEY},
	/* X509_V_FLAG_X509_STRICT: a CA's basicConstraints must be critical. */
	{"ValidbasicConstraintsNotCriticalTest4EE.crt", OC_CHAIN_BASIC_CONSTRAINTS},
	/* OpenSSL looks CRLs up by the certificate's issuer name only, so a
	 * CRL from another issuer (indirect CRL) is not found: status unknown,
	 * fail closed. onecard's own CAs issue direct CRLs. */
	{"ValidIDPwithindirectCRLTest24EE.crt", OC_CHAIN_CRL_MISSING},
	{"ValidIDPwithindirectCRLTest25EE.crt", OC_CHAIN_CRL_MISSING},
	{"ValidcRLIssuerTest28EE.crt", OC_CHAIN_CRL_MISSING},
	{"ValidcRLIssuerTest29EE.crt", OC_CHAIN_CRL_MISSING},
	{"ValidcRLIssuerTest33EE.crt", OC_CHAIN_CRL_MISSING},
};

static struct oc_chain_store *store;

static const char *section_of(const char *name)
{
	size_t i = 0;

	for (i = 0; i < sizeof(section_rules) / sizeof(section_rules[0]); i++) {
		if (strstr(name, section_rules[i].needle) != NULL) {
			return section_rules[i].section;
		}
	}
	return NULL;
}

static const struct policy_override *override_of(const char *name)
{
	size_t i = 0;

	for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		if (strcmp(overrides[i].name, name) == 0) {
			return &overrides[i];
		}
	}
	return NULL;
}

static X509 *read_der(const char *dir, const char *name)
{
	char path[MAX_PATH_LEN];
	BIO *bio = NULL;
	X509 *cert = NULL;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		return NULL;
	}
	bio = BIO_new_file(path, "rb");
	if (bio != NULL) {
		cert = d2i_X509_bio(bio, NULL);
	}
	BIO_free(bio);
	return cert;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s);
	size_t lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int setup(void **state)
{
	DIR *dir = NULL;
	struct dirent *de = NULL;
	X509 *cert = NULL;
	size_t ncas = 0;
	size_t ncrls = 0;
	size_t nbad = 0;

	(void)state;
	dir = opendir(PKITS_DIR "/certs");
	if (dir == NULL) {
		fprintf(stderr,
			"FATAL: PKITS vectors missing at %s (CI copies shared/ beside the "
			"clone)\n",
			PKITS_DIR);
		return -1;
	}
	if (oc_chain_store_new(&store) != ONECARD_OK) {
		closedir(dir);
		return -1;
	}
	cert = read_der(PKITS_DIR "/certs", "TrustAnchorRootCertificate.crt");
	if (cert == NULL || oc_chain_store_add_anchor(store, cert) != ONECARD_OK) {
		X509_free(cert);
		closedir(dir);
		return -1;
	}
	X509_free(cert);
	while ((de = readdir(dir)) != NULL) {
		if (!ends_with(de->d_name, ".crt") || ends_with(de->d_name, "EE.crt") ||
		    strcmp(de->d_name, "TrustAnchorRootCertificate.crt") == 0) {
			continue;
		}
		cert = read_der(PKITS_DIR "/certs", de->d_name);
		if (cert == NULL || oc_chain_store_add_ca(store, cert) != ONECARD_OK) {
			fprintf(stderr, "FATAL: cannot load %s\n", de->d_name);
			X509_free(cert);
			closedir(dir);
			return -1;
		}
		X509_free(cert);
		ncas++;
	}
	closedir(dir);

	dir = opendir(PKITS_DIR "/crls");
	if (dir == NULL) {
		fprintf(stderr, "FATAL: %s/crls missing\n", PKITS_DIR);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		char path[MAX_PATH_LEN];
		BIO *bio = NULL;
		X509_CRL *crl = NULL;
		int n = 0;
		int r = 0;

		if (!ends_with(de->d_name, ".crl")) {
			continue;
		}
		n = snprintf(path, sizeof(path), "%s/crls/%s", PKITS_DIR, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			closedir(dir);
			return -1;
		}
		bio = BIO_new_file(path, "rb");
		crl = bio != NULL ? d2i_X509_CRL_bio(bio, NULL) : NULL;
		BIO_free(bio);
		if (crl == NULL) {
			fprintf(stderr, "FATAL: cannot parse %s\n", de->d_name);
			closedir(dir);
			return -1;
		}
		r = oc_chain_store_add_crl(store, crl);
		X509_CRL_free(crl);
		if (r == ONECARD_OK) {
			ncrls++;
		} else if (r == ONECARD_ERR_BAD_SIGNATURE) {
			printf("  CRL not accepted into the store: %s\n", de->d_name);
			nbad++;
		} else {
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);
	printf("PKITS store: 1 anchor, %zu CA certificates, %zu CRLs accepted, %zu refused\n", ncas,
	       ncrls, nbad);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oc_chain_store_free(store);
	store = NULL;
	return 0;
}

/* PKITS settings (SeparatedPKITS, 5914_tas/settingsN.ta): policy set,
 * explicit policy, inhibit mapping, inhibit anyPolicy. */
static int apply_settings(const char *label, struct oc_chain_params *p,
			  char oids[OC_CHAIN_MAX_POLICIES][MAX_POLICY_OID])
{
	static const int sets[11][3] = {
		{0}, {0}, {1}, {2}, {1, 2}, {1}, {2}, {3}, {0}, {6}, {0},
	};
	long n = 0;
	char *end = NULL;
	size_t i = 0;

	if (strcmp(label, "Default") == 0) {
		return 0;
	}
	if (strncmp(label, "Policy ", 7) != 0) {
		return -1;
	}
	n = strtol(label + 7, &end, 10);
	if (end == label + 7 || *end != '\0' || n < 1 || n > 10) {
		return -1;
	}
	p->explicit_policy = n >= 1 && n <= 4;
	p->inhibit_policy_mapping = n == 8;
	p->inhibit_any_policy = n == 10;
	for (i = 0; i < 3 && sets[n][i] != 0; i++) {
		int w = snprintf(oids[i], MAX_POLICY_OID, "%s%d", PKITS_POLICY_ARC, sets[n][i]);

		if (w < 0 || w >= MAX_POLICY_OID) {
			return -1;
		}
		p->policies[i] = oids[i];
	}
	p->npolicies = i;
	return 0;
}

struct tally {
	unsigned valid_ok, valid_total, invalid_ok, invalid_total, by_policy, no_evidence;
};

/* Runs the entries of one list that belong to section; returns mismatches. */
static unsigned run_list(const char *list, int expect_valid, const char *section, struct tally *t)
{
	char path[MAX_PATH_LEN];
	char line[MAX_LINE];
	FILE *f = NULL;
	unsigned bad = 0;

	snprintf(path, sizeof(path), "%s/%s", PKITS_DIR, list);
	f = fopen(path, "r");
	if (f == NULL) {
		fail_msg("FATAL: cannot open %s", path);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char oids[OC_CHAIN_MAX_POLICIES][MAX_POLICY_OID];
		struct oc_chain_params p;
		struct oc_chain_result res;
		const struct policy_override *ov = NULL;
		char *colon = strchr(line, ':');
		char *name = NULL;
		const char *sec = NULL;
		X509 *leaf = NULL;
		int r = 0;
		int want = expect_valid;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0') {
			continue;
		}
		assert_non_null(colon);
		*colon = '\0';
		name = colon + 1;
		while (*name == ' ') {
			name++;
		}
		sec = section_of(name);
		if (sec == NULL) {
			fail_msg("PKITS %s: no section for it", name);
		}
		if (strcmp(sec, section) != 0) {
			continue;
		}
		oc_chain_params_init(&p);
		p.verify_time = PKITS_TIME;
		p.require_client_auth = 0;
		p.require_digital_signature = 0;
		p.leaf_ca = OC_CHAIN_LEAF_ANY;
		if (apply_settings(line, &p, oids) != 0) {
			fail_msg("PKITS %s: bad settings '%s'", name, line);
		}
		leaf = read_der(PKITS_DIR "/certs", name);
		if (leaf == NULL) {
			fail_msg("PKITS %s: cannot read", name);
		}
		r = oc_chain_verify(store, leaf, NULL, &p, &res);
		X509_free(leaf);
		assert_true(r == ONECARD_OK || r == OC_CHAIN_REJECTED);
		ov = override_of(name);
		if (expect_valid && ov != NULL) {
			want = 0;
		}
		if (expect_valid) {
			t->valid_total++;
		} else {
			t->invalid_total++;
		}
		if ((r == ONECARD_OK) == (want != 0) && (ov == NULL || res.reason == ov->reason)) {
			if (expect_valid) {
				t->valid_ok++;
			} else {
				t->invalid_ok++;
			}
			if (r == ONECARD_OK) {
				size_t k = 0;

				/* Every certificate below the anchor has its CRL named. */
				for (k = 0; k + 1 < res.path_len; k++) {
					if (!res.evidence[k].found) {
						printf("  %s: no evidence at depth %zu\n", name, k);
						t->no_evidence++;
					}
				}
			}
			if (ov != NULL) {
				t->by_policy++;
				printf("  %s [%s]: rejected by onecard policy as documented (%s)\n",
				       name, line, res.reason_str);
			}
			continue;
		}
		printf("  MISMATCH %s [%s]: expected %s, got %s (%s; %s; depth %d)\n", name, line,
		       want ? "valid" : "invalid", r == ONECARD_OK ? "valid" : "invalid",
		       res.reason_str, res.x509_error_str, res.error_depth);
		bad++;
	}
	fclose(f);
	return bad;
}

static void run_section(const char *section)
{
	struct tally t = {0, 0, 0, 0, 0, 0};
	unsigned bad = 0;

	assert_non_null(store);
	bad += run_list("good.txt", 1, section, &t);
	bad += run_list("bad.txt", 0, section, &t);
	printf("PKITS %-5s Valid %u/%u as expected (%u of them rejected by onecard policy), "
	       "Invalid %u/%u rejected, %u accepted paths without evidence%s\n",
	       section, t.valid_ok, t.valid_total, t.by_policy, t.invalid_ok, t.invalid_total,
	       t.no_evidence, bad == 0 ? "" : "  <-- MISMATCH");
	bad += t.no_evidence;
	if (bad != 0) {
		fail_msg("PKITS section %s: %u mismatches (listed above)", section, bad);
	}
	assert_true(t.valid_total + t.invalid_total > 0);
}

#define SECTION_TEST(fn, sec)        \
	static void fn(void **state) \
	{                            \
		(void)state;         \
		run_section(sec);    \
	}

SECTION_TEST(pkits_4_1, "4.1")
SECTION_TEST(pkits_4_2, "4.2")
SECTION_TEST(pkits_4_3, "4.3")
SECTION_TEST(pkits_4_4, "4.4")
SECTION_TEST(pkits_4_5, "4.5")
SECTION_TEST(pkits_4_6, "4.6")
SECTION_TEST(pkits_4_7, "4.7")
SECTION_TEST(pkits_4_8, "4.8")
SECTION_TEST(pkits_4_9, "4.9")
SECTION_TEST(pkits_4_10, "4.10")
SECTION_TEST(pkits_4_11, "4.11")
SECTION_TEST(pkits_4_12, "4.12")
SECTION_TEST(pkits_4_13, "4.13")
SECTION_TEST(pkits_4_14, "4.14")
SECTION_TEST(pkits_4_15, "4.15")
SECTION_TEST(pkits_4_16, "4.16")

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pkits_4_1),  cmocka_unit_test(pkits_4_2),
		cmocka_unit_test(pkits_4_3),  cmocka_unit_test(pkits_4_4),
		cmocka_unit_test(pkits_4_5),  cmocka_unit_test(pkits_4_6),
		cmocka_unit_test(pkits_4_7),  cmocka_unit_test(pkits_4_8),
		cmocka_unit_test(pkits_4_9),  cmocka_unit_test(pkits_4_10),
		cmocka_unit_test(pkits_4_11), cmocka_unit_test(pkits_4_12),
		cmocka_unit_test(pkits_4_13), cmocka_unit_test(pkits_4_14),
		cmocka_unit_test(pkits_4_15), cmocka_unit_test(pkits_4_16),
	};

	return cmocka_run_group_tests_name("chain_pkits", tests, setup, teardown);
}
