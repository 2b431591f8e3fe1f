/* drive-tracker.c: the calls of drive-tracker.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "drive-tracker.h"

/* The same in every run, so that a recorded sequence of answers replays
 * along the same path. */
#define RUN_KEY "0123456789abcdef0123456789abcdef"
#define FALLBACK_RUN_ID "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
#define START_MS G_GINT64_CONSTANT (1700000000000)

const DlpTrackerClass *
dlp_drive_mlflow_class (void)
{
  static DlpRegistry *registry;
  static const DlpTrackerClass *klass;
  if (klass)
    return klass;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *here = exe ? g_path_get_dirname (exe) : NULL;
  g_autofree char *beside = here ? g_build_filename (here, "..", "..", "plugins", NULL) : NULL;
  const char *env = g_getenv ("DLP_TEST_BUILTIN_PLUGINS_DIR");
  const char *dirs[] = { env && *env ? env : beside, NULL };
  registry = dlp_registry_new ();
  if (dirs[0])
    dlp_registry_load_dirs (registry, dirs, TRUE);
  const DlpTypeEntry *entry = dlp_registry_lookup_entry (registry, DLP_KIND_TRACKER, "mlflow");
  if (entry == NULL)
    g_error ("the mlflow tracker plugin is not in %s", dirs[0] ? dirs[0] : "(no folder)");
  klass = dlp_type_entry_get_class (entry);
  return klass;
}

/* --- local files to upload --- */

static char *files_dir;

static void
remove_files (void)
{
  const char *names[] = { "model/MLmodel", "model/weights.bin", "metrics.json", "model", NULL };
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *path = g_build_filename (files_dir, names[i], NULL);
      g_remove (path);
    }
  g_rmdir (files_dir);
  g_clear_pointer (&files_dir, g_free);
}

static void
write_file (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (files_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, text, -1, &error))
    g_error ("%s", error->message);
}

static const char *
local_files (void)
{
  if (files_dir)
    return files_dir;
  g_autoptr (GError) error = NULL;
  files_dir = g_dir_make_tmp ("dlpipe-drive-XXXXXX", &error);
  if (files_dir == NULL)
    g_error ("%s", error->message);
  g_autofree char *model = g_build_filename (files_dir, "model", NULL);
  g_mkdir (model, 0755);
  write_file ("metrics.json", "{\"accuracy\": 0.9}\n");
  write_file ("model/weights.bin", "weights");
  write_file ("model/MLmodel", "flavors:\n  dlpipe: {weights: weights.bin}\n"
                               "utc_time_created: '2026-01-01 00:00:00.000000'\n");
  atexit (remove_files);
  return files_dir;
}

/* --- calls --- */

/* The contract of every call (dlp-tracker.h). */
static gboolean
check (gboolean ok, GError *error, const char *call)
{
  if (ok == (error != NULL))
    g_error ("%s: %s", call, ok ? "an error with a success" : "a failure without an error");
  if (error)
    {
      if (error->domain != DLP_ERROR || error->message == NULL || *error->message == '\0'
          || !g_utf8_validate (error->message, -1, NULL))
        g_error ("%s: a bad error: %s", call, error->message ? error->message : "(null)");
      g_debug ("%s: %s", call, error->message);
    }
  return ok;
}

static gpointer
create (const DlpTrackerClass *klass, const char *uri)
{
  g_autofree char *yaml = g_strdup_printf ("{tracking_uri: '%s', experiment: fuzz, max_retries: 1, "
                                           "backoff_factor: 0, backoff_jitter: 0, timeout: 10}",
                                           uri);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("tracking", yaml, -1, &error);
  if (config == NULL || !dlp_config_validate (config, klass->params, NULL, &error))
    g_error ("%s", error->message);
  gpointer self = klass->create (config, &error);
  if (self == NULL)
    g_error ("%s", error->message);
  return self;
}

guint
dlp_drive_tracker (const DlpTrackerClass *klass, const char *uri, const DlpDriveOptions *o)
{
  const char *dir = local_files ();
  gpointer self = create (klass, uri);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  DlpTrackerCall call = {
    .struct_size = sizeof call,
    .flags = o->redelivery ? DLP_TRACKER_CALL_REDELIVERY : 0,
    .cancellable = cancellable,
  };
  guint n_ok = 0;
  gboolean ok;

  const DlpTag run_tags[] = { { "dlpipe.stage", "model_trainer" }, { "dlpipe.version", "0" } };
  DlpTrackerRun run = {
    .struct_size = sizeof run,
    .run_key = RUN_KEY,
    .run_id = o->run_id,
    .run_name = "drive",
    .user = "tester",
    .source_name = "dlpipe stage model_trainer",
    .git_commit = "0123abcd",
    .git_branch = "main",
    .start_time_ms = START_MS,
    .tags = run_tags,
    .n_tags = G_N_ELEMENTS (run_tags),
  };
  GError *error = NULL;
  g_autofree char *started = klass->start_run (self, &run, &call, &error);
  n_ok += check (started != NULL, error, "start_run");
  g_clear_error (&error);
  const char *run_id = started ? started : o->run_id ? o->run_id : FALLBACK_RUN_ID;

  const DlpTag params[] = { { "train.epochs", o->param_value ? o->param_value : "3" },
                            { "train.optimizer.type", "adam" } };
  ok = klass->log_params (self, run_id, params, G_N_ELEMENTS (params), &call, &error);
  n_ok += check (ok, error, "log_params");
  g_clear_error (&error);

  const DlpMetric metrics[] = { { "loss", 0.5, 0, START_MS + 1 },
                                { "loss", NAN, 1, START_MS + 2 },
                                { "accuracy", 0.75, 1, START_MS + 2 } };
  ok = klass->log_metrics (self, run_id, metrics, G_N_ELEMENTS (metrics), &call, &error);
  n_ok += check (ok, error, "log_metrics");
  g_clear_error (&error);

  const DlpTag tags[] = { { "dlpipe.model_trainer.status", "FINISHED" } };
  ok = klass->set_tags (self, run_id, tags, G_N_ELEMENTS (tags), &call, &error);
  n_ok += check (ok, error, "set_tags");
  g_clear_error (&error);

  g_autofree char *source = g_build_filename (dir, "metrics.json", NULL);
  DlpTrackerDataset dataset = {
    .struct_size = sizeof dataset,
    .name = "data/split/train.safetensors",
    .digest = "0123456789abcdef0123456789abcdef",
    .source = source,
    .context = "training",
    .profile_json = "{\"num_rows\": 3}",
  };
  ok = klass->log_dataset (self, run_id, &dataset, &call, &error);
  n_ok += check (ok, error, "log_dataset");
  g_clear_error (&error);

  ok = klass->log_artifact (self, run_id, source, "reports", &call, &error);
  n_ok += check (ok, error, "log_artifact");
  g_clear_error (&error);

  g_autofree char *model = g_build_filename (dir, "model", NULL);
  ok = klass->log_model (self, run_id, model, "model", &call, &error);
  n_ok += check (ok, error, "log_model");
  g_clear_error (&error);

  const char *aliases[] = { "candidate", "champion", NULL };
  g_autofree char *version =
    klass->register_model (self, run_id, "drive-model", "model", aliases, &call, &error);
  n_ok += check (version != NULL, error, "register_model");
  g_clear_error (&error);

  ok = klass->end_run (self, run_id, DLP_RUN_FINISHED, START_MS + 10, &call, &error);
  n_ok += check (ok, error, "end_run");
  g_clear_error (&error);
  klass->destroy (self);
  return n_ok;
}
