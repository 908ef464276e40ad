/* The pages (page.h). */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "page.h"

/* Appends len bytes, or marks the page as overflowed. */
static void add(struct city_page *p, const char *s, size_t len)
{
	if (p->overflow || len > sizeof(p->buf) - 1u - p->len) {
		p->overflow = true;
		return;
	}
	memcpy(p->buf + p->len, s, len);
	p->len += len;
	p->buf[p->len] = '\0';
}

/* Appends markup written here (never a value from outside). */
static void raw(struct city_page *p, const char *s)
{
	add(p, s, strlen(s));
}

void city_page_escaped(struct city_page *p, const char *s)
{
	const unsigned char *c;

	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		switch (*c) {
		case '&':
			raw(p, "&amp;");
			break;
		case '<':
			raw(p, "&lt;");
			break;
		case '>':
			raw(p, "&gt;");
			break;
		case '"':
			raw(p, "&quot;");
			break;
		case '\'':
			raw(p, "&#39;");
			break;
		default:
			if ((*c < 0x20u && *c != '\t' && *c != '\n') || *c == 0x7fu) {
				raw(p, "\xef\xbf\xbd"); /* U+FFFD */
			} else {
				add(p, (const char *)c, 1);
			}
			break;
		}
	}
}

/* "a, b, c", each escaped; "none" for an empty list. */
static void list(struct city_page *p, const char *const *items, size_t count)
{
	size_t i;

	if (count == 0) {
		raw(p, "none");
		return;
	}
	for (i = 0; i < count; i++) {
		if (i > 0) {
			raw(p, ", ");
		}
		city_page_escaped(p, items[i]);
	}
}

static void head(struct city_page *p, const char *title, const struct city_module_info *mod)
{
	p->len = 0;
	p->overflow = false;
	p->buf[0] = '\0';
	raw(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	city_page_escaped(p, title);
	raw(p, " \xe2\x80\x94 ");
	city_page_escaped(p, mod->id);
	raw(p, "</title>\n</head>\n<body>\n");
}

static void demands(struct city_page *p, const struct city_module_info *mod)
{
	raw(p, "<p>Module <code>");
	city_page_escaped(p, mod->id);
	raw(p, "</code> of platform <code>");
	city_page_escaped(p, mod->platform);
	raw(p, "</code> admits the assurance levels: ");
	list(p, mod->acr, mod->acr_count);
	raw(p, "; it requires the certificates of the agencies: ");
	list(p, mod->agencies, mod->agency_count);
	raw(p, ".</p>\n");
}

static void tail(struct city_page *p)
{
	raw(p, "</body>\n</html>\n");
}

void city_page_welcome(struct city_page *p, const struct city_module_info *mod, const char *sub,
		       const char *ent)
{
	head(p, "Welcome", mod);
	raw(p, "<h1>Welcome, ");
	city_page_escaped(p, sub != NULL ? sub : "(none)");
	raw(p, " of ");
	city_page_escaped(p, ent != NULL ? ent : "(none)");
	raw(p, " \xe2\x80\x94 ");
	city_page_escaped(p, mod->id);
	raw(p, "</h1>\n");
	demands(p, mod);
	tail(p);
}

void city_page_refusal(struct city_page *p, const struct city_module_info *mod, unsigned status,
		       const char *summary, const char *reason, int code)
{
	char line[64];
	int n;

	head(p, summary, mod);
	raw(p, "<h1>");
	city_page_escaped(p, summary);
	raw(p, "</h1>\n<p id=\"why\">");
	city_page_escaped(p, reason);
	if (code != 0) {
		raw(p, " (");
		city_page_escaped(p, onecard_strerror(code));
		raw(p, ")");
	}
	raw(p, "</p>\n");
	n = snprintf(line, sizeof(line), "<p>HTTP status %u", status);
	if (n > 0 && (size_t)n < sizeof(line)) {
		raw(p, line);
	}
	if (code != 0) {
		raw(p, ", error <code>");
		city_page_escaped(p, onecard_err_code(code));
		raw(p, "</code>");
	}
	raw(p, ".</p>\n");
	demands(p, mod);
	tail(p);
}
