/* stage-data-ingestion.c: the source named in params into data/raw. */
#include "stages.h"
#include "paths.h"
#include "../params/plugin-types.h"

/* What every later stage relies on, whichever source made the data. */
static gboolean
check_dataset (DlpDataset *ds, const char *source, GError **error)
{
  if (dlp_dataset_get_n_rows (ds) == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "source %s read no rows", source);
      return FALSE;
    }
  int label = dlp_dataset_get_label_column (ds);
  if (label < 0 || !dlp_dataset_column_is_categorical (ds, (guint) label))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "source %s gave no categorical label column",
                   source);
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_stage_data_ingestion (DlpStageRun *run, GError **error)
{
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "data_ingestion", FALSE, error);
  if (section == NULL)
    return FALSE;
  const DlpTypeEntry *entry =
    dlp_params_resolve_type (run->registry, section, "source", DLP_KIND_SOURCE, NULL, NULL, error);
  if (entry == NULL)
    return FALSE;
  const DlpSourceClass *source = dlp_type_entry_get_class (entry);
  const char *name = dlp_type_entry_get_name (entry);
  g_autoptr (DlpDataset) ds = source->load (section, run->context, error);
  if (ds == NULL || !check_dataset (ds, name, error))
    return FALSE;
  if (!dlp_dataset_save (ds, DLP_PATH_RAW, error))
    return FALSE;
  int label = dlp_dataset_get_label_column (ds);
  guint n_classes = 0;
  dlp_dataset_get_column_categories (ds, (guint) label, &n_classes);
  g_info ("%s: %" G_GINT64_FORMAT " rows, %u columns, %u classes", DLP_PATH_RAW,
          dlp_dataset_get_n_rows (ds), dlp_dataset_get_n_columns (ds), n_classes);
  return TRUE;
}
