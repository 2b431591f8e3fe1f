/* dataset.c: DlpDataset, named columns sharing a row count. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-dataset.h>
#include "sdk-private.h"

typedef struct {
  char *name;
  DlpTensor *tensor;
  DlpColumnRole role;
  GStrv categories; /* NULL for numeric columns */
  guint n_categories;
} Column;

struct _DlpDataset {
  gatomicrefcount ref_count;
  gint64 n_rows;
  GPtrArray *columns; /* of Column */
  JsonObject *metadata;
};

static const char *const role_names[] = {
  [DLP_COLUMN_FEATURE] = "feature",
  [DLP_COLUMN_LABEL] = "label",
  [DLP_COLUMN_AUXILIARY] = "auxiliary",
};

const char *
dlp_column_role_name (DlpColumnRole role)
{
  g_return_val_if_fail (role <= DLP_COLUMN_AUXILIARY, "?");
  return role_names[role];
}

gboolean
dlp_column_role_from_name (const char *name, DlpColumnRole *role_out)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_strcmp0 (name, role_names[i]) == 0)
      {
        *role_out = (DlpColumnRole) i;
        return TRUE;
      }
  return FALSE;
}

static void
column_free (gpointer data)
{
  Column *c = data;
  g_free (c->name);
  dlp_tensor_unref (c->tensor);
  g_strfreev (c->categories);
  g_free (c);
}

DlpDataset *
dlp_dataset_new (gint64 n_rows)
{
  g_return_val_if_fail (n_rows >= 0, NULL);
  DlpDataset *ds = g_new0 (DlpDataset, 1);
  g_atomic_ref_count_init (&ds->ref_count);
  ds->n_rows = n_rows;
  ds->columns = g_ptr_array_new_with_free_func (column_free);
  ds->metadata = json_object_new ();
  return ds;
}

DlpDataset *
dlp_dataset_ref (DlpDataset *dataset)
{
  g_atomic_ref_count_inc (&dataset->ref_count);
  return dataset;
}

void
dlp_dataset_unref (DlpDataset *dataset)
{
  if (dataset == NULL || !g_atomic_ref_count_dec (&dataset->ref_count))
    return;
  g_ptr_array_unref (dataset->columns);
  json_object_unref (dataset->metadata);
  g_free (dataset);
}

gint64
dlp_dataset_get_n_rows (const DlpDataset *dataset)
{
  return dataset->n_rows;
}

guint
dlp_dataset_get_n_columns (const DlpDataset *dataset)
{
  return dataset->columns->len;
}

static Column *
column_at (const DlpDataset *dataset, guint index)
{
  g_return_val_if_fail (index < dataset->columns->len, NULL);
  return g_ptr_array_index (dataset->columns, index);
}

int
dlp_dataset_find_column (const DlpDataset *dataset, const char *name)
{
  for (guint i = 0; i < dataset->columns->len; i++)
    if (strcmp (column_at (dataset, i)->name, name) == 0)
      return (int) i;
  return -1;
}

int
dlp_dataset_lookup_column (const DlpDataset *dataset, const char *name, GError **error)
{
  int index = dlp_dataset_find_column (dataset, name);
  if (index >= 0)
    return index;
  g_autoptr (GString) known = g_string_new (NULL);
  for (guint i = 0; i < dataset->columns->len; i++)
    g_string_append_printf (known, "%s%s", i ? ", " : "", column_at (dataset, i)->name);
  g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no column named '%s' (columns: %s)", name,
               known->len ? known->str : "none");
  return -1;
}

static gboolean check_shape (DlpDataset *dataset, const char *name, DlpTensor *tensor,
                             GError **error);

static gboolean
check_new_column (DlpDataset *dataset, const char *name, DlpTensor *tensor, GError **error)
{
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, DLP_ERROR, DLP_ERROR_FAILED, "a column needs a non-empty name");
      return FALSE;
    }
  if (dlp_dataset_find_column (dataset, name) >= 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "the dataset already has a column named '%s'", name);
      return FALSE;
    }
  return check_shape (dataset, name, tensor, error);
}

static gboolean
check_shape (DlpDataset *dataset, const char *name, DlpTensor *tensor, GError **error)
{
  if (dlp_tensor_get_rank (tensor) == 0 || dlp_tensor_get_dim (tensor, 0) != dataset->n_rows)
    {
      g_autofree char *shape =
        dlp_shape_to_string (dlp_tensor_get_rank (tensor), dlp_tensor_get_shape (tensor));
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "column '%s' has shape %s; expected %" G_GINT64_FORMAT " rows first", name,
                   shape, dataset->n_rows);
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_dataset_add_column (DlpDataset *dataset, const char *name, DlpTensor *tensor,
                        DlpColumnRole role, GError **error)
{
  if (!check_new_column (dataset, name, tensor, error))
    return FALSE;
  Column *c = g_new0 (Column, 1);
  c->name = g_strdup (name);
  c->tensor = dlp_tensor_ref (tensor);
  c->role = role;
  g_ptr_array_add (dataset->columns, c);
  return TRUE;
}

gboolean
dlp_dataset_add_categorical (DlpDataset *dataset, const char *name, DlpTensor *codes,
                             const char *const *categories, guint n_categories, DlpColumnRole role,
                             GError **error)
{
  if (!check_new_column (dataset, name, codes, error))
    return FALSE;
  if (dlp_tensor_get_dtype (codes) != DLP_DTYPE_I32 || dlp_tensor_get_rank (codes) != 1)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "categorical column '%s' must hold one int32 code per row", name);
      return FALSE;
    }
  const gint32 *v = dlp_tensor_get_data (codes);
  for (gint64 i = 0; i < dataset->n_rows; i++)
    if (v[i] < -1 || v[i] >= (gint64) n_categories)
      {
        g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                     "categorical column '%s', row %" G_GINT64_FORMAT ": code %d is outside -1..%u",
                     name, i, v[i], n_categories - 1);
        return FALSE;
      }
  Column *c = g_new0 (Column, 1);
  c->name = g_strdup (name);
  c->tensor = dlp_tensor_ref (codes);
  c->role = role;
  c->categories = g_new0 (char *, n_categories + 1);
  for (guint i = 0; i < n_categories; i++)
    c->categories[i] = g_strdup (categories[i]);
  c->n_categories = n_categories;
  g_ptr_array_add (dataset->columns, c);
  return TRUE;
}

gboolean
dlp_dataset_remove_column (DlpDataset *dataset, const char *name, GError **error)
{
  int index = dlp_dataset_lookup_column (dataset, name, error);
  if (index < 0)
    return FALSE;
  g_ptr_array_remove_index (dataset->columns, (guint) index);
  return TRUE;
}

gboolean
dlp_dataset_replace_column (DlpDataset *dataset, guint index, DlpTensor *tensor, GError **error)
{
  Column *c = column_at (dataset, index);
  const char *name = c->name;
  if (!check_shape (dataset, name, tensor, error))
    return FALSE;
  if (c->categories
      && (dlp_tensor_get_dtype (tensor) != DLP_DTYPE_I32 || dlp_tensor_get_rank (tensor) != 1))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "categorical column '%s' must hold one int32 code per row", name);
      return FALSE;
    }
  dlp_tensor_ref (tensor);
  dlp_tensor_unref (c->tensor);
  c->tensor = tensor;
  return TRUE;
}

const char *
dlp_dataset_get_column_name (const DlpDataset *dataset, guint index)
{
  return column_at (dataset, index)->name;
}

DlpTensor *
dlp_dataset_get_column_tensor (const DlpDataset *dataset, guint index)
{
  return column_at (dataset, index)->tensor;
}

DlpColumnRole
dlp_dataset_get_column_role (const DlpDataset *dataset, guint index)
{
  return column_at (dataset, index)->role;
}

void
dlp_dataset_set_column_role (DlpDataset *dataset, guint index, DlpColumnRole role)
{
  column_at (dataset, index)->role = role;
}

const char *const *
dlp_dataset_get_column_categories (const DlpDataset *dataset, guint index, guint *n_categories_out)
{
  Column *c = column_at (dataset, index);
  if (n_categories_out)
    *n_categories_out = c->n_categories;
  return (const char *const *) c->categories;
}

gboolean
dlp_dataset_column_is_categorical (const DlpDataset *dataset, guint index)
{
  return column_at (dataset, index)->categories != NULL;
}

int
dlp_dataset_get_label_column (const DlpDataset *dataset)
{
  for (guint i = 0; i < dataset->columns->len; i++)
    if (column_at (dataset, i)->role == DLP_COLUMN_LABEL)
      return (int) i;
  return -1;
}

JsonObject *
dlp_dataset_get_metadata (DlpDataset *dataset)
{
  return dataset->metadata;
}

/* A column like @c over @tensor. */
static Column *
column_like (const Column *c, DlpTensor *tensor)
{
  Column *copy = g_new0 (Column, 1);
  copy->name = g_strdup (c->name);
  copy->tensor = tensor;
  copy->role = c->role;
  copy->categories = g_strdupv (c->categories);
  copy->n_categories = c->n_categories;
  return copy;
}

static DlpDataset *
dataset_like (const DlpDataset *dataset, gint64 n_rows)
{
  DlpDataset *out = dlp_dataset_new (n_rows);
  json_object_unref (out->metadata);
  out->metadata = dlp_json_object_deep_copy (dataset->metadata);
  return out;
}

DlpDataset *
dlp_dataset_copy (const DlpDataset *dataset)
{
  DlpDataset *out = dataset_like (dataset, dataset->n_rows);
  for (guint i = 0; i < dataset->columns->len; i++)
    {
      Column *c = column_at (dataset, i);
      g_ptr_array_add (out->columns, column_like (c, dlp_tensor_ref (c->tensor)));
    }
  return out;
}

DlpDataset *
dlp_dataset_take_rows (const DlpDataset *dataset, const gint64 *rows, gsize n_rows, GError **error)
{
  g_autoptr (DlpDataset) out = dataset_like (dataset, (gint64) n_rows);
  for (guint i = 0; i < dataset->columns->len; i++)
    {
      Column *c = column_at (dataset, i);
      DlpTensor *t = dlp_tensor_take_rows (c->tensor, rows, n_rows, error);
      if (t == NULL)
        {
          g_prefix_error (error, "column '%s': ", c->name);
          return NULL;
        }
      g_ptr_array_add (out->columns, column_like (c, t));
    }
  return g_steal_pointer (&out);
}

DlpDataset *
dlp_dataset_take_range (DlpDataset *dataset, gint64 start, gint64 n_rows, GError **error)
{
  g_return_val_if_fail (start >= 0 && n_rows >= 0 && start + n_rows <= dataset->n_rows, NULL);
  if (start == 0 && n_rows == dataset->n_rows)
    return dlp_dataset_ref (dataset);
  g_autofree gint64 *rows = g_new (gint64, n_rows + 1);
  for (gint64 r = 0; r < n_rows; r++)
    rows[r] = start + r;
  return dlp_dataset_take_rows (dataset, rows, (gsize) n_rows, error);
}
