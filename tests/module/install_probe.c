/*
 * Built by test_install.sh against an installed onecard (pkg-config
 * --cflags --libs onecard) and run: the installed headers compile on
 * their own, the library links by its soname, and a module can be made,
 * refuses a token it has no keys for, and is freed. Prints "ok".
 */
#include <stdio.h>
#include <string.h>

#include <onecard/module.h>

int main(void)
{
	static const char *const acr[] = {"card"};
	static const char token[] = "eyJhbGciOiJFZERTQSJ9.e30.c2ln";
	struct onecard_module_config cfg;
	onecard_module *m = NULL;
	onecard_claims *claims = NULL;
	const char *reason = NULL;
	int r;

	onecard_module_config_init(&cfg);
	cfg.issuer = "http://127.0.0.1:8443";
	cfg.jwks_url = "http://127.0.0.1:1/.well-known/jwks.json"; /* refused at once */
	cfg.audience = "provincial-portal";
	cfg.acr = acr;
	cfg.acr_count = 1;
	r = onecard_module_new(&cfg, &m);
	if (r != ONECARD_OK) {
		fprintf(stderr, "onecard_module_new: %s\n", onecard_strerror(r));
		return 1;
	}
	r = onecard_module_verify(m, token, strlen(token), &claims, &reason);
	onecard_module_free(m);
	if (r != ONECARD_ERR_KEYS_UNAVAILABLE || claims != NULL) {
		fprintf(stderr, "verify without keys: %s\n", onecard_err_code(r));
		return 1;
	}
	if (strcmp(onecard_alg_name(ONECARD_ALG_EDDSA), "EdDSA") != 0) {
		return 1;
	}
	printf("ok\n");
	return 0;
}
