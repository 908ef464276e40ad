/*
 * onecard's own rules in oc_chain_verify(), on certificates generated
 * here with the OpenSSL API (NEGATIVE-TESTS.md B2 X4/X7/X8/X9/X12, B3
 * R6/R7/R9). One good path root -> intermediate -> card certificate is
 * accepted; each test breaks exactly one thing and checks the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <onecard/error.h>

#include "chain.h"

#define T0	    ((time_t)1748736000) /* 2025-06-01T00:00:00Z, the pinned time */
#define DAY	    86400L
#define MAX_CHAIN   12
#define UNKNOWN_OID "1.3.6.1.4.1.55555.99.1"

enum bc {
	BC_NONE,
	BC_CA,
	BC_EE,
};

struct cert_opts {
	enum bc bc;
	const char *ku;	 /* NULL = none */
	const char *eku; /* NULL = none */
	long nb_days;	 /* notBefore relative to T0 */
	long na_days;	 /* notAfter relative to T0 */
	const EVP_MD *md;
	int unknown_critical;
};

static EVP_PKEY *root_key;
static EVP_PKEY *ca_key;
static EVP_PKEY *leaf_key;
static EVP_PKEY *other_key;
static EVP_PKEY *rsa1024_key;
static long next_serial = 1;

static EVP_PKEY *gen_ec(void)
{
	return EVP_EC_gen("P-256");
}

static struct cert_opts ca_opts(void)
{
	struct cert_opts o = {BC_CA, "critical,keyCertSign,cRLSign", NULL, -30, 3650, NULL, 0};

	o.md = EVP_sha256();
	return o;
}

static struct cert_opts leaf_opts(void)
{
	struct cert_opts o = {BC_EE, "critical,digitalSignature", "clientAuth", -30, 365, NULL, 0};

	o.md = EVP_sha256();
	return o;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext = NULL;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* issuer NULL: self-signed by key. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       const struct cert_opts *o)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(c);
	assert_non_null(name);
	assert_int_equal(X509_set_version(c, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), next_serial++), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
						    (const unsigned char *)"onecard test", -1, -1,
						    0),
			 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_set_subject_name(c, name), 1);
	assert_int_equal(
		X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name), 1);
	X509_NAME_free(name);
	assert_non_null(ASN1_TIME_adj(X509_getm_notBefore(c), T0, (int)o->nb_days, 0));
	assert_non_null(ASN1_TIME_adj(X509_getm_notAfter(c), T0, (int)o->na_days, 0));
	assert_int_equal(X509_set_pubkey(c, key), 1);
	if (issuer == NULL) {
		issuer = c;
		issuer_key = key;
	}
	if (o->bc == BC_CA) {
		add_ext(c, issuer, NID_basic_constraints, "critical,CA:TRUE");
	} else if (o->bc == BC_EE) {
		add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
	}
	add_ext(c, issuer, NID_subject_key_identifier, "hash");
	if (issuer != c) {
		add_ext(c, issuer, NID_authority_key_identifier, "keyid:always");
	}
	if (o->ku != NULL) {
		add_ext(c, issuer, NID_key_usage, o->ku);
	}
	if (o->eku != NULL) {
		add_ext(c, issuer, NID_ext_key_usage, o->eku);
	}
	if (o->unknown_critical) {
		ASN1_OBJECT *obj = OBJ_txt2obj(UNKNOWN_OID, 1);
		ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext = NULL;

		assert_non_null(obj);
		assert_non_null(data);
		assert_int_equal(ASN1_OCTET_STRING_set(data, (const unsigned char *)"\x05\x00", 2),
				 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, data);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(c, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(data);
		ASN1_OBJECT_free(obj);
	}
	assert_true(X509_sign(c, issuer_key, o->md) > 0);
	return c;
}

struct crl_opts {
	long last_days;
	long next_days; /* 0 = no nextUpdate */
	long number;	/* 0 = no cRLNumber */
	long revoked[4];
	size_t nrevoked;
};

static struct crl_opts crl_default(void)
{
	struct crl_opts o = {-1, 7, 1, {0}, 0};

	return o;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, const struct crl_opts *o)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = NULL;
	size_t i = 0;

	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
	t = ASN1_TIME_adj(NULL, T0, (int)o->last_days, 0);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	ASN1_TIME_free(t);
	if (o->next_days != 0) {
		t = ASN1_TIME_adj(NULL, T0, (int)o->next_days, 0);
		assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
		ASN1_TIME_free(t);
	}
	for (i = 0; i < o->nrevoked; i++) {
		X509_REVOKED *rev = X509_REVOKED_new();
		ASN1_INTEGER *serial = ASN1_INTEGER_new();

		assert_non_null(rev);
		assert_non_null(serial);
		assert_int_equal(ASN1_INTEGER_set(serial, o->revoked[i]), 1);
		assert_int_equal(X509_REVOKED_set_serialNumber(rev, serial), 1);
		t = ASN1_TIME_adj(NULL, T0, -2, 0);
		assert_int_equal(X509_REVOKED_set_revocationDate(rev, t), 1);
		ASN1_TIME_free(t);
		ASN1_INTEGER_free(serial);
		assert_int_equal(X509_CRL_add0_revoked(crl, rev), 1);
	}
	if (o->number != 0) {
		ASN1_INTEGER *num = ASN1_INTEGER_new();

		assert_non_null(num);
		assert_int_equal(ASN1_INTEGER_set(num, o->number), 1);
		assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0), 1);
		ASN1_INTEGER_free(num);
	}
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	return crl;
}

static long serial_of(X509 *c)
{
	return ASN1_INTEGER_get(X509_get0_serialNumber(c));
}

/* The standard world: root (anchor) -> inter (CA) -> leaf, both CRLs. */
struct world {
	X509 *root;
	X509 *inter;
	X509 *leaf;
	X509_CRL *root_crl;
	X509_CRL *inter_crl;
	struct oc_chain_store *store;
	struct oc_chain_params p;
	struct oc_chain_result res;
};

static void world_free(struct world *w)
{
	X509_free(w->root);
	X509_free(w->inter);
	X509_free(w->leaf);
	X509_CRL_free(w->root_crl);
	X509_CRL_free(w->inter_crl);
	oc_chain_store_free(w->store);
	memset(w, 0, sizeof(*w));
}

/* Builds the world; the leaf and CRLs are left to the caller when the
 * matching argument is NULL-equivalent (leaf_o NULL: standard leaf). */
static void world_init(struct world *w, const struct cert_opts *leaf_o,
		       const struct crl_opts *root_co, const struct crl_opts *inter_co)
{
	struct cert_opts co = ca_opts();
	struct cert_opts lo = leaf_opts();
	struct crl_opts rc = crl_default();
	struct crl_opts ic = crl_default();

	memset(w, 0, sizeof(*w));
	w->root = make_cert("Test Root", root_key, NULL, NULL, &co);
	w->inter = make_cert("Test Card CA", ca_key, w->root, root_key, &co);
	w->leaf = make_cert("Card 0001", leaf_key, w->inter, ca_key, leaf_o != NULL ? leaf_o : &lo);
	w->root_crl = make_crl(w->root, root_key, root_co != NULL ? root_co : &rc);
	w->inter_crl = make_crl(w->inter, ca_key, inter_co != NULL ? inter_co : &ic);
	assert_int_equal(oc_chain_store_new(&w->store), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_anchor(w->store, w->root), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_ca(w->store, w->inter), ONECARD_OK);
	oc_chain_params_init(&w->p);
	w->p.verify_time = T0;
}

static void world_add_crls(struct world *w)
{
	assert_int_equal(oc_chain_store_add_crl(w->store, w->root_crl), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_crl(w->store, w->inter_crl), ONECARD_OK);
}

static void expect(struct world *w, X509 *leaf, enum oc_chain_reason reason, int depth)
{
	int r = oc_chain_verify(w->store, leaf, NULL, &w->p, &w->res);

	if (w->res.reason != reason) {
		print_error("expected '%s', got '%s' (%s, depth %d)\n", oc_chain_reason_str(reason),
			    w->res.reason_str, w->res.x509_error_str, w->res.error_depth);
	}
	assert_int_equal(w->res.reason, reason);
	if (reason == OC_CHAIN_OK) {
		assert_int_equal(r, ONECARD_OK);
		assert_int_equal(w->res.ok, 1);
		return;
	}
	assert_int_equal(r, OC_CHAIN_REJECTED);
	assert_int_equal(w->res.ok, 0);
	assert_string_equal(w->res.reason_str, oc_chain_reason_str(reason));
	if (depth >= 0) {
		assert_int_equal(w->res.error_depth, depth);
	}
}

static void run_leaf(const struct cert_opts *lo, enum oc_chain_reason reason)
{
	struct world w;

	world_init(&w, lo, NULL, NULL);
	world_add_crls(&w);
	expect(&w, w.leaf, reason, 0);
	world_free(&w);
}

static void good_path_with_evidence(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	expect(&w, w.leaf, OC_CHAIN_OK, -1);
	assert_int_equal(w.res.path_len, 3);
	assert_int_equal(w.res.evidence[0].found, 1);
	assert_string_equal(w.res.evidence[0].crl_issuer, "CN=Test Card CA,O=onecard test");
	assert_int_equal(w.res.evidence[0].has_crl_number, 1);
	assert_string_equal(w.res.evidence[0].crl_number, "01");
	assert_true(w.res.evidence[0].this_update == T0 - DAY);
	assert_true(w.res.evidence[0].next_update == T0 + 7 * DAY);
	assert_int_equal(w.res.evidence[1].found, 1);
	assert_string_equal(w.res.evidence[1].crl_issuer, "CN=Test Root,O=onecard test");
	/* The same path also passes with the client presenting the intermediate. */
	{
		STACK_OF(X509) *presented = sk_X509_new_null();

		assert_non_null(presented);
		assert_true(sk_X509_push(presented, w.inter) > 0);
		assert_int_equal(oc_chain_verify(w.store, w.leaf, presented, &w.p, &w.res),
				 ONECARD_OK);
		sk_X509_free(presented);
	}
	world_free(&w);
}

static void leaf_ca_true(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.bc = BC_CA;
	lo.ku = "critical,digitalSignature,keyCertSign";
	run_leaf(&lo, OC_CHAIN_LEAF_IS_CA);
}

static void leaf_no_basic_constraints(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.bc = BC_NONE;
	run_leaf(&lo, OC_CHAIN_LEAF_IS_CA);
}

static void leaf_no_eku(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.eku = NULL;
	run_leaf(&lo, OC_CHAIN_LEAF_NO_CLIENT_AUTH);
}

static void leaf_server_auth_only(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.eku = "serverAuth";
	run_leaf(&lo, OC_CHAIN_LEAF_NO_CLIENT_AUTH);
}

static void leaf_any_eku_only(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.eku = "anyExtendedKeyUsage";
	run_leaf(&lo, OC_CHAIN_LEAF_NO_CLIENT_AUTH);
}

static void leaf_no_digital_signature(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.ku = "critical,keyAgreement";
	run_leaf(&lo, OC_CHAIN_LEAF_NO_DIGITAL_SIGNATURE);
}

static void leaf_rsa1024(void **state)
{
	struct cert_opts lo = leaf_opts();
	struct world w;
	X509 *weak = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	weak = make_cert("Card RSA1024", rsa1024_key, w.inter, ca_key, &lo);
	expect(&w, weak, OC_CHAIN_WEAK_KEY, 0);
	X509_free(weak);
	world_free(&w);
}

/* P-384 passes OpenSSL's security level; onecard's own key rule (P-256,
 * SM2, RSA >= 2048) refuses it. */
static void leaf_p384(void **state)
{
	struct cert_opts lo = leaf_opts();
	struct world w;
	EVP_PKEY *key = EVP_EC_gen("P-384");
	X509 *leaf = NULL;

	(void)state;
	assert_non_null(key);
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	leaf = make_cert("Card P-384", key, w.inter, ca_key, &lo);
	expect(&w, leaf, OC_CHAIN_WEAK_KEY, 0);
	assert_int_equal(w.res.x509_error, X509_V_OK);
	X509_free(leaf);
	EVP_PKEY_free(key);
	world_free(&w);
}

/* OC_CHAIN_LEAF_NOT_CA accepts a leaf without basicConstraints. */
static void leaf_no_basic_constraints_allowed(void **state)
{
	struct cert_opts lo = leaf_opts();
	struct world w;

	(void)state;
	lo.bc = BC_NONE;
	world_init(&w, &lo, NULL, NULL);
	world_add_crls(&w);
	w.p.leaf_ca = OC_CHAIN_LEAF_NOT_CA;
	expect(&w, w.leaf, OC_CHAIN_OK, -1);
	world_free(&w);
}

static void leaf_sha1_signed(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.md = EVP_sha1();
	run_leaf(&lo, OC_CHAIN_WEAK_ALGORITHM);
}

static void leaf_expired(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.nb_days = -400;
	lo.na_days = -1;
	run_leaf(&lo, OC_CHAIN_EXPIRED);
}

static void leaf_not_yet_valid(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.nb_days = 1;
	lo.na_days = 365;
	run_leaf(&lo, OC_CHAIN_NOT_YET_VALID);
}

static void leaf_unknown_critical_extension(void **state)
{
	struct cert_opts lo = leaf_opts();

	(void)state;
	lo.unknown_critical = 1;
	run_leaf(&lo, OC_CHAIN_UNKNOWN_CRITICAL_EXT);
}

static void leaf_from_untrusted_ca(void **state)
{
	struct cert_opts co = ca_opts();
	struct cert_opts lo = leaf_opts();
	struct world w;
	X509 *rogue = NULL;
	X509 *leaf = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	rogue = make_cert("Rogue CA", other_key, NULL, NULL, &co);
	leaf = make_cert("Card 0001", leaf_key, rogue, other_key, &lo);
	expect(&w, leaf, OC_CHAIN_UNTRUSTED, 0);
	X509_free(leaf);
	X509_free(rogue);
	world_free(&w);
}

static void leaf_revoked(void **state)
{
	struct world w;
	struct crl_opts ic = crl_default();

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	ic.revoked[0] = serial_of(w.leaf);
	ic.nrevoked = 1;
	ic.number = 2;
	X509_CRL_free(w.inter_crl);
	w.inter_crl = make_crl(w.inter, ca_key, &ic);
	world_add_crls(&w);
	expect(&w, w.leaf, OC_CHAIN_REVOKED, 0);
	world_free(&w);
}

/* R9: only CRL_CHECK_ALL catches a revoked intermediate. */
static void intermediate_revoked(void **state)
{
	struct world w;
	struct crl_opts rc = crl_default();

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	rc.revoked[0] = serial_of(w.inter);
	rc.nrevoked = 1;
	X509_CRL_free(w.root_crl);
	w.root_crl = make_crl(w.root, root_key, &rc);
	world_add_crls(&w);
	expect(&w, w.leaf, OC_CHAIN_REVOKED, 1);
	world_free(&w);
}

/* R6: nextUpdate passed. */
static void crl_stale(void **state)
{
	struct crl_opts ic = crl_default();
	struct world w;

	(void)state;
	ic.last_days = -30;
	ic.next_days = -1;
	world_init(&w, NULL, NULL, &ic);
	world_add_crls(&w);
	expect(&w, w.leaf, OC_CHAIN_CRL_STALE, 0);
	world_free(&w);
}

static void crl_without_next_update(void **state)
{
	struct crl_opts ic = crl_default();
	struct world w;

	(void)state;
	ic.next_days = 0;
	world_init(&w, NULL, NULL, &ic);
	world_add_crls(&w);
	expect(&w, w.leaf, OC_CHAIN_CRL_STALE, 0);
	world_free(&w);
}

static void crl_too_old(void **state)
{
	struct crl_opts ic = crl_default();
	struct world w;

	(void)state;
	ic.last_days = -3;
	world_init(&w, NULL, NULL, &ic);
	world_add_crls(&w);
	w.p.max_crl_age = 2 * DAY;
	expect(&w, w.leaf, OC_CHAIN_CRL_STALE, 0);
	world_free(&w);
}

/* R6: no CRL for the card CA at all. */
static void crl_missing(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	assert_int_equal(oc_chain_store_add_crl(w.store, w.root_crl), ONECARD_OK);
	expect(&w, w.leaf, OC_CHAIN_CRL_MISSING, 0);
	world_free(&w);
}

/* R7: the CRL is signed by another key under the card CA's name. */
static void crl_signed_by_other_key(void **state)
{
	struct cert_opts co = ca_opts();
	struct crl_opts ic = crl_default();
	struct world w;
	X509 *fake = NULL;
	X509_CRL *crl = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	fake = make_cert("Test Card CA", other_key, w.root, root_key, &co);
	crl = make_crl(fake, other_key, &ic);
	assert_int_equal(oc_chain_store_add_crl(w.store, w.root_crl), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_crl(w.store, crl), ONECARD_ERR_BAD_SIGNATURE);
	expect(&w, w.leaf, OC_CHAIN_CRL_MISSING, 0);
	X509_CRL_free(crl);
	X509_free(fake);
	world_free(&w);
}

/* R7: the CRL is signed by a different CA (another name). */
static void crl_from_other_ca(void **state)
{
	struct cert_opts co = ca_opts();
	struct crl_opts ic = crl_default();
	struct world w;
	X509 *other = NULL;
	X509_CRL *crl = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	other = make_cert("Other CA", other_key, w.root, root_key, &co);
	assert_int_equal(oc_chain_store_add_ca(w.store, other), ONECARD_OK);
	crl = make_crl(other, other_key, &ic);
	assert_int_equal(oc_chain_store_add_crl(w.store, crl), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_crl(w.store, w.root_crl), ONECARD_OK);
	expect(&w, w.leaf, OC_CHAIN_CRL_MISSING, 0);
	X509_CRL_free(crl);
	X509_free(other);
	world_free(&w);
}

/* R7 / X3: the card CA lacks cRLSign, so its own CRL is refused. */
static void crl_signer_without_crl_sign(void **state)
{
	struct cert_opts co = ca_opts();
	struct cert_opts lo = leaf_opts();
	struct crl_opts ic = crl_default();
	struct world w;
	X509 *ca = NULL;
	X509 *leaf = NULL;
	X509_CRL *crl = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	co.ku = "critical,keyCertSign";
	ca = make_cert("No CRLSign CA", other_key, w.root, root_key, &co);
	leaf = make_cert("Card 0002", leaf_key, ca, other_key, &lo);
	assert_int_equal(oc_chain_store_add_ca(w.store, ca), ONECARD_OK);
	crl = make_crl(ca, other_key, &ic);
	assert_int_equal(oc_chain_store_add_crl(w.store, crl), ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(oc_chain_store_add_crl(w.store, w.root_crl), ONECARD_OK);
	expect(&w, leaf, OC_CHAIN_CRL_MISSING, 0);
	X509_CRL_free(crl);
	X509_free(leaf);
	X509_free(ca);
	world_free(&w);
}

/* X12: a path longer than the depth cap. */
static void chain_too_deep(void **state)
{
	struct cert_opts co = ca_opts();
	struct cert_opts lo = leaf_opts();
	struct world w;
	X509 *cas[MAX_CHAIN];
	X509 *leaf = NULL;
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int i = 0;
	int r = 0;

	(void)state;
	assert_non_null(untrusted);
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	for (i = 0; i < MAX_CHAIN; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "Deep CA %d", i);
		cas[i] = make_cert(cn, ca_key, i == 0 ? w.root : cas[i - 1],
				   i == 0 ? root_key : ca_key, &co);
		assert_true(sk_X509_push(untrusted, cas[i]) > 0);
	}
	leaf = make_cert("Card deep", leaf_key, cas[MAX_CHAIN - 1], ca_key, &lo);
	w.p.max_depth = OC_CHAIN_DEFAULT_DEPTH;
	r = oc_chain_verify(w.store, leaf, untrusted, &w.p, &w.res);
	assert_int_equal(r, OC_CHAIN_REJECTED);
	assert_int_equal(w.res.reason, OC_CHAIN_TOO_LONG);
	/* More presented certificates than allowed is refused up front. */
	w.p.max_untrusted = 4;
	r = oc_chain_verify(w.store, leaf, untrusted, &w.p, &w.res);
	assert_int_equal(r, OC_CHAIN_REJECTED);
	assert_int_equal(w.res.reason, OC_CHAIN_TOO_MANY_CERTS);
	sk_X509_free(untrusted);
	for (i = 0; i < MAX_CHAIN; i++) {
		X509_free(cas[i]);
	}
	X509_free(leaf);
	world_free(&w);
}

/* An unacceptable required policy: the path asserts none (X6). */
static void policy_required_but_absent(void **state)
{
	struct world w;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	world_add_crls(&w);
	w.p.policies[0] = "1.3.6.1.4.1.55555.1.1";
	w.p.npolicies = 1;
	w.p.explicit_policy = 1;
	expect(&w, w.leaf, OC_CHAIN_POLICY, -1);
	world_free(&w);
}

/* A card-issuing CA configured as the anchor, without its root. */
static void intermediate_as_anchor(void **state)
{
	struct world w;
	struct oc_chain_store *s = NULL;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	assert_int_equal(oc_chain_store_new(&s), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_anchor(s, w.inter), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_crl(s, w.inter_crl), ONECARD_OK);
	oc_chain_store_free(w.store);
	w.store = s;
	/* The anchor's own status is not checked (RFC 5280 6.1). */
	expect(&w, w.leaf, OC_CHAIN_OK, -1);
	assert_int_equal(w.res.path_len, 2);
	assert_int_equal(w.res.evidence[0].found, 1);
	assert_int_equal(w.res.evidence[1].found, 0);
	/* Even with the root and its CRL around, the path stops at the anchor. */
	assert_int_equal(oc_chain_store_add_ca(s, w.root), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_crl(s, w.root_crl), ONECARD_OK);
	assert_int_equal(w.res.path_len, 2);
	/* The card CA's CRL is still required. */
	oc_chain_store_free(w.store);
	w.store = NULL;
	assert_int_equal(oc_chain_store_new(&w.store), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_anchor(w.store, w.inter), ONECARD_OK);
	expect(&w, w.leaf, OC_CHAIN_CRL_MISSING, 0);
	world_free(&w);
}

static void bad_arguments(void **state)
{
	struct world w;
	struct oc_chain_result res;
	int r = 0;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	r = oc_chain_verify(w.store, NULL, NULL, &w.p, &res);
	assert_int_equal(r, ONECARD_ERR_INVALID_ARG);
	assert_int_equal(res.ok, 0);
	assert_non_null(res.reason_str);
	w.p.max_depth = 0;
	r = oc_chain_verify(w.store, w.leaf, NULL, &w.p, &res);
	assert_int_equal(r, ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_chain_verify(NULL, w.leaf, NULL, &w.p, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_chain_store_new(NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_chain_store_add_anchor(NULL, w.root), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_chain_store_add_crl(w.store, NULL), ONECARD_ERR_INVALID_ARG);
	oc_chain_store_free(NULL);
	world_free(&w);
}

static void write_pem_cert(const char *path, X509 *c)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, c), 1);
	fclose(f);
}

static void write_der_crl(const char *path, X509_CRL *crl)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(i2d_X509_CRL_fp(f, crl), 1);
	fclose(f);
}

/* load_dir: a PEM anchor file and a CRL folder; a foreign CRL is skipped. */
static void load_dir(void **state)
{
	char dir[] = "/tmp/oc-chain-XXXXXX";
	char anchors[64];
	char crldir[64];
	char p1[96];
	char p2[96];
	struct oc_chain_store *s = NULL;
	struct world w;
	struct oc_chain_result res;
	size_t rejected = 99;

	(void)state;
	world_init(&w, NULL, NULL, NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(anchors, sizeof(anchors), "%s/anchors.pem", dir);
	snprintf(crldir, sizeof(crldir), "%s/crls", dir);
	assert_int_equal(mkdir(crldir, 0700), 0);
	snprintf(p1, sizeof(p1), "%s/root.crl", crldir);
	snprintf(p2, sizeof(p2), "%s/inter.crl", crldir);
	write_pem_cert(anchors, w.root);
	write_der_crl(p1, w.root_crl);
	write_der_crl(p2, w.inter_crl);

	/* Without the card CA in the store its CRL cannot be checked: skipped. */
	assert_int_equal(oc_chain_store_new(&s), ONECARD_OK);
	assert_int_equal(oc_chain_store_load_dir(s, anchors, crldir, &rejected), ONECARD_OK);
	assert_int_equal(rejected, 1);
	oc_chain_store_free(s);
	s = NULL;

	assert_int_equal(oc_chain_store_new(&s), ONECARD_OK);
	assert_int_equal(oc_chain_store_add_ca(s, w.inter), ONECARD_OK);
	assert_int_equal(oc_chain_store_load_dir(s, anchors, crldir, &rejected), ONECARD_OK);
	assert_int_equal(rejected, 0);
	assert_int_equal(oc_chain_verify(s, w.leaf, NULL, &w.p, &res), ONECARD_OK);
	oc_chain_store_free(s);
	s = NULL;

	assert_int_equal(oc_chain_store_new(&s), ONECARD_OK);
	assert_int_equal(oc_chain_store_load_dir(s, "/nonexistent/anchors.pem", NULL, NULL),
			 ONECARD_ERR_IO);
	oc_chain_store_free(s);

	unlink(p1);
	unlink(p2);
	rmdir(crldir);
	unlink(anchors);
	rmdir(dir);
	world_free(&w);
}

static int setup(void **state)
{
	EVP_PKEY_CTX *kctx = NULL;

	(void)state;
	root_key = gen_ec();
	ca_key = gen_ec();
	leaf_key = gen_ec();
	other_key = gen_ec();
	kctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 1024) != 1 ||
	    EVP_PKEY_keygen(kctx, &rsa1024_key) != 1) {
		EVP_PKEY_CTX_free(kctx);
		return -1;
	}
	EVP_PKEY_CTX_free(kctx);
	return root_key != NULL && ca_key != NULL && leaf_key != NULL && other_key != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(rsa1024_key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_path_with_evidence),
		cmocka_unit_test(leaf_ca_true),
		cmocka_unit_test(leaf_no_basic_constraints),
		cmocka_unit_test(leaf_no_eku),
		cmocka_unit_test(leaf_server_auth_only),
		cmocka_unit_test(leaf_any_eku_only),
		cmocka_unit_test(leaf_no_digital_signature),
		cmocka_unit_test(leaf_rsa1024),
		cmocka_unit_test(leaf_p384),
		cmocka_unit_test(leaf_no_basic_constraints_allowed),
		cmocka_unit_test(leaf_sha1_signed),
		cmocka_unit_test(leaf_expired),
		cmocka_unit_test(leaf_not_yet_valid),
		cmocka_unit_test(leaf_unknown_critical_extension),
		cmocka_unit_test(leaf_from_untrusted_ca),
		cmocka_unit_test(leaf_revoked),
		cmocka_unit_test(intermediate_revoked),
		cmocka_unit_test(crl_stale),
		cmocka_unit_test(crl_without_next_update),
		cmocka_unit_test(crl_too_old),
		cmocka_unit_test(crl_missing),
		cmocka_unit_test(crl_signed_by_other_key),
		cmocka_unit_test(crl_from_other_ca),
		cmocka_unit_test(crl_signer_without_crl_sign),
		cmocka_unit_test(chain_too_deep),
		cmocka_unit_test(policy_required_but_absent),
		cmocka_unit_test(intermediate_as_anchor),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(load_dir),
	};

	return cmocka_run_group_tests_name("chain_negative", tests, setup, teardown);
}
