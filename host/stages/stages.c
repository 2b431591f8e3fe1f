/* stages.c: the stage table and running a stage. */
#include "stages.h"

#include "paths.h"

#define LIST(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NONE ((const char *const[]) { NULL })

/* model_builder reads params only, so it needs no data stage. */
static const DlpStageInfo stages[] = {
  { "data_ingestion", "Read the source data into data/raw",
    NONE, LIST ("data_ingestion"), NONE, LIST (DLP_PATH_RAW), dlp_stage_data_ingestion },
  { "data_transformation", "Clean, normalise and encode into data/processed",
    LIST ("data_ingestion"), LIST ("data_transformation"), LIST (DLP_PATH_RAW),
    LIST (DLP_PATH_PROCESSED, DLP_PATH_TRANSFORM_SUMMARY), dlp_stage_data_transformation },
  { "data_split", "Split into data/split/train and test",
    LIST ("data_transformation"), LIST ("data_split"), LIST (DLP_PATH_PROCESSED),
    LIST (DLP_PATH_TRAIN, DLP_PATH_TEST), dlp_stage_data_split },
  { "model_builder", "Build the model architecture and initial weights",
    NONE, LIST ("model"), NONE, LIST (DLP_PATH_BUILT), dlp_stage_model_builder },
  { "model_trainer", "Train the model into models/trained",
    LIST ("data_split", "model_builder"), LIST ("train", "tracking"),
    LIST (DLP_PATH_BUILT, DLP_PATH_TRAIN), LIST (DLP_PATH_TRAINED, DLP_PATH_DVCLIVE),
    dlp_stage_model_trainer },
  { "model_test", "Evaluate on the test split; package models/final",
    LIST ("data_split", "model_trainer"), LIST ("test", "tracking"),
    LIST (DLP_PATH_TRAINED, DLP_PATH_TEST), LIST (DLP_PATH_REPORTS, DLP_PATH_FINAL),
    dlp_stage_model_test },
};

const DlpStageInfo *
dlp_stages_get_all (guint *n_stages)
{
  *n_stages = G_N_ELEMENTS (stages);
  return stages;
}

const DlpStageInfo *
dlp_stages_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    if (g_strcmp0 (stages[i].name, name) == 0)
      return &stages[i];
  return NULL;
}

char *
dlp_stages_list_names (void)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", stages[i].name);
  return g_string_free (s, FALSE);
}

DlpConfig *
dlp_stages_load_params (const char *file, char **overrides, GError **error)
{
  g_autoptr (DlpConfig) params = dlp_config_load (file, error);
  if (params == NULL)
    return NULL;
  for (guint i = 0; overrides && overrides[i]; i++)
    if (!dlp_config_set_override (params, overrides[i], error))
      return NULL;
  return g_steal_pointer (&params);
}
