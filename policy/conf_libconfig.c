/*
 * The libconfig adapter: the only file of onecard that calls libconfig.
 * It parses a policy file into the plain tree of conf.h and copies every
 * name and string, so the config_t is gone when pc_parse() returns.
 *
 * Before libconfig sees the text, prescan() walks it with the same
 * lexical rules libconfig uses (comments, strings, names, numbers) and
 * refuses what a policy file must not hold but libconfig 1.5 would take:
 *   - NUL bytes, and "\x00" escapes (libconfig drops them silently);
 *   - @include (a policy is one file; includes would also let a file
 *     make the loader open any path, a FIFO or a device);
 *   - integer literals too long to be any policy value: libconfig 1.5
 *     converts integers without an overflow check, so 4294967326 would
 *     quietly become 30. Every integer in the schema is small, so any
 *     literal past PC_INT_DIGITS_MAX significant digits is refused.
 */
#include <stddef.h>
#include <string.h>

#include <libconfig.h>

#include <onecard/error.h>

#include "conf.h"
#include "policy_int.h"

struct conv {
	struct pol_arena *arena;
	const char *file;
	char *err;
	size_t err_size;
	size_t nodes; /* settings converted so far */
};

const char *pc_kind_name(enum pc_kind kind)
{
	switch (kind) {
	case PC_GROUP:
		return "a group";
	case PC_LIST:
		return "a list";
	case PC_ARRAY:
		return "an array";
	case PC_INT:
		return "an integer";
	case PC_FLOAT:
		return "a float";
	case PC_BOOL:
		return "a boolean";
	case PC_STRING:
		return "a string";
	}
	return "an unknown kind of value";
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* libconfig's names: [A-Za-z*][-A-Za-z0-9_*]* */
static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*';
}

static int is_name_char(char c)
{
	return is_name_start(c) || is_digit(c) || c == '-' || c == '_';
}

/* Digits in s[start, end) after any leading zeros. */
static size_t significant(const char *s, size_t start, size_t end)
{
	while (start < end && s[start] == '0') {
		start++;
	}
	return end - start;
}

/*
 * Scans the number starting at text[*pos] (a sign, a digit or a dot) the
 * way libconfig's longest-match rules split it, and advances *pos past
 * it. Returns 0, or 1 when it is an integer literal that is too long.
 */
static int scan_number(const char *text, size_t len, size_t *pos)
{
	size_t i = *pos;
	size_t digits_start;
	size_t digits_end;
	size_t k;
	int is_float = 0;
	int too_long = 0;

	if (text[i] == '-' || text[i] == '+') {
		i++;
	}
	if (i + 2 < len && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
	    is_hex_digit(text[i + 2])) {
		i += 2;
		digits_start = i;
		while (i < len && is_hex_digit(text[i])) {
			i++;
		}
		too_long = significant(text, digits_start, i) > PC_HEX_DIGITS_MAX;
		goto out;
	}
	digits_start = i;
	while (i < len && is_digit(text[i])) {
		i++;
	}
	digits_end = i;
	if (i < len && text[i] == '.') {
		is_float = 1;
		i++;
		while (i < len && is_digit(text[i])) {
			i++;
		}
	}
	if (i < len && (text[i] == 'e' || text[i] == 'E') &&
	    (is_float || digits_end > digits_start)) {
		k = i + 1;
		if (k < len && (text[k] == '-' || text[k] == '+')) {
			k++;
		}
		if (k < len && is_digit(text[k])) {
			while (k < len && is_digit(text[k])) {
				k++;
			}
			i = k;
			is_float = 1;
		}
	}
	if (is_float) {
		goto out;
	}
	if (digits_end == digits_start) {
		/* A lone sign: garbage that libconfig will report. */
		i = *pos + 1;
		goto out;
	}
	too_long = significant(text, digits_start, digits_end) > PC_INT_DIGITS_MAX;
out:
	*pos = i;
	return too_long;
}

static unsigned line_at(const char *text, size_t pos)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			line++;
		}
	}
	return line;
}

static int prescan(const struct conv *cv, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	unsigned line = 1;
	size_t i = 0;
	int r = ONECARD_ERR_POLICY;

	if (nul != NULL) {
		pol_err(cv->err, cv->err_size, cv->file, line_at(text, (size_t)(nul - text)),
			"NUL byte in the file (a policy file is text)");
		goto out;
	}
	while (i < len) {
		char c = text[i];
		char next = i + 1 < len ? text[i + 1] : '\0';

		if (c == '\n') {
			line++;
			i++;
		} else if (c == '#' || (c == '/' && next == '/')) {
			while (i < len && text[i] != '\n') {
				i++;
			}
		} else if (c == '/' && next == '*') {
			i += 2;
			while (i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/')) {
				if (text[i] == '\n') {
					line++;
				}
				i++;
			}
			i += 2;
		} else if (c == '"') {
			i++;
			while (i < len && text[i] != '"') {
				if (text[i] == '\n') {
					line++;
				}
				if (text[i] == '\\' && i + 3 < len &&
				    (text[i + 1] == 'x' || text[i + 1] == 'X') &&
				    text[i + 2] == '0' && text[i + 3] == '0') {
					pol_err(cv->err, cv->err_size, cv->file, line,
						"\\x00 in a string (strings cannot hold NUL)");
					goto out;
				}
				if (text[i] == '\\' && i + 1 < len &&
				    (text[i + 1] == '"' || text[i + 1] == '\\')) {
					i++;
				}
				i++;
			}
			i++;
		} else if (c == '@') {
			pol_err(cv->err, cv->err_size, cv->file, line,
				"@include and other directives are not allowed (a policy is one "
				"file)");
			goto out;
		} else if (is_name_start(c)) {
			while (i < len && is_name_char(text[i])) {
				i++;
			}
		} else if (is_digit(c) || c == '-' || c == '+' || c == '.') {
			if (scan_number(text, len, &i) != 0) {
				pol_err(cv->err, cv->err_size, cv->file, line,
					"integer literal too large (policy integers are small)");
				goto out;
			}
		} else {
			i++;
		}
	}
	r = 0;
out:
	return r;
}

static int convert(struct conv *cv, const config_setting_t *s, struct pc_node *dst, unsigned depth);

static int convert_kids(struct conv *cv, const config_setting_t *s, struct pc_node *dst,
			unsigned depth)
{
	struct pc_node *kids = NULL;
	int length = config_setting_length(s);
	size_t n;
	size_t i;
	int r = ONECARD_ERR_INTERNAL;

	if (length < 0) {
		goto out;
	}
	n = (size_t)length;
	if (n > PC_NODES_MAX - cv->nodes) {
		pol_err(cv->err, cv->err_size, cv->file, dst->line,
			"too many settings in the file (at most %u)", PC_NODES_MAX);
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	if (n > 0 && depth + 1 >= PC_DEPTH_MAX) {
		pol_err(cv->err, cv->err_size, cv->file, dst->line,
			"nested too deeply (at most %u levels)", PC_DEPTH_MAX);
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	cv->nodes += n;
	kids = pol_arena_calloc(cv->arena, n, sizeof(*kids));
	if (kids == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *kid = config_setting_get_elem(s, (unsigned)i);

		if (kid == NULL) {
			r = ONECARD_ERR_INTERNAL;
			goto out;
		}
		r = convert(cv, kid, &kids[i], depth + 1);
		if (r != 0) {
			goto out;
		}
	}
	dst->kids = kids;
	dst->kids_len = n;
	r = 0;
out:
	return r;
}

static int convert(struct conv *cv, const config_setting_t *s, struct pc_node *dst, unsigned depth)
{
	const char *name = config_setting_name(s);
	const char *str = NULL;
	int r = ONECARD_ERR_INTERNAL;

	dst->line = config_setting_source_line(s);
	if (dst->line == 0) {
		dst->line = 1; /* the root has no line of its own */
	}
	if (name != NULL) {
		dst->name = pol_arena_strndup(cv->arena, name, strlen(name));
		if (dst->name == NULL) {
			r = ONECARD_ERR_NOMEM;
			goto out;
		}
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		dst->kind = PC_GROUP;
		r = convert_kids(cv, s, dst, depth);
		break;
	case CONFIG_TYPE_LIST:
		dst->kind = PC_LIST;
		r = convert_kids(cv, s, dst, depth);
		break;
	case CONFIG_TYPE_ARRAY:
		dst->kind = PC_ARRAY;
		r = convert_kids(cv, s, dst, depth);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		dst->kind = PC_INT;
		dst->ival = config_setting_get_int64(s);
		r = 0;
		break;
	case CONFIG_TYPE_FLOAT:
		dst->kind = PC_FLOAT;
		r = 0;
		break;
	case CONFIG_TYPE_BOOL:
		dst->kind = PC_BOOL;
		dst->ival = config_setting_get_bool(s);
		r = 0;
		break;
	case CONFIG_TYPE_STRING:
		dst->kind = PC_STRING;
		str = config_setting_get_string(s);
		if (str == NULL) {
			str = "";
		}
		dst->sval = pol_arena_strndup(cv->arena, str, strlen(str));
		r = dst->sval != NULL ? 0 : ONECARD_ERR_NOMEM;
		break;
	default:
		r = ONECARD_ERR_INTERNAL;
		break;
	}
out:
	return r;
}

int pc_parse(const char *text, size_t len, const char *file_name, struct pol_arena *arena,
	     const struct pc_node **root, char *err, size_t err_size)
{
	struct conv cv = {arena, file_name, err, err_size, 0};
	config_t cfg;
	int cfg_live = 0;
	char *copy = NULL;
	struct pc_node *top = NULL;
	const char *why = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*root = NULL;
	r = prescan(&cv, text, len);
	if (r != 0) {
		goto out;
	}
	/* libconfig reads a NUL-terminated string. */
	copy = pol_arena_strndup(arena, text, len);
	top = pol_arena_calloc(arena, 1, sizeof(*top));
	if (copy == NULL || top == NULL) {
		pol_err(err, err_size, file_name, 0, "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	config_init(&cfg);
	cfg_live = 1;
	if (config_read_string(&cfg, copy) != CONFIG_TRUE) {
		why = config_error_text(&cfg);
		pol_err(err, err_size, file_name,
			(unsigned)(config_error_line(&cfg) > 0 ? config_error_line(&cfg) : 1), "%s",
			why != NULL ? why : "syntax error");
		r = ONECARD_ERR_POLICY;
		goto out;
	}
	r = convert(&cv, config_root_setting(&cfg), top, 0);
	if (r == ONECARD_ERR_NOMEM) {
		pol_err(err, err_size, file_name, 0, "out of memory");
	} else if (r == ONECARD_ERR_INTERNAL) {
		pol_err(err, err_size, file_name, 0, "libconfig returned an unexpected tree");
	}
	if (r != 0) {
		goto out;
	}
	*root = top;
out:
	if (cfg_live) {
		config_destroy(&cfg);
	}
	return r;
}
