/*
 * onecard-ca: every named maximum and fixed constant of the CA in one
 * place. Each input the CA reads has its limit here (STYLE.md §5).
 */
#ifndef ONECARD_CA_LIMITS_H
#define ONECARD_CA_LIMITS_H

/* ---- files --------------------------------------------------------- */
#define OC_CA_CSR_MAX	    (64u * 1024u) /* bytes of a CSR file, PEM or DER */
#define OC_CA_CERT_FILE_MAX (64u * 1024u) /* bytes of a CA certificate file */
#define OC_CA_KEY_FILE_MAX  (64u * 1024u) /* bytes of an encrypted key file */
#define OC_CA_CONF_MAX	    (8u * 1024u)  /* bytes of DIR/ca.conf */
#define OC_CA_CONF_LINE_MAX 4200u	  /* bytes of one ca.conf line */
#define OC_CA_PATH_MAX	    4096u	  /* bytes of a path, NUL included */

/* ---- secrets ------------------------------------------------------- */
#define OC_CA_PASS_MIN 12u   /* bytes of a CA key passphrase, at least */
#define OC_CA_PASS_MAX 1024u /* bytes of a CA key passphrase, at most */
/* scrypt for the encrypted PKCS#8 CA keys: OpenSSL's own pkcs8 defaults,
 * the most that fits the 32 MiB OpenSSL allows when decrypting. */
#define OC_CA_SCRYPT_N	  16384u
#define OC_CA_SCRYPT_R	  8u
#define OC_CA_SCRYPT_P	  1u
#define OC_CA_SCRYPT_SALT 16u

/* ---- names and values given at issuance ----------------------------- */
#define OC_CA_NAME_MAX	       128u  /* bytes of the CA name (init --name) */
#define OC_CA_TEXT_MAX	       128u  /* bytes of an enterprise or person name */
#define OC_CA_PERSON_ID_MAX    64u   /* bytes of a person id */
#define OC_CA_LABEL_MAX	       64u   /* bytes of a certificate label */
#define OC_CA_CARD_ID_MAX      64u   /* bytes of a card id (the token's serial) */
#define OC_CA_CARD_CERTS_MAX   1024u /* certificates revoked at once for one card */
#define OC_CA_USCC_LEN	       18u   /* characters of a GB 32100 code */
#define OC_CA_RDN_VALUE_MAX    512u  /* bytes of one filled subject value, NUL included */
#define OC_CA_PROFILE_ID_MAX   64u   /* bytes of a profile id, NUL included */
#define OC_CA_DETAIL_MAX       256u  /* bytes of an error detail, NUL included */
#define OC_CA_SUBJECT_TEXT_MAX 4096u /* bytes of a DN printed as text */

/* ---- serial numbers ------------------------------------------------ */
#define OC_CA_SERIAL_BYTES	16u /* random serial octets (RFC 5280: ≤ 20) */
#define OC_CA_SERIAL_OCTETS_MAX 20u
#define OC_CA_SERIAL_HEX_MAX	(2u * OC_CA_SERIAL_OCTETS_MAX) /* digits, NUL excluded */
#define OC_CA_SERIAL_TRIES	4u /* fresh serials tried before giving up */

/* ---- time ------------------------------------------------------------ */
#define OC_CA_ROOT_DAYS		7305 /* 20 years */
#define OC_CA_CARD_CA_DAYS	3653 /* 10 years */
#define OC_CA_BACKDATE_SECONDS	60   /* notBefore = now - 1 minute (clock skew) */
#define OC_CA_CRL_HOURS_DEFAULT 168u
#define OC_CA_CRL_HOURS_MAX	8784u /* a leap year */

/* ---- algorithms ------------------------------------------------------ */
#define OC_CA_RSA_CA_BITS  3072 /* RSA CA keys */
#define OC_CA_RSA_MIN_BITS 2048 /* smallest RSA key ever certified */
#define OC_CA_RSA_MAX_BITS 4096 /* largest RSA key certified */
/* GM/T 0009-2012 default SM2 distinguishing ID. OpenSSL 3.0's default is
 * empty, so every SM2 sign and verify sets this explicitly. */
#define OC_CA_SM2_ID	 "1234567812345678"
#define OC_CA_SM2_ID_LEN 16u

/* ---- database -------------------------------------------------------- */
#define OC_CA_DB_CONNECT_TIMEOUT "10"  /* seconds, unless CONNINFO says */
#define OC_CA_CONNINFO_MAX	 4096u /* bytes of a libpq connection string */

#endif /* ONECARD_CA_LIMITS_H */
