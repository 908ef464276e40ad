/*
 * Where a program gets the card PIN from. The card library itself never
 * reads a PIN: programs call this and hand the buffer to
 * oc_card_session_open(), which wipes it.
 *
 * Sources, in the order oc_pin_obtain() tries them:
 *   1. a PIN file named on the command line (--pin-file): its first line;
 *   2. a PIN file named by the card URI's pin-source ("file:/path" or
 *      "/path");
 *   3. the environment variable ONECARD_PIN (then removed from the
 *      environment, so that child processes do not inherit it);
 *   4. a prompt on /dev/tty, without echo.
 * A PIN file must be a regular file that neither group nor others may
 * read or write (mode 0600 or stricter), as ssh demands of private keys:
 * otherwise it is refused and not read.
 */
#ifndef ONECARD_PIN_SOURCE_H
#define ONECARD_PIN_SOURCE_H

#include <stddef.h>

#define OC_PIN_ENV	  "ONECARD_PIN"
#define OC_PIN_FILE_MAX	  4096u /* bytes read from a PIN file at most */
#define OC_PIN_PROMPT_MAX 256u	/* bytes of a prompt */

/*
 * Reads the first line of the file at path (without its "\n" or "\r\n")
 * into pin[cap]; *len bytes, NUL-terminated.
 * Failure (pin wiped, *len 0): ONECARD_ERR_INVALID_ARG when the file is
 * not a regular file or group or others have any access to it;
 * ONECARD_ERR_IO (errno set) when it cannot be opened or read;
 * ONECARD_ERR_BAD_FORMAT when the first line is empty or has a NUL;
 * ONECARD_ERR_TOO_LARGE when it is cap - 1 bytes or longer.
 */
int oc_pin_from_file(const char *path, char *pin, size_t cap, size_t *len);

/*
 * Reads the PIN from the environment variable name into pin[cap], then
 * unsets the variable. ONECARD_ERR_NOT_FOUND when it is not set;
 * ONECARD_ERR_BAD_FORMAT when empty; ONECARD_ERR_TOO_LARGE.
 */
int oc_pin_from_env(const char *name, char *pin, size_t cap, size_t *len);

/*
 * Asks for the PIN on /dev/tty with echo off (restored afterwards, also
 * when a signal interrupts). ONECARD_ERR_CANCELLED when there is no
 * terminal, on end of input, an empty answer or an interrupt;
 * ONECARD_ERR_TOO_LARGE; ONECARD_ERR_IO.
 */
int oc_pin_prompt(const char *prompt, char *pin, size_t cap, size_t *len);

/*
 * Tries the sources in the order above: pin_file and pin_source (a URI's
 * pin-source value) may be NULL. *from names the source used ("PIN file",
 * "pin-source", "ONECARD_PIN", "prompt"), for messages.
 * Failure: the error of the source that was chosen and failed;
 * ONECARD_ERR_INVALID_ARG for a pin-source that is not a file path.
 */
int oc_pin_obtain(const char *pin_file, const char *pin_source, const char *prompt, char *pin,
		  size_t cap, size_t *len, const char **from);

#endif /* ONECARD_PIN_SOURCE_H */
