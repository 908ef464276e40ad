/*
 * Provisioning (card.h): key pairs generated on the card, certificates
 * written beside their own keys, objects destroyed by id. The rules: an
 * id names one key pair and one certificate; a key is read back before it
 * is trusted; a step that fails leaves nothing behind.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "card_internal.h"

static int check_id_label(const uint8_t *id, size_t id_len, const char *label)
{
	size_t label_len;

	if (id == NULL || id_len == 0 || id_len > OC_CARD_ID_MAX || label == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	label_len = strlen(label);
	if (label_len == 0 || label_len > OC_CARD_OBJ_LABEL_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

/* Opens a read-write session for one provisioning step; it shares the
 * login of s. */
static int rw_session(struct oc_card_session *s, oc_p11d_handle *h)
{
	int r;

	*h = 0;
	r = oc_card_session_usable(s);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_p11d_session_open(s->ctx->direct, s->slot, true, h);
	return oc_card_session_fail(s, r);
}

static enum oc_p11d_keygen_alg keygen_alg(enum oc_card_key_alg alg)
{
	switch (alg) {
	case OC_CARD_KEY_RSA_2048:
		return OC_P11D_GEN_RSA_2048;
	case OC_CARD_KEY_RSA_3072:
		return OC_P11D_GEN_RSA_3072;
	case OC_CARD_KEY_EC_P256:
	default:
		return OC_P11D_GEN_EC_P256;
	}
}

int oc_card_keygen(struct oc_card_session *s, enum oc_card_key_alg alg, const uint8_t *id,
		   size_t id_len, const char *label, EVP_PKEY **pub)
{
	oc_p11d_handle objs[OC_P11D_FIND_MAX];
	oc_p11d_handle h = 0, pub_obj = 0, priv_obj = 0;
	struct oc_p11d_pubkey value;
	struct oc_p11d *d;
	EVP_PKEY *key = NULL;
	size_t n = 0;
	int r;

	if (pub == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*pub = NULL;
	r = check_id_label(id, id_len, label);
	if (r != ONECARD_OK || s == NULL ||
	    (alg != OC_CARD_KEY_EC_P256 && alg != OC_CARD_KEY_RSA_2048 &&
	     alg != OC_CARD_KEY_RSA_3072)) {
		return ONECARD_ERR_INVALID_ARG;
	}
	d = s->ctx->direct;
	r = rw_session(s, &h);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_card_find_by_id(d, h, OC_P11D_ANY_CLASS, id, id_len, objs, OC_P11D_FIND_MAX, &n);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (n > 0) {
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	r = oc_p11d_keygen(d, h, keygen_alg(alg), id, id_len, label, &pub_obj, &priv_obj);
	if (r != ONECARD_OK) {
		goto out;
	}
	/* Trust, but read back: a module that ignored the template must not
	 * leave an exportable key behind. */
	r = oc_p11d_check_private_key(d, h, priv_obj);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_p11d_pubkey(d, h, pub_obj, &value);
	if (r == ONECARD_OK) {
		r = oc_card_pubkey_to_evp(&value, &key);
	}
	if (r != ONECARD_OK) {
		r = ONECARD_ERR_CARD;
		goto out;
	}
	*pub = key;
	key = NULL;
out:
	if (r != ONECARD_OK && h != 0) {
		/* Roll back: nothing of a failed generation stays. */
		if (priv_obj != 0) {
			(void)oc_p11d_destroy(d, h, priv_obj);
		}
		if (pub_obj != 0) {
			(void)oc_p11d_destroy(d, h, pub_obj);
		}
	}
	if (h != 0) {
		oc_p11d_session_close(d, h);
	}
	EVP_PKEY_free(key);
	return oc_card_session_fail(s, r);
}

/* The DER encodings a certificate object carries. */
struct cert_der {
	uint8_t *value, *subject, *issuer, *serial;
	int value_len, subject_len, issuer_len, serial_len;
};

static void cert_der_free(struct cert_der *c)
{
	OPENSSL_free(c->value);
	OPENSSL_free(c->subject);
	OPENSSL_free(c->issuer);
	OPENSSL_free(c->serial);
}

static int cert_der_make(X509 *x, struct cert_der *c)
{
	memset(c, 0, sizeof(*c));
	c->value_len = i2d_X509(x, &c->value);
	c->subject_len = i2d_X509_NAME(X509_get_subject_name(x), &c->subject);
	c->issuer_len = i2d_X509_NAME(X509_get_issuer_name(x), &c->issuer);
	c->serial_len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &c->serial);
	ERR_clear_error();
	if (c->value_len <= 0 || c->subject_len <= 0 || c->issuer_len <= 0 || c->serial_len <= 0) {
		cert_der_free(c);
		return ONECARD_ERR_BAD_FORMAT;
	}
	if ((size_t)c->value_len > OC_CARD_CERT_DER_MAX) {
		cert_der_free(c);
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

/*
 * Whether the one private key under id is the key of cert_key: compared
 * on the private key object itself when it shows its public values (RSA),
 * else on the one public key object generated beside it (EC).
 */
static int key_is_certs(struct oc_p11d *d, oc_p11d_handle h, const uint8_t *id, size_t id_len,
			EVP_PKEY *cert_key)
{
	oc_p11d_handle privs[OC_P11D_FIND_MAX], pubs[OC_P11D_FIND_MAX];
	struct oc_p11d_pubkey value;
	EVP_PKEY *key = NULL;
	size_t nk = 0, np = 0;
	int r;

	r = oc_card_find_by_id(d, h, OC_P11D_PRIVATE_KEY, id, id_len, privs, OC_P11D_FIND_MAX, &nk);
	if (r != ONECARD_OK) {
		return r;
	}
	if (nk != 1) {
		return ONECARD_ERR_KEY_MISSING;
	}
	r = oc_p11d_pubkey(d, h, privs[0], &value);
	if (r == ONECARD_ERR_NOT_FOUND) {
		r = oc_card_find_by_id(d, h, OC_P11D_PUBLIC_KEY, id, id_len, pubs, OC_P11D_FIND_MAX,
				       &np);
		if (r != ONECARD_OK) {
			return r;
		}
		if (np != 1) {
			return ONECARD_ERR_KEY_MISSING; /* nothing to prove the pair with */
		}
		r = oc_p11d_pubkey(d, h, pubs[0], &value);
	}
	if (r == ONECARD_ERR_BAD_KEY || r == ONECARD_ERR_NOT_FOUND) {
		return ONECARD_ERR_KEY_MISSING;
	}
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_card_pubkey_to_evp(&value, &key);
	if (r == ONECARD_OK && !oc_card_same_key(key, cert_key)) {
		r = ONECARD_ERR_KEY_MISSING;
	} else if (r == ONECARD_ERR_BAD_KEY) {
		r = ONECARD_ERR_KEY_MISSING;
	}
	EVP_PKEY_free(key);
	return r;
}

int oc_card_write_cert(struct oc_card_session *s, X509 *cert, const uint8_t *id, size_t id_len,
		       const char *label)
{
	oc_p11d_handle objs[OC_P11D_FIND_MAX];
	struct oc_p11d_cert_object obj;
	struct cert_der der = {0};
	oc_p11d_handle h = 0, created = 0;
	struct oc_p11d *d;
	EVP_PKEY *cert_key;
	size_t n = 0;
	int r;

	r = check_id_label(id, id_len, label);
	if (r != ONECARD_OK || s == NULL || cert == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	d = s->ctx->direct;
	cert_key = X509_get0_pubkey(cert);
	ERR_clear_error();
	if (cert_key == NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	r = cert_der_make(cert, &der);
	if (r != ONECARD_OK) {
		return r;
	}
	r = rw_session(s, &h);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_card_find_by_id(d, h, OC_P11D_CERTIFICATE, id, id_len, objs, OC_P11D_FIND_MAX, &n);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (n > 0) {
		r = ONECARD_ERR_EXISTS;
		goto out;
	}
	r = key_is_certs(d, h, id, id_len, cert_key);
	if (r != ONECARD_OK) {
		goto out;
	}
	obj.value = der.value;
	obj.value_len = (size_t)der.value_len;
	obj.subject = der.subject;
	obj.subject_len = (size_t)der.subject_len;
	obj.issuer = der.issuer;
	obj.issuer_len = (size_t)der.issuer_len;
	obj.serial = der.serial;
	obj.serial_len = (size_t)der.serial_len;
	obj.id = id;
	obj.id_len = id_len;
	obj.label = label;
	r = oc_p11d_create_cert(d, h, &obj, &created);
out:
	if (h != 0) {
		oc_p11d_session_close(d, h);
	}
	cert_der_free(&der);
	return oc_card_session_fail(s, r);
}

int oc_card_delete(struct oc_card_session *s, const uint8_t *id, size_t id_len, size_t *deleted)
{
	oc_p11d_handle objs[OC_P11D_FIND_MAX];
	oc_p11d_handle h = 0;
	struct oc_p11d *d;
	size_t n = 0, i, done = 0;
	int r;

	if (deleted == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	*deleted = 0;
	if (s == NULL || id == NULL || id_len == 0 || id_len > OC_CARD_ID_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	d = s->ctx->direct;
	r = rw_session(s, &h);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_card_find_by_id(d, h, OC_P11D_ANY_CLASS, id, id_len, objs, OC_P11D_FIND_MAX, &n);
	for (i = 0; r == ONECARD_OK && i < n; i++) {
		r = oc_p11d_destroy(d, h, objs[i]);
		if (r == ONECARD_OK) {
			done++;
		}
	}
	if (r == ONECARD_OK) {
		*deleted = done;
	}
out:
	if (h != 0) {
		oc_p11d_session_close(d, h);
	}
	return oc_card_session_fail(s, r);
}
