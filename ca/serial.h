/*
 * Certificate serial numbers (RFC 5280 §4.1.2.2): positive, unique,
 * at most 20 octets, and here 16 octets from the CSPRNG of which 126
 * bits are random (CA/Browser Forum asks for at least 64).
 *
 * The text form used everywhere (inventory, CLI, audit) is canonical:
 * uppercase hex of the magnitude, no leading zero octet, so one serial
 * has one spelling.
 */
#ifndef ONECARD_CA_SERIAL_H
#define ONECARD_CA_SERIAL_H

#include <stddef.h>

#include "ca_limits.h"

/* Clears the top bit (positive) and sets the next one, so the DER
 * INTEGER is exactly OC_CA_SERIAL_BYTES octets and never zero. */
void oc_serial_normalize(unsigned char b[OC_CA_SERIAL_BYTES]);

/* Fills b with a fresh serial: RAND_bytes() then oc_serial_normalize().
 * ONECARD_ERR_CRYPTO if the generator fails (b is then zeroed). */
int oc_serial_random(unsigned char b[OC_CA_SERIAL_BYTES]);

/* Canonical text of the magnitude octets b[0..len): leading zero octets
 * dropped. ONECARD_ERR_INVALID_ARG (out "") when the value is zero or
 * needs more than OC_CA_SERIAL_OCTETS_MAX octets. */
int oc_serial_to_hex(const unsigned char *b, size_t len, char out[OC_CA_SERIAL_HEX_MAX + 1]);

/* Parses a serial given by an operator: hex digits of either case,
 * optionally as colon-separated pairs ("4A:0B:..", as openssl -text
 * prints). Writes the canonical form. ONECARD_ERR_INVALID_ARG with *why
 * for anything else, for zero and for more than 20 octets. */
int oc_serial_parse(const char *text, char out[OC_CA_SERIAL_HEX_MAX + 1], const char **why);

#endif /* ONECARD_CA_SERIAL_H */
