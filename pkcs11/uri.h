/*
 * A strict parser for the subset of RFC 7512 PKCS#11 URIs that onecard
 * uses to name a card and an object on it:
 *
 *   pkcs11:token=card1;serial=dc33...;object=customs;id=%01;type=cert
 *         ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin
 *
 * Path attributes: token, manufacturer, model, serial, object, id, type
 * (cert or private). Query attributes: module-path, pin-source. Anything
 * else is refused: an unknown or unsupported attribute, a duplicate, an
 * empty value, a character RFC 7512 does not allow unencoded, a bad
 * percent escape, and pin-value above all, because a PIN never travels
 * in a URI. The parser only parses; matching against a card is card.c's
 * business, and reading a pin-source is the program's.
 */
#ifndef ONECARD_P11_URI_H
#define ONECARD_P11_URI_H

#include <stddef.h>
#include <stdint.h>

#define OC_P11_URI_MAX	     8192u /* bytes of URI text */
#define OC_P11_URI_LABEL_MAX 255u  /* decoded bytes of an object label */
#define OC_P11_URI_ID_MAX    64u   /* decoded bytes of an id (CKA_ID) */
#define OC_P11_URI_PATH_MAX  4096u /* decoded bytes of module-path, pin-source */

/* The text attributes, by name. Token fields have the sizes CK_TOKEN_INFO
 * gives them (32, 32, 16, 16 bytes): a longer value could never match. */
enum oc_p11_uri_attr {
	OC_P11_URI_TOKEN,	 /* token= (CK_TOKEN_INFO label) */
	OC_P11_URI_MANUFACTURER, /* manufacturer= */
	OC_P11_URI_MODEL,	 /* model= */
	OC_P11_URI_SERIAL,	 /* serial= */
	OC_P11_URI_OBJECT,	 /* object= (CKA_LABEL) */
	OC_P11_URI_MODULE_PATH,	 /* ?module-path= */
	OC_P11_URI_PIN_SOURCE,	 /* ?pin-source= */
	OC_P11_URI_ATTR_COUNT
};

enum oc_p11_uri_type {
	OC_P11_URI_TYPE_ANY = 0, /* no type= */
	OC_P11_URI_TYPE_CERT,	 /* type=cert */
	OC_P11_URI_TYPE_PRIVATE, /* type=private */
};

/* Why a URI was refused; OC_P11_URI_REFUSED_NONE on success. */
enum oc_p11_uri_refusal {
	OC_P11_URI_REFUSED_NONE = 0,
	OC_P11_URI_REFUSED_EMPTY,	   /* no text at all */
	OC_P11_URI_REFUSED_TOO_LONG,	   /* over OC_P11_URI_MAX */
	OC_P11_URI_REFUSED_SCHEME,	   /* does not start with "pkcs11:" */
	OC_P11_URI_REFUSED_CHAR,	   /* a character that must be percent-encoded */
	OC_P11_URI_REFUSED_ESCAPE,	   /* '%' not followed by two hex digits */
	OC_P11_URI_REFUSED_EMPTY_ATTR,	   /* empty segment, name or value */
	OC_P11_URI_REFUSED_UNKNOWN_ATTR,   /* not in the subset (or in the wrong part) */
	OC_P11_URI_REFUSED_DUPLICATE,	   /* the same attribute twice */
	OC_P11_URI_REFUSED_PIN_VALUE,	   /* pin-value: a PIN never travels in a URI */
	OC_P11_URI_REFUSED_TYPE,	   /* type other than cert or private */
	OC_P11_URI_REFUSED_VALUE_TOO_LONG, /* a decoded value over its maximum */
	OC_P11_URI_REFUSED_NUL,		   /* %00 in a text attribute */
};

struct oc_p11_uri;

/*
 * Parses len bytes of text as a PKCS#11 URI.
 * Success: ONECARD_OK, *out a new URI (free with oc_p11_uri_free),
 *   *why OC_P11_URI_REFUSED_NONE.
 * Failure: ONECARD_ERR_BAD_FORMAT (or ONECARD_ERR_TOO_LARGE over
 *   OC_P11_URI_MAX, ONECARD_ERR_NOMEM, ONECARD_ERR_INVALID_ARG for NULL
 *   arguments), *out NULL and *why the reason (why may be NULL).
 * The text is not kept; it need not be NUL-terminated, and a NUL byte in
 * it is refused.
 */
int oc_p11_uri_parse(const char *text, size_t len, struct oc_p11_uri **out,
		     enum oc_p11_uri_refusal *why);

/* Frees a URI; NULL does nothing. */
void oc_p11_uri_free(struct oc_p11_uri *uri);

/* A fixed English sentence for a refusal ("pin-value is not accepted...").
 * Never NULL. */
const char *oc_p11_uri_refusal_str(enum oc_p11_uri_refusal why);

/* The decoded value of a text attribute (NUL-terminated, with no NUL
 * inside), or NULL when the URI does not have it. Borrowed from uri. */
const char *oc_p11_uri_get(const struct oc_p11_uri *uri, enum oc_p11_uri_attr attr);

/* The decoded id bytes and their count, or NULL (and *len 0) when the URI
 * has no id. Borrowed from uri. */
const uint8_t *oc_p11_uri_id(const struct oc_p11_uri *uri, size_t *len);

/* The object type the URI asks for (OC_P11_URI_TYPE_ANY when none). */
enum oc_p11_uri_type oc_p11_uri_type(const struct oc_p11_uri *uri);

/*
 * Appends one path attribute "name=value" to a URI being built in
 * buf[cap], percent-encoding every byte of value that is not an RFC 3986
 * unreserved character. *pos is the length of the text in buf so far;
 * the first call must find it 0 and writes the "pkcs11:" scheme, later
 * calls add the ';' separator. buf stays NUL-terminated.
 * Success: ONECARD_OK and *pos advanced. Failure: ONECARD_ERR_TOO_LARGE
 * when it does not fit (buf and *pos are then left as they were), or
 * ONECARD_ERR_INVALID_ARG.
 */
int oc_p11_uri_append(char *buf, size_t cap, size_t *pos, const char *name, const uint8_t *value,
		      size_t value_len);

#endif /* ONECARD_P11_URI_H */
