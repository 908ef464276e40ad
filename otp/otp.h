/*
 * onecard's TOTP second factor (docs/otp.md): the secrets of the
 * password + TOTP login (assurance level pwd-otp), their encryption at
 * rest, their verification through liboath, and their store in
 * PostgreSQL with the replay rule.
 *
 *   struct oc_otp_secret  a TOTP secret with its algorithm and digits
 *                         (plain bytes: clear it with oc_otp_secret_clear)
 *   oc_otp_key            the 32-byte AES-256-GCM key sealing secrets at
 *                         rest, read from a mode-0600 key file
 *   oc_otp_store          a pool of connections to the table authd_otp
 *
 * RFC 6238 TOTP, period 30 s from the Unix epoch, HMAC-SHA-1 or
 * HMAC-SHA-256, 6 or 8 digits, a window of one step either side of now.
 * A code is accepted at most once per person: the store records the
 * last accepted time step and refuses any code whose step is not newer
 * (oc_otp_store_accept_step, one UPDATE that concurrent authd instances
 * race on).
 *
 * Conventions: functions return ONECARD_OK or a negative ONECARD_ERR_*
 * code (<onecard/error.h>); outputs are cleared at entry and set only on
 * success; _free(NULL) does nothing. Things that refuse also set *why (a
 * fixed sentence, never a value) when why is not NULL. The library never
 * logs, never exits and never prints a secret: it writes secrets only
 * into the caller's buffers and wipes its own copies.
 *
 * Error codes used for the second factor's own refusals:
 *   ONECARD_ERR_BAD_FORMAT     a code not exactly `digits` ASCII digits;
 *                              a sealed blob not in its form
 *   ONECARD_ERR_BAD_SIGNATURE  the code does not verify within the window
 *   ONECARD_ERR_EXISTS         the code's time step was used already (replay)
 *   ONECARD_ERR_NOT_FOUND      the person has no secret enrolled
 *   ONECARD_ERR_BAD_KEY        the blob was sealed under another key
 *   ONECARD_ERR_MISMATCH       the blob fails authentication: altered, or
 *                              sealed for another person, algorithm or
 *                              number of digits
 *   ONECARD_ERR_POLICY         a key file others may access, a symlink
 */
#ifndef ONECARD_OTP_H
#define ONECARD_OTP_H

#include <stddef.h>
#include <stdint.h>

#define OC_OTP_WARN_UNUSED __attribute__((warn_unused_result))

/* Named maxima and fixed parameters. */
#define OC_OTP_PERSON_ID_MAX 64u  /* [A-Za-z0-9._-], the directory's uid */
#define OC_OTP_SECRET_MIN    16u  /* bytes: RFC 4226 §4 R6, 128 bits at least */
#define OC_OTP_SECRET_MAX    64u  /* bytes of a secret */
#define OC_OTP_SHA1_LEN	     20u  /* bytes of a new HMAC-SHA-1 secret (RFC 4226 §4) */
#define OC_OTP_SHA256_LEN    32u  /* bytes of a new HMAC-SHA-256 secret */
#define OC_OTP_PERIOD	     30u  /* seconds of a time step (RFC 6238 X) */
#define OC_OTP_WINDOW	     1u	  /* steps accepted either side of now */
#define OC_OTP_DIGITS_MAX    8u	  /* digits of a code: 6 or 8 */
#define OC_OTP_KEY_LEN	     32u  /* bytes of the AES-256-GCM key */
#define OC_OTP_KEY_FILE_MAX  128u /* bytes of a key file (43 characters + LF) */
#define OC_OTP_URI_MAX	     512u /* bytes of an otpauth:// URI, NUL included */
#define OC_OTP_ISSUER	     "onecard"
#define OC_OTP_DIAG_MAX	     255u /* oc_otp_store_diagnostic() */
#define OC_OTP_CONNINFO_MAX  4096u
#define OC_OTP_POOL_MAX	     64u
/* The earliest and latest "now" accepted: one step after the epoch (so
 * that now - OC_OTP_WINDOW steps is not before it) to 9999-12-31. */
#define OC_OTP_TIME_MIN ((int64_t)OC_OTP_PERIOD)
#define OC_OTP_TIME_MAX INT64_C(253402300799)

/* Seconds: connecting (unless the conninfo says connect_timeout), one
 * statement (unless it sets options), waiting for a free connection. */
#define OC_OTP_CONNECT_TIMEOUT_SECONDS	 5
#define OC_OTP_STATEMENT_TIMEOUT_SECONDS 10
#define OC_OTP_BORROW_WAIT_SECONDS	 10

/* The HMAC of the TOTP. Zero is no algorithm and is refused. */
enum oc_otp_alg {
	OC_OTP_ALG_NONE = 0,
	OC_OTP_SHA1 = 1,
	OC_OTP_SHA256 = 2,
};

/* A TOTP secret. Holds plain key material: oc_otp_secret_clear() it as
 * soon as it is no longer needed. */
struct oc_otp_secret {
	enum oc_otp_alg alg;
	unsigned digits; /* 6 or 8 */
	size_t len;	 /* OC_OTP_SECRET_MIN..OC_OTP_SECRET_MAX */
	unsigned char bytes[OC_OTP_SECRET_MAX];
};

/* ---- parameters and secrets (otp_secret.c) -------------------------------- */

/* "sha1" or "sha256" (exactly, lower case) into *out. Returns
 * ONECARD_OK or ONECARD_ERR_INVALID_ARG (*out OC_OTP_ALG_NONE). */
OC_OTP_WARN_UNUSED int oc_otp_alg_parse(const char *name, enum oc_otp_alg *out);

/* "sha1", "sha256"; NULL for anything else. */
const char *oc_otp_alg_name(enum oc_otp_alg alg);

/* 1 when digits is 6 or 8, else 0. */
int oc_otp_digits_ok(unsigned digits);

/* 1 when id is [A-Za-z0-9._-]{1,OC_OTP_PERSON_ID_MAX}, else 0 (NULL: 0). */
int oc_otp_person_ok(const char *id);

/* A new random secret (RAND_bytes): OC_OTP_SHA1_LEN bytes for SHA-1,
 * OC_OTP_SHA256_LEN for SHA-256. Returns ONECARD_OK and *out, or
 * ONECARD_ERR_INVALID_ARG (algorithm or digits), ONECARD_ERR_CRYPTO (the
 * random generator failed); *out is zeroed on failure. */
OC_OTP_WARN_UNUSED int oc_otp_secret_generate(enum oc_otp_alg alg, unsigned digits,
					      struct oc_otp_secret *out);

/* A secret from given bytes (OC_OTP_SECRET_MIN..MAX of them): for tests
 * and for importing. Returns ONECARD_OK or ONECARD_ERR_INVALID_ARG. */
OC_OTP_WARN_UNUSED int oc_otp_secret_set(enum oc_otp_alg alg, unsigned digits,
					 const unsigned char *bytes, size_t len,
					 struct oc_otp_secret *out);

/* Wipes *s (OPENSSL_cleanse). NULL does nothing. */
void oc_otp_secret_clear(struct oc_otp_secret *s);

/*
 * The otpauth:// URI an authenticator app reads (the Key URI Format most
 * apps follow):
 *   otpauth://totp/onecard:PERSON?secret=BASE32&issuer=onecard
 *       &algorithm=SHA1|SHA256&digits=6|8&period=30
 * label parts and values percent-encoded (RFC 3986: everything but
 * unreserved characters), the secret in RFC 4648 base32 without padding.
 * Writes out[cap] (OC_OTP_URI_MAX suffice) and *len (may be NULL). The
 * URI carries the secret: wipe out after use.
 * Returns ONECARD_OK, ONECARD_ERR_INVALID_ARG (a secret or person id not
 * in its form), ONECARD_ERR_TOO_LARGE (cap too small; out wiped).
 */
OC_OTP_WARN_UNUSED int oc_otp_uri(const struct oc_otp_secret *s, const char *person_id, char *out,
				  size_t cap, size_t *len);

/* ---- verification (otp_totp.c: the only file calling liboath) ---------- */

/*
 * Checks code (code_len bytes: exactly s->digits ASCII digits) against
 * the secret at the time now (Unix seconds, OC_OTP_TIME_MIN..
 * OC_OTP_TIME_MAX), within OC_OTP_WINDOW steps either side, comparing in
 * constant time. On success *step is the time step (counter) the code
 * belongs to, floor(now / OC_OTP_PERIOD) + offset, for the replay rule.
 * Knows nothing of replay: the store's oc_otp_store_accept_step() does.
 * Returns ONECARD_OK; ONECARD_ERR_BAD_FORMAT (code not in its form),
 * ONECARD_ERR_BAD_SIGNATURE (no step in the window matches),
 * ONECARD_ERR_INVALID_ARG (secret or now out of range),
 * ONECARD_ERR_INTERNAL (liboath failed). *step 0 on failure.
 */
OC_OTP_WARN_UNUSED int oc_otp_totp_check(const struct oc_otp_secret *s, const char *code,
					 size_t code_len, int64_t now, uint64_t *step,
					 const char **why);

/* ---- the key and the sealed blob (otp_key.c, otp_seal.c, otp_blob.c) --- */

typedef struct oc_otp_key oc_otp_key;

/*
 * Reads the key file at path: exactly 43 characters of strict base64url
 * (RFC 4648 §5, no padding) encoding OC_OTP_KEY_LEN bytes, then at most
 * one "\n". The file must be a regular file, not reached through a
 * symbolic link, with no permission for group or others (mode 0600 or
 * 0400), at most OC_OTP_KEY_FILE_MAX bytes. Every copy is wiped.
 * Returns ONECARD_OK and *out (oc_otp_key_free), or ONECARD_ERR_NOT_FOUND,
 * ONECARD_ERR_IO, ONECARD_ERR_POLICY (mode, symlink, not a regular file),
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_BAD_KEY (content), NOMEM.
 */
OC_OTP_WARN_UNUSED int oc_otp_key_load(const char *path, oc_otp_key **out, const char **why);

/* A key from OC_OTP_KEY_LEN raw bytes (tests, fuzzing); the caller wipes
 * its own copy. ONECARD_OK, ONECARD_ERR_INVALID_ARG, _NOMEM, _CRYPTO. */
OC_OTP_WARN_UNUSED int oc_otp_key_from_bytes(const unsigned char *raw, size_t len,
					     oc_otp_key **out);

/* Wipes and frees. NULL does nothing. */
void oc_otp_key_free(oc_otp_key *key);

/*
 * Writes a new key file at path: 32 random bytes as base64url and "\n",
 * created with O_EXCL and mode 0600 (an existing file is never replaced).
 * Returns ONECARD_OK, ONECARD_ERR_EXISTS, ONECARD_ERR_IO, _CRYPTO.
 */
OC_OTP_WARN_UNUSED int oc_otp_key_generate_file(const char *path, const char **why);

/*
 * The sealed form of a secret, version 1 (docs/otp.md, "The blob"):
 *   1 byte version (1) | 4 bytes key id | 12 bytes nonce | ciphertext
 *   (the secret's length) | 16 bytes GCM tag
 * AES-256-GCM under key, a fresh random nonce, with the person id, the
 * algorithm and the number of digits in the additional data: a blob
 * moved to another person's row, or whose row says another algorithm or
 * number of digits, fails to open.
 */
#define OC_OTP_BLOB_VERSION 1u
#define OC_OTP_KID_LEN	    4u
#define OC_OTP_NONCE_LEN    12u
#define OC_OTP_TAG_LEN	    16u
#define OC_OTP_BLOB_HEAD    (1u + OC_OTP_KID_LEN + OC_OTP_NONCE_LEN)
#define OC_OTP_BLOB_MIN	    (OC_OTP_BLOB_HEAD + OC_OTP_SECRET_MIN + OC_OTP_TAG_LEN)
#define OC_OTP_BLOB_MAX	    (OC_OTP_BLOB_HEAD + OC_OTP_SECRET_MAX + OC_OTP_TAG_LEN)

/* Seals s for person_id into blob[cap] (OC_OTP_BLOB_MAX suffice), *len.
 * ONECARD_OK, ONECARD_ERR_INVALID_ARG, _TOO_LARGE, _CRYPTO. */
OC_OTP_WARN_UNUSED int oc_otp_seal(const oc_otp_key *key, const char *person_id,
				   const struct oc_otp_secret *s, unsigned char *blob, size_t cap,
				   size_t *len);

/* Opens blob[0..len) sealed for person_id with alg and digits into *out
 * (oc_otp_secret_clear). ONECARD_OK; ONECARD_ERR_BAD_FORMAT (not a
 * version-1 blob of a valid length), ONECARD_ERR_BAD_KEY (another key id),
 * ONECARD_ERR_MISMATCH (authentication failed), ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_CRYPTO; *out zeroed on failure. */
OC_OTP_WARN_UNUSED int oc_otp_open(const oc_otp_key *key, const char *person_id,
				   enum oc_otp_alg alg, unsigned digits, const unsigned char *blob,
				   size_t len, struct oc_otp_secret *out, const char **why);

/* ---- the store (otp_store_pg.c: the only file calling libpq) ------------ */

typedef struct oc_otp_store oc_otp_store;

/*
 * A pool of 1..OC_OTP_POOL_MAX connections to the database conninfo
 * (libpq conninfo or URI, at most OC_OTP_CONNINFO_MAX bytes). Connections
 * open lazily: nothing is sent yet. Every function below may be called
 * from many threads at once on one store (each call borrows a connection,
 * waiting at most OC_OTP_BORROW_WAIT_SECONDS).
 * ONECARD_OK and *out (oc_otp_store_free), ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_NOMEM, ONECARD_ERR_INTERNAL.
 */
OC_OTP_WARN_UNUSED int oc_otp_store_new(const char *conninfo, unsigned pool_size,
					oc_otp_store **out);

/* Closes every connection and wipes the conninfo. NULL does nothing. */
void oc_otp_store_free(oc_otp_store *st);

/* Applies otp/migrations/ not yet applied (db/pg_migrate.h), recorded in
 * authd_otp_schema_migrations. ONECARD_OK or ONECARD_ERR_DATABASE. */
OC_OTP_WARN_UNUSED int oc_otp_store_migrate(oc_otp_store *st);

/*
 * Enrols person_id with s, sealed under key: a new row, or the
 * replacement of the person's earlier secret (re-enrolment: its codes
 * stop working at once, and the replay state starts afresh with the new
 * secret, docs/otp.md).
 * *replaced (may be NULL) is 1 when an earlier secret was replaced.
 * ONECARD_OK, ONECARD_ERR_INVALID_ARG, ONECARD_ERR_DATABASE, _CRYPTO.
 */
OC_OTP_WARN_UNUSED int oc_otp_store_put(oc_otp_store *st, const oc_otp_key *key,
					const char *person_id, const struct oc_otp_secret *s,
					int *replaced);

/* Removes the person's secret. ONECARD_OK, ONECARD_ERR_NOT_FOUND (none
 * enrolled), ONECARD_ERR_INVALID_ARG, ONECARD_ERR_DATABASE. */
OC_OTP_WARN_UNUSED int oc_otp_store_remove(oc_otp_store *st, const char *person_id);

/* A person's enrolment as read and opened. Holds the secret: clear it
 * with oc_otp_record_clear(). */
struct oc_otp_record {
	char person_id[OC_OTP_PERSON_ID_MAX + 1];
	struct oc_otp_secret secret;
	int has_last_step;  /* 0: no code accepted yet */
	uint64_t last_step; /* the newest step accepted */
	int64_t created_at; /* Unix seconds */
	/* The row's blob, so that accepting a step applies only to the
	 * secret the code was checked against (not to a re-enrolled one). */
	unsigned char blob[OC_OTP_BLOB_MAX];
	size_t blob_len;
};

/* Reads and opens the person's secret. ONECARD_OK and *out;
 * ONECARD_ERR_NOT_FOUND (not enrolled); a row that fails to open:
 * ONECARD_ERR_BAD_KEY (another key) or ONECARD_ERR_MISMATCH (altered,
 * another person's, or not a blob at all); ONECARD_ERR_INVALID_ARG,
 * ONECARD_ERR_DATABASE, ONECARD_ERR_CRYPTO. */
OC_OTP_WARN_UNUSED int oc_otp_store_get(oc_otp_store *st, const oc_otp_key *key,
					const char *person_id, struct oc_otp_record *out,
					const char **why);

/* Wipes *rec. NULL does nothing. */
void oc_otp_record_clear(struct oc_otp_record *rec);

/*
 * The replay rule, atomically across every connection and authd
 * instance: records step as the person's last accepted step if and only
 * if the row still holds rec's blob and its last step is older than
 * step (one UPDATE ... WHERE last_step < step; concurrent calls with one
 * step wait on the row and exactly one succeeds).
 * ONECARD_OK (the code is used up now); ONECARD_ERR_EXISTS (step not
 * newer than the last accepted one: a replay; or the secret was replaced
 * or removed meanwhile); ONECARD_ERR_INVALID_ARG; ONECARD_ERR_DATABASE.
 */
OC_OTP_WARN_UNUSED int oc_otp_store_accept_step(oc_otp_store *st, const struct oc_otp_record *rec,
						uint64_t step);

/*
 * The whole check of a login's code, in one call: reads and opens the
 * person's secret, checks code at now (oc_otp_totp_check), refuses a
 * step not newer than the last accepted one, and accepts the step
 * (oc_otp_store_accept_step). For a person without a secret the same
 * HMAC work is done on a dummy secret before ONECARD_ERR_NOT_FOUND, so
 * that the answer's time says little about enrolment. *step (may be NULL)
 * is the accepted step.
 * ONECARD_OK; ONECARD_ERR_NOT_FOUND, _BAD_FORMAT (the code), _BAD_SIGNATURE,
 * _EXISTS (replay), _BAD_KEY, _MISMATCH, _INVALID_ARG, _DATABASE.
 */
OC_OTP_WARN_UNUSED int oc_otp_verify(oc_otp_store *st, const oc_otp_key *key, const char *person_id,
				     const char *code, size_t code_len, int64_t now, uint64_t *step,
				     const char **why);

/* This thread's reason for the last store call's failure: libpq's and
 * the server's words, never a value. "" after a success. */
const char *oc_otp_store_diagnostic(void);

#endif /* ONECARD_OTP_H */
