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

/**
 * dlp_atomic_file_new:
 * @path: (transfer none): the destination
 * @error: (nullable): return location for an error
 *
 * Creates missing parent folders of @path and a temporary file beside it,
 * removing the temporary files of @path that a killed process left behind.
 *
 * Returns: (transfer full) (nullable): the file, free with
 *   dlp_atomic_file_free(); %NULL with @error set to DLP_ERROR_IO
 */
DLP_API DlpAtomicFile *dlp_atomic_file_new (const char *path, GError **error);

/**
 * dlp_atomic_file_get_stream:
 * @file: the file
 *
 * Returns: (transfer none): the temporary file's stream, for writers that
 *   want one, until dlp_atomic_file_commit(); do not close it
 */
DLP_API FILE *dlp_atomic_file_get_stream (DlpAtomicFile *file);

/**
 * dlp_atomic_file_get_path:
 * @file: the file
 *
 * Returns: (transfer none): the destination's path
 */
DLP_API const char *dlp_atomic_file_get_path (DlpAtomicFile *file);

/**
 * dlp_atomic_file_write:
 * @file: the file, not yet committed
 * @data: (transfer none): @size bytes
 * @size: the number of bytes
 * @error: (nullable): return location for an error
 *
 * Appends bytes to the temporary file.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_atomic_file_write (DlpAtomicFile *file, const void *data, gsize size,
                                        GError **error);

/**
 * dlp_atomic_file_printf:
 * @file: the file, not yet committed
 * @error: (nullable): return location for an error
 * @format: (transfer none): a printf() format
 * @...: its arguments
 *
 * Appends formatted text to the temporary file.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_atomic_file_printf (DlpAtomicFile *file, GError **error, const char *format,
                                         ...) G_GNUC_PRINTF (3, 4);

/**
 * dlp_atomic_file_commit:
 * @file: the file, not yet committed
 * @error: (nullable): return location for an error
 *
 * Flushes and syncs the temporary file and renames it over the
 * destination. Call it once; free the file after it either way.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO, the
 *   destination then unchanged
 */
DLP_API gboolean dlp_atomic_file_commit (DlpAtomicFile *file, GError **error);

/**
 * dlp_atomic_file_free:
 * @file: (nullable) (transfer full): the file
 *
 * Frees @file, removing the temporary file unless it was committed.
 */
DLP_API void dlp_atomic_file_free (DlpAtomicFile *file);

/**
 * dlp_write_file_atomic:
 * @path: (transfer none): the destination
 * @data: (transfer none): @size bytes
 * @size: the number of bytes
 * @error: (nullable): return location for an error
 *
 * Writes @path atomically in one call.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_write_file_atomic (const char *path, const void *data, gsize size,
                                        GError **error);

/**
 * dlp_write_json_atomic:
 * @path: (transfer none): the destination
 * @node: (transfer none): the JSON to write
 * @error: (nullable): return location for an error
 *
 * Writes @node atomically as pretty-printed JSON with a final newline.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_write_json_atomic (const char *path, JsonNode *node, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpAtomicFile, dlp_atomic_file_free)

G_END_DECLS
