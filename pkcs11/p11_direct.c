/*
 * The direct PKCS#11 adapter: every call made through the module's own
 * function list is in this file. See p11_direct.h for what it owns and
 * why it shares the module with libpkcs11-helper.
 *
 * The PKCS#11 types come from the pkcs11.h that libpkcs11-helper installs
 * (the standard header in Scute's compatible form); nothing of the helper
 * library itself is called here.
 *
 * The PKCS#11 API is not const-correct: templates take void pointers even
 * for values the module only reads. The casts below that drop const are
 * for that, and only that.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#include <onecard/error.h>

#include "ckr.h"
#include "p11_direct.h"

#define SLOTS_MAX	 OC_CARD_TOKENS_MAX
#define FIND_BATCH	 16u
#define EC_PARAMS_MAX	 32u
#define EC_POINT_DER_MAX 80u

struct oc_p11d {
	void *dl;
	CK_FUNCTION_LIST *f;
	int finalize; /* this adapter's C_Initialize was the first */
};

/* DER of the OID prime256v1 (1.2.840.10045.3.1.7): CKA_EC_PARAMS. */
static const uint8_t p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t rsa_f4[] = {0x01, 0x00, 0x01};

int oc_p11d_open(const char *module_path, struct oc_p11d **out)
{
	struct oc_p11d *d = NULL;
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList get = NULL;
	CK_RV rv;
	int r = ONECARD_ERR_NOMEM;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		goto out;
	}
	r = ONECARD_ERR_CARD;
	d->dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
	if (d->dl == NULL) {
		goto out;
	}
	/* POSIX guarantees that a function's address survives this cast. */
	get = (CK_C_GetFunctionList)dlsym(d->dl, "C_GetFunctionList");
	if (get == NULL || get(&d->f) != CKR_OK || d->f == NULL) {
		goto out;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = d->f->C_Initialize(&args);
	if (rv == CKR_OK) {
		d->finalize = 1;
	} else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		goto out;
	}
	*out = d;
	d = NULL;
	r = ONECARD_OK;
out:
	oc_p11d_close(d);
	return r;
}

void oc_p11d_close(struct oc_p11d *d)
{
	if (d == NULL) {
		return;
	}
	if (d->finalize) {
		(void)d->f->C_Finalize(NULL);
	}
	if (d->dl != NULL) {
		(void)dlclose(d->dl);
	}
	free(d);
}

/* A fixed-size, blank-padded CK_TOKEN_INFO field as a C string, trimmed
 * the way libpkcs11-helper trims it, so that both adapters agree on a
 * token's identity. dst has room for len + 1 bytes. */
static void fixed_field(char *dst, const unsigned char *src, size_t len)
{
	size_t n = len;

	memcpy(dst, src, len);
	dst[len] = '\0';
	while (n > 0 && dst[n - 1] == ' ') {
		n--;
		dst[n] = '\0';
	}
}

int oc_p11d_token_info(struct oc_p11d *d, oc_p11d_handle slot, struct oc_card_info *info)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	memset(info, 0, sizeof(*info));
	rv = d->f->C_GetTokenInfo(slot, &ti);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	fixed_field(info->label, ti.label, sizeof(ti.label));
	fixed_field(info->manufacturer, ti.manufacturerID, sizeof(ti.manufacturerID));
	fixed_field(info->model, ti.model, sizeof(ti.model));
	fixed_field(info->serial, ti.serialNumber, sizeof(ti.serialNumber));
	if ((ti.flags & CKF_USER_PIN_COUNT_LOW) != 0) {
		info->pin_flags |= OC_CARD_PIN_COUNT_LOW;
	}
	if ((ti.flags & CKF_USER_PIN_FINAL_TRY) != 0) {
		info->pin_flags |= OC_CARD_PIN_FINAL_TRY;
	}
	if ((ti.flags & CKF_USER_PIN_LOCKED) != 0) {
		info->pin_flags |= OC_CARD_PIN_LOCKED;
	}
	if ((ti.flags & CKF_USER_PIN_TO_BE_CHANGED) != 0) {
		info->pin_flags |= OC_CARD_PIN_TO_BE_CHANGED;
	}
	return ONECARD_OK;
}

static int token_initialized(struct oc_p11d *d, oc_p11d_handle slot)
{
	CK_TOKEN_INFO ti;

	return d->f->C_GetTokenInfo(slot, &ti) == CKR_OK && (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
}

static int same_identity(const struct oc_card_info *a, const struct oc_card_info *b)
{
	return strcmp(a->label, b->label) == 0 && strcmp(a->manufacturer, b->manufacturer) == 0 &&
	       strcmp(a->model, b->model) == 0 && strcmp(a->serial, b->serial) == 0;
}

int oc_p11d_find_slot(struct oc_p11d *d, const struct oc_card_info *ident, oc_p11d_handle *slot)
{
	CK_SLOT_ID slots[SLOTS_MAX];
	CK_ULONG n = 0, i;
	struct oc_card_info info;
	CK_RV rv;

	*slot = 0;
	rv = d->f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	if (n > SLOTS_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	rv = d->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	for (i = 0; i < n; i++) {
		/* A slot whose token went away in between is just not it; nor
		 * is a token never initialized (no PIN, no objects). */
		if (oc_p11d_token_info(d, slots[i], &info) == ONECARD_OK &&
		    token_initialized(d, slots[i]) && same_identity(&info, ident)) {
			*slot = slots[i];
			return ONECARD_OK;
		}
	}
	return ONECARD_ERR_CARD_ABSENT;
}

int oc_p11d_session_open(struct oc_p11d *d, oc_p11d_handle slot, bool rw, oc_p11d_handle *h)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CK_RV rv;

	*h = CK_INVALID_HANDLE;
	rv = d->f->C_OpenSession(slot, flags, NULL, NULL, &s);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	*h = s;
	return ONECARD_OK;
}

void oc_p11d_session_close(struct oc_p11d *d, oc_p11d_handle h)
{
	if (h != CK_INVALID_HANDLE) {
		(void)d->f->C_CloseSession(h);
	}
}

int oc_p11d_logout(struct oc_p11d *d, oc_p11d_handle h)
{
	CK_RV rv = d->f->C_Logout(h);

	if (rv == CKR_USER_NOT_LOGGED_IN) {
		return ONECARD_OK;
	}
	return oc_ckr_to_err(rv);
}

int oc_p11d_session_is_user(struct oc_p11d *d, oc_p11d_handle h, bool *user)
{
	CK_SESSION_INFO si;
	CK_RV rv;

	*user = false;
	rv = d->f->C_GetSessionInfo(h, &si);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	*user = si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS;
	return ONECARD_OK;
}

static CK_OBJECT_CLASS ck_class(enum oc_p11d_class cls)
{
	switch (cls) {
	case OC_P11D_CERTIFICATE:
		return CKO_CERTIFICATE;
	case OC_P11D_PRIVATE_KEY:
		return CKO_PRIVATE_KEY;
	case OC_P11D_PUBLIC_KEY:
		return CKO_PUBLIC_KEY;
	case OC_P11D_ANY_CLASS:
	default:
		return CKO_DATA; /* not used: the caller checks ANY first */
	}
}

int oc_p11d_find(struct oc_p11d *d, oc_p11d_handle h, const struct oc_p11d_query *q,
		 oc_p11d_handle *objs, size_t cap, size_t *count)
{
	CK_OBJECT_CLASS cls = ck_class(q->cls);
	CK_ATTRIBUTE tmpl[3];
	CK_OBJECT_HANDLE batch[FIND_BATCH];
	CK_ULONG n = 0, got = 0, i;
	size_t total = 0;
	CK_RV rv;
	int r;

	*count = 0;
	if (q->cls != OC_P11D_ANY_CLASS) {
		tmpl[n].type = CKA_CLASS;
		tmpl[n].pValue = &cls;
		tmpl[n].ulValueLen = sizeof(cls);
		n++;
	}
	if (q->id != NULL) {
		tmpl[n].type = CKA_ID;
		tmpl[n].pValue = (void *)q->id;
		tmpl[n].ulValueLen = q->id_len;
		n++;
	}
	if (q->value != NULL) {
		tmpl[n].type = CKA_VALUE;
		tmpl[n].pValue = (void *)q->value;
		tmpl[n].ulValueLen = q->value_len;
		n++;
	}
	rv = d->f->C_FindObjectsInit(h, n > 0 ? tmpl : NULL, n);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	r = ONECARD_OK;
	for (;;) {
		rv = d->f->C_FindObjects(h, batch, FIND_BATCH, &got);
		if (rv != CKR_OK) {
			r = oc_ckr_to_err(rv);
			break;
		}
		if (got == 0) {
			break;
		}
		if (got > FIND_BATCH || got > cap - total) {
			r = ONECARD_ERR_TOO_LARGE;
			break;
		}
		for (i = 0; i < got; i++) {
			objs[total++] = batch[i];
		}
	}
	rv = d->f->C_FindObjectsFinal(h);
	if (r == ONECARD_OK && rv != CKR_OK) {
		r = oc_ckr_to_err(rv);
	}
	if (r == ONECARD_OK) {
		*count = total;
	}
	return r;
}

/*
 * Reads one attribute into buf[cap]. *len gets its length.
 * ONECARD_ERR_NOT_FOUND when the object has no such attribute (or keeps
 * it secret), ONECARD_ERR_TOO_LARGE when it does not fit.
 */
static int get_attr(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj, CK_ATTRIBUTE_TYPE type,
		    void *buf, size_t cap, size_t *len)
{
	CK_ATTRIBUTE a = {type, buf, cap};
	CK_RV rv;

	*len = 0;
	rv = d->f->C_GetAttributeValue(h, obj, &a, 1);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) {
		return ONECARD_ERR_NOT_FOUND;
	}
	if (rv == CKR_BUFFER_TOO_SMALL) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
		return ONECARD_ERR_NOT_FOUND;
	}
	if (a.ulValueLen > cap) {
		return ONECARD_ERR_CARD; /* a module that wrote past cap */
	}
	*len = a.ulValueLen;
	return ONECARD_OK;
}

static int get_ulong(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj,
		     CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	size_t len = 0;
	int r;

	*v = 0;
	r = get_attr(d, h, obj, type, v, sizeof(*v), &len);
	if (r == ONECARD_OK && len != sizeof(*v)) {
		r = ONECARD_ERR_CARD;
	}
	return r;
}

int oc_p11d_label(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj, char *label, size_t cap)
{
	size_t len = 0;
	int r;

	if (cap == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	label[0] = '\0';
	r = get_attr(d, h, obj, CKA_LABEL, label, cap - 1, &len);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return ONECARD_OK;
	}
	if (r != ONECARD_OK) {
		label[0] = '\0';
		return r;
	}
	if (memchr(label, '\0', len) != NULL) {
		label[0] = '\0';
		return ONECARD_ERR_BAD_FORMAT;
	}
	label[len] = '\0';
	return ONECARD_OK;
}

/* CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 §2.3.3);
 * some modules give the bare point. Either way: 65 bytes, 04 || x || y. */
static int ec_point(const uint8_t *v, size_t len, uint8_t point[OC_P11D_EC_POINT_LEN])
{
	if (len == OC_P11D_EC_POINT_LEN + 2 && v[0] == 0x04 && v[1] == OC_P11D_EC_POINT_LEN) {
		v += 2;
		len -= 2;
	}
	if (len != OC_P11D_EC_POINT_LEN || v[0] != 0x04) {
		return ONECARD_ERR_BAD_KEY;
	}
	memcpy(point, v, OC_P11D_EC_POINT_LEN);
	return ONECARD_OK;
}

int oc_p11d_pubkey(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj,
		   struct oc_p11d_pubkey *pub)
{
	uint8_t buf[EC_POINT_DER_MAX];
	CK_ULONG cls = 0, type = 0;
	size_t len = 0;
	int r;

	memset(pub, 0, sizeof(*pub));
	r = get_ulong(d, h, obj, CKA_CLASS, &cls);
	if (r == ONECARD_OK) {
		r = get_ulong(d, h, obj, CKA_KEY_TYPE, &type);
	}
	if (r != ONECARD_OK) {
		return r;
	}
	if (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY) {
		return ONECARD_ERR_BAD_KEY;
	}
	if (type == CKK_RSA) {
		r = get_attr(d, h, obj, CKA_MODULUS, pub->modulus, sizeof(pub->modulus),
			     &pub->modulus_len);
		if (r == ONECARD_OK) {
			r = get_attr(d, h, obj, CKA_PUBLIC_EXPONENT, pub->exponent,
				     sizeof(pub->exponent), &pub->exponent_len);
		}
		if (r == ONECARD_OK && (pub->modulus_len == 0 || pub->exponent_len == 0)) {
			r = ONECARD_ERR_NOT_FOUND;
		}
		if (r == ONECARD_OK) {
			pub->type = OC_P11D_KEY_RSA;
		}
	} else if (type == CKK_EC) {
		r = get_attr(d, h, obj, CKA_EC_PARAMS, buf, EC_PARAMS_MAX, &len);
		if (r == ONECARD_OK &&
		    (len != sizeof(p256_params) || memcmp(buf, p256_params, len) != 0)) {
			r = ONECARD_ERR_BAD_KEY;
		}
		if (r == ONECARD_OK) {
			r = get_attr(d, h, obj, CKA_EC_POINT, buf, sizeof(buf), &len);
		}
		if (r == ONECARD_OK) {
			r = ec_point(buf, len, pub->point);
		}
		if (r == ONECARD_OK) {
			pub->type = OC_P11D_KEY_EC_P256;
		}
	} else {
		r = ONECARD_ERR_BAD_KEY;
	}
	if (r != ONECARD_OK) {
		memset(pub, 0, sizeof(*pub));
	}
	return r;
}

int oc_p11d_check_private_key(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj)
{
	CK_OBJECT_CLASS cls = 0;
	CK_BBOOL token = CK_FALSE, priv = CK_FALSE, sensitive = CK_FALSE, always = CK_FALSE;
	CK_BBOOL extractable = CK_TRUE, never = CK_FALSE, sign = CK_FALSE;
	CK_ATTRIBUTE a[] = {
		{CKA_CLASS, &cls, sizeof(cls)},
		{CKA_TOKEN, &token, sizeof(token)},
		{CKA_PRIVATE, &priv, sizeof(priv)},
		{CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
		{CKA_ALWAYS_SENSITIVE, &always, sizeof(always)},
		{CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
		{CKA_NEVER_EXTRACTABLE, &never, sizeof(never)},
		{CKA_SIGN, &sign, sizeof(sign)},
	};
	size_t i;
	CK_RV rv;

	rv = d->f->C_GetAttributeValue(h, obj, a, sizeof(a) / sizeof(a[0]));
	if (rv != CKR_OK) {
		return rv == CKR_ATTRIBUTE_TYPE_INVALID ? ONECARD_ERR_CARD : oc_ckr_to_err(rv);
	}
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		if (a[i].ulValueLen != (i == 0 ? sizeof(cls) : sizeof(CK_BBOOL))) {
			return ONECARD_ERR_CARD;
		}
	}
	if (cls != CKO_PRIVATE_KEY || !token || !priv || !sensitive || !always || extractable ||
	    !never || !sign) {
		return ONECARD_ERR_CARD;
	}
	return ONECARD_OK;
}

/* Appends one attribute to a template of cap entries (cap is checked by
 * the fixed counts in oc_p11d_keygen; this only guards them). */
static void add_attr(CK_ATTRIBUTE *tmpl, CK_ULONG *n, size_t cap, CK_ATTRIBUTE_TYPE type,
		     const void *value, size_t len)
{
	if (*n >= cap) {
		return;
	}
	tmpl[*n].type = type;
	tmpl[*n].pValue = (void *)value;
	tmpl[*n].ulValueLen = len;
	(*n)++;
}

#define PUB_ATTRS  11u
#define PRIV_ATTRS 12u

int oc_p11d_keygen(struct oc_p11d *d, oc_p11d_handle h, enum oc_p11d_keygen_alg alg,
		   const uint8_t *id, size_t id_len, const char *label, oc_p11d_handle *pub_obj,
		   oc_p11d_handle *priv_obj)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 0;
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	CK_ATTRIBUTE pt[PUB_ATTRS], kt[PRIV_ATTRS];
	CK_ULONG np = 0, nk = 0;
	size_t label_len = strlen(label);
	CK_RV rv;

	*pub_obj = CK_INVALID_HANDLE;
	*priv_obj = CK_INVALID_HANDLE;
	if (alg == OC_P11D_GEN_RSA_2048 || alg == OC_P11D_GEN_RSA_3072) {
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		type = CKK_RSA;
		bits = alg == OC_P11D_GEN_RSA_2048 ? 2048 : 3072;
	} else if (alg != OC_P11D_GEN_EC_P256) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* The public key object: on the token, readable, for verifying only. */
	add_attr(pt, &np, PUB_ATTRS, CKA_CLASS, &pub_class, sizeof(pub_class));
	add_attr(pt, &np, PUB_ATTRS, CKA_KEY_TYPE, &type, sizeof(type));
	add_attr(pt, &np, PUB_ATTRS, CKA_TOKEN, &yes, sizeof(yes));
	add_attr(pt, &np, PUB_ATTRS, CKA_PRIVATE, &no, sizeof(no));
	add_attr(pt, &np, PUB_ATTRS, CKA_VERIFY, &yes, sizeof(yes));
	add_attr(pt, &np, PUB_ATTRS, CKA_ENCRYPT, &no, sizeof(no));
	add_attr(pt, &np, PUB_ATTRS, CKA_WRAP, &no, sizeof(no));
	add_attr(pt, &np, PUB_ATTRS, CKA_ID, id, id_len);
	add_attr(pt, &np, PUB_ATTRS, CKA_LABEL, label, label_len);
	if (type == CKK_EC) {
		add_attr(pt, &np, PUB_ATTRS, CKA_EC_PARAMS, p256_params, sizeof(p256_params));
	} else {
		add_attr(pt, &np, PUB_ATTRS, CKA_MODULUS_BITS, &bits, sizeof(bits));
		add_attr(pt, &np, PUB_ATTRS, CKA_PUBLIC_EXPONENT, rsa_f4, sizeof(rsa_f4));
	}
	/* The private key never leaves the card and signs, nothing else (an
	 * RSA key that also decrypts or unwraps is a decryption oracle). */
	add_attr(kt, &nk, PRIV_ATTRS, CKA_CLASS, &priv_class, sizeof(priv_class));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_KEY_TYPE, &type, sizeof(type));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_TOKEN, &yes, sizeof(yes));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_PRIVATE, &yes, sizeof(yes));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_SENSITIVE, &yes, sizeof(yes));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_EXTRACTABLE, &no, sizeof(no));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_SIGN, &yes, sizeof(yes));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_DECRYPT, &no, sizeof(no));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_UNWRAP, &no, sizeof(no));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_DERIVE, &no, sizeof(no));
	add_attr(kt, &nk, PRIV_ATTRS, CKA_ID, id, id_len);
	add_attr(kt, &nk, PRIV_ATTRS, CKA_LABEL, label, label_len);

	rv = d->f->C_GenerateKeyPair(h, &mech, pt, np, kt, nk, &pub, &priv);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	*pub_obj = pub;
	*priv_obj = priv;
	return ONECARD_OK;
}

int oc_p11d_create_cert(struct oc_p11d *d, oc_p11d_handle h, const struct oc_p11d_cert_object *c,
			oc_p11d_handle *obj)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ctype = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof(cls)},
		{CKA_CERTIFICATE_TYPE, &ctype, sizeof(ctype)},
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_PRIVATE, &no, sizeof(no)},
		{CKA_LABEL, (void *)c->label, strlen(c->label)},
		{CKA_ID, (void *)c->id, c->id_len},
		{CKA_SUBJECT, (void *)c->subject, c->subject_len},
		{CKA_ISSUER, (void *)c->issuer, c->issuer_len},
		{CKA_SERIAL_NUMBER, (void *)c->serial, c->serial_len},
		{CKA_VALUE, (void *)c->value, c->value_len},
	};
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_RV rv;

	*obj = CK_INVALID_HANDLE;
	rv = d->f->C_CreateObject(h, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &o);
	if (rv != CKR_OK) {
		return oc_ckr_to_err(rv);
	}
	*obj = o;
	return ONECARD_OK;
}

int oc_p11d_destroy(struct oc_p11d *d, oc_p11d_handle h, oc_p11d_handle obj)
{
	return oc_ckr_to_err(d->f->C_DestroyObject(h, obj));
}
