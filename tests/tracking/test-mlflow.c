/* test-mlflow.c: stages tracked into a real MLflow server, read back
 * through its REST API: params, metric histories, artifacts, the model
 * version and its aliases, run status; records sent again arrive once; bad
 * settings and answers give clear messages and lose nothing. */
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "../unit/dlp-check.h"
#include "mlflow-fixture.h"

static DlpMlflowServer *server;

/* Fast retries, and none of the caller's MLflow settings. */
static const char *const quick_env[] = { "MLFLOW_HTTP_REQUEST_MAX_RETRIES=1",
                                         "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=0.1",
                                         "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER=0",
                                         "MLFLOW_TRACKING_URI",
                                         "MLFLOW_EXPERIMENT_NAME",
                                         "MLFLOW_TRACKING_USERNAME",
                                         "MLFLOW_TRACKING_PASSWORD",
                                         "MLFLOW_TRACKING_TOKEN",
                                         NULL };

/* This process's environment with quick_env applied, for spawns. */
static GStrv
quick_environ (void)
{
  GStrv env = g_get_environ ();
  for (guint i = 0; quick_env[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (quick_env[i], "=", 2);
      env = kv[1] ? g_environ_setenv (env, kv[0], kv[1], TRUE) : g_environ_unsetenv (env, kv[0]);
    }
  return env;
}

static void
start_server (void)
{
  server = dlp_mlflow_server_start (NULL, NULL);
}

static void
stop_server (void)
{
  g_clear_pointer (&server, dlp_mlflow_server_free);
}

/* A work folder with params.yaml tracking into @uri. */
static char *
workdir (const char *uri, const char *experiment, const char *extra)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *text = g_strdup_printf ("train:\n"
                                           "  epochs: 4\n"
                                           "  optimizer: {type: adam, learning_rate: 0.001}\n"
                                           "data_transformation:\n"
                                           "  steps:\n"
                                           "    - normalize: {method: scale}\n"
                                           "tracking:\n"
                                           "  tracker: mlflow\n"
                                           "  tracking_uri: %s\n"
                                           "  experiment: %s\n"
                                           "  registered_model: %s-model\n"
                                           "  flush_timeout: 20\n"
                                           "%s",
                                           uri, experiment, experiment, extra ? extra : "");
  g_free (dlp_write_test_file (dir, "params.yaml", text, -1));
  g_free (dlp_write_test_file (dir, "train.bin", "rows", -1));
  return dir;
}

/* Runs track-stage in @dir with @args (NULL-terminated after the stage). */
static int
track (const char *dir, const char *const *env, char **out, char **err, const char *stage, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) g_getenv ("DLP_TEST_TRACK_STAGE"));
  g_ptr_array_add (argv, "--params");
  g_ptr_array_add (argv, "params.yaml");
  g_ptr_array_add (argv, "--stage");
  g_ptr_array_add (argv, (gpointer) stage);
  va_list ap;
  va_start (ap, stage);
  const char *a;
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GPtrArray) all_env = g_ptr_array_new ();
  for (guint i = 0; quick_env[i]; i++)
    g_ptr_array_add (all_env, (gpointer) quick_env[i]);
  for (guint i = 0; env && env[i]; i++)
    g_ptr_array_add (all_env, (gpointer) env[i]);
  g_ptr_array_add (all_env, NULL);
  return dlp_run_tool ((const char *const *) argv->pdata, (const char *const *) all_env->pdata, dir,
                       out, err);
}

static int
dlpipe (const char *dir, const char *const *env, char **out, char **err, const char *a1,
        const char *a2)
{
  const char *argv[] = { g_getenv ("DLP_TEST_HOST"), "mlflow", a1, a2, NULL };
  g_autoptr (GPtrArray) all_env = g_ptr_array_new ();
  for (guint i = 0; quick_env[i]; i++)
    g_ptr_array_add (all_env, (gpointer) quick_env[i]);
  for (guint i = 0; env && env[i]; i++)
    g_ptr_array_add (all_env, (gpointer) env[i]);
  g_ptr_array_add (all_env, NULL);
  return dlp_run_tool (argv, (const char *const *) all_env->pdata, dir, out, err);
}

static char *
first_line (const char *text)
{
  const char *nl = strchr (text, '\n');
  return g_strndup (text, nl ? (gsize) (nl - text) : strlen (text));
}

/* The "model" of logged-models/get. */
static JsonObject *
logged_model (const char *model_id)
{
  g_autofree char *q = g_strdup_printf ("mlflow/logged-models/%s", model_id);
  g_autoptr (JsonObject) answer = dlp_mlflow_get (server, q, NULL);
  return json_object_ref (json_object_get_object_member (answer, "model"));
}

/* The value of @key in a logged model's "params" or "metrics" (as text,
 * with %g), or its "tags", or NULL. */
static const char *
logged_model_value (JsonObject *model, const char *list, const char *key)
{
  static char buf[64];
  gboolean tags = strcmp (list, "tags") == 0;
  JsonObject *data = json_object_get_object_member (model, tags ? "info" : "data");
  if (!json_object_has_member (data, list))
    return NULL;
  JsonArray *a = json_object_get_array_member (data, list);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (strcmp (json_object_get_string_member (o, "key"), key) != 0)
        continue;
      if (tags || strcmp (list, "params") == 0)
        return json_object_get_string_member (o, "value");
      g_snprintf (buf, sizeof buf, "%g", json_object_get_double_member (o, "value"));
      return buf;
    }
  return NULL;
}

/* The ids of the logged models that run @run_id made in @experiment_id. */
static char *
logged_models_of (const char *experiment_id, const char *run_id)
{
  g_autofree char *body = g_strdup_printf (
    "{\"experiment_ids\": [\"%s\"], \"filter\": \"source_run_id = '%s'\"}", experiment_id, run_id);
  g_autoptr (JsonObject) answer = dlp_mlflow_post (server, "mlflow/logged-models/search", body);
  GString *ids = g_string_new (NULL);
  if (!json_object_has_member (answer, "models"))
    return g_string_free (ids, FALSE);
  JsonArray *a = json_object_get_array_member (answer, "models");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *info =
        json_object_get_object_member (json_array_get_object_element (a, i), "info");
      g_string_append_printf (ids, "%s%s", i ? " " : "",
                              json_object_get_string_member (info, "model_id"));
    }
  return g_string_free (ids, FALSE);
}

START_TEST (test_trainer_and_test_share_one_run)
{
  g_autofree char *dir = workdir (server->uri, "pipeline", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *reports = g_build_filename (dir, "reports", NULL);
  g_mkdir (reports, 0755);
  g_free (dlp_write_test_file (reports, "metrics.json", "{\"accuracy\": 0.93}\n", -1));

  int status = track (dir, NULL, &out, &err, "model_trainer", "--epochs", "4", "--dataset",
                      "train.bin", "--run-file", "run.json", NULL);
  ck_assert_msg (status == 0, "trainer: %s", err);
  ck_assert_msg (strstr (err, "warning") == NULL, "trainer warned: %s", err);
  g_autofree char *run_id = first_line (out);
  ck_assert_uint_eq (strlen (run_id), 32);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = track (dir, NULL, &out, &err, "model_test", "--continue", "run.json", "--model", "final",
                  "--artifact", "reports:", "--alias", "candidate", "--alias", "champion", NULL);
  ck_assert_msg (status == 0, "test: %s", err);
  ck_assert_msg (strstr (err, "warning") == NULL, "model_test warned: %s", err);
  g_autofree char *test_run = first_line (out);
  ck_assert_str_eq (test_run, run_id);

  g_autoptr (JsonObject) run = dlp_mlflow_get_run (server, run_id, NULL);
  ck_assert_str_eq (dlp_mlflow_run_status (run), "FINISHED");
  ck_assert (json_object_has_member (json_object_get_object_member (run, "info"), "end_time"));
  /* Every leaf of params.yaml under its dotted key, as written. */
  ck_assert_str_eq (dlp_mlflow_run_value (run, "params", "train.epochs"), "4");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "params", "train.optimizer.learning_rate"), "0.001");
  ck_assert_str_eq (
    dlp_mlflow_run_value (run, "params", "data_transformation.steps.0.normalize.method"), "scale");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "mlflow.source.name"),
                    "dlpipe stage model_trainer");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "mlflow.source.type"), "LOCAL");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "mlflow.user"), g_get_user_name ());
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.version"), DLP_VERSION);
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.plugin.tracker_mlflow"), "0.1.0");
  ck_assert_ptr_nonnull (dlp_mlflow_run_value (run, "tags", "dlpipe.openblas.core"));
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.model_trainer.status"), "FINISHED");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.model_test.status"), "FINISHED");
  ck_assert_ptr_nonnull (dlp_mlflow_run_value (run, "tags", "mlflow.log-model.history"));
  /* Per-epoch history with steps; the test metric. */
  g_autofree char *steps = dlp_mlflow_history_steps (server, run_id, "loss");
  ck_assert_str_eq (steps, "0,1,2,3");
  g_autofree char *test_steps = dlp_mlflow_history_steps (server, run_id, "test_accuracy");
  ck_assert_str_eq (test_steps, "0");
  /* The dataset input with its MD5. */
  JsonArray *inputs =
    json_object_get_array_member (json_object_get_object_member (run, "inputs"), "dataset_inputs");
  ck_assert_uint_eq (json_array_get_length (inputs), 1);
  JsonObject *ds =
    json_object_get_object_member (json_array_get_object_element (inputs, 0), "dataset");
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, "rows", -1);
  ck_assert_str_eq (json_object_get_string_member (ds, "digest"), md5);
  ck_assert_str_eq (json_object_get_string_member (ds, "name"), "train.bin");
  /* Artifacts. */
  g_autofree char *root = dlp_mlflow_artifacts (server, run_id, "");
  ck_assert_str_eq (root, "metrics.json model");
  g_autofree char *model = dlp_mlflow_artifacts (server, run_id, "model");
  ck_assert_str_eq (model, "model/MLmodel model/weights.safetensors");
  /* The registered version and its aliases. */
  g_autoptr (JsonObject) alias = dlp_mlflow_get (server,
                                                 "mlflow/registered-models/alias?"
                                                 "name=pipeline-model&alias=champion",
                                                 NULL);
  JsonObject *mv = json_object_get_object_member (alias, "model_version");
  ck_assert_str_eq (json_object_get_string_member (mv, "version"), "1");
  ck_assert_str_eq (json_object_get_string_member (mv, "run_id"), run_id);
  /* MLflow 3's logged model of the package: the version's source names it
   * (MLflow's own server keeps no model_id of a version; it tags the model
   * with its versions). */
  const char *source = json_object_get_string_member (mv, "source");
  ck_assert_msg (g_str_has_prefix (source, "models:/m-"), "source %s", source);
  const char *model_id = source + strlen ("models:/");
  g_autoptr (JsonObject) logged = logged_model (model_id);
  JsonObject *info = json_object_get_object_member (logged, "info");
  ck_assert_str_eq (logged_model_value (logged, "tags", "mlflow.modelVersions"),
                    "[{\"name\": \"pipeline-model\", \"version\": 1}]");
  ck_assert_str_eq (json_object_get_string_member (info, "status"), "LOGGED_MODEL_READY");
  ck_assert_str_eq (json_object_get_string_member (info, "name"), "model");
  ck_assert_str_eq (json_object_get_string_member (info, "source_run_id"), run_id);
  ck_assert_str_eq (logged_model_value (logged, "params", "train.epochs"), "4");
  ck_assert_str_eq (logged_model_value (logged, "metrics", "test_accuracy"), "0.93");
  ck_assert_ptr_null (logged_model_value (logged, "metrics", "loss"));
  JsonArray *outputs =
    json_object_get_array_member (json_object_get_object_member (run, "outputs"), "model_outputs");
  ck_assert_uint_eq (json_array_get_length (outputs), 1);
  ck_assert_str_eq (
    json_object_get_string_member (json_array_get_object_element (outputs, 0), "model_id"),
    model_id);
  g_autoptr (JsonObject) candidate = dlp_mlflow_get (server,
                                                     "mlflow/registered-models/alias?"
                                                     "name=pipeline-model&alias=candidate",
                                                     NULL);
  ck_assert_str_eq (json_object_get_string_member (
                      json_object_get_object_member (candidate, "model_version"), "version"),
                    "1");
  /* The run file names the run; nothing went to the spool. */
  g_autofree char *spool = g_build_filename (dir, ".dlpipe", "tracking-spool", NULL);
  ck_assert (!g_file_test (spool, G_FILE_TEST_EXISTS));
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

START_TEST (test_failed_and_interrupted_stages_end_their_runs)
{
  g_autofree char *dir = workdir (server->uri, "ends", NULL);
  const char *flags[] = { "--fail", "--interrupt" };
  const char *expected[] = { "FAILED", "KILLED" };
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      ck_assert_int_eq (
        track (dir, NULL, &out, &err, "model_trainer", "--epochs", "2", flags[i], NULL), 0);
      g_autofree char *run_id = first_line (out);
      g_autoptr (JsonObject) run = dlp_mlflow_get_run (server, run_id, NULL);
      ck_assert_str_eq (dlp_mlflow_run_status (run), expected[i]);
      ck_assert (json_object_has_member (json_object_get_object_member (run, "info"), "end_time"));
    }
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* Two processes create the same new experiment and registered model at
 * once: the loser of each race finds what the winner made. */
START_TEST (test_two_processes_race_to_create)
{
  g_autofree char *dir = workdir (server->uri, "race", NULL);
  const char *argv[] = { g_getenv ("DLP_TEST_TRACK_STAGE"),
                         "--params",
                         "params.yaml",
                         "--stage",
                         "model_test",
                         "--epochs",
                         "1",
                         "--model",
                         "final",
                         "--alias",
                         "candidate",
                         NULL };
  g_auto (GStrv) env = quick_environ ();
  GPid pids[2];
  int errs[2];
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s/p%u", dir, i);
      g_autofree char *params = g_build_filename (dir, "params.yaml", NULL);
      g_autofree char *copy = g_build_filename (sub, "params.yaml", NULL);
      g_mkdir (sub, 0755);
      g_autofree char *text = NULL;
      ck_assert (g_file_get_contents (params, &text, NULL, NULL));
      ck_assert (g_file_set_contents (copy, text, -1, NULL));
      ck_assert (g_spawn_async_with_pipes (sub, (char **) argv, env,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &pids[i], NULL, NULL, &errs[i], NULL));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GIOChannel) ch = g_io_channel_unix_new (errs[i]);
      g_io_channel_set_close_on_unref (ch, TRUE);
      g_autofree char *err = NULL;
      g_io_channel_read_to_end (ch, &err, NULL, NULL);
      int status;
      waitpid (pids[i], &status, 0);
      ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "process %u: %s", i, err);
      ck_assert_msg (strstr (err, "warning") == NULL, "process %u warned: %s", i, err);
    }
  g_autoptr (JsonObject) exp = dlp_mlflow_get (server,
                                               "mlflow/experiments/get-by-name?"
                                               "experiment_name=race",
                                               NULL);
  const char *exp_id = json_object_get_string_member (
    json_object_get_object_member (exp, "experiment"), "experiment_id");
  /* Created as a model-training experiment, which MLflow 3's UI opens on
   * its runs. */
  JsonArray *tags =
    json_object_get_array_member (json_object_get_object_member (exp, "experiment"), "tags");
  const char *kind = NULL;
  for (guint i = 0; tags && i < json_array_get_length (tags); i++)
    {
      JsonObject *tag = json_array_get_object_element (tags, i);
      if (strcmp (json_object_get_string_member (tag, "key"), "mlflow.experimentKind") == 0)
        kind = json_object_get_string_member (tag, "value");
    }
  ck_assert_str_eq (kind ? kind : "(none)", "custom_model_development");
  g_autofree char *filter =
    g_strdup_printf ("mlflow/model-versions/search?filter=name%%3D%%27race-model%%27");
  g_autoptr (JsonObject) versions = dlp_mlflow_get (server, filter, NULL);
  ck_assert_uint_eq (
    json_array_get_length (json_object_get_array_member (versions, "model_versions")), 2);
  ck_assert_ptr_nonnull (exp_id);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* Over-long keys are refused with a message naming the call and the key;
 * the record is kept in rejected.jsonl and the other params arrive. */
START_TEST (test_overlong_key_is_kept_and_named)
{
  g_autofree char *dir = workdir (server->uri, "limits", NULL);
  g_autofree char *long_key = g_strnfill (300, 'k');
  g_autofree char *param = g_strdup_printf ("%s=1", long_key);
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (track (dir, NULL, &out, &err, "model_trainer", "--epochs", "1", "--param",
                           param, "--param", "extra.ok=yes", NULL),
                    0);
  ck_assert_msg (strstr (err, "POST mlflow/runs/log-batch") && strstr (err, "300 characters long"),
                 "%s", err);
  g_autofree char *run_id = first_line (out);
  g_autoptr (JsonObject) run = dlp_mlflow_get_run (server, run_id, NULL);
  ck_assert_str_eq (dlp_mlflow_run_value (run, "params", "extra.ok"), "yes");
  ck_assert_str_eq (dlp_mlflow_run_status (run), "FINISHED");
  g_autofree char *rejected =
    g_build_filename (dir, ".dlpipe", "tracking-spool", "rejected.jsonl", NULL);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (rejected, &text, NULL, NULL));
  ck_assert (strstr (text, long_key) != NULL);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

START_TEST (test_bad_tracking_uri_fails_the_stage_clearly)
{
  g_autofree char *dir = workdir ("ftp://example.org/x", "bad", NULL);
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (track (dir, NULL, &out, &err, "model_trainer", NULL), 1);
  ck_assert_msg (strstr (err, "params.yaml:9: tracking.tracking_uri: 'ftp://example.org/x'")
                   && strstr (err, "http://"),
                 "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *env[] = { "MLFLOW_TRACKING_URI=127.0.0.1:5000", NULL };
  g_autofree char *good = workdir (server->uri, "bad", NULL);
  ck_assert_int_eq (track (good, env, &out, &err, "model_trainer", NULL), 1);
  ck_assert_msg (strstr (err, "environment variable MLFLOW_TRACKING_URI=127.0.0.1:5000"), "%s",
                 err);
  dlp_tmpdir_free (g_steal_pointer (&dir));
  dlp_tmpdir_free (g_steal_pointer (&good));
}
END_TEST

START_TEST (test_none_tracker_runs_without_server)
{
  char *dir = dlp_tmpdir_new ();
  g_free (dlp_write_test_file (dir, "params.yaml",
                               "train: {epochs: 1}\ntracking: {tracker: none}\n", -1));
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (track (dir, NULL, &out, &err, "model_trainer", "--run-file", "run.json", NULL),
                    0);
  g_autofree char *run_file = g_build_filename (dir, "run.json", NULL);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (run_file, &text, NULL, NULL));
  ck_assert (strstr (text, "\"tracker\" : \"none\"") != NULL);
  ck_assert_msg (strstr (err, "warning") == NULL, "%s", err);
  dlp_tmpdir_free (dir);
}
END_TEST

/* The server is killed while a stage trains: the stage succeeds with a
 * warning, the rest goes to the spool, and after a restart
 * `dlpipe mlflow sync` delivers every metric once. */
START_TEST (test_server_killed_then_sync)
{
  DlpMlflowServer *s = dlp_mlflow_server_start (NULL, NULL);
  g_autofree char *dir = workdir (s->uri, "outage", NULL);
  const char *argv[] = { g_getenv ("DLP_TEST_TRACK_STAGE"),
                         "--params",
                         "params.yaml",
                         "--stage",
                         "model_trainer",
                         "--epochs",
                         "12",
                         "--delay-ms",
                         "250",
                         "--run-file",
                         "run.json",
                         NULL };
  g_auto (GStrv) env = quick_environ ();
  GPid pid;
  int err_fd;
  ck_assert (g_spawn_async_with_pipes (dir, (char **) argv, env,
                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                       NULL, &pid, NULL, NULL, &err_fd, NULL));
  /* Once some epochs reached the server, kill it. */
  g_autoptr (GIOChannel) ch = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (ch, TRUE);
  for (;;)
    {
      g_autofree char *line = NULL;
      ck_assert (g_io_channel_read_line (ch, &line, NULL, NULL, NULL) == G_IO_STATUS_NORMAL);
      if (g_str_has_prefix (line, "epoch 3"))
        break;
    }
  dlp_mlflow_server_kill (s);
  g_autofree char *err = NULL;
  g_io_channel_read_to_end (ch, &err, NULL, NULL);
  int status;
  waitpid (pid, &status, 0);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s", err);
  ck_assert_msg (strstr (err, "records go to the spool") && strstr (err, "dlpipe mlflow sync"),
                 "%s", err);

  g_autofree char *out = NULL, *err2 = NULL;
  ck_assert_int_eq (dlpipe (dir, NULL, &out, &err2, "status", NULL), 0);
  ck_assert_msg (strstr (out, "model_trainer") != NULL, "%s", out);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err2, g_free);
  /* Still down: sync fails clearly and keeps everything. */
  ck_assert_int_eq (dlpipe (dir, NULL, &out, &err2, "sync", NULL), 1);
  ck_assert_msg (strstr (err2, "cannot reach") && strstr (err2, "wait in"), "%s", err2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err2, g_free);

  dlp_mlflow_server_restart (s);
  ck_assert_int_eq (dlpipe (dir, NULL, &out, &err2, "sync", NULL), 0);
  ck_assert_msg (strstr (out, "from 1 spool files") != NULL, "%s", out);
  g_autofree char *run_file = g_build_filename (dir, "run.json", NULL);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (run_file, &text, NULL, NULL));
  const char *id = strstr (text, "\"run_id\" : \"");
  ck_assert_ptr_nonnull (id);
  g_autofree char *run_id = g_strndup (id + strlen ("\"run_id\" : \""), 32);
  g_autofree char *steps = dlp_mlflow_history_steps (s, run_id, "loss");
  ck_assert_str_eq (steps, "0,1,2,3,4,5,6,7,8,9,10,11");
  g_autofree char *acc = dlp_mlflow_history_steps (s, run_id, "accuracy");
  ck_assert_str_eq (acc, "0,1,2,3,4,5,6,7,8,9,10,11");
  g_autoptr (JsonObject) run = dlp_mlflow_get_run (s, run_id, NULL);
  ck_assert_str_eq (dlp_mlflow_run_status (run), "FINISHED");
  /* A second sync has nothing left to send. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err2, g_free);
  ck_assert_int_eq (dlpipe (dir, NULL, &out, &err2, "sync", NULL), 0);
  ck_assert_msg (strstr (out, "delivered 0 records") != NULL, "%s", out);
  dlp_mlflow_server_free (s);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* A server with --app-name basic-auth: the stage works with credentials;
 * without, it warns with the server's 401, keeps every record, and
 * `dlpipe mlflow sync` fails clearly until it has them. */
START_TEST (test_basic_auth)
{
  g_autofree char *tmp = dlp_tmpdir_new ();
  g_autofree char *ini = g_strdup_printf (
    "[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///%s/auth.db\n"
    "admin_username = admin\nadmin_password = dlpipe-test-secret\n"
    "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n",
    tmp);
  g_autofree char *ini_path = dlp_write_test_file (tmp, "auth.ini", ini, -1);
  g_autofree char *ini_env = g_strdup_printf ("MLFLOW_AUTH_CONFIG_PATH=%s", ini_path);
  const char *server_env[] = { ini_env, "MLFLOW_FLASK_SERVER_SECRET_KEY=dlpipe-test", NULL };
  const char *args[] = { "--app-name", "basic-auth", NULL };
  DlpMlflowServer *s = dlp_mlflow_server_start (args, server_env);
  const char *creds[] = { "MLFLOW_TRACKING_USERNAME=admin",
                          "MLFLOW_TRACKING_PASSWORD=dlpipe-test-secret", NULL };
  g_autofree char *b64 = g_base64_encode ((const guchar *) "admin:dlpipe-test-secret", 24);
  g_autofree char *auth = g_strconcat ("Basic ", b64, NULL);

  g_autofree char *dir = workdir (s->uri, "secured", NULL);
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (track (dir, creds, &out, &err, "model_trainer", "--epochs", "2", NULL), 0);
  ck_assert_msg (strstr (err, "warning") == NULL, "%s", err);
  g_autofree char *run_id = first_line (out);
  g_autoptr (JsonObject) run = dlp_mlflow_get_run (s, run_id, auth);
  ck_assert_str_eq (dlp_mlflow_run_status (run), "FINISHED");

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (track (dir, NULL, &out, &err, "model_trainer", "--epochs", "2", NULL), 0);
  ck_assert_msg (strstr (err, "HTTP 401") && strstr (err, "MLFLOW_TRACKING_USERNAME")
                   && strstr (err, "records go to the spool"),
                 "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (dlpipe (dir, NULL, &out, &err, "sync", NULL), 1);
  ck_assert_msg (strstr (err, "HTTP 401") && strstr (err, "wait in"), "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (dlpipe (dir, creds, &out, &err, "sync", NULL), 0);
  ck_assert_msg (strstr (out, "from 1 spool files") != NULL, "%s", out);
  dlp_mlflow_server_free (s);
  dlp_tmpdir_free (g_steal_pointer (&dir));
  dlp_tmpdir_free (g_steal_pointer (&tmp));
}
END_TEST

/* MLflow's host check answers a plain-text 403: a clear warning that
 * names the call, and the records wait in the spool; they arrive when the
 * stage's address is corrected through MLFLOW_TRACKING_URI at sync time. */
START_TEST (test_host_check_403_keeps_records)
{
  const char *args[] = { "--allowed-hosts", "127.0.0.1:@PORT@", NULL };
  DlpMlflowServer *s = dlp_mlflow_server_start (args, NULL);
  g_autofree char *localhost = g_strdup_printf ("http://localhost:%u", s->port);
  g_autofree char *dir = workdir (localhost, "hosts", NULL);
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (track (dir, NULL, &out, &err, "model_trainer", "--epochs", "3", NULL), 0);
  ck_assert_msg (strstr (err, "experiments/get-by-name: HTTP 403")
                   && strstr (err, "Invalid Host header") && strstr (err, "--allowed-hosts"),
                 "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_autofree char *env_uri = g_strdup_printf ("MLFLOW_TRACKING_URI=%s", s->uri);
  const char *env[] = { env_uri, NULL };
  ck_assert_int_eq (dlpipe (dir, env, &out, &err, "sync", NULL), 0);
  ck_assert_msg (strstr (out, "from 1 spool files") != NULL, "%s", out);
  g_autoptr (JsonObject) found = dlp_mlflow_get (s,
                                                 "mlflow/experiments/get-by-name?"
                                                 "experiment_name=hosts",
                                                 NULL);
  ck_assert (json_object_has_member (found, "experiment"));
  dlp_mlflow_server_free (s);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* A record sent again (a retry after a broken connection, a replay after
 * a crash) takes effect once: the run is found by its key, metric points
 * already there are left out, the model version is reused. */
START_TEST (test_redelivered_records_arrive_once)
{
  g_unsetenv ("MLFLOW_TRACKING_URI");
  g_unsetenv ("MLFLOW_EXPERIMENT_NAME");
  g_autoptr (DlpRegistry) registry = dlp_test_registry_new ();
  const DlpTypeEntry *entry = dlp_registry_lookup_entry (registry, DLP_KIND_TRACKER, "mlflow");
  ck_assert_ptr_nonnull (entry);
  const DlpTrackerClass *k = dlp_type_entry_get_class (entry);
  g_autofree char *yaml =
    g_strdup_printf ("{tracking_uri: '%s', experiment: redelivery}", server->uri);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("params.yaml", yaml, -1, &error);
  ck_assert (dlp_config_validate (config, dlp_type_entry_get_params (entry), NULL, &error));
  gpointer self = k->create (config, &error);
  dlp_assert_no_error (error);

  DlpTrackerCall first = { sizeof (DlpTrackerCall), 0, NULL };
  DlpTrackerCall again = { sizeof (DlpTrackerCall), DLP_TRACKER_CALL_REDELIVERY, NULL };
  DlpTrackerRun run = { .struct_size = sizeof run,
                        .run_key = "0123456789abcdef0123456789abcdef",
                        .start_time_ms = g_get_real_time () / 1000,
                        .user = "tester" };
  g_autofree char *id = k->start_run (self, &run, &first, &error);
  dlp_assert_no_error (error);
  g_autofree char *id_again = k->start_run (self, &run, &again, &error);
  dlp_assert_no_error (error);
  ck_assert_str_eq (id_again, id);

  gint64 now = g_get_real_time () / 1000;
  DlpMetric points[] = { { "loss", 0.5, 0, now },
                         { "loss", NAN, 1, now + 1 },
                         { "loss", 0.25, 2, now + 2 } };
  ck_assert (k->log_metrics (self, id, points, 2, &first, &error));
  /* The whole batch again, one point new. */
  ck_assert (k->log_metrics (self, id, points, 3, &again, &error));
  dlp_assert_no_error (error);
  g_autofree char *steps = dlp_mlflow_history_steps (server, id, "loss");
  ck_assert_str_eq (steps, "0,1,2");

  /* A version registered without a logged model keeps the run's copy. */
  const char *aliases[] = { "candidate", NULL };
  g_autofree char *v1 =
    k->register_model (self, id, "redelivered", "model", aliases, &first, &error);
  dlp_assert_no_error (error);
  g_autofree char *v2 =
    k->register_model (self, id, "redelivered", "model", aliases, &again, &error);
  dlp_assert_no_error (error);
  ck_assert_str_eq (v1, "1");
  ck_assert_str_eq (v2, "1");

  /* The model package, logged again: one logged model. An earlier try
   * that made the model and broke off before its files leaves it
   * pending; a redelivery finds it and finishes it. */
  g_autofree char *package = dlp_tmpdir_new ();
  g_free (dlp_write_test_file (package, "MLmodel",
                               "flavors: {dlpipe: {}}\nutc_time_created: '2026-01-01'\n", -1));
  g_free (dlp_write_test_file (package, "weights.safetensors", "weights", -1));
  DlpMetric test_point = { "test_accuracy", 0.75, 0, now + 5 };
  ck_assert (k->log_metrics (self, id, &test_point, 1, &first, &error));
  g_autoptr (JsonObject) run_info = dlp_mlflow_get_run (server, id, NULL);
  const char *exp = json_object_get_string_member (json_object_get_object_member (run_info, "info"),
                                                   "experiment_id");
  g_autofree char *pending_body = g_strdup_printf (
    "{\"experiment_id\": \"%s\", \"name\": \"model\", \"source_run_id\": \"%s\"}", exp, id);
  g_autoptr (JsonObject) pending = dlp_mlflow_post (server, "mlflow/logged-models", pending_body);
  const char *pending_id = json_object_get_string_member (
    json_object_get_object_member (json_object_get_object_member (pending, "model"), "info"),
    "model_id");
  ck_assert (k->log_model (self, id, package, "model", &again, &error));
  dlp_assert_no_error (error);
  ck_assert (k->log_model (self, id, package, "model", &again, &error));
  dlp_assert_no_error (error);
  g_autofree char *models = logged_models_of (exp, id);
  ck_assert_str_eq (models, pending_id);
  g_autoptr (JsonObject) logged = logged_model (pending_id);
  ck_assert_str_eq (
    json_object_get_string_member (json_object_get_object_member (logged, "info"), "status"),
    "LOGGED_MODEL_READY");
  ck_assert_str_eq (logged_model_value (logged, "metrics", "test_accuracy"), "0.75");
  g_autofree char *test_steps = dlp_mlflow_history_steps (server, id, "test_accuracy");
  ck_assert_str_eq (test_steps, "0");
  /* Now the version is of the logged model, registered once too. */
  g_autofree char *v3 =
    k->register_model (self, id, "redelivered", "model", aliases, &again, &error);
  dlp_assert_no_error (error);
  g_autofree char *v4 =
    k->register_model (self, id, "redelivered", "model", aliases, &again, &error);
  dlp_assert_no_error (error);
  ck_assert_str_eq (v3, "2");
  ck_assert_str_eq (v4, "2");
  g_autoptr (JsonObject) mv =
    dlp_mlflow_get (server, "mlflow/model-versions/get?name=redelivered&version=2", NULL);
  g_autofree char *pending_uri = g_strconcat ("models:/", pending_id, NULL);
  ck_assert_str_eq (
    json_object_get_string_member (json_object_get_object_member (mv, "model_version"), "source"),
    pending_uri);
  g_autoptr (JsonObject) registered = logged_model (pending_id);
  ck_assert_str_eq (logged_model_value (registered, "tags", "mlflow.modelVersions"),
                    "[{\"name\": \"redelivered\", \"version\": 2}]");
  ck_assert (k->end_run (self, id, DLP_RUN_FINISHED, now + 3, &again, &error));
  k->destroy (self);
  dlp_tmpdir_free (g_steal_pointer (&package));
}
END_TEST

static Suite *
mlflow_suite (void)
{
  Suite *s = suite_create ("mlflow");
  TCase *shared = tcase_create ("shared-server");
  tcase_add_unchecked_fixture (shared, start_server, stop_server);
  tcase_set_timeout (shared, 120);
  tcase_add_test (shared, test_trainer_and_test_share_one_run);
  tcase_add_test (shared, test_failed_and_interrupted_stages_end_their_runs);
  tcase_add_test (shared, test_two_processes_race_to_create);
  tcase_add_test (shared, test_overlong_key_is_kept_and_named);
  tcase_add_test (shared, test_bad_tracking_uri_fails_the_stage_clearly);
  tcase_add_test (shared, test_none_tracker_runs_without_server);
  tcase_add_test (shared, test_redelivered_records_arrive_once);
  suite_add_tcase (s, shared);
  TCase *outage = tcase_create ("outage");
  tcase_set_timeout (outage, 180);
  tcase_add_test (outage, test_server_killed_then_sync);
  tcase_add_test (outage, test_basic_auth);
  tcase_add_test (outage, test_host_check_403_keeps_records);
  suite_add_tcase (s, outage);
  return s;
}

DLP_CHECK_MAIN (mlflow_suite)
