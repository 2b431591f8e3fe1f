/* mlflow-tracker.c: the mlflow tracker type: runs, params, metrics, tags,
 * dataset inputs, artifacts and registered models in an MLflow server,
 * through its REST API. */
#include "mlflow-tracker.h"

static gpointer
mlflow_create (DlpConfig *config, GError **error)
{
  DlpMlflowSettings *settings = dlp_mlflow_settings_new (config, error);
  if (settings == NULL)
    return NULL;
  DlpMlflowTracker *t = g_new0 (DlpMlflowTracker, 1);
  t->settings = settings;
  t->client = dlp_mlflow_client_new (settings);
  t->artifact_uris = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->histories =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  t->logged_models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return t;
}

static void
mlflow_destroy (gpointer self)
{
  DlpMlflowTracker *t = self;
  dlp_mlflow_client_free (t->client);
  dlp_mlflow_settings_free (t->settings);
  g_free (t->experiment_id);
  g_hash_table_unref (t->artifact_uris);
  g_hash_table_unref (t->histories);
  g_hash_table_unref (t->logged_models);
  g_free (t);
}

static JsonNode *
mlflow_get_settings (gpointer self)
{
  DlpMlflowTracker *t = self;
  return dlp_mlflow_settings_to_json (t->settings);
}

static const DlpTrackerClass mlflow_tracker = {
  .struct_size = sizeof (DlpTrackerClass),
  .name = "mlflow",
  .description = "Tracks runs, models and their versions in an MLflow server",
  .params = dlp_mlflow_param_specs,
  .create = mlflow_create,
  .destroy = mlflow_destroy,
  .get_settings = mlflow_get_settings,
  .start_run = dlp_mlflow_start_run,
  .log_params = dlp_mlflow_log_params,
  .log_metrics = dlp_mlflow_log_metrics,
  .set_tags = dlp_mlflow_set_tags,
  .log_dataset = dlp_mlflow_log_dataset,
  .log_artifact = dlp_mlflow_log_artifact,
  .log_model = dlp_mlflow_log_model,
  .register_model = dlp_mlflow_register_model,
  .end_run = dlp_mlflow_end_run,
  .get_model_version = dlp_mlflow_get_model_version,
  .list_model_versions = dlp_mlflow_list_model_versions,
  .set_model_alias = dlp_mlflow_set_model_alias,
  .download_artifacts = dlp_mlflow_download_artifacts,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_tracker (registry, &mlflow_tracker, error);
}

DLP_PLUGIN_DEFINE (tracker_mlflow, "0.1.0", "LGPL-2.1-or-later",
                   "Experiment tracking in an MLflow server over its REST API", plugin_init)
