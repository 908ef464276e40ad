/*
 * otp_qr_check: reads the QR code onecard-otp drew in the terminal back
 * into modules and checks it, for test_otp_cli.sh.
 *
 *   otp_qr_check [--invert] [--pbm OUT] URI < DRAWING
 *
 * DRAWING is the text after the URI line: lines of UTF-8 half blocks
 * (U+2580, U+2584, U+2588) and spaces, two module rows per line. Checks
 * that every line is as wide as the drawing is tall (rounded up to a
 * whole line), that a quiet zone of 4 light modules surrounds the
 * symbol, and that the symbol is, module for module, libqrencode's
 * encoding of URI (error correction M). With --pbm it also writes the
 * modules as a PBM image (8 pixels a module) for a real decoder
 * (zbarimg) to read. Exit 0 when all holds, 1 with a line on stderr
 * otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#define MAX_SIDE  200u
#define QUIET	  4u
#define SCALE	  8u
#define LINE_MAX_ 4096u

static unsigned char mod[MAX_SIDE * 2][MAX_SIDE]; /* 1: dark */

static int fail(const char *msg)
{
	fprintf(stderr, "otp_qr_check: %s\n", msg);
	return 1;
}

/* Decodes one drawn character at s: what it draws (top, bottom). Returns
 * its length in bytes, 0 for anything else. */
static size_t cell(const char *s, int *top, int *bottom)
{
	if (s[0] == ' ') {
		*top = 0;
		*bottom = 0;
		return 1;
	}
	if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x96) {
		switch ((unsigned char)s[2]) {
		case 0x88:
			*top = 1;
			*bottom = 1;
			return 3;
		case 0x80:
			*top = 1;
			*bottom = 0;
			return 3;
		case 0x84:
			*top = 0;
			*bottom = 1;
			return 3;
		default:
			return 0;
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char line[LINE_MAX_];
	const char *uri = NULL, *pbm = NULL;
	size_t width = 0, rows = 0, x, y, n, k;
	int invert = 0, i, top, bottom;
	QRcode *qr;
	FILE *out;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--invert") == 0) {
			invert = 1;
		} else if (strcmp(argv[i], "--pbm") == 0 && i + 1 < argc) {
			pbm = argv[++i];
		} else {
			uri = argv[i];
		}
	}
	if (uri == NULL) {
		return fail("usage: otp_qr_check [--invert] [--pbm OUT] URI < DRAWING");
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (rows + 2 > 2 * MAX_SIDE) {
			return fail("the drawing is too tall");
		}
		for (x = 0, k = 0; k < n; x++) {
			size_t len = cell(line + k, &top, &bottom);

			if (len == 0) {
				return fail("a character that is not a half block or a space");
			}
			if (x >= MAX_SIDE) {
				return fail("the drawing is too wide");
			}
			/* Drawn means light, or dark with --invert. */
			mod[rows][x] = (unsigned char)(top == invert);
			mod[rows + 1][x] = (unsigned char)(bottom == invert);
			k += len;
		}
		if (width == 0) {
			width = x;
		} else if (x != width) {
			return fail("lines of different widths");
		}
		rows += 2;
	}
	if (width == 0 || (width + 1) / 2 * 2 != rows) {
		return fail("the drawing is not square");
	}
	/* The last half row of an odd-sized drawing lies outside it. */
	for (y = 0; y < width; y++) {
		for (x = 0; x < width; x++) {
			if ((x < QUIET || y < QUIET || x >= width - QUIET || y >= width - QUIET) &&
			    mod[y][x]) {
				return fail("a dark module in the quiet zone");
			}
		}
	}
	qr = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		return fail("libqrencode cannot encode the URI");
	}
	if ((size_t)qr->width + 2 * QUIET != width) {
		QRcode_free(qr);
		return fail("the symbol's size is not that of the URI's code");
	}
	for (y = 0; y < (size_t)qr->width; y++) {
		for (x = 0; x < (size_t)qr->width; x++) {
			if ((qr->data[y * (size_t)qr->width + x] & 1u) !=
			    mod[y + QUIET][x + QUIET]) {
				QRcode_free(qr);
				return fail("a module differs from the URI's code");
			}
		}
	}
	QRcode_free(qr);
	if (pbm != NULL) {
		out = fopen(pbm, "w");
		if (out == NULL) {
			return fail("cannot write the PBM file");
		}
		fprintf(out, "P1\n%zu %zu\n", width * SCALE, width * SCALE);
		for (y = 0; y < width * SCALE; y++) {
			for (x = 0; x < width * SCALE; x++) {
				fputc(mod[y / SCALE][x / SCALE] ? '1' : '0', out);
			}
			fputc('\n', out);
		}
		if (fclose(out) != 0) {
			return fail("cannot write the PBM file");
		}
	}
	return 0;
}
