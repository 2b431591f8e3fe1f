/* test-pipeline.c: the penguins pipeline through the built dlpipe, tracked
 * into a real MLflow server, as DVC runs it: the data stages and
 * model_builder in one `dlpipe run --only ...`, then model_trainer and
 * model_test as two `dlpipe stage` processes. Read back through the REST
 * API: one run spans both stages with every param, the per-epoch
 * histories, the test metrics, the artifacts and the registered version
 * with its aliases; a trainer interrupted by SIGINT ends its run KILLED. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "../unit/dlp-check.h"
#include "mlflow-fixture.h"

static DlpMlflowServer *server;

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

/* A folder holding the penguins pipeline's params.yaml and CSV. */
static char *
pipeline_dir (void)
{
  g_autofree char *csv = g_build_filename (DLP_TEST_PIPELINE_DIR, "penguins.csv", NULL);
  ck_assert_msg (g_file_test (csv, G_FILE_TEST_EXISTS),
                 "%s is missing: run scripts/fetch-penguins.sh", csv);
  char *dir = dlp_tmpdir_new ();
  const char *names[] = { "params.yaml", "penguins.csv" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (DLP_TEST_PIPELINE_DIR, names[i], NULL);
      g_autofree char *text = NULL;
      gsize len;
      ck_assert (g_file_get_contents (from, &text, &len, NULL));
      g_free (dlp_write_test_file (dir, names[i], text, (gssize) len));
    }
  return dir;
}

/* The server, quick retries, and none of the caller's other MLflow
 * settings; @experiment NULL keeps params.yaml's. */
static GStrv
tracking_env (const char *experiment)
{
  GStrv env = g_get_environ ();
  const char *unset[] = { "MLFLOW_EXPERIMENT_NAME", "MLFLOW_TRACKING_USERNAME",
                          "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN", NULL };
  for (guint i = 0; unset[i]; i++)
    env = g_environ_unsetenv (env, unset[i]);
  env = g_environ_setenv (env, "MLFLOW_TRACKING_URI", server->uri, TRUE);
  env = g_environ_setenv (env, "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2", TRUE);
  env = g_environ_setenv (env, "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0.2", TRUE);
  if (experiment)
    env = g_environ_setenv (env, "MLFLOW_EXPERIMENT_NAME", experiment, TRUE);
  return env;
}

/* Runs dlpipe with @args (NULL-terminated) in @dir; returns its exit
 * status and keeps its standard error in *@err. */
static int
dlpipe (const char *dir, GStrv env, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) g_getenv ("DLP_TEST_HOST"));
  va_list ap;
  va_start (ap, err);
  const char *a;
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (err, g_free);
  int status = -1;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (dir, (char **) argv->pdata, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, err, &status, &error),
                 "cannot run dlpipe: %s", error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "dlpipe %s did not exit normally: %s",
                 (const char *) argv->pdata[1], *err);
  return WEXITSTATUS (status);
}

static void
run_data_stages (const char *dir, GStrv env)
{
  g_autofree char *err = NULL;
  int status =
    dlpipe (dir, env, &err, "run", "--only", "data_ingestion", "--only", "data_transformation",
            "--only", "data_split", "--only", "model_builder", NULL);
  ck_assert_msg (status == 0, "dlpipe run --only ...: %s", err);
}

/* The latest value of metric @key in the run's data, or NaN. */
static double
metric (JsonObject *run, const char *key)
{
  JsonObject *data = json_object_get_object_member (run, "data");
  JsonArray *a = json_object_has_member (data, "metrics")
                   ? json_object_get_array_member (data, "metrics")
                   : NULL;
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *m = json_array_get_object_element (a, i);
      if (strcmp (json_object_get_string_member (m, "key"), key) == 0)
        return json_object_get_double_member (m, "value");
    }
  return NAN;
}

static char *
steps_up_to (gint64 n)
{
  GString *s = g_string_new (NULL);
  for (gint64 i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", i);
  return g_string_free (s, FALSE);
}

static char *
file_md5 (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *bytes = NULL;
  gsize len;
  ck_assert_msg (g_file_get_contents (path, &bytes, &len, NULL), "%s is missing", path);
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) bytes, len);
}

static JsonObject *
read_json (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert_msg (json_parser_load_from_file (parser, path, NULL), "%s is not JSON", path);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Every leaf of params.yaml is a param of the run, as written, and the
 * only others are what the trainer computed in (train.precision
 * resolved, the kernel library and its instruction set). */
static void
assert_params (JsonObject *run, DlpConfig *params)
{
  g_autoptr (GPtrArray) leaves = dlp_config_flatten (params);
  for (guint i = 0; i < leaves->len; i++)
    {
      const DlpConfigLeaf *leaf = g_ptr_array_index (leaves, i);
      const char *logged = dlp_mlflow_run_value (run, "params", leaf->key);
      ck_assert_msg (logged != NULL, "param %s is missing", leaf->key);
      ck_assert_msg (strcmp (logged, leaf->value) == 0, "param %s: '%s', not '%s'", leaf->key,
                     logged, leaf->value);
    }
  const char *precision = dlp_mlflow_run_value (run, "params", "dlpipe.precision");
  ck_assert_msg (precision != NULL
                   && (strcmp (precision, "fp32") == 0 || strcmp (precision, "bf16") == 0),
                 "param dlpipe.precision: %s", precision ? precision : "missing");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "params", "dlpipe.kernels"),
                    dlp_kernels_get_library ());
  ck_assert_str_eq (dlp_mlflow_run_value (run, "params", "dlpipe.kernels.isa"),
                    dlp_kernels_get_isa ());
  JsonObject *data = json_object_get_object_member (run, "data");
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (data, "params")),
                     leaves->len + 3);
}

/* The run's dataset input of @context has the file's MD5. */
static void
assert_dataset (JsonObject *run, const char *context, const char *name, const char *md5)
{
  JsonArray *inputs =
    json_object_get_array_member (json_object_get_object_member (run, "inputs"), "dataset_inputs");
  for (guint i = 0; i < json_array_get_length (inputs); i++)
    {
      JsonObject *input = json_array_get_object_element (inputs, i);
      JsonObject *ds = json_object_get_object_member (input, "dataset");
      if (strcmp (json_object_get_string_member (ds, "name"), name) != 0)
        continue;
      JsonObject *tag =
        json_array_get_object_element (json_object_get_array_member (input, "tags"), 0);
      ck_assert_str_eq (json_object_get_string_member (tag, "key"), "mlflow.data.context");
      ck_assert_str_eq (json_object_get_string_member (tag, "value"), context);
      ck_assert_str_eq (json_object_get_string_member (ds, "digest"), md5);
      return;
    }
  ck_abort_msg ("the run has no dataset input %s", name);
}

/* Both aliases point at one version of @model, made from @run_id's model. */
static void
assert_registered (const char *model, const char *run_id)
{
  g_autofree char *q = g_strdup_printf ("mlflow/registered-models/get?name=%s", model);
  g_autoptr (JsonObject) answer = dlp_mlflow_get (server, q, NULL);
  JsonArray *aliases = json_object_get_array_member (
    json_object_get_object_member (answer, "registered_model"), "aliases");
  const char *candidate = NULL, *champion = NULL;
  for (guint i = 0; i < json_array_get_length (aliases); i++)
    {
      JsonObject *a = json_array_get_object_element (aliases, i);
      const char *name = json_object_get_string_member (a, "alias");
      if (strcmp (name, "candidate") == 0)
        candidate = json_object_get_string_member (a, "version");
      else if (strcmp (name, "champion") == 0)
        champion = json_object_get_string_member (a, "version");
    }
  ck_assert_msg (candidate && champion, "aliases candidate and champion expected");
  ck_assert_str_eq (candidate, champion);
  g_autofree char *vq =
    g_strdup_printf ("mlflow/model-versions/get?name=%s&version=%s", model, candidate);
  g_autoptr (JsonObject) version = dlp_mlflow_get (server, vq, NULL);
  JsonObject *mv = json_object_get_object_member (version, "model_version");
  ck_assert_str_eq (json_object_get_string_member (mv, "run_id"), run_id);
  ck_assert_str_eq (json_object_get_string_member (mv, "status"), "READY");
  /* The version is of the run's MLflow 3 logged model. */
  const char *source = json_object_get_string_member (mv, "source");
  ck_assert_msg (g_str_has_prefix (source, "models:/m-"), "source %s", source);
  g_autofree char *mq = g_strdup_printf ("mlflow/logged-models/%s", source + strlen ("models:/"));
  g_autoptr (JsonObject) logged = dlp_mlflow_get (server, mq, NULL);
  JsonObject *info =
    json_object_get_object_member (json_object_get_object_member (logged, "model"), "info");
  ck_assert_str_eq (json_object_get_string_member (info, "source_run_id"), run_id);
  ck_assert_str_eq (json_object_get_string_member (info, "status"), "LOGGED_MODEL_READY");
}

START_TEST (test_penguins_pipeline_is_one_run)
{
  g_autofree char *dir = pipeline_dir ();
  g_auto (GStrv) env = tracking_env (NULL);
  run_data_stages (dir, env);
  g_autofree char *err = NULL;
  int status = dlpipe (dir, env, &err, "stage", "model_trainer", NULL);
  ck_assert_msg (status == 0, "model_trainer: %s", err);
  ck_assert_msg (strstr (err, "spool") == NULL, "model_trainer spooled: %s", err);
  status = dlpipe (dir, env, &err, "stage", "model_test", NULL);
  ck_assert_msg (status == 0, "model_test: %s", err);
  ck_assert_msg (strstr (err, "spool") == NULL, "model_test spooled: %s", err);

  g_autoptr (JsonObject) run_file = read_json (dir, "models/trained/tracking-run.json");
  const char *run_id = json_object_get_string_member (run_file, "run_id");
  ck_assert_uint_eq (strlen (run_id), 32);
  g_autoptr (JsonObject) run = dlp_mlflow_get_run (server, run_id, NULL);
  JsonObject *info = json_object_get_object_member (run, "info");

  /* One run, both stages, ended. */
  ck_assert_str_eq (dlp_mlflow_run_status (run), "FINISHED");
  ck_assert (json_object_has_member (info, "end_time"));
  ck_assert_int_ge (json_object_get_int_member (info, "end_time"),
                    json_object_get_int_member (info, "start_time"));
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.model_trainer.status"), "FINISHED");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.model_test.status"), "FINISHED");
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "mlflow.source.name"),
                    "dlpipe stage model_trainer");

  g_autofree char *params_path = g_build_filename (dir, "params.yaml", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) params = dlp_config_load (params_path, &error);
  dlp_assert_no_error (error);
  assert_params (run, params);

  /* A point per epoch, steps 0 to epochs - 1. */
  gint64 epochs = 0;
  double champion = 0;
  ck_assert (dlp_config_get_int (params, "train.epochs", &epochs, &error));
  ck_assert (dlp_config_get_double (params, "test.champion_accuracy", &champion, &error));
  g_autofree char *all_epochs = steps_up_to (epochs);
  const char *histories[] = { "loss", "accuracy", "learning_rate" };
  for (guint i = 0; i < G_N_ELEMENTS (histories); i++)
    {
      g_autofree char *steps = dlp_mlflow_history_steps (server, run_id, histories[i]);
      ck_assert_msg (strcmp (steps, all_epochs) == 0, "%s: steps %s", histories[i], steps);
    }

  /* The test metrics, as in reports/metrics.json; the model reaches the
   * champion accuracy of params.yaml. */
  g_autoptr (JsonObject) report = read_json (dir, "reports/metrics.json");
  double accuracy = json_object_get_double_member (report, "accuracy");
  ck_assert_double_eq_tol (metric (run, "test_accuracy"), accuracy, 1e-12);
  ck_assert_double_eq_tol (metric (run, "test_macro_f1"),
                           json_object_get_double_member (report, "macro_f1"), 1e-12);
  ck_assert (!isnan (metric (run, "test_log_loss")));
  ck_assert_msg (accuracy >= champion, "test accuracy %g under test.champion_accuracy %g", accuracy,
                 champion);

  g_autofree char *train_md5 = file_md5 (dir, "data/split/train.safetensors");
  g_autofree char *test_md5 = file_md5 (dir, "data/split/test.safetensors");
  assert_dataset (run, "training", "data/split/train.safetensors", train_md5);
  assert_dataset (run, "testing", "data/split/test.safetensors", test_md5);

  g_autofree char *root = dlp_mlflow_artifacts (server, run_id, "");
  ck_assert_str_eq (root, "dvclive environment.json model reports trained");
  g_autofree char *model = dlp_mlflow_artifacts (server, run_id, "model");
  ck_assert_msg (strstr (model, "model/MLmodel") != NULL, "%s", model);
  /* With the environment of its python_function flavor. */
  ck_assert_msg (strstr (model, "model/python_env.yaml") != NULL, "%s", model);
  g_autofree char *trained = dlp_mlflow_artifacts (server, run_id, "trained");
  ck_assert_msg (strstr (trained, "trained/weights.safetensors") != NULL, "%s", trained);
  g_autofree char *reports = dlp_mlflow_artifacts (server, run_id, "reports");
  ck_assert_msg (strstr (reports, "reports/metrics.json") != NULL, "%s", reports);
  ck_assert_ptr_nonnull (dlp_mlflow_run_value (run, "tags", "mlflow.log-model.history"));

  g_autofree char *model_name = NULL;
  ck_assert (dlp_config_get_string (params, "tracking.registered_model", &model_name, &error));
  assert_registered (model_name, run_id);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* SIGINT during training: the stage stops, and its run ends KILLED with
 * the epochs done so far. */
START_TEST (test_interrupted_trainer_ends_killed)
{
  g_autofree char *dir = pipeline_dir ();
  g_auto (GStrv) env = tracking_env ("penguins-interrupted");
  run_data_stages (dir, env);
  const char *argv[] = { g_getenv ("DLP_TEST_HOST"), "stage", "model_trainer", "--set",
                         "train.epochs=1000000",     NULL };
  GPid pid;
  int err_fd;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_async_with_pipes (dir, (char **) argv, env,
                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                       NULL, &pid, NULL, NULL, &err_fd, &error));
  g_autoptr (GIOChannel) ch = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (ch, TRUE);
  g_autoptr (GString) seen = g_string_new (NULL);
  for (;;)
    {
      g_autofree char *line = NULL;
      ck_assert_msg (g_io_channel_read_line (ch, &line, NULL, NULL, NULL) == G_IO_STATUS_NORMAL,
                     "model_trainer ended before its third epoch: %s", seen->str);
      g_string_append (seen, line);
      if (strstr (line, "epoch 3/"))
        break;
    }
  kill (pid, SIGINT);
  g_autofree char *rest = NULL;
  g_io_channel_read_to_end (ch, &rest, NULL, NULL);
  int status;
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) != 0,
                 "an interrupted model_trainer fails: %s", rest);
  ck_assert_msg (strstr (rest, "spool") == NULL, "records were spooled: %s", rest);

  g_autoptr (JsonObject) exp = dlp_mlflow_get (server,
                                               "mlflow/experiments/get-by-name?"
                                               "experiment_name=penguins-interrupted",
                                               NULL);
  const char *exp_id = json_object_get_string_member (
    json_object_get_object_member (exp, "experiment"), "experiment_id");
  g_autofree char *search = g_strdup_printf ("{\"experiment_ids\": [\"%s\"]}", exp_id);
  g_autoptr (JsonObject) found = dlp_mlflow_post (server, "mlflow/runs/search", search);
  JsonArray *runs = json_object_get_array_member (found, "runs");
  ck_assert_uint_eq (json_array_get_length (runs), 1);
  JsonObject *run = json_array_get_object_element (runs, 0);
  JsonObject *info = json_object_get_object_member (run, "info");
  ck_assert_str_eq (json_object_get_string_member (info, "status"), "KILLED");
  ck_assert (json_object_has_member (info, "end_time"));
  ck_assert_str_eq (dlp_mlflow_run_value (run, "tags", "dlpipe.model_trainer.status"), "KILLED");
  /* The epochs done before the interrupt, each once. */
  const char *run_id = json_object_get_string_member (info, "run_id");
  g_autofree char *steps = dlp_mlflow_history_steps (server, run_id, "loss");
  g_auto (GStrv) each = g_strsplit (steps, ",", -1);
  guint n = g_strv_length (each);
  ck_assert_uint_ge (n, 3);
  g_autofree char *expected = steps_up_to (n);
  ck_assert_str_eq (steps, expected);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

static Suite *
pipeline_suite (void)
{
  Suite *s = suite_create ("pipeline");
  TCase *tc = tcase_create ("penguins");
  tcase_add_unchecked_fixture (tc, start_server, stop_server);
  tcase_set_timeout (tc, 180);
  tcase_add_test (tc, test_penguins_pipeline_is_one_run);
  tcase_add_test (tc, test_interrupted_trainer_ends_killed);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (pipeline_suite)
