/* track-stage.c: drives the tracking runtime the way model_trainer and
 * model_test do, for the tracking tests.
 *
 *   track-stage --params FILE --stage model_trainer --epochs 5 --run-file F
 *   track-stage --params FILE --stage model_test --continue F --model DIR
 *               --alias candidate --alias champion
 *
 * Metrics per epoch: loss = 1 / (epoch + 1), accuracy = epoch / epochs.
 * Exit status 1 when dlp_tracking_start fails (a wrong tracking section),
 * else 0: tracking problems are warnings. */
#include <stdio.h>
#include <stdlib.h>
#include <dlpipe/dlpipe.h>
#include "package/mlmodel.h"
#include "tracking/tracking.h"

typedef struct {
  char *params;
  char *stage;
  char *continue_from;
  char *run_file;
  int epochs;
  int delay_ms;
  char **datasets;
  char **artifacts;    /* LOCAL:ARTIFACT_PATH */
  char **extra_params; /* KEY=VALUE */
  char *model_dir;
  char **aliases;
  gboolean fail;
  gboolean interrupt;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->params);
  g_free (o->stage);
  g_free (o->continue_from);
  g_free (o->run_file);
  g_free (o->model_dir);
  g_strfreev (o->datasets);
  g_strfreev (o->artifacts);
  g_strfreev (o->extra_params);
  g_strfreev (o->aliases);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static void
write_model (const char *dir, const char *run_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (weights, "weights", -1, &error))
    g_error ("%s", error->message);
  const gint64 dims[] = { 28, 28, 1 };
  g_autofree char *inputs = dlp_mlmodel_tensor_schema ("float32", 3, dims);
  const gint64 out_dims[] = { 10 };
  g_autofree char *outputs = dlp_mlmodel_tensor_schema ("float32", 1, out_dims);
  g_autoptr (JsonObject) flavor = json_object_new ();
  json_object_set_string_member (flavor, "weights", "weights.safetensors");
  DlpMlmodel m = {
    .run_id = run_id,
    .artifact_path = "model",
    .flavor = flavor,
    .signature_inputs = inputs,
    .signature_outputs = outputs,
    .model_size_bytes = 7,
  };
  g_autofree char *path = g_build_filename (dir, "MLmodel", NULL);
  if (!dlp_mlmodel_write (path, &m, &error))
    g_error ("%s", error->message);
}

static void
run_stage (DlpTracking *t, Options *o)
{
  for (guint i = 0; o->datasets && o->datasets[i]; i++)
    dlp_tracking_log_dataset (t, o->datasets[i], "training", NULL);
  for (guint i = 0; o->extra_params && o->extra_params[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (o->extra_params[i], "=", 2);
      dlp_tracking_log_param (t, kv[0], kv[1] ? kv[1] : "");
    }
  for (int e = 0; e < o->epochs; e++)
    {
      DlpMetric m[] = {
        { "loss", 1.0 / (e + 1), e, 0 },
        { "accuracy", (double) e / o->epochs, e, 0 },
      };
      dlp_tracking_log_metrics (t, m, G_N_ELEMENTS (m));
      fprintf (stderr, "epoch %d\n", e);
      if (o->delay_ms)
        g_usleep ((gulong) o->delay_ms * 1000);
    }
  for (guint i = 0; o->artifacts && o->artifacts[i]; i++)
    {
      g_auto (GStrv) parts = g_strsplit (o->artifacts[i], ":", 2);
      dlp_tracking_log_artifact (t, parts[0], parts[1] ? parts[1] : "");
    }
  if (o->model_dir)
    {
      dlp_tracking_log_metric (t, "test_accuracy", 0.93, 0);
      g_autofree char *run_id = dlp_tracking_dup_run_id (t);
      write_model (o->model_dir, run_id);
      dlp_tracking_log_model (t, o->model_dir, "model");
      if (o->aliases)
        dlp_tracking_register_model (t, "model", (const char *const *) o->aliases);
    }
}

int
main (int argc, char **argv)
{
  g_auto (Options) o = { .stage = NULL };
  const GOptionEntry entries[] = {
    { "params", 0, 0, G_OPTION_ARG_FILENAME, &o.params, "params file", "FILE" },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &o.stage, "stage name", "NAME" },
    { "continue", 0, 0, G_OPTION_ARG_FILENAME, &o.continue_from, "run file to continue", "FILE" },
    { "run-file", 0, 0, G_OPTION_ARG_FILENAME, &o.run_file, "run file to write", "FILE" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "epochs", "N" },
    { "delay-ms", 0, 0, G_OPTION_ARG_INT, &o.delay_ms, "pause after each epoch", "MS" },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.datasets, "dataset file", "FILE" },
    { "artifact", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.artifacts, "artifact", "LOCAL:PATH" },
    { "param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.extra_params, "extra param", "KEY=VALUE" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &o.model_dir, "model package to write and log", "DIR" },
    { "alias", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.aliases, "alias of the registered version",
      "A" },
    { "fail", 0, 0, G_OPTION_ARG_NONE, &o.fail, "end as a failed stage", NULL },
    { "interrupt", 0, 0, G_OPTION_ARG_NONE, &o.interrupt, "end as an interrupted stage", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !o.params || !o.stage)
    {
      fprintf (stderr, "track-stage: %s\n", error ? error->message : "--params and --stage needed");
      return 2;
    }
  g_autoptr (DlpRegistry) registry = dlp_registry_new ();
  const char *dirs[] = { DLP_BUILD_ROOT "/plugins", NULL };
  dlp_registry_load_dirs (registry, dirs, TRUE);
  g_autoptr (DlpConfig) params = dlp_config_load (o.params, &error);
  if (params == NULL)
    {
      fprintf (stderr, "track-stage: error: %s\n", error->message);
      return 1;
    }
  g_autoptr (DlpContext) context = dlp_context_new (registry);
  g_autoptr (DlpConfig) section = dlp_config_get_section (params, "tracking", TRUE, &error);
  DlpTracking *t = error ? NULL
                         : dlp_tracking_start (section, registry, context, params, o.stage,
                                               o.continue_from, &error);
  if (t == NULL)
    {
      fprintf (stderr, "track-stage: error: %s\n", error->message);
      return 1;
    }
  run_stage (t, &o);
  g_autoptr (GError) stage_error = NULL;
  if (o.fail)
    stage_error = g_error_new_literal (DLP_ERROR, DLP_ERROR_FAILED, "the stage failed");
  if (o.interrupt)
    g_cancellable_cancel (dlp_context_get_cancellable (context));
  dlp_tracking_finish (t, stage_error);
  if (o.run_file && !dlp_tracking_write_run_file (t, o.run_file, &error))
    {
      fprintf (stderr, "track-stage: error: %s\n", error->message);
      dlp_tracking_free (t);
      return 1;
    }
  g_autofree char *run_id = dlp_tracking_dup_run_id (t);
  printf ("%s\n", run_id ? run_id : "");
  dlp_tracking_free (t);
  return 0;
}
