/* idx-stream.h: the bytes of a file that may be gzip-compressed.
 *
 * Reads the file in chunks, inflating it when it starts with the gzip
 * magic, and hashes the bytes as stored (the SHA-256 in provenance is the
 * file's own). Offsets are in the uncompressed data, as IDX describes it. */
#pragma once

#include <dlpipe/dlpipe.h>

typedef struct _IdxStream IdxStream;

IdxStream *idx_stream_open (const char *path, GError **error);
void idx_stream_free (IdxStream *stream);

/* Reads up to @len bytes; returns how many (fewer only at the end). */
gboolean idx_stream_read (IdxStream *stream, void *data, gsize len, gsize *n_read, GError **error);
/* Offset of the next byte in the (uncompressed) data. */
guint64 idx_stream_tell (IdxStream *stream);
/* Compressed bytes consumed and the file size, for progress. */
guint64 idx_stream_get_file_offset (IdxStream *stream);
guint64 idx_stream_get_file_size (IdxStream *stream);
gboolean idx_stream_is_compressed (IdxStream *stream);
/* The file's SHA-256 once it has been read to its end. */
const char *idx_stream_get_sha256 (IdxStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdxStream, idx_stream_free)
