/* dlp-atomic-file.h: outputs that appear whole or not at all.
 *
 * Data is written to a temporary file in the destination's folder, flushed
 * to disk, and renamed over the destination on commit. Freeing an
 * uncommitted file removes the temporary file. */
#pragma once

#include <stdio.h>
#include <json-glib/json-glib.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct _DlpAtomicFile DlpAtomicFile;

/* Creates missing parent folders and the temporary file, removing the
 * temporary files of @path that a killed process left behind. */
DLP_API DlpAtomicFile *dlp_atomic_file_new (const char *path, GError **error);
DLP_API FILE *dlp_atomic_file_get_stream (DlpAtomicFile *file);
DLP_API const char *dlp_atomic_file_get_path (DlpAtomicFile *file);
DLP_API gboolean dlp_atomic_file_write (DlpAtomicFile *file, const void *data,
                                        gsize size, GError **error);
DLP_API gboolean dlp_atomic_file_printf (DlpAtomicFile *file, GError **error,
                                         const char *format, ...)
  G_GNUC_PRINTF (3, 4);
/* Flushes, syncs and renames into place. */
DLP_API gboolean dlp_atomic_file_commit (DlpAtomicFile *file, GError **error);
DLP_API void dlp_atomic_file_free (DlpAtomicFile *file);

/* Writes @size bytes to @path atomically in one call. */
DLP_API gboolean dlp_write_file_atomic (const char *path, const void *data,
                                        gsize size, GError **error);
/* Writes @node as pretty-printed JSON with a final newline. */
DLP_API gboolean dlp_write_json_atomic (const char *path, JsonNode *node,
                                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpAtomicFile, dlp_atomic_file_free)

G_END_DECLS
