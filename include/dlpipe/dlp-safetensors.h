/* dlp-safetensors.h: reading and writing the safetensors file format.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON mapping
 * tensor names to {dtype, shape, data_offsets} (plus an optional
 * "__metadata__" object of strings), then the tensor data. */
#pragma once

#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

typedef struct _DlpSafetensors DlpSafetensors;

/**
 * dlp_safetensors_read:
 * @path: (transfer none): the file
 * @error: (nullable): return location for an error
 *
 * Validates the whole header (length, JSON, dtypes, shapes, byte counts,
 * offsets covering the data exactly, tensor after tensor) before touching
 * the data, then maps the file: tensors are read-only views of the
 * mapping, copied only when misaligned for their type.
 *
 * Returns: (transfer full) (nullable): the file's contents, free with
 *   dlp_safetensors_free(); %NULL with @error set to DLP_ERROR_IO
 *   (unreadable), DLP_ERROR_FORMAT (malformed) or DLP_ERROR_LIMIT (a
 *   header over DLP_LIMIT_HEADER_BYTES, a tensor over
 *   DLP_LIMIT_TENSOR_BYTES, JSON nested too deep); messages start with
 *   @path
 */
DLP_API DlpSafetensors *dlp_safetensors_read (const char *path, GError **error);

/**
 * dlp_safetensors_parse:
 * @bytes: (transfer none): a safetensors file in memory; the tensors take
 *   references to it
 * @what: (transfer none): what the bytes are, to begin messages with
 * @error: (nullable): return location for an error
 *
 * dlp_safetensors_read() for bytes already in memory.
 *
 * Returns: (transfer full) (nullable): the contents; %NULL with @error set
 *   to DLP_ERROR_FORMAT or DLP_ERROR_LIMIT, as dlp_safetensors_read()
 */
DLP_API DlpSafetensors *dlp_safetensors_parse (GBytes *bytes, const char *what, GError **error);

/**
 * dlp_safetensors_free:
 * @st: (nullable) (transfer full): the contents
 *
 * Frees @st; tensors that were referenced stay valid.
 */
DLP_API void dlp_safetensors_free (DlpSafetensors *st);

/**
 * dlp_safetensors_get_n_tensors:
 * @st: the contents
 *
 * Returns: the number of tensors
 */
DLP_API guint dlp_safetensors_get_n_tensors (const DlpSafetensors *st);

/**
 * dlp_safetensors_get_name:
 * @st: the contents
 * @index: below the number of tensors
 *
 * Returns: (transfer none): the name of the @index-th tensor in file order
 *   (by data offset)
 */
DLP_API const char *dlp_safetensors_get_name (const DlpSafetensors *st, guint index);

/**
 * dlp_safetensors_get_tensor:
 * @st: the contents
 * @name: (transfer none): a tensor's name
 *
 * Returns: (transfer none) (nullable): the tensor, valid while @st lives
 *   (take a reference to keep it longer); %NULL if absent
 */
DLP_API DlpTensor *dlp_safetensors_get_tensor (const DlpSafetensors *st, const char *name);

/**
 * dlp_safetensors_lookup:
 * @st: the contents
 * @name: (transfer none): a tensor's name
 * @error: (nullable): return location for an error
 *
 * Returns: (transfer none) (nullable): the tensor, as
 *   dlp_safetensors_get_tensor(); %NULL with @error set to
 *   DLP_ERROR_NOT_FOUND, naming the file
 */
DLP_API DlpTensor *dlp_safetensors_lookup (const DlpSafetensors *st, const char *name,
                                           GError **error);

/**
 * dlp_safetensors_get_metadata:
 * @st: the contents
 * @key: (transfer none): a key of __metadata__
 *
 * Returns: (transfer none) (nullable): its value, or %NULL
 */
DLP_API const char *dlp_safetensors_get_metadata (const DlpSafetensors *st, const char *key);

typedef struct _DlpSafetensorsWriter DlpSafetensorsWriter;

/**
 * dlp_safetensors_writer_new:
 *
 * Returns: (transfer full): an empty writer, free with
 *   dlp_safetensors_writer_free()
 */
DLP_API DlpSafetensorsWriter *dlp_safetensors_writer_new (void);

/**
 * dlp_safetensors_writer_free:
 * @writer: (nullable) (transfer full): the writer
 *
 * Frees @writer and drops its references to the tensors.
 */
DLP_API void dlp_safetensors_writer_free (DlpSafetensorsWriter *writer);

/**
 * dlp_safetensors_writer_add:
 * @writer: the writer
 * @name: (transfer none): the tensor's name, copied
 * @tensor: (transfer none): the tensor; the writer takes its own reference
 * @error: (nullable): return location for an error
 *
 * Adds a tensor to write.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FAILED (a
 *   name that is empty, "__metadata__", not UTF-8, or added before)
 */
DLP_API gboolean dlp_safetensors_writer_add (DlpSafetensorsWriter *writer, const char *name,
                                             DlpTensor *tensor, GError **error);

/**
 * dlp_safetensors_writer_set_metadata:
 * @writer: the writer
 * @key: (transfer none): a key of __metadata__, copied
 * @value: (transfer none): its value, copied; replaces an earlier one
 */
DLP_API void dlp_safetensors_writer_set_metadata (DlpSafetensorsWriter *writer, const char *key,
                                                  const char *value);

/**
 * dlp_safetensors_writer_write:
 * @writer: the writer
 * @path: (transfer none): the file to write
 * @error: (nullable): return location for an error
 *
 * Writes the tensors, by decreasing element size so that each starts
 * aligned, through a temporary file next to @path renamed into place:
 * @path holds either its old contents or the complete new file.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_safetensors_writer_write (DlpSafetensorsWriter *writer, const char *path,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSafetensors, dlp_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSafetensorsWriter, dlp_safetensors_writer_free)

G_END_DECLS
