/* stages.c: the stage table and running a stage. */
#include "stages.h"

static const char *const no_needs[] = { NULL };
static const char *const after_ingestion[] = { "data_ingestion", NULL };
static const char *const after_transformation[] = { "data_transformation", NULL };
static const char *const after_split_and_build[] = { "data_split", "model_builder", NULL };
static const char *const after_training[] = { "data_split", "model_trainer", NULL };

/* model_builder reads params only, so it needs no data stage. */
static const DlpStageInfo stages[] = {
  { "data_ingestion", "Read the source data into data/raw", no_needs, NULL },
  { "data_transformation", "Clean, normalise and encode into data/processed",
    after_ingestion, NULL },
  { "data_split", "Split into data/split/train and test", after_transformation, NULL },
  { "model_builder", "Build the model architecture and initial weights", no_needs, NULL },
  { "model_trainer", "Train the model into models/trained", after_split_and_build, NULL },
  { "model_test", "Evaluate on the test split; package models/final", after_training, NULL },
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

gboolean
dlp_stage_execute (DlpApp *app, const DlpStageInfo *stage, DlpConfig *params,
                   GError **error)
{
  if (stage->run == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "stage %s: not implemented in dlpipe %s", stage->name, DLP_VERSION);
      return FALSE;
    }
  DlpStageRun run = {
    .app = app,
    .registry = dlp_app_get_registry (app),
    .params = params,
  };
  run.context = dlp_context_new (run.registry);
  g_info ("stage %s: started", stage->name);
  gint64 start = g_get_monotonic_time ();
  gboolean ok = stage->run (&run, error);
  double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  dlp_context_unref (run.context);
  if (!ok)
    {
      g_prefix_error (error, "stage %s: ", stage->name);
      return FALSE;
    }
  g_info ("stage %s: done in %.2f s", stage->name, seconds);
  return TRUE;
}
