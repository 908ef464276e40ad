/*
 * Internals of the key folder (docs/keys.md): the manifest parser, which
 * is pure and fuzzed (fuzz_keys_manifest.c), and bounded, mode-checked
 * reads of the folder's files. Not for use outside authd/keys and its
 * tests.
 */
#ifndef ONECARD_AUTHD_KEYS_INT_H
#define ONECARD_AUTHD_KEYS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <onecard/visibility.h>

#include "keyring.h"

#define OC_MANIFEST_HEADER	"onecard-keys 1\n"
#define OC_MANIFEST_HEADER_LEN	15u
#define OC_MANIFEST_TIME_DIGITS 12u /* ONECARD_TIME_MAX has 12 digits */

enum oc_key_kind {
	OC_KIND_SIGNING = 0,
	OC_KIND_CHALLENGE = 1,
	OC_KIND_COUNT = 2,
};

enum oc_key_state {
	OC_STATE_CURRENT = 1, /* signs tokens / issues challenges */
	OC_STATE_NEXT = 2,    /* published and accepted, becomes current at the next rotation */
	OC_STATE_RETIRED = 3, /* accepted until what it made has expired */
};

struct oc_manifest_entry {
	char kid[OC_KEYRING_KID_MAX + 1];
	size_t kid_len;
	enum oc_key_state state;
	int64_t since; /* Unix seconds: entered this state (retired: stopped being current) */
};

struct oc_manifest_set {
	struct oc_manifest_entry entry[OC_KEYRING_SIGNING_MAX];
	size_t count;
	size_t current; /* index of the current entry */
};

struct oc_manifest {
	struct oc_manifest_set set[OC_KIND_COUNT];
};

/* 1 if the len bytes at kid are a kid both kinds accept: 1..
 * OC_KEYRING_KID_MAX of [A-Za-z0-9._-], the first a letter or digit (so a
 * kid is a safe file name and never "." or ".."); else 0. */
int oc_keys_kid_ok(const char *kid, size_t len);

/* Parses the manifest text (len bytes, untrusted). Returns 0 and *out,
 * ONECARD_ERR_POLICY or ONECARD_ERR_TOO_LARGE (too many entries of a
 * kind); on failure *line is the 1-based line at fault (0: the file as a
 * whole) and *why a fixed sentence. */
ONECARD_WARN_UNUSED int oc_manifest_parse(const char *text, size_t len, struct oc_manifest *out,
					  size_t *line, const char **why);

/* A file read whole into a buffer of cap bytes (max + 1: room for the NUL
 * and to tell "exactly max" from "more"); wiped when freed. */
struct oc_keyfile {
	char *data; /* NUL-terminated */
	size_t len;
	size_t cap;
};

/* What a file may allow others. */
enum oc_keyfile_mode {
	OC_KEYFILE_SECRET = 1, /* no permission bit for group or others */
	OC_KEYFILE_PUBLIC = 2, /* not writable by group or others */
};

/* Reads name, relative to the open folder dirfd: not through a symbolic
 * link, a regular file, with the permissions mode allows, at most max
 * bytes. Returns 0 and *out, or ONECARD_ERR_NOT_FOUND, _IO, _POLICY
 * (symbolic link, not a regular file, permissions), _TOO_LARGE or _NOMEM
 * with *why a fixed sentence. */
ONECARD_WARN_UNUSED int oc_keyfile_read(int dirfd, const char *name, size_t max,
					enum oc_keyfile_mode mode, struct oc_keyfile *out,
					const char **why);

/* Wipes and frees the buffer; an empty struct does nothing. */
void oc_keyfile_free(struct oc_keyfile *f);

/* Opens a folder (relative to dirfd, or AT_FDCWD for a path) for openat:
 * for a subfolder not through a symbolic link (follow 0). Refuses a
 * folder writable by group or others. Returns a descriptor >= 0, or
 * ONECARD_ERR_NOT_FOUND, _IO or _POLICY with *why a fixed sentence. */
ONECARD_WARN_UNUSED int oc_keys_open_dir(int dirfd, const char *name, int follow, const char **why);

/* Reads dir/manifest (the top folder is opened and checked first).
 * Returns 0 and *out, or an error of oc_keys_open_dir/oc_keyfile_read
 * with *why, and *file (what *why is about: "" for the folder itself,
 * else "manifest"). */
ONECARD_WARN_UNUSED int oc_keys_read_manifest(const char *dir, int *dirfd_out,
					      struct oc_keyfile *out, const char **file,
					      const char **why);

#endif /* ONECARD_AUTHD_KEYS_INT_H */
