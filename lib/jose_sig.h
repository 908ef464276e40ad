/*
 * Raw JOSE signatures over a byte string. EdDSA is the 64-byte Ed25519
 * signature; ES256 is r||s, each 32 bytes big-endian (RFC 7518 §3.4),
 * converted to and from the DER that OpenSSL speaks here and only here.
 */
#ifndef ONECARD_JOSE_SIG_H
#define ONECARD_JOSE_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "jwk.h"

#define OC_JOSE_SIG_LEN 64u /* both algorithms */

/* Signs msg with a private key. sig receives OC_JOSE_SIG_LEN bytes. */
int oc_jose_sign(const oc_key *key, const uint8_t *msg, size_t msg_len,
		 uint8_t sig[OC_JOSE_SIG_LEN]);

/* Verifies a JOSE signature. Returns 0 only when OpenSSL says exactly 1;
 * ONECARD_ERR_BAD_SIGNATURE for a wrong length, r or s out of [1, n-1],
 * or a signature that does not verify. */
int oc_jose_verify(const oc_key *key, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
		   size_t sig_len);

#endif
