/* dlp-safetensors.h: reading and writing the safetensors file format.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON mapping
 * tensor names to {dtype, shape, data_offsets} (plus an optional
 * "__metadata__" object of strings), then the tensor data. */
#pragma once

#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

typedef struct _DlpSafetensors DlpSafetensors;

/* Validates the whole header (length, JSON, dtypes, shapes, byte counts,
 * offsets inside the data and not overlapping) before touching the data,
 * then maps the file: tensors are read-only views of the mapping. Headers
 * and tensors larger than DLP_LIMIT_HEADER_BYTES and DLP_LIMIT_TENSOR_BYTES
 * are refused. */
DLP_API DlpSafetensors *dlp_safetensors_read (const char *path, GError **error);
/* The same over bytes already in memory; @what names them in errors. */
DLP_API DlpSafetensors *dlp_safetensors_parse (GBytes *bytes, const char *what,
                                               GError **error);
DLP_API void dlp_safetensors_free (DlpSafetensors *st);

DLP_API guint dlp_safetensors_get_n_tensors (const DlpSafetensors *st);
/* Names in file order (by data offset). */
DLP_API const char *dlp_safetensors_get_name (const DlpSafetensors *st,
                                              guint index);
/* Borrowed; NULL if absent. */
DLP_API DlpTensor *dlp_safetensors_get_tensor (const DlpSafetensors *st,
                                               const char *name);
/* Like get_tensor, but a missing name is an error naming the file. */
DLP_API DlpTensor *dlp_safetensors_lookup (const DlpSafetensors *st,
                                           const char *name, GError **error);
/* A value of __metadata__, or NULL. */
DLP_API const char *dlp_safetensors_get_metadata (const DlpSafetensors *st,
                                                  const char *key);

typedef struct _DlpSafetensorsWriter DlpSafetensorsWriter;

DLP_API DlpSafetensorsWriter *dlp_safetensors_writer_new (void);
DLP_API void dlp_safetensors_writer_free (DlpSafetensorsWriter *writer);
/* Takes a reference on @tensor. Names must be unique and not "__metadata__". */
DLP_API gboolean dlp_safetensors_writer_add (DlpSafetensorsWriter *writer,
                                             const char *name,
                                             DlpTensor *tensor,
                                             GError **error);
DLP_API void dlp_safetensors_writer_set_metadata (DlpSafetensorsWriter *writer,
                                                  const char *key,
                                                  const char *value);
/* Writes a temporary file next to @path and renames it into place, so
 * @path holds either its old contents or the complete new file. */
DLP_API gboolean dlp_safetensors_writer_write (DlpSafetensorsWriter *writer,
                                               const char *path,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSafetensors, dlp_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSafetensorsWriter, dlp_safetensors_writer_free)

G_END_DECLS
