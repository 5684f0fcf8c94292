/* ydoc_cache.h: parsed spec files kept between runs.
 *
 * libyaml reads a spec at about 300 instructions a byte: at 1,000 volumes
 * that is 40% of a converged no-op `apply`, the command configuration
 * management runs every few minutes (contract section 9).  So apply, plan,
 * status and activate keep each file's tree (struct ydoc) in the run
 * directory and, while the file's bytes and the vmapctl binary are the
 * same, read the tree back instead of parsing the text again.  Everything
 * after the tree (types, references, the checks of the whole set) runs as
 * always, so a cached file gives exactly the errors and the volumes that
 * parsing it gives.
 *
 * Safety:
 *   - an entry is found by the file's name and used only when it records
 *     the fingerprint of the file's bytes and of this binary's identity
 *     (its version and the inode, size and mtime of /proc/self/exe): an
 *     edit, or a new vmapctl, is a miss;
 *   - the directory and the entry must belong to the effective user and
 *     be writable by no one else, or the cache is not used: another user
 *     must not be able to choose what root's apply reads;
 *   - every offset, count and reference of an entry is checked before it
 *     is used (the tree must be acyclic); a bad entry is a miss;
 *   - files with key material (a field of kind secret) are never stored;
 *   - entries are written to a temporary name and renamed into place;
 *   - the directory keeps at most 64 entries and 64 MiB, the oldest go
 *     first (paths of temporary copies of a set would pile up in /run).
 * The cache is a speed-up only: any failure to read or write it is
 * silent and the file is parsed. */
#ifndef VMAP_YDOC_CACHE_H
#define VMAP_YDOC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "specset/yaml_doc.h"

#define YDOC_CACHE_KEY 16 /* UMAC128_DIGEST_SIZE */

/* The tree of `data` (file `file`) from the cache directory `dir`: true
 * and *doc filled (free it with ydoc_free), or false (a miss).  Sets
 * `key` either way, for ydoc_cache_store. */
bool ydoc_cache_load(struct ydoc *doc, const char *dir, const char *file, const char *data,
		     size_t len, uint8_t key[YDOC_CACHE_KEY]);

/* Keep `doc`, parsed from text with `key`, as the entry of `file`. */
void ydoc_cache_store(struct ydoc *doc, const char *dir, const char *file,
		      const uint8_t key[YDOC_CACHE_KEY]);

/* The key ydoc_cache_load works out for `data` (for the fuzzer). */
void ydoc_cache_key(const char *data, size_t len, uint8_t key[YDOC_CACHE_KEY]);
/* What ydoc_cache_load does with an entry's bytes once read: `buf` (size
 * bytes, malloc'd) is taken either way (for the fuzzer). */
bool ydoc_cache_read(struct ydoc *doc, char *buf, size_t size, const uint8_t key[YDOC_CACHE_KEY],
		     const char *file, const char *data, size_t len);

/* The directory `run_dir`/parsed, made (0700) when missing; NULL when it
 * cannot be used (see above).  Free the result. */
char *ydoc_cache_dir(const char *run_dir);

#endif
