/* One table of error codes, their stable short codes and human sentences. */
#include <stddef.h>

#include <onecard/error.h>

struct error_entry {
	int code;
	const char *short_code;
	const char *sentence;
};

/* Append only: existing rows keep their number, code and meaning. */
static const struct error_entry error_table[] = {
	{ONECARD_OK, "ok", "success"},
	{ONECARD_ERR_INTERNAL, "internal_error", "internal error"},
	{ONECARD_ERR_NOMEM, "out_of_memory", "out of memory"},
	{ONECARD_ERR_INVALID_ARG, "invalid_argument", "invalid argument"},
	{ONECARD_ERR_BAD_FORMAT, "bad_format", "malformed input"},
	{ONECARD_ERR_TOO_LARGE, "too_large", "input is larger than allowed"},
	{ONECARD_ERR_ALG_NOT_ALLOWED, "alg_not_allowed", "signature algorithm not allowed"},
	{ONECARD_ERR_UNKNOWN_KID, "unknown_kid", "no key for this token"},
	{ONECARD_ERR_BAD_SIGNATURE, "bad_signature", "signature does not verify"},
	{ONECARD_ERR_EXPIRED, "expired", "token has expired"},
	{ONECARD_ERR_NOT_YET_VALID, "not_yet_valid", "token is not yet valid"},
	{ONECARD_ERR_WRONG_ISSUER, "wrong_issuer", "token is from another issuer"},
	{ONECARD_ERR_WRONG_AUDIENCE, "wrong_audience", "token is for another audience"},
	{ONECARD_ERR_WRONG_TYPE, "wrong_type", "token is of another type"},
	{ONECARD_ERR_CRIT_UNSUPPORTED, "crit_unsupported",
	 "critical header extension not supported"},
	{ONECARD_ERR_HEADER_NOT_ALLOWED, "header_not_allowed", "header parameter not allowed"},
	{ONECARD_ERR_BAD_CLAIM, "bad_claim", "a claim is missing or malformed"},
	{ONECARD_ERR_BAD_KEY, "bad_key", "key is invalid or unsupported"},
	{ONECARD_ERR_BAD_KEYSET, "bad_keyset", "key set is invalid"},
	{ONECARD_ERR_IO, "io_error", "input/output error"},
	{ONECARD_ERR_CRYPTO, "crypto_error", "cryptographic operation failed"},
	{ONECARD_ERR_CARD_ABSENT, "card_absent", "card not present"},
	{ONECARD_ERR_PIN_INCORRECT, "pin_incorrect", "PIN incorrect"},
	{ONECARD_ERR_PIN_LOCKED, "pin_locked", "PIN locked"},
	{ONECARD_ERR_KEY_MISSING, "key_missing", "private key missing for certificate"},
	{ONECARD_ERR_CARD, "card_error", "card operation failed"},
	{ONECARD_ERR_NOT_FOUND, "not_found", "not found"},
	{ONECARD_ERR_POLICY, "policy_error", "policy or configuration invalid"},
	{ONECARD_ERR_UNKNOWN_PROFILE, "unknown_profile", "unknown certificate profile"},
	{ONECARD_ERR_BAD_CSR, "bad_csr", "certificate request invalid"},
	{ONECARD_ERR_KEY_FORBIDDEN, "key_forbidden", "key type not allowed by the profile"},
	{ONECARD_ERR_ALREADY_REVOKED, "already_revoked", "certificate already revoked"},
	{ONECARD_ERR_DATABASE, "database_unavailable", "database unavailable or failed"},
	{ONECARD_ERR_DIRECTORY, "directory_unavailable", "directory unavailable or failed"},
	{ONECARD_ERR_PASSPHRASE, "bad_passphrase", "passphrase wrong or missing"},
	{ONECARD_ERR_EXISTS, "already_exists", "already exists"},
	{ONECARD_ERR_CANCELLED, "cancelled", "cancelled by the user"},
	{ONECARD_ERR_MISMATCH, "mismatch", "items that must belong together do not"},
	{ONECARD_ERR_ACR_NOT_ALLOWED, "acr_not_allowed",
	 "the token's assurance level is not one the module admits"},
	{ONECARD_ERR_AGENCY_MISSING, "agency_missing",
	 "the token lacks an agency certificate the module requires"},
	{ONECARD_ERR_KEYS_UNAVAILABLE, "keys_unavailable",
	 "no usable keys: the key set could not be fetched"},
};

static const struct error_entry *find_error(int err)
{
	size_t i;

	for (i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++) {
		if (error_table[i].code == err) {
			return &error_table[i];
		}
	}
	return NULL;
}

const char *onecard_err_code(int err)
{
	const struct error_entry *e = find_error(err);

	return e != NULL ? e->short_code : "unknown_error";
}

const char *onecard_strerror(int err)
{
	const struct error_entry *e = find_error(err);

	return e != NULL ? e->sentence : "unknown error";
}
