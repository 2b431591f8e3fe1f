/* stage-data-split.c: data/processed into data/split/train, test and,
 * when asked, val, by the splitter named in data_split.method (random,
 * stratified by label, unless said otherwise). Each part records its size
 * and class counts in its metadata under "split". */
#include <glib/gstdio.h>
#include "stages.h"
#include "stage-outputs.h"
#include "paths.h"
#include "../params/plugin-types.h"

#define DEFAULT_SPLITTER "random"

/* {class name: rows} of the label column, in category order. */
static JsonObject *
class_counts (DlpDataset *ds)
{
  JsonObject *o = json_object_new ();
  int label = dlp_dataset_get_label_column (ds);
  if (label < 0 || !dlp_dataset_column_is_categorical (ds, (guint) label))
    return o;
  guint n_classes = 0;
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) label, &n_classes);
  g_autofree gint64 *counts = g_new0 (gint64, n_classes + 1);
  const gint32 *codes = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, (guint) label));
  for (gint64 r = 0; r < dlp_dataset_get_n_rows (ds); r++)
    if (codes[r] >= 0)
      counts[codes[r]]++;
  for (guint c = 0; c < n_classes; c++)
    json_object_set_int_member (o, names[c], counts[c]);
  return o;
}

static void
record_split (DlpDataset *part, const char *name, const char *method, gint64 total_rows)
{
  JsonObject *s = json_object_new ();
  json_object_set_string_member (s, "part", name);
  json_object_set_string_member (s, "method", method);
  json_object_set_int_member (s, "rows", dlp_dataset_get_n_rows (part));
  json_object_set_int_member (s, "of_rows", total_rows);
  json_object_set_object_member (s, "class_counts", class_counts (part));
  json_object_set_object_member (dlp_dataset_get_metadata (part), "split", s);
}

gboolean
dlp_stage_data_split (DlpStageRun *run, GError **error)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_load (DLP_PATH_PROCESSED, error);
  if (ds == NULL)
    return FALSE;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "data_split", TRUE, error);
  if (section == NULL && error && *error)
    return FALSE;
  if (section == NULL)
    {
      g_autoptr (DlpConfig) empty = dlp_config_parse ("(defaults)", "{}", -1, error);
      if (empty == NULL)
        return FALSE;
      section = g_steal_pointer (&empty);
    }
  const DlpTypeEntry *entry = dlp_params_resolve_type (
    run->registry, section, "method", DLP_KIND_SPLITTER, DEFAULT_SPLITTER, NULL, error);
  if (entry == NULL)
    return FALSE;
  const DlpSplitterClass *splitter = dlp_type_entry_get_class (entry);
  const char *method = dlp_type_entry_get_name (entry);
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  if (!splitter->split (section, ds, run->context, &train, &test, &val, error))
    return FALSE;
  if (train == NULL || test == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "splitter %s gave no train or no test part",
                   method);
      return FALSE;
    }

  gint64 total = dlp_dataset_get_n_rows (ds);
  g_autoptr (DlpStageOutputs) outputs = dlp_stage_outputs_new ();
  DlpDataset *parts[] = { train, test, val };
  const char *names[] = { "train", "test", "val" };
  const char *paths[] = { DLP_PATH_TRAIN, DLP_PATH_TEST, DLP_PATH_VAL };
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (parts[i] == NULL)
        continue;
      record_split (parts[i], names[i], method, total);
      if (!dlp_stage_outputs_add_dataset (outputs, paths[i], parts[i], error))
        return FALSE;
    }
  if (!dlp_stage_outputs_commit (outputs, error))
    return FALSE;
  /* A val part from an earlier run with a validation fraction would
   * otherwise look like part of this split. */
  if (val == NULL)
    g_unlink (DLP_PATH_VAL);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i])
      g_info ("%s: %" G_GINT64_FORMAT " rows", paths[i], dlp_dataset_get_n_rows (parts[i]));
  return TRUE;
}
