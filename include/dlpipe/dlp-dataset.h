/* dlp-dataset.h: named columns that share a row count. */
#pragma once

#include <json-glib/json-glib.h>
#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

/* What a column is for. Auxiliary columns (row ids, the file a row came
 * from) travel with the data but are neither features nor labels. */
typedef enum {
  DLP_COLUMN_FEATURE,
  DLP_COLUMN_LABEL,
  DLP_COLUMN_AUXILIARY,
} DlpColumnRole;

typedef struct _DlpDataset DlpDataset;

/**
 * dlp_column_role_name:
 * @role: a role
 *
 * Returns: (transfer none): "feature", "label" or "auxiliary"; "?" for a
 *   value outside DlpColumnRole
 */
DLP_API const char *dlp_column_role_name (DlpColumnRole role);

/**
 * dlp_column_role_from_name:
 * @name: (transfer none) (nullable): a role's name
 * @role_out: return location for the role
 *
 * Returns: %TRUE and sets *@role_out if @name names a role; %FALSE
 *   otherwise, leaving it unchanged
 */
DLP_API gboolean dlp_column_role_from_name (const char *name, DlpColumnRole *role_out);

/**
 * dlp_dataset_new:
 * @n_rows: the row count every column will have, 0 or more
 *
 * Makes a dataset without columns and with empty metadata.
 *
 * Returns: (transfer full): the dataset
 */
DLP_API DlpDataset *dlp_dataset_new (gint64 n_rows);

/**
 * dlp_dataset_ref:
 * @dataset: the dataset
 *
 * Takes a reference; any thread may.
 *
 * Returns: (transfer full): @dataset
 */
DLP_API DlpDataset *dlp_dataset_ref (DlpDataset *dataset);

/**
 * dlp_dataset_unref:
 * @dataset: (nullable) (transfer full): the dataset
 *
 * Drops a reference, freeing the dataset with the last one.
 */
DLP_API void dlp_dataset_unref (DlpDataset *dataset);

/**
 * dlp_dataset_get_n_rows:
 * @dataset: the dataset
 *
 * Returns: the row count
 */
DLP_API gint64 dlp_dataset_get_n_rows (const DlpDataset *dataset);

/**
 * dlp_dataset_get_n_columns:
 * @dataset: the dataset
 *
 * Returns: the number of columns
 */
DLP_API guint dlp_dataset_get_n_columns (const DlpDataset *dataset);

/**
 * dlp_dataset_add_column:
 * @dataset: the dataset
 * @name: (transfer none): the column's name, copied
 * @tensor: (transfer none): the column's values, the row count first in its
 *   shape; the dataset takes its own reference
 * @role: what the column is for
 * @error: (nullable): return location for an error
 *
 * Adds a numeric column at the end. Numeric columns mark missing values
 * with NaN.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FAILED (an
 *   empty name, or one the dataset has) or DLP_ERROR_SHAPE (a scalar, or
 *   another row count)
 */
DLP_API gboolean dlp_dataset_add_column (DlpDataset *dataset, const char *name, DlpTensor *tensor,
                                         DlpColumnRole role, GError **error);

/**
 * dlp_dataset_add_categorical:
 * @dataset: the dataset
 * @name: (transfer none): the column's name, copied
 * @codes: (transfer none): one int32 code per row into @categories, -1 for
 *   missing; the dataset takes its own reference
 * @categories: (transfer none): @n_categories names, copied
 * @n_categories: the number of categories
 * @role: what the column is for
 * @error: (nullable): return location for an error
 *
 * Adds a categorical column at the end.
 *
 * Returns: %TRUE on success; %FALSE with @error set as
 *   dlp_dataset_add_column() sets it, or to DLP_ERROR_DTYPE (@codes is not
 *   one int32 per row) or DLP_ERROR_FORMAT (a code outside
 *   -1..@n_categories - 1)
 */
DLP_API gboolean dlp_dataset_add_categorical (DlpDataset *dataset, const char *name,
                                              DlpTensor *codes, const char *const *categories,
                                              guint n_categories, DlpColumnRole role,
                                              GError **error);

/**
 * dlp_dataset_remove_column:
 * @dataset: the dataset
 * @name: (transfer none): the column's name
 * @error: (nullable): return location for an error
 *
 * Removes a column; the columns after it move up.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_NOT_FOUND
 *   (no such column; the message lists the others)
 */
DLP_API gboolean dlp_dataset_remove_column (DlpDataset *dataset, const char *name, GError **error);

/**
 * dlp_dataset_replace_column:
 * @dataset: the dataset
 * @index: the column, below the column count
 * @tensor: (transfer none): the new values; the dataset takes its own
 *   reference and drops the old tensor's
 * @error: (nullable): return location for an error
 *
 * Replaces a column's tensor, keeping its name, role and categories.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_SHAPE
 *   (another row count) or DLP_ERROR_DTYPE (a categorical column given
 *   other than one int32 per row)
 */
DLP_API gboolean dlp_dataset_replace_column (DlpDataset *dataset, guint index, DlpTensor *tensor,
                                             GError **error);

/**
 * dlp_dataset_find_column:
 * @dataset: the dataset
 * @name: (transfer none): a column's name
 *
 * Returns: the index of the column called @name, or -1
 */
DLP_API int dlp_dataset_find_column (const DlpDataset *dataset, const char *name);

/**
 * dlp_dataset_lookup_column:
 * @dataset: the dataset
 * @name: (transfer none): a column's name
 * @error: (nullable): return location for an error
 *
 * Returns: the index of the column called @name; -1 with @error set to
 *   DLP_ERROR_NOT_FOUND (the message lists the columns there are)
 */
DLP_API int dlp_dataset_lookup_column (const DlpDataset *dataset, const char *name, GError **error);

/**
 * dlp_dataset_get_column_name:
 * @dataset: the dataset
 * @index: the column, below the column count
 *
 * Returns: (transfer none): its name
 */
DLP_API const char *dlp_dataset_get_column_name (const DlpDataset *dataset, guint index);

/**
 * dlp_dataset_get_column_tensor:
 * @dataset: the dataset
 * @index: the column, below the column count
 *
 * Returns: (transfer none): its values, valid until the column is replaced
 *   or removed; take a reference to keep them longer, and do not write
 *   into them (other datasets may share them)
 */
DLP_API DlpTensor *dlp_dataset_get_column_tensor (const DlpDataset *dataset, guint index);

/**
 * dlp_dataset_get_column_role:
 * @dataset: the dataset
 * @index: the column, below the column count
 *
 * Returns: its role
 */
DLP_API DlpColumnRole dlp_dataset_get_column_role (const DlpDataset *dataset, guint index);

/**
 * dlp_dataset_set_column_role:
 * @dataset: the dataset
 * @index: the column, below the column count
 * @role: its new role
 */
DLP_API void dlp_dataset_set_column_role (DlpDataset *dataset, guint index, DlpColumnRole role);

/**
 * dlp_dataset_get_column_categories:
 * @dataset: the dataset
 * @index: the column, below the column count
 * @n_categories_out: (nullable): return location for the number of
 *   categories
 *
 * Returns: (transfer none) (nullable): the category names of a categorical
 *   column, NULL-terminated; %NULL for a numeric one
 */
DLP_API const char *const *dlp_dataset_get_column_categories (const DlpDataset *dataset,
                                                              guint index, guint *n_categories_out);

/**
 * dlp_dataset_column_is_categorical:
 * @dataset: the dataset
 * @index: the column, below the column count
 *
 * Returns: %TRUE for a categorical column
 */
DLP_API gboolean dlp_dataset_column_is_categorical (const DlpDataset *dataset, guint index);

/**
 * dlp_dataset_get_label_column:
 * @dataset: the dataset
 *
 * Returns: the index of the first label column, or -1
 */
DLP_API int dlp_dataset_get_label_column (const DlpDataset *dataset);

/**
 * dlp_dataset_get_metadata:
 * @dataset: the dataset
 *
 * The free-form metadata (provenance, fitted statistics) saved with the
 * data; change it in place.
 *
 * Returns: (transfer none): the metadata object
 */
DLP_API JsonObject *dlp_dataset_get_metadata (DlpDataset *dataset);

/**
 * dlp_dataset_copy:
 * @dataset: the dataset
 *
 * Makes a dataset with the same columns, sharing their tensors, and its
 * own copy of the metadata: the starting point of a transform, which
 * replaces the columns it changes (dlp_dataset_replace_column) rather than
 * writing into shared tensors.
 *
 * Returns: (transfer full): the copy
 */
DLP_API DlpDataset *dlp_dataset_copy (const DlpDataset *dataset);

/**
 * dlp_dataset_take_rows:
 * @dataset: the dataset
 * @rows: @n_rows row indices, in any order, repeats allowed
 * @n_rows: the number of rows to take
 * @error: (nullable): return location for an error
 *
 * Makes a dataset of the given rows of every column, with a copy of the
 * metadata.
 *
 * Returns: (transfer full) (nullable): the dataset; %NULL with @error set
 *   as dlp_tensor_take_rows() sets it, the message naming the column
 */
DLP_API DlpDataset *dlp_dataset_take_rows (const DlpDataset *dataset, const gint64 *rows,
                                           gsize n_rows, GError **error);

/**
 * dlp_dataset_take_range:
 * @dataset: the dataset
 * @start: the first row, at least 0
 * @n_rows: the number of rows from @start, within the dataset's
 * @error: (nullable): return location for an error
 *
 * Makes a dataset of rows @start to @start + @n_rows - 1 of every
 * column, as dlp_dataset_take_rows() does; all the rows are @dataset
 * itself, with one more reference.
 *
 * Returns: (transfer full) (nullable): the dataset; %NULL with @error set
 *   as dlp_dataset_take_rows() sets it
 * Since: API level 4
 */
DLP_API DlpDataset *dlp_dataset_take_range (DlpDataset *dataset, gint64 start, gint64 n_rows,
                                            GError **error);

/**
 * dlp_dataset_save:
 * @dataset: the dataset
 * @path: (transfer none): the file to write
 * @error: (nullable): return location for an error
 *
 * Saves the dataset as one safetensors file, schema and metadata in its
 * __metadata__, written atomically (docs/architecture.md).
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FAILED (a
 *   column name safetensors cannot hold: "__metadata__", or not UTF-8) or
 *   DLP_ERROR_IO
 */
DLP_API gboolean dlp_dataset_save (DlpDataset *dataset, const char *path, GError **error);

/**
 * dlp_dataset_load:
 * @path: (transfer none): a file dlp_dataset_save() wrote
 * @error: (nullable): return location for an error
 *
 * Loads a dataset file, mapping it instead of copying it; the columns are
 * read-only views of the mapping.
 *
 * Returns: (transfer full) (nullable): the dataset; %NULL with @error set to
 *   DLP_ERROR_IO (unreadable), DLP_ERROR_FORMAT (not a safetensors file, not
 *   a dlpipe dataset, a malformed schema or category code),
 *   DLP_ERROR_NOT_SUPPORTED (another dataset format version),
 *   DLP_ERROR_LIMIT (a size over its limit), DLP_ERROR_NOT_FOUND (a column
 *   without its tensor), or as dlp_dataset_add_column() and
 *   dlp_dataset_add_categorical() set it; messages start with @path
 */
DLP_API DlpDataset *dlp_dataset_load (const char *path, GError **error);

/**
 * dlp_dataset_load_bytes:
 * @bytes: (transfer none): a dataset file in memory; the columns take
 *   references to it
 * @what: (transfer none): what the bytes are, to begin messages with
 * @error: (nullable): return location for an error
 *
 * dlp_dataset_load() for a file already in memory.
 *
 * Returns: (transfer full) (nullable): the dataset; %NULL with @error set as
 *   dlp_dataset_load() sets it, but for DLP_ERROR_IO
 */
DLP_API DlpDataset *dlp_dataset_load_bytes (GBytes *bytes, const char *what, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpDataset, dlp_dataset_unref)

G_END_DECLS
