/*
 * A PKCS#11 module for tests: it loads SoftHSM (ONECARD_TEST_SOFTHSM_MODULE)
 * and passes every call through, except that on demand it fails one:
 *
 *   ONECARD_FAULT="C_Sign=0x30,C_Login=0xa4"  that function returns that CK_RV
 *                                             without reaching SoftHSM;
 *   ONECARD_FAULT="C_Sign=corrupt"            C_Sign succeeds, one bit of the
 *                                             signature flipped;
 *   ONECARD_FAULT_FLAGS=0x20000               OR'ed into CK_TOKEN_INFO.flags.
 *
 * The variables are read at every call, so a test changes the fault with
 * setenv() between two calls. Test code only: it never ships.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <pkcs11-helper-1.0/pkcs11.h>

#define FAULT_ENV    "ONECARD_FAULT"
#define FLAGS_ENV    "ONECARD_FAULT_FLAGS"
#define REAL_ENV     "ONECARD_TEST_SOFTHSM_MODULE"
#define REAL_DEFAULT "/usr/lib/softhsm/libsofthsm2.so"
#define ENTRY_MAX    64u

static CK_FUNCTION_LIST wrapped;
static CK_FUNCTION_LIST *real;

enum fault { FAULT_NONE, FAULT_RV, FAULT_CORRUPT };

/* The fault configured for function fn, if any. */
static enum fault fault_for(const char *fn, CK_RV *rv)
{
	const char *spec = getenv(FAULT_ENV), *end, *eq;
	char entry[ENTRY_MAX];
	size_t len, fn_len = strlen(fn);

	*rv = CKR_OK;
	while (spec != NULL && *spec != '\0') {
		end = strchr(spec, ',');
		len = end != NULL ? (size_t)(end - spec) : strlen(spec);
		if (len < sizeof(entry)) {
			memcpy(entry, spec, len);
			entry[len] = '\0';
			eq = strchr(entry, '=');
			if (eq != NULL && (size_t)(eq - entry) == fn_len &&
			    memcmp(entry, fn, fn_len) == 0) {
				if (strcmp(eq + 1, "corrupt") == 0) {
					return FAULT_CORRUPT;
				}
				*rv = (CK_RV)strtoul(eq + 1, NULL, 0);
				return FAULT_RV;
			}
		}
		spec = end != NULL ? end + 1 : NULL;
	}
	return FAULT_NONE;
}

#define FAIL_IF_ASKED(fn)                                    \
	do {                                                 \
		CK_RV injected_;                             \
		if (fault_for(fn, &injected_) == FAULT_RV) { \
			return injected_;                    \
		}                                            \
	} while (0)

static CK_RV w_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	FAIL_IF_ASKED("C_GetSlotList");
	return real->C_GetSlotList(present, list, count);
}

static CK_RV w_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	const char *flags = getenv(FLAGS_ENV);
	CK_RV rv;

	FAIL_IF_ASKED("C_GetTokenInfo");
	rv = real->C_GetTokenInfo(slot, info);
	if (rv == CKR_OK && flags != NULL) {
		info->flags |= (CK_FLAGS)strtoul(flags, NULL, 0);
	}
	return rv;
}

static CK_RV w_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			   CK_SESSION_HANDLE_PTR session)
{
	FAIL_IF_ASKED("C_OpenSession");
	return real->C_OpenSession(slot, flags, app, notify, session);
}

static CK_RV w_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
		     CK_ULONG pin_len)
{
	FAIL_IF_ASKED("C_Login");
	return real->C_Login(session, user, pin, pin_len);
}

static CK_RV w_FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	FAIL_IF_ASKED("C_FindObjectsInit");
	return real->C_FindObjectsInit(session, tmpl, count);
}

static CK_RV w_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	FAIL_IF_ASKED("C_SignInit");
	return real->C_SignInit(session, mech, key);
}

static CK_RV w_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR sig,
		    CK_ULONG_PTR sig_len)
{
	CK_RV injected, rv;
	enum fault f = fault_for("C_Sign", &injected);

	if (f == FAULT_RV) {
		return injected;
	}
	rv = real->C_Sign(session, data, data_len, sig, sig_len);
	if (f == FAULT_CORRUPT && rv == CKR_OK && sig != NULL && *sig_len > 0) {
		sig[*sig_len / 2] ^= 0x01;
	}
	return rv;
}

static CK_RV w_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mech,
			       CK_ATTRIBUTE_PTR pub, CK_ULONG npub, CK_ATTRIBUTE_PTR priv,
			       CK_ULONG npriv, CK_OBJECT_HANDLE_PTR hpub,
			       CK_OBJECT_HANDLE_PTR hpriv)
{
	FAIL_IF_ASKED("C_GenerateKeyPair");
	return real->C_GenerateKeyPair(session, mech, pub, npub, priv, npriv, hpub, hpriv);
}

static CK_RV w_CreateObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
			    CK_OBJECT_HANDLE_PTR obj)
{
	FAIL_IF_ASKED("C_CreateObject");
	return real->C_CreateObject(session, tmpl, count, obj);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	CK_C_GetFunctionList get;
	const char *path;
	void *dl;

	if (list == NULL) {
		return CKR_ARGUMENTS_BAD;
	}
	if (real == NULL) {
		path = getenv(REAL_ENV);
		dl = dlopen(path != NULL ? path : REAL_DEFAULT, RTLD_NOW | RTLD_LOCAL);
		if (dl == NULL) {
			return CKR_GENERAL_ERROR;
		}
		get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
		if (get == NULL || get(&real) != CKR_OK || real == NULL) {
			real = NULL;
			return CKR_GENERAL_ERROR;
		}
		/* dl stays open for the life of the process. */
		wrapped = *real;
		wrapped.C_GetFunctionList = C_GetFunctionList;
		wrapped.C_GetSlotList = w_GetSlotList;
		wrapped.C_GetTokenInfo = w_GetTokenInfo;
		wrapped.C_OpenSession = w_OpenSession;
		wrapped.C_Login = w_Login;
		wrapped.C_FindObjectsInit = w_FindObjectsInit;
		wrapped.C_SignInit = w_SignInit;
		wrapped.C_Sign = w_Sign;
		wrapped.C_GenerateKeyPair = w_GenerateKeyPair;
		wrapped.C_CreateObject = w_CreateObject;
	}
	*list = &wrapped;
	return CKR_OK;
}
