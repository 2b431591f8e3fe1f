/* dlp-error.h: the SDK's GError domains. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

#define DLP_ERROR (dlp_error_quark ())

/**
 * DlpError:
 * @DLP_ERROR_FAILED: anything not covered below
 * @DLP_ERROR_CONFIG: a value in params.yaml or on the command line is wrong
 * @DLP_ERROR_FORMAT: a file's contents are malformed
 * @DLP_ERROR_IO: reading or writing a file failed
 * @DLP_ERROR_SHAPE: tensor shapes disagree
 * @DLP_ERROR_DTYPE: a tensor has the wrong element type
 * @DLP_ERROR_NOT_FOUND: a named thing (type, column, key) does not exist
 * @DLP_ERROR_NOT_SUPPORTED: valid, but not supported by this version
 * @DLP_ERROR_CANCELLED: stopped on request (SIGINT, SIGTERM)
 * @DLP_ERROR_NETWORK: a network operation failed
 * @DLP_ERROR_LIMIT: an input exceeds a configured resource limit
 */
typedef enum {
  DLP_ERROR_FAILED,
  DLP_ERROR_CONFIG,
  DLP_ERROR_FORMAT,
  DLP_ERROR_IO,
  DLP_ERROR_SHAPE,
  DLP_ERROR_DTYPE,
  DLP_ERROR_NOT_FOUND,
  DLP_ERROR_NOT_SUPPORTED,
  DLP_ERROR_CANCELLED,
  DLP_ERROR_NETWORK,
  DLP_ERROR_LIMIT,
} DlpError;

#define DLP_LOADER_ERROR (dlp_loader_error_quark ())

/**
 * DlpLoaderError: why a plugin file was refused.
 * @DLP_LOADER_ERROR_OPEN: the file could not be opened as a shared object
 * @DLP_LOADER_ERROR_NO_ENTRY: it does not export dlp_plugin_NAME_get_desc
 * @DLP_LOADER_ERROR_ABI: its ABI version differs from the host's
 * @DLP_LOADER_ERROR_API_LEVEL: it needs a newer API level than the host has
 * @DLP_LOADER_ERROR_SIGNATURE: it was built for a different platform layout
 * @DLP_LOADER_ERROR_NAME_MISMATCH: its descriptor name is not its file name
 * @DLP_LOADER_ERROR_INVALID: a descriptor or class misses a required field
 * @DLP_LOADER_ERROR_DUPLICATE: a type or plugin of that name already exists
 * @DLP_LOADER_ERROR_INIT_FAILED: its init function reported failure
 */
typedef enum {
  DLP_LOADER_ERROR_OPEN,
  DLP_LOADER_ERROR_NO_ENTRY,
  DLP_LOADER_ERROR_ABI,
  DLP_LOADER_ERROR_API_LEVEL,
  DLP_LOADER_ERROR_SIGNATURE,
  DLP_LOADER_ERROR_NAME_MISMATCH,
  DLP_LOADER_ERROR_INVALID,
  DLP_LOADER_ERROR_DUPLICATE,
  DLP_LOADER_ERROR_INIT_FAILED,
} DlpLoaderError;

/**
 * dlp_error_quark:
 *
 * Returns: the GError domain DLP_ERROR
 */
DLP_API GQuark dlp_error_quark (void);

/**
 * dlp_loader_error_quark:
 *
 * Returns: the GError domain DLP_LOADER_ERROR
 */
DLP_API GQuark dlp_loader_error_quark (void);

/**
 * dlp_set_io_error:
 * @error: (nullable): return location for an error
 * @errsv: the errno of the failed call
 * @action: what failed, as a verb ("create", "write")
 * @path: the file or folder
 *
 * Sets @error to DLP_ERROR_IO "cannot ACTION PATH: " and the text of
 * @errsv, so that every failed file operation reads alike.
 *
 * Returns: %FALSE, for `return dlp_set_io_error (...)`
 *
 * Since: API level 2
 */
DLP_API gboolean dlp_set_io_error (GError **error, int errsv, const char *action, const char *path);

G_END_DECLS
