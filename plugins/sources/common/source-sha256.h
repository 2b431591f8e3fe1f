/* source-sha256.h: SHA-256 of the bytes a source reads, for provenance.
 *
 * Hashing runs over every byte of the input, so its speed bounds the
 * sources' speed: nettle's implementation (which uses the CPU's SHA
 * instructions where there are some) is used when the build found it,
 * GLib's GChecksum otherwise. */
#pragma once

#include <glib.h>

typedef struct _SourceSha256 SourceSha256;

SourceSha256 *source_sha256_new (void);
void source_sha256_free (SourceSha256 *hash);
void source_sha256_reset (SourceSha256 *hash);
void source_sha256_update (SourceSha256 *hash, const void *data, gsize len);
/* The digest in lower-case hex; no updates may follow (until a reset). */
const char *source_sha256_finish (SourceSha256 *hash);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SourceSha256, source_sha256_free)
