/*
 * The key source for a card (ca.h): the key is generated on the card,
 * under a fresh random CKA_ID, and the certificate is written back
 * beside it inside the issuance transaction; when the issuance fails
 * after the key was made, everything under that CKA_ID is deleted again.
 * The only file of the CA that calls the card library (pkcs11/card.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "ca.h"
#include "card.h"
#include "pin_source.h"
#include "policy.h"
#include "serial.h"

#define CARD_KEY_ID_LEN OC_CA_SERIAL_BYTES /* random bytes of a CKA_ID */

struct card_state {
	char uri_text[OC_CA_PATH_MAX];
	char pin_file[OC_CA_PATH_MAX]; /* "" when none */
	char label[OC_CARD_OBJ_LABEL_MAX + 1];
	char card_id[OC_CARD_SERIAL_LEN + 1];
	struct oc_card_ctx *ctx;
	struct oc_card *card;
	struct oc_p11_uri *uri;
	struct oc_card_session *session;
	unsigned char id[CARD_KEY_ID_LEN];
	int key_made; /* a key exists under id */
};

/* The card key type for a profile: P-256 first, then RSA. The card
 * library makes no SM2 keys. */
static int card_alg(unsigned allowed, enum oc_card_key_alg *alg, const char **why)
{
	if ((allowed & OC_KEY_EC_P256) != 0) {
		*alg = OC_CARD_KEY_EC_P256;
	} else if ((allowed & OC_KEY_RSA_2048) != 0) {
		*alg = OC_CARD_KEY_RSA_2048;
	} else if ((allowed & OC_KEY_RSA_3072) != 0) {
		*alg = OC_CARD_KEY_RSA_3072;
	} else {
		*why = "the card cannot make a key of a type the profile allows";
		return ONECARD_ERR_KEY_FORBIDDEN;
	}
	return ONECARD_OK;
}

/* Loads the module, selects the card and logs in. */
static int card_login(struct card_state *st, const char **why)
{
	struct oc_card_info info;
	char pin[OC_CARD_PIN_MAX + 1];
	const char *from = "";
	size_t len = 0;
	int r;

	r = oc_card_ctx_new(NULL, &st->ctx);
	if (r != ONECARD_OK) {
		*why = "the PKCS#11 module does not load (set ONECARD_PKCS11_MODULE)";
		return r;
	}
	r = oc_p11_uri_parse(st->uri_text, strlen(st->uri_text), &st->uri, NULL);
	if (r != ONECARD_OK) {
		*why = "the card URI is not a PKCS#11 URI onecard accepts";
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_card_open(st->ctx, st->uri, &st->card);
	if (r == ONECARD_OK) {
		r = oc_card_get_info(st->card, &info);
	}
	if (r != ONECARD_OK) {
		*why = "the card the URI names is not there (or more than one is)";
		return r;
	}
	memcpy(st->card_id, info.serial, sizeof(st->card_id));
	if ((info.pin_flags & OC_CARD_PIN_LOCKED) != 0) {
		*why = "the card's PIN is locked";
		return ONECARD_ERR_PIN_LOCKED;
	}
	r = oc_pin_obtain(st->pin_file[0] != '\0' ? st->pin_file : NULL,
			  oc_p11_uri_get(st->uri, OC_P11_URI_PIN_SOURCE), "Card PIN: ", pin,
			  sizeof(pin), &len, &from);
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, sizeof(pin));
		*why = "no card PIN (give --pin-file, a pin-source, or set ONECARD_PIN)";
		return r;
	}
	r = oc_card_session_open(st->card, pin, len, &st->session);
	OPENSSL_cleanse(pin, sizeof(pin)); /* wiped by the library too */
	if (r != ONECARD_OK) {
		*why = r == ONECARD_ERR_PIN_INCORRECT ? "the card refused the PIN"
						      : "cannot log in to the card";
	}
	return r;
}

static int card_pubkey(struct oc_key_source *src, unsigned allowed, EVP_PKEY **key,
		       const char **why)
{
	struct card_state *st = src->state;
	enum oc_card_key_alg alg = OC_CARD_KEY_EC_P256;
	int r;

	*key = NULL;
	*why = NULL;
	r = card_alg(allowed, &alg, why);
	if (r == ONECARD_OK) {
		r = card_login(st, why);
	}
	if (r == ONECARD_OK) {
		src->card_id = st->card_id;
		r = oc_serial_random(st->id);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_card_keygen(st->session, alg, st->id, sizeof(st->id), st->label, key);
	if (r != ONECARD_OK) {
		*why = "the card did not make the key";
		return r;
	}
	st->key_made = 1;
	return ONECARD_OK;
}

static int card_deliver(struct oc_key_source *src, X509 *cert, const char **why)
{
	struct card_state *st = src->state;
	int r;

	r = oc_card_write_cert(st->session, cert, st->id, sizeof(st->id), st->label);
	if (r != ONECARD_OK) {
		*why = "the certificate could not be written to the card";
	}
	return r;
}

static void card_abort(struct oc_key_source *src)
{
	struct card_state *st = src->state;
	size_t deleted = 0;

	if (!st->key_made || st->session == NULL) {
		return;
	}
	/* A card error may leave some objects: the library says to call
	 * again. */
	if (oc_card_delete(st->session, st->id, sizeof(st->id), &deleted) != ONECARD_OK &&
	    oc_card_delete(st->session, st->id, sizeof(st->id), &deleted) != ONECARD_OK) {
		return;
	}
	st->key_made = 0;
}

static void card_free(struct oc_key_source *src)
{
	struct card_state *st = src->state;

	oc_card_session_close(st->session);
	oc_card_free(st->card);
	oc_p11_uri_free(st->uri);
	oc_card_ctx_free(st->ctx);
	free(st);
	free(src);
}

int oc_card_source_new(const char *uri, const char *pin_file, const char *label,
		       struct oc_key_source **out)
{
	struct oc_key_source *src = NULL;
	struct card_state *st = NULL;
	int n1, n2, n3;

	*out = NULL;
	if (uri == NULL || label == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	src = calloc(1, sizeof(*src));
	st = calloc(1, sizeof(*st));
	if (src == NULL || st == NULL) {
		free(src);
		free(st);
		return ONECARD_ERR_NOMEM;
	}
	n1 = snprintf(st->uri_text, sizeof(st->uri_text), "%s", uri);
	n2 = snprintf(st->pin_file, sizeof(st->pin_file), "%s", pin_file != NULL ? pin_file : "");
	n3 = snprintf(st->label, sizeof(st->label), "%s", label);
	if (n1 <= 0 || (size_t)n1 >= sizeof(st->uri_text) || n2 < 0 ||
	    (size_t)n2 >= sizeof(st->pin_file) || n3 <= 0 || (size_t)n3 >= sizeof(st->label)) {
		free(src);
		free(st);
		return ONECARD_ERR_INVALID_ARG;
	}
	src->kind = "card";
	src->card_id = NULL; /* known once the card is open */
	src->pubkey = card_pubkey;
	src->deliver = card_deliver;
	src->abort = card_abort;
	src->free = card_free;
	src->state = st;
	*out = src;
	return ONECARD_OK;
}
