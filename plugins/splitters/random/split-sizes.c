/* split-sizes.c: part sizes and per-class shares. */
#include <math.h>
#include <stdlib.h>
#include "split-sizes.h"

gboolean
split_size (DlpConfig *config, const char *key, gint64 n_rows, gboolean allow_zero, gint64 *out,
            GError **error)
{
  JsonNode *node = dlp_config_lookup (config, key);
  double value = 0;
  if (!dlp_config_get_double (config, key, &value, error))
    return FALSE;
  gboolean is_count = node && json_node_get_value_type (node) == G_TYPE_INT64;
  if (value == 0 && allow_zero)
    {
      *out = 0;
      return TRUE;
    }
  if (is_count)
    {
      gint64 count = json_node_get_int (node);
      if (count < 1 || count >= n_rows)
        {
          dlp_config_set_error (config, key, error,
                                "%" G_GINT64_FORMAT " rows: expected a "
                                "count from 1 to %" G_GINT64_FORMAT
                                " (the data has %" G_GINT64_FORMAT
                                " rows), or a fraction in (0, 1)",
                                count, n_rows - 1, n_rows);
          return FALSE;
        }
      *out = count;
      return TRUE;
    }
  if (!(value > 0 && value < 1))
    {
      dlp_config_set_error (config, key, error,
                            "expected a fraction in (0, 1) or an "
                            "integer count of rows, got %g",
                            value);
      return FALSE;
    }
  *out = (gint64) ceil (value * (double) n_rows - 1e-9);
  if (*out < 1 || *out >= n_rows)
    {
      dlp_config_set_error (config, key, error,
                            "%g of %" G_GINT64_FORMAT " rows is %" G_GINT64_FORMAT
                            " rows; expected from 1 to %" G_GINT64_FORMAT,
                            value, n_rows, *out, n_rows - 1);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
split_groups (DlpDataset *ds, gboolean stratify, GError **error)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  int label = dlp_dataset_get_label_column (ds);
  if (!stratify || label < 0)
    {
      GArray *all = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) n_rows);
      for (gint64 r = 0; r < n_rows; r++)
        g_array_append_val (all, r);
      g_ptr_array_add (groups, all);
      return groups;
    }
  if (!dlp_dataset_column_is_categorical (ds, (guint) label))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "the label column '%s' is not categorical; cannot stratify",
                   dlp_dataset_get_column_name (ds, (guint) label));
      g_ptr_array_unref (groups);
      return NULL;
    }
  guint n_classes = 0;
  dlp_dataset_get_column_categories (ds, (guint) label, &n_classes);
  for (guint c = 0; c < n_classes; c++)
    g_ptr_array_add (groups, g_array_new (FALSE, FALSE, sizeof (gint64)));
  const gint32 *codes = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, (guint) label));
  gint64 unlabelled = 0, first = -1;
  for (gint64 r = 0; r < n_rows; r++)
    {
      if (codes[r] < 0)
        {
          if (unlabelled++ == 0)
            first = r;
          continue;
        }
      g_array_append_val ((GArray *) g_ptr_array_index (groups, codes[r]), r);
    }
  if (unlabelled > 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%" G_GINT64_FORMAT " rows have no label (the first is row %" G_GINT64_FORMAT
                   "); drop them with a drop_nulls step",
                   unlabelled, first);
      g_ptr_array_unref (groups);
      return NULL;
    }
  return groups;
}

typedef struct {
  guint group;
  double remainder;
} Share;

static int
compare_share (const void *a, const void *b)
{
  const Share *x = a, *y = b;
  if (x->remainder != y->remainder)
    return x->remainder > y->remainder ? -1 : 1;
  return x->group < y->group ? -1 : x->group > y->group;
}

gint64 *
split_allocate (GPtrArray *groups, gint64 total, gint64 n_rows, const gint64 *taken)
{
  guint n = groups->len;
  gint64 *out = g_new0 (gint64, n + 1);
  g_autofree Share *shares = g_new0 (Share, n + 1);
  gint64 given = 0;
  for (guint g = 0; g < n; g++)
    {
      gint64 size = ((GArray *) g_ptr_array_index (groups, g))->len;
      gint64 left = size - (taken ? taken[g] : 0);
      double exact = (double) total * (double) size / (double) MAX (n_rows, 1);
      out[g] = MIN ((gint64) floor (exact), left);
      shares[g] = (Share){ g, exact - floor (exact) };
      given += out[g];
    }
  qsort (shares, n, sizeof *shares, compare_share);
  /* Hand out the rest one row at a time, largest remainders first, to
   * groups that still have rows. */
  while (given < total)
    {
      gboolean progress = FALSE;
      for (guint i = 0; i < n && given < total; i++)
        {
          guint g = shares[i].group;
          gint64 size = ((GArray *) g_ptr_array_index (groups, g))->len;
          if (out[g] + (taken ? taken[g] : 0) < size)
            {
              out[g]++;
              given++;
              progress = TRUE;
            }
        }
      if (!progress)
        break;
    }
  return out;
}
