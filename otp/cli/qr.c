/*
 * The QR code of an otpauth:// URI in the terminal: libqrencode makes the
 * matrix (the only onecard file calling it), this file draws it with
 * UTF-8 half blocks, two module rows per line, inside a quiet zone. The
 * matrix and the drawing both encode the secret: both are wiped.
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include <openssl/crypto.h>

#include "cli.h"

#define QR_WIDTH_MAX 177u /* modules of a version-40 symbol */

static const char BLOCK_FULL[] = "\xe2\x96\x88";  /* U+2588 */
static const char BLOCK_UPPER[] = "\xe2\x96\x80"; /* U+2580 */
static const char BLOCK_LOWER[] = "\xe2\x96\x84"; /* U+2584 */

/* 1 when the module at (x, y) of the symbol with its quiet zone is dark. */
static int dark(const QRcode *qr, size_t x, size_t y)
{
	size_t w = (size_t)qr->width;

	if (x < CLI_QR_QUIET || y < CLI_QR_QUIET || x >= w + CLI_QR_QUIET ||
	    y >= w + CLI_QR_QUIET) {
		return 0;
	}
	return (qr->data[(y - CLI_QR_QUIET) * w + (x - CLI_QR_QUIET)] & 1u) != 0;
}

static size_t put(char *buf, size_t n, const char *s, size_t len)
{
	memcpy(buf + n, s, len);
	return n + len;
}

void cli_qr_free(char *buf, size_t len)
{
	if (buf == NULL) {
		return;
	}
	OPENSSL_cleanse(buf, len + 1);
	free(buf);
}

int cli_qr_render(const char *text, int invert, char **out, size_t *len)
{
	QRcode *qr = NULL;
	char *buf = NULL;
	size_t total, rows, cap, n = 0, x, y;
	int top, bottom, r = -1;

	*out = NULL;
	*len = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL || qr->width <= 0 || (size_t)qr->width > QR_WIDTH_MAX) {
		goto out;
	}
	total = (size_t)qr->width + 2 * CLI_QR_QUIET;
	rows = (total + 1) / 2;
	/* Three bytes per character, a newline per line, the NUL. */
	cap = rows * (total * 3 + 1) + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		goto out;
	}
	for (y = 0; y < total; y += 2) {
		for (x = 0; x < total; x++) {
			/* What is drawn: light modules, or dark ones (invert). */
			top = dark(qr, x, y) == invert;
			bottom = y + 1 < total ? dark(qr, x, y + 1) == invert : !invert;
			if (top && bottom) {
				n = put(buf, n, BLOCK_FULL, 3);
			} else if (top) {
				n = put(buf, n, BLOCK_UPPER, 3);
			} else if (bottom) {
				n = put(buf, n, BLOCK_LOWER, 3);
			} else {
				buf[n++] = ' ';
			}
		}
		buf[n++] = '\n';
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL) {
		cli_qr_free(buf, cap - 1);
	}
	if (qr != NULL) {
		if (qr->data != NULL && qr->width > 0) {
			OPENSSL_cleanse(qr->data, (size_t)qr->width * (size_t)qr->width);
		}
		QRcode_free(qr);
	}
	return r;
}
