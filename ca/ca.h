/*
 * onecard-ca's core: the operations of the CA, as the command-line tool
 * (and its tests) call them. Library code: it never prints, logs or
 * exits; each operation returns ONECARD_OK or a negative code from
 * <onecard/error.h> and, on failure, a one-line detail in struct
 * oc_ca_diag that never holds a secret.
 *
 * Invariants (docs/ca.md):
 *   - Issuance is atomic: the certificate row and its audit row are
 *     committed in one transaction, and the certificate is handed out
 *     only after COMMIT succeeded. A failure leaves no certificate row.
 *   - Every operation that changes something (init, issue, revoke, crl)
 *     is audited: success inside its transaction, failure afterwards in
 *     its own, whenever the database can be reached.
 *   - The CA keys are decrypted only for the operation that signs, and
 *     the passphrase is wiped as soon as the key is open.
 */
#ifndef ONECARD_CA_CA_H
#define ONECARD_CA_CA_H

#include <stddef.h>

#include <openssl/types.h>

#include "alg.h"
#include "ca_limits.h"
#include "store.h"

struct oc_profile;

#define OC_CA_ENV_DB	 "ONECARD_PG"
#define OC_CA_ENV_POLICY "ONECARD_POLICY"

/* Where the CA is and how to reach what it needs. */
struct oc_ca_args {
	const char *home;      /* the CA home directory (required) */
	const char *conninfo;  /* libpq connection string (required) */
	const char *policy;    /* NULL: the one recorded at init, else $ONECARD_POLICY */
	const char *pass_file; /* NULL: $ONECARD_CA_PASS */
};

struct oc_ca_diag {
	char detail[OC_CA_DETAIL_MAX]; /* "" when there is nothing to add */
};

/*
 * Creates a CA in args->home (made 0700; it must not exist or be empty):
 * a self-signed root (20 years) and a card-issuing CA under it (10
 * years, pathlen 0), keys encrypted with the passphrase, ca.conf; applies
 * the schema and records both certificates. ONECARD_ERR_EXISTS when the
 * directory holds a CA or anything else. On failure nothing is left
 * behind but the audit row.
 */
int oc_ca_init(const struct oc_ca_args *args, const char *name, enum oc_ca_alg alg,
	       struct oc_ca_diag *diag);

/* The chain, card CA then root, as PEM; no database needed. *pem is a
 * new string (free()). */
int oc_ca_chain(const char *home, char **pem, struct oc_ca_diag *diag);

typedef struct oc_ca oc_ca;

#define OC_CA_NEED_POLICY 1u /* oc_ca_open: load the policy too */

/*
 * Opens the CA in args->home for an operation called action ("issue",
 * "revoke"...): connects, applies pending migrations, reads ca.conf and
 * the CA certificates, finds the CA in the inventory and, with
 * OC_CA_NEED_POLICY, loads the policy. A failure is audited under action
 * when the database can be reached.
 */
int oc_ca_open(const struct oc_ca_args *args, const char *action, unsigned need, oc_ca **out,
	       struct oc_ca_diag *diag);

/* NULL does nothing. */
void oc_ca_free(oc_ca *ca);

/*
 * Where the public key to certify comes from. A CSR (oc_csr_source_new)
 * gives a key and needs nothing after issuance. A card gives a key it
 * generated, takes the certificate back (deliver, called inside the
 * issuance transaction, before COMMIT) and, when the issuance fails
 * after the key was made, deletes the key and certificate again (abort,
 * by CKA_ID). The issuance never commits a certificate that could not be
 * delivered.
 */
struct oc_key_source {
	const char *kind;      /* "csr" or "card": recorded in the audit trail */
	const char *card_id;   /* recorded in certificates.card_id; NULL for a CSR */
	char input_sha256[65]; /* SHA-256 of the request bytes, "" if none */
	/* Gives a new reference to the public key, which must be of a type
	 * the profile allows (allowed: enum oc_key_type bits). */
	int (*pubkey)(struct oc_key_source *src, unsigned allowed, EVP_PKEY **key,
		      const char **why);
	/* NULL: nothing to deliver. */
	int (*deliver)(struct oc_key_source *src, X509 *cert, const char **why);
	/* NULL: nothing to undo. */
	void (*abort)(struct oc_key_source *src);
	void (*free)(struct oc_key_source *src);
	void *state;
};

/* A key source reading the CSR file at path (PEM or DER, at most 64 KiB)
 * and checking it (x509.h oc_csr_check). */
int oc_csr_source_new(const char *path, struct oc_key_source **out);

/* A key source generating the key on the card the PKCS#11 URI names
 * (module: $ONECARD_PKCS11_MODULE) and writing the certificate back; the
 * key and certificate objects get CKA_LABEL label and a fresh random
 * CKA_ID. The PIN comes from pin_file, else the URI's pin-source, else
 * $ONECARD_PIN, else a prompt on the terminal (pkcs11/pin_source.h). The
 * card makes EC P-256 or RSA keys, P-256 first when the profile allows. */
int oc_card_source_new(const char *uri, const char *pin_file, const char *label,
		       struct oc_key_source **out);

/* Calls src->free; NULL does nothing. */
void oc_key_source_free(struct oc_key_source *src);

struct oc_issue_req {
	const char *profile;
	const char *enterprise_name; /* UTF-8, 1..128 bytes */
	const char *uscc;	     /* GB 32100, 18 characters */
	const char *person_id;	     /* [A-Za-z0-9._-]{1,64} */
	const char *person_name;     /* UTF-8, 1..128 bytes */
	const char *label;	     /* NULL, or UTF-8 1..64 bytes */
};

/* Issues a certificate (oc_ca_open with OC_CA_NEED_POLICY). On success
 * *pem (free()) holds it, and it is in the inventory. */
int oc_ca_issue(oc_ca *ca, const struct oc_issue_req *req, struct oc_key_source *src, char **pem,
		struct oc_ca_diag *diag);

/* Revokes the certificate with this serial (any form oc_serial_parse
 * takes) for an RFC 5280 reason name (reason.h). ONECARD_ERR_NOT_FOUND,
 * ONECARD_ERR_ALREADY_REVOKED, ONECARD_ERR_INVALID_ARG. */
int oc_ca_revoke(oc_ca *ca, const char *serial, const char *reason, struct oc_ca_diag *diag);

/* The serials one operation changed, in canonical hex. */
struct oc_serial_list {
	size_t n;
	char (*serial)[OC_CA_SERIAL_HEX_MAX + 1];
};

/* Frees the serials and zeroes the list; NULL does nothing. */
void oc_serial_list_clear(struct oc_serial_list *list);

/*
 * Revokes, in one transaction with an audit row for each, every
 * certificate of the CA recorded for this card (certificates.card_id,
 * the card's token serial) that is still valid: all of them or none.
 * On success *revoked (oc_serial_list_clear) lists them, oldest first.
 * ONECARD_ERR_NOT_FOUND (no certificate of the CA for this card),
 * ONECARD_ERR_ALREADY_REVOKED (all of them revoked before),
 * ONECARD_ERR_INVALID_ARG (card id or reason), ONECARD_ERR_TOO_LARGE
 * (more than OC_CA_CARD_CERTS_MAX valid certificates: nothing revoked).
 */
int oc_ca_revoke_card(oc_ca *ca, const char *card_id, const char *reason,
		      struct oc_serial_list *revoked, struct oc_ca_diag *diag);

/* Issues the next CRL (nextUpdate = now + hours, 1..OC_CA_CRL_HOURS_MAX),
 * stores it and gives it as PEM (*pem, free()). */
int oc_ca_crl(oc_ca *ca, unsigned hours, char **pem, struct oc_ca_diag *diag);

/* Calls cb for each certificate of the CA, oldest first; with card_id
 * not NULL only for those issued for that card. */
int oc_ca_list(oc_ca *ca, const char *card_id, oc_cert_row_cb cb, void *arg,
	       struct oc_ca_diag *diag);

/* Calls cb for each profile of the policy (oc_ca_open with
 * OC_CA_NEED_POLICY), in the policy's order. The profile is borrowed for
 * the duration of the callback. */
typedef int (*oc_profile_cb)(void *arg, const struct oc_profile *profile);
int oc_ca_profiles(oc_ca *ca, oc_profile_cb cb, void *arg, struct oc_ca_diag *diag);

/* Calls cb once with the certificate with this serial, row->pem set. */
int oc_ca_show(oc_ca *ca, const char *serial, oc_cert_row_cb cb, void *arg,
	       struct oc_ca_diag *diag);

#endif /* ONECARD_CA_CA_H */
