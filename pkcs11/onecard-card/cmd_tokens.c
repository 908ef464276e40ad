/* onecard-card tokens: the cards present, one line each. */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "cli.h"

#define URI_BYTES 512u /* four token fields, percent-encoded */

static const struct option longopts[] = {
	{"module", required_argument, NULL, 'm'},
	{NULL, 0, NULL, 0},
};

/* "ok", or the flags the card reports, comma-separated. */
static void pin_state(unsigned flags, char *out, size_t cap)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{OC_CARD_PIN_LOCKED, "locked"},
		{OC_CARD_PIN_FINAL_TRY, "final-try"},
		{OC_CARD_PIN_COUNT_LOW, "count-low"},
		{OC_CARD_PIN_TO_BE_CHANGED, "to-be-changed"},
	};
	size_t i, n = 0, len;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].flag) == 0) {
			continue;
		}
		len = strlen(names[i].name);
		if (n + len + 2 > cap) {
			break;
		}
		if (n > 0) {
			out[n++] = ',';
		}
		memcpy(out + n, names[i].name, len + 1);
		n += len;
	}
	if (n == 0 && cap > 2) {
		memcpy(out, "ok", 3);
	}
}

/* The URI that names exactly this card. */
static void token_uri(const struct oc_card_info *t, char *out, size_t cap)
{
	size_t pos = 0;

	if (oc_p11_uri_append(out, cap, &pos, "token", (const uint8_t *)t->label,
			      strlen(t->label)) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "manufacturer", (const uint8_t *)t->manufacturer,
			      strlen(t->manufacturer)) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "model", (const uint8_t *)t->model,
			      strlen(t->model)) != ONECARD_OK ||
	    oc_p11_uri_append(out, cap, &pos, "serial", (const uint8_t *)t->serial,
			      strlen(t->serial)) != ONECARD_OK) {
		out[0] = '\0';
	}
}

int cmd_tokens(int argc, char *argv[], const struct cli_global *g)
{
	struct oc_card_ctx *ctx = NULL;
	struct oc_card_info *infos = NULL;
	char label[OC_CARD_LABEL_LEN + 1], serial[OC_CARD_SERIAL_LEN + 1];
	char model[OC_CARD_MODEL_LEN + 1], state[64], uri[URI_BYTES];
	const char *module = g->module;
	size_t n = 0, i;
	int c, r;

	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (c == 'm') {
			module = optarg;
		} else {
			return cli_option_error("tokens");
		}
	}
	if (optind != argc) {
		return cli_option_error("tokens");
	}
	r = cli_open_ctx("tokens", module, &ctx);
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_card_list(ctx, &infos, &n);
	if (r != ONECARD_OK) {
		r = cli_fail("tokens", "cannot list the cards", r);
		goto out;
	}
	for (i = 0; i < n; i++) {
		cli_sanitize(infos[i].label, label, sizeof(label));
		cli_sanitize(infos[i].serial, serial, sizeof(serial));
		cli_sanitize(infos[i].model, model, sizeof(model));
		pin_state(infos[i].pin_flags, state, sizeof(state));
		token_uri(&infos[i], uri, sizeof(uri));
		printf("%s\tserial=%s\tmodel=%s\tPIN=%s\t%s\n", label, serial, model, state, uri);
	}
	r = cli_finish_output("tokens");
out:
	free(infos);
	oc_card_ctx_free(ctx);
	return r;
}
