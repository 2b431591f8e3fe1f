/* dlp-limits.h: resource limits that hostile input cannot get past.
 *
 * Each limit has a default and an environment variable that raises (or
 * lowers) it, named in the error a parser gives when the limit is hit:
 *   params.yaml:3: document expands to more nodes than 100000
 *   (raise the limit with DLPIPE_LIMIT_YAML_NODES)
 * Values are read once per process. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef enum {
  DLP_LIMIT_YAML_NODES,      /* nodes of a YAML document, aliases expanded */
  DLP_LIMIT_YAML_DEPTH,      /* nesting depth of YAML and JSON documents */
  DLP_LIMIT_TENSOR_BYTES,    /* bytes of one tensor read from a file */
  DLP_LIMIT_HEADER_BYTES,    /* bytes of a safetensors header */
  DLP_LIMIT_CSV_FIELD_BYTES, /* bytes of one CSV field */
  DLP_LIMIT_CSV_ROW_BYTES,   /* bytes of one CSV record */
  DLP_LIMIT_GZIP_RATIO,      /* decompressed bytes per compressed byte */
  DLP_LIMIT_HTTP_BODY_BYTES, /* bytes of an HTTP request or response body */
  DLP_LIMIT_MODEL_PARAMS,    /* parameters of one model */
  DLP_LIMIT_YAML_BYTES,      /* scalar text of a YAML document, aliases expanded;
                               * Since: API level 2 */
} DlpLimit;

#define DLP_N_LIMITS (DLP_LIMIT_YAML_BYTES + 1)

/**
 * dlp_limit_get:
 * @limit: a limit
 *
 * Returns: the limit in force: its environment variable's value if that
 *   is a positive integer (for the nesting depth, 2000 at most), else the
 *   default
 */
DLP_API guint64 dlp_limit_get (DlpLimit limit);

/**
 * dlp_limit_env_name:
 * @limit: a limit
 *
 * Returns: (transfer none): the variable that sets it
 *   ("DLPIPE_LIMIT_YAML_NODES"), "?" for a value outside DlpLimit
 */
DLP_API const char *dlp_limit_env_name (DlpLimit limit);

/**
 * dlp_limit_set_error:
 * @error: (nullable): return location for an error
 * @limit: the limit that was hit
 * @what: (transfer none): what was being read, to begin the message with
 * @format: (transfer none): a printf() format for what was too big
 * @...: its arguments
 *
 * Sets @error to DLP_ERROR_LIMIT, "WHAT: MESSAGE (raise the limit with
 * NAME)".
 */
DLP_API void dlp_limit_set_error (GError **error, DlpLimit limit, const char *what,
                                  const char *format, ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
