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

DLP_API const char *dlp_column_role_name (DlpColumnRole role);
DLP_API gboolean dlp_column_role_from_name (const char *name,
                                            DlpColumnRole *role_out);

DLP_API DlpDataset *dlp_dataset_new (gint64 n_rows);
DLP_API DlpDataset *dlp_dataset_ref (DlpDataset *dataset);
DLP_API void dlp_dataset_unref (DlpDataset *dataset);

DLP_API gint64 dlp_dataset_get_n_rows (const DlpDataset *dataset);
DLP_API guint dlp_dataset_get_n_columns (const DlpDataset *dataset);

/* Adds a numeric column. Numeric columns mark missing values with NaN.
 * The tensor's first dimension must equal the row count. */
DLP_API gboolean dlp_dataset_add_column (DlpDataset *dataset, const char *name,
                                         DlpTensor *tensor, DlpColumnRole role,
                                         GError **error);
/* Adds a categorical column: int32 codes into @categories, -1 = missing. */
DLP_API gboolean dlp_dataset_add_categorical (DlpDataset *dataset,
                                              const char *name,
                                              DlpTensor *codes,
                                              const char *const *categories,
                                              guint n_categories,
                                              DlpColumnRole role,
                                              GError **error);
DLP_API gboolean dlp_dataset_remove_column (DlpDataset *dataset,
                                            const char *name, GError **error);
/* Replaces a column's tensor, keeping its name, role and categories. */
DLP_API gboolean dlp_dataset_replace_column (DlpDataset *dataset, guint index,
                                             DlpTensor *tensor, GError **error);

/* Index of the column called @name, or -1. */
DLP_API int dlp_dataset_find_column (const DlpDataset *dataset,
                                     const char *name);
/* Like find_column, but a missing column is an error listing the others. */
DLP_API int dlp_dataset_lookup_column (const DlpDataset *dataset,
                                       const char *name, GError **error);
DLP_API const char *dlp_dataset_get_column_name (const DlpDataset *dataset,
                                                 guint index);
DLP_API DlpTensor *dlp_dataset_get_column_tensor (const DlpDataset *dataset,
                                                  guint index);
DLP_API DlpColumnRole dlp_dataset_get_column_role (const DlpDataset *dataset,
                                                   guint index);
DLP_API void dlp_dataset_set_column_role (DlpDataset *dataset, guint index,
                                          DlpColumnRole role);
/* The category names of a categorical column, NULL for a numeric one. */
DLP_API const char *const *dlp_dataset_get_column_categories (
  const DlpDataset *dataset, guint index, guint *n_categories_out);
DLP_API gboolean dlp_dataset_column_is_categorical (const DlpDataset *dataset,
                                                    guint index);
/* Index of the (first) label column, or -1. */
DLP_API int dlp_dataset_get_label_column (const DlpDataset *dataset);

/* Free-form metadata (provenance, fitted statistics) saved with the data. */
DLP_API JsonObject *dlp_dataset_get_metadata (DlpDataset *dataset);

/* A new dataset with the same columns, sharing their tensors, and its own
 * copy of the metadata: the starting point of a transform, which replaces
 * the columns it changes (dlp_dataset_replace_column) rather than writing
 * into shared tensors. */
DLP_API DlpDataset *dlp_dataset_copy (const DlpDataset *dataset);

/* A new dataset of the given rows of every column; metadata is copied. */
DLP_API DlpDataset *dlp_dataset_take_rows (const DlpDataset *dataset,
                                           const gint64 *rows, gsize n_rows,
                                           GError **error);

/* Saves as one safetensors file (written atomically), schema and metadata in
 * its __metadata__; loads such a file, mapping it instead of copying it. */
DLP_API gboolean dlp_dataset_save (DlpDataset *dataset, const char *path,
                                   GError **error);
DLP_API DlpDataset *dlp_dataset_load (const char *path, GError **error);
/* The same for a dataset file already in memory; @what names it in errors. */
DLP_API DlpDataset *dlp_dataset_load_bytes (GBytes *bytes, const char *what,
                                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpDataset, dlp_dataset_unref)

G_END_DECLS
