/* predefined-split.c: the predefined splitter, the split a source
 * already defines.
 *
 *   data_split: {method: predefined}           # Fashion-MNIST's 60,000/10,000
 *
 * A categorical column (the idx source's "subset") names the part of each
 * row; rows keep their order within a part. */
#include <string.h>
#include <dlpipe/dlpipe.h>

static const DlpParamSpec predefined_params[] = {
  DLP_PARAM_STRING ("column", "The categorical column naming each row's part", "subset"),
  DLP_PARAM_STRING ("train", "The category of training rows", "train"),
  DLP_PARAM_STRING ("test", "The category of test rows", "test"),
  DLP_PARAM_STRING (
    "val", "The category of validation rows (a val part is written if any row has it)", "val"),
  DLP_PARAM_END,
};

static gboolean
predefined_split (DlpConfig *config, DlpDataset *ds, DlpContext *context, DlpDataset **train_out,
                  DlpDataset **test_out, DlpDataset **val_out, GError **error)
{
  (void) context;
  g_autofree char *column = NULL;
  g_autofree char *train = NULL, *test = NULL, *val = NULL;
  if (!dlp_config_get_string (config, "column", &column, error)
      || !dlp_config_get_string (config, "train", &train, error)
      || !dlp_config_get_string (config, "test", &test, error)
      || !dlp_config_get_string (config, "val", &val, error))
    return FALSE;
  const char *names[3] = { train, test, val };

  int index = dlp_dataset_find_column (ds, column);
  if (index < 0 || !dlp_dataset_column_is_categorical (ds, (guint) index))
    {
      dlp_config_set_error (config, "column", error,
                            "the data have no categorical column "
                            "'%s' naming each row's part (the idx source makes 'subset')",
                            column);
      return FALSE;
    }
  guint n_cats = 0;
  const char *const *cats = dlp_dataset_get_column_categories (ds, (guint) index, &n_cats);
  g_autofree gint32 *part_of = g_new (gint32, n_cats + 1);
  for (guint c = 0; c < n_cats; c++)
    {
      part_of[c] = -1;
      for (guint p = 0; p < 3; p++)
        if (strcmp (cats[c], names[p]) == 0)
          part_of[c] = (gint32) p;
    }

  GArray *parts[3];
  for (guint p = 0; p < 3; p++)
    parts[p] = g_array_new (FALSE, FALSE, sizeof (gint64));
  const gint32 *codes = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, (guint) index));
  gboolean good = TRUE;
  for (gint64 r = 0; good && r < dlp_dataset_get_n_rows (ds); r++)
    {
      gint32 p = codes[r] < 0 ? -1 : part_of[codes[r]];
      if (p < 0)
        {
          dlp_config_set_error (config, "column", error,
                                "row %" G_GINT64_FORMAT " is in part "
                                "'%s', which is none of %s, %s or %s",
                                r, codes[r] < 0 ? "(missing)" : cats[codes[r]], names[0], names[1],
                                names[2]);
          good = FALSE;
          break;
        }
      g_array_append_val (parts[p], r);
    }
  if (good && (parts[0]->len == 0 || parts[1]->len == 0))
    {
      dlp_config_set_error (config, "column", error, "column '%s' puts no rows in part '%s'",
                            column, parts[0]->len == 0 ? names[0] : names[1]);
      good = FALSE;
    }
  DlpDataset *out[3] = { NULL, NULL, NULL };
  for (guint p = 0; good && p < 3; p++)
    if (parts[p]->len > 0)
      {
        out[p] = dlp_dataset_take_rows (ds, (gint64 *) parts[p]->data, parts[p]->len, error);
        good = out[p] != NULL;
      }
  for (guint p = 0; p < 3; p++)
    g_array_unref (parts[p]);
  if (!good)
    {
      for (guint p = 0; p < 3; p++)
        g_clear_pointer (&out[p], dlp_dataset_unref);
      return FALSE;
    }
  *train_out = out[0];
  *test_out = out[1];
  *val_out = out[2];
  return TRUE;
}

static const DlpSplitterClass predefined_splitter = {
  .struct_size = sizeof (DlpSplitterClass),
  .name = "predefined",
  .description = "The split the source defines (a column naming each row's part)",
  .params = predefined_params,
  .split = predefined_split,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_splitter (registry, &predefined_splitter, error);
}

DLP_PLUGIN_DEFINE (splitter_predefined, "0.1.0", "LGPL-2.1-or-later", "The predefined splitter",
                   plugin_init)
