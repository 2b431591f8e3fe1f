/* stages.c: the stage table and running a stage. */
#include "stages.h"

#include <string.h>
#include "paths.h"

/* clang-format off */
#define LIST(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NONE ((const char *const[]) { NULL })
#define FILES(...) ((const DlpStageFile[]) { __VA_ARGS__, { NULL } })
#define NO_FILES ((const DlpStageFile[]) { { NULL } })
#define OUT(path) { path, DLP_FILE_OUT, NULL, NULL }
#define METRIC(path) { path, DLP_FILE_METRIC, NULL, NULL }
#define PLOT(path, ...) { path, DLP_FILE_PLOT, LIST (__VA_ARGS__), NULL }
/* clang-format on */

/* data_split writes a validation part when data_split.val_size asks. */
static gboolean
has_validation (DlpConfig *params)
{
  JsonNode *v = dlp_config_lookup (params, "data_split.val_size");
  return v && JSON_NODE_HOLDS_VALUE (v)
         && (json_node_get_value_type (v) == G_TYPE_INT64
             || json_node_get_value_type (v) == G_TYPE_DOUBLE)
         && json_node_get_double (v) > 0;
}

/* The local files data_ingestion reads: its path, images and labels
 * settings (not URLs). */
static void
source_files (DlpConfig *params, GPtrArray *inputs)
{
  const char *keys[] = { "path", "images", "labels" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *key = g_strconcat ("data_ingestion.", keys[i], NULL);
      JsonNode *v = dlp_config_lookup (params, key);
      if (v && json_node_get_value_type (v) == G_TYPE_STRING
          && strstr (json_node_get_string (v), "://") == NULL)
        g_ptr_array_add (inputs, g_strdup (json_node_get_string (v)));
    }
}

/* The architecture file of a model of type json. */
static void
architecture_file (DlpConfig *params, GPtrArray *inputs)
{
  JsonNode *type = dlp_config_lookup (params, "model.type");
  JsonNode *path = dlp_config_lookup (params, "model.json.path");
  if (type && json_node_get_value_type (type) == G_TYPE_STRING
      && g_strcmp0 (json_node_get_string (type), "json") == 0 && path
      && json_node_get_value_type (path) == G_TYPE_STRING)
    g_ptr_array_add (inputs, g_strdup (json_node_get_string (path)));
}

/* model_builder reads params only, so it needs no data stage. The
 * tracking section is read by the training stages but decides nothing of
 * their results, so it is not among their params. */
static const DlpStageInfo stages[] = {
  { "data_ingestion", "Read the source data into data/raw", NONE, LIST ("data_ingestion"), NO_FILES,
    FILES (OUT (DLP_PATH_RAW)), LIST ("host/stages/stage-data-ingestion.c", "plugins/sources"),
    source_files, dlp_stage_data_ingestion },
  { "data_transformation", "Clean, normalise and encode into data/processed",
    LIST ("data_ingestion"), LIST ("data_transformation"), FILES (OUT (DLP_PATH_RAW)),
    FILES (OUT (DLP_PATH_PROCESSED), METRIC (DLP_PATH_TRANSFORM_SUMMARY)),
    LIST ("host/stages/stage-data-transformation.c", "plugins/transforms"), NULL,
    dlp_stage_data_transformation },
  { "data_split", "Split into data/split/train and test (and val)", LIST ("data_transformation"),
    LIST ("data_split"), FILES (OUT (DLP_PATH_PROCESSED)),
    FILES (OUT (DLP_PATH_TRAIN), OUT (DLP_PATH_TEST),
           { DLP_PATH_VAL, DLP_FILE_OUT, NULL, has_validation }),
    LIST ("host/stages/stage-data-split.c", "plugins/splitters"), NULL, dlp_stage_data_split },
  { "model_builder", "Build the model architecture and initial weights", NONE, LIST ("model"),
    NO_FILES, FILES (OUT (DLP_PATH_BUILT)),
    LIST ("host/stages/stage-model-builder.c", "plugins/models", "plugins/layers", "sdk/graph"),
    architecture_file, dlp_stage_model_builder },
  { "model_trainer", "Train the model into models/trained", LIST ("data_split", "model_builder"),
    LIST ("train"),
    FILES (OUT (DLP_PATH_BUILT), OUT (DLP_PATH_TRAIN),
           { DLP_PATH_VAL, DLP_FILE_OUT, NULL, has_validation }),
    FILES (OUT (DLP_PATH_TRAINED), METRIC (DLP_PATH_DVCLIVE "/metrics.json"),
           PLOT (DLP_PATH_DVCLIVE "/plots/metrics", "x: step")),
    LIST ("host/stages/stage-model-trainer.c", "host/train", "plugins/layers", "plugins/optimizers",
          "sdk/graph"),
    NULL, dlp_stage_model_trainer, TRUE },
  { "model_test", "Evaluate on the test split; package models/final",
    LIST ("data_split", "model_trainer"), LIST ("test"),
    FILES (OUT (DLP_PATH_TRAINED), OUT (DLP_PATH_TEST)),
    FILES (
      OUT (DLP_PATH_FINAL), OUT (DLP_PATH_REPORTS "/predictions.csv"),
      METRIC (DLP_PATH_REPORTS "/metrics.json"),
      PLOT (DLP_PATH_REPORTS "/per_class.json", "template: bar_horizontal", "x: f1", "y: class"),
      PLOT (DLP_PATH_REPORTS "/confusion.json", "template: confusion", "x: actual",
            "y: predicted")),
    LIST ("host/stages/stage-model-test.c", "host/train/evaluation.c", "host/package",
          "plugins/layers", "sdk/graph"),
    NULL, dlp_stage_model_test },
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

/* A top-level key one typo away from a section ("modle:") is an error,
 * not a section the stages silently go without; keys far from every
 * section may be other tools' params and are left alone. */
static gboolean
check_section_names (DlpConfig *params, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    g_strv_builder_addv (b, (const char **) stages[i].params);
  g_strv_builder_add (b, "tracking");
  g_auto (GStrv) sections = g_strv_builder_end (b);
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (params);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      if (g_strv_contains ((const char *const *) sections, key))
        continue;
      const char *close = dlp_config_suggest (key, (const char *const *) sections);
      if (close)
        {
          dlp_config_set_error (params, key, error, "unknown section; did you mean '%s'?", close);
          return FALSE;
        }
    }
  return TRUE;
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
  if (!check_section_names (params, error))
    return NULL;
  return g_steal_pointer (&params);
}
