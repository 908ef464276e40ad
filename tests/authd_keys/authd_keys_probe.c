/*
 * authd_keys_probe: loads a key folder the way authd does and shows what
 * authd would serve and sign, for test_rotate_keys.sh.
 *
 *   authd_keys_probe jwks DIR NOW MAX_LIFETIME   the JWKS, one line
 *   authd_keys_probe kids DIR NOW MAX_LIFETIME   "SIGNING-KID CHALLENGE-KID"
 *   authd_keys_probe sign DIR NOW MAX_LIFETIME   a token signed by the current
 *       key at NOW, lifetime MAX_LIFETIME, iss https://authd.test,
 *       aud customs-declare
 *
 * Exit status: 0 done; 1 the folder was refused (the loader's line on
 * stderr); 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "keyring.h"

#define PROBE_CLAIMS \
	"{\"iss\":\"https://authd.test\",\"aud\":\"customs-declare\",\"sub\":\"probe\"}"
#define PROBE_DIGITS_MAX 12u

/* Checked parsing: 1..12 digits, no sign, no leading zero, within max. */
static int parse_uint(const char *text, int64_t max, int64_t *out)
{
	int64_t v = 0;
	size_t i, len = strlen(text);

	*out = 0;
	if (len == 0 || len > PROBE_DIGITS_MAX || text[0] == '0') {
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return -1;
		}
		v = v * 10 + (text[i] - '0');
	}
	if (v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char *argv[])
{
	char err[OC_KEYRING_ERR_SIZE];
	oc_keyring *kr = NULL;
	char *token = NULL;
	int64_t now, lifetime;
	int ex = 1;

	if (argc != 5 || parse_uint(argv[3], ONECARD_TIME_MAX, &now) != 0 ||
	    parse_uint(argv[4], OC_KEYRING_LIFETIME_MAX, &lifetime) != 0) {
		fprintf(stderr, "usage: authd_keys_probe jwks|kids|sign DIR NOW MAX_LIFETIME\n");
		return 2;
	}
	onecard_json_wipe_on_free();
	if (oc_keyring_load(argv[2], lifetime, now, &kr, err, sizeof(err)) != ONECARD_OK) {
		fprintf(stderr, "authd_keys_probe: %s\n", err);
		goto out;
	}
	if (strcmp(argv[1], "jwks") == 0) {
		printf("%s\n", oc_keyring_jwks(kr, NULL));
	} else if (strcmp(argv[1], "kids") == 0) {
		printf("%s %s\n", oc_keyring_current_kid(kr), oc_keyring_challenge_kid(kr));
	} else if (strcmp(argv[1], "sign") == 0) {
		if (onecard_signer_issue(oc_keyring_signer(kr), PROBE_CLAIMS, strlen(PROBE_CLAIMS),
					 NULL, now, lifetime, &token) != ONECARD_OK) {
			fprintf(stderr, "authd_keys_probe: cannot sign\n");
			goto out;
		}
		printf("%s\n", token);
	} else {
		fprintf(stderr, "usage: authd_keys_probe jwks|kids|sign DIR NOW MAX_LIFETIME\n");
		ex = 2;
		goto out;
	}
	ex = fflush(stdout) == 0 ? 0 : 1;
out:
	onecard_string_free(token);
	oc_keyring_unref(kr);
	return ex;
}
