/*
 * The direct PKCS#11 adapter (p11_direct.c): the calls libpkcs11-helper
 * does not offer, made on the same module through its own function list.
 * It owns: the token flags (C_GetTokenInfo), object searches and
 * attribute reads (labels, key objects by CKA_ID, public key values),
 * key generation, certificate objects and object destruction.
 *
 * The module is dlopen()ed once more; the loader hands back the copy the
 * helper loaded, so both adapters share one C_Initialize and one login
 * state (PKCS#11 §5.4: sessions of an application share the login).
 * CKR_CRYPTOKI_ALREADY_INITIALIZED is therefore the expected answer to
 * this adapter's C_Initialize, and then it never calls C_Finalize.
 *
 * It neither includes nor calls OpenSSL or libpkcs11-helper: it moves
 * bytes in and out of the card; card.c and pubkey.c give them meaning.
 */
#ifndef ONECARD_P11_DIRECT_H
#define ONECARD_P11_DIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card.h"

#define OC_P11D_FIND_MAX     256u /* objects one search may return */
#define OC_P11D_MODULUS_MAX  512u /* bytes: RSA-4096 */
#define OC_P11D_EXPONENT_MAX 8u
#define OC_P11D_EC_POINT_LEN 65u /* uncompressed P-256 point: 04 || x || y */

typedef unsigned long oc_p11d_handle; /* CK_SLOT_ID, CK_SESSION_HANDLE, CK_OBJECT_HANDLE */

struct oc_p11d;

enum oc_p11d_class {
	OC_P11D_ANY_CLASS = 0,
	OC_P11D_CERTIFICATE,
	OC_P11D_PRIVATE_KEY,
	OC_P11D_PUBLIC_KEY,
};

/* A search: every member that is set must match. */
struct oc_p11d_query {
	enum oc_p11d_class cls;
	const uint8_t *id; /* NULL: any CKA_ID */
	size_t id_len;
	const uint8_t *value; /* NULL: any CKA_VALUE */
	size_t value_len;
};

enum oc_p11d_key_type {
	OC_P11D_KEY_RSA = 1,
	OC_P11D_KEY_EC_P256,
};

/* The public half of a key as the card stores it. */
struct oc_p11d_pubkey {
	enum oc_p11d_key_type type;
	uint8_t modulus[OC_P11D_MODULUS_MAX]; /* RSA, big-endian */
	size_t modulus_len;
	uint8_t exponent[OC_P11D_EXPONENT_MAX];
	size_t exponent_len;
	uint8_t point[OC_P11D_EC_POINT_LEN]; /* EC, uncompressed */
};

enum oc_p11d_keygen_alg {
	OC_P11D_GEN_EC_P256,
	OC_P11D_GEN_RSA_2048,
	OC_P11D_GEN_RSA_3072,
};

/* The attributes of a certificate object, all DER but the label. */
struct oc_p11d_cert_object {
	const uint8_t *value; /* the certificate */
	size_t value_len;
	const uint8_t *subject;
	size_t subject_len;
	const uint8_t *issuer;
	size_t issuer_len;
	const uint8_t *serial; /* the INTEGER, tag and length included */
	size_t serial_len;
	const uint8_t *id;
	size_t id_len;
	const char *label;
};

/* Loads the module (absolute path) and gets it initialized. */
int oc_p11d_open(const char *module_path, struct oc_p11d **out);

/* Finalizes the module if this adapter initialized it; dlclose. */
void oc_p11d_close(struct oc_p11d *d);

/* The slot of the present token whose label, manufacturer, model and
 * serial equal ident's. ONECARD_ERR_CARD_ABSENT when there is none. */
int oc_p11d_find_slot(struct oc_p11d *d, const struct oc_card_info *ident, oc_p11d_handle *slot);

/* The token's identity and PIN flags, read now. */
int oc_p11d_token_info(struct oc_p11d *d, oc_p11d_handle slot, struct oc_card_info *info);

/* C_OpenSession (serial; read-write when rw) and C_CloseSession. */
int oc_p11d_session_open(struct oc_p11d *d, oc_p11d_handle slot, bool rw, oc_p11d_handle *h);
void oc_p11d_session_close(struct oc_p11d *d, oc_p11d_handle h);

/* C_Logout; "not logged in" counts as done. */
int oc_p11d_logout(struct oc_p11d *d, oc_p11d_handle h);

/* Whether the session sees the user logged in (C_GetSessionInfo). */
int oc_p11d_session_is_user(struct oc_p11d *d, oc_p11d_handle h, bool *user);

/* Finds objects. objs[cap] receives up to cap handles, *count of them.
 * ONECARD_ERR_TOO_LARGE when more than cap match. */
int oc_p11d_find(struct oc_p11d *d, oc_p11d_handle h, const struct oc_p11d_query *q,
		 oc_p11d_handle *objs, size_t cap, size_t *count);

/* Reads CKA_LABEL into label[cap] (NUL-terminated; "" when empty).
 * ONECARD_ERR_TOO_LARGE when it does not fit, BAD_FORMAT when it holds
 * a NUL byte. */
int oc_p11d_label(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj, char *label, size_t cap);

/* Reads the public values of a key object: a public key (RSA or P-256
 * EC) or an RSA private key (its modulus and exponent are public).
 * ONECARD_ERR_NOT_FOUND when the object carries none (an EC private key),
 * ONECARD_ERR_BAD_KEY for another key type or curve. */
int oc_p11d_pubkey(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj,
		   struct oc_p11d_pubkey *pub);

/* Checks that a private key object is on the token, private, sensitive,
 * always sensitive, not and never extractable, and able to sign.
 * ONECARD_ERR_CARD when any of it does not hold. */
int oc_p11d_check_private_key(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj);

/* C_GenerateKeyPair on the token under id and label; the handles of the
 * two new objects. */
int oc_p11d_keygen(struct oc_p11d *d, oc_p11d_handle h, enum oc_p11d_keygen_alg alg,
		   const uint8_t *id, size_t id_len, const char *label, oc_p11d_handle *pub_obj,
		   oc_p11d_handle *priv_obj);

/* C_CreateObject of an X.509 certificate object on the token. */
int oc_p11d_create_cert(struct oc_p11d *d, oc_p11d_handle h, const struct oc_p11d_cert_object *c,
			oc_p11d_handle *obj);

/* C_DestroyObject. */
int oc_p11d_destroy(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj);

#endif /* ONECARD_P11_DIRECT_H */
