/* test-trainer.c: the training loop on a small synthetic problem:
 * learning, determinism, resume after an interruption, NaN detection,
 * early stopping. The model has a batch normalization, so that its running
 * statistics are part of every weights comparison. */
#include <math.h>
#include <string.h>
#include "../unit/dlp-check.h"
#include <dlpipe/host/dlp-graph.h>
#include "train/trainer.h"

static DlpRegistry *registry;
static char *tmpdir;

static const char *mlp_json =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"blobs\", \"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 4]}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 16, \"activation\": \"relu\"}},"
  "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
  "{\"class_name\": \"Dropout\", \"config\": {\"rate\": 0.1}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"activation\": \"softmax\"}}]}}";

static void
setup (void)
{
  registry = dlp_test_registry_new ();
  tmpdir = dlp_tmpdir_new ();
}

static void
teardown (void)
{
  g_clear_pointer (&registry, dlp_registry_unref);
  dlp_tmpdir_free (tmpdir);
  tmpdir = NULL;
}

/* Three Gaussian blobs in four dimensions. */
static DlpTrainingData *
blobs (gint64 n, guint64 seed)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_new (n);
  g_autoptr (DlpTensor) x = dlp_tensor_new_2d (DLP_DTYPE_F32, n, 4, NULL);
  g_autoptr (DlpTensor) y = dlp_tensor_new_1d (DLP_DTYPE_I32, n, NULL);
  float *xv = dlp_tensor_get_data_mut (x);
  gint32 *yv = dlp_tensor_get_data_mut (y);
  DlpRng rng;
  dlp_rng_init (&rng, seed);
  for (gint64 i = 0; i < n; i++)
    {
      yv[i] = (gint32) (i % 3);
      for (int j = 0; j < 4; j++)
        xv[i * 4 + j] = (float) ((j == yv[i] ? 2.0 : 0.0) + 0.7 * dlp_rng_normal (&rng));
    }
  const char *names[] = { "a", "b", "c" };
  ck_assert (dlp_dataset_add_column (ds, "x", x, DLP_COLUMN_FEATURE, NULL));
  ck_assert (dlp_dataset_add_categorical (ds, "y", y, names, 3, DLP_COLUMN_LABEL, NULL));
  g_autoptr (GError) error = NULL;
  DlpTrainingData *data = dlp_training_data_new (ds, "blobs", &error);
  dlp_assert_no_error (error);
  return data;
}

typedef struct {
  DlpGraph *graph;
  DlpTrainer *trainer;
} Run;

/* A trainer with the optimizer of @optimizer_yaml (a train section) and
 * @options, on one thread. */
static Run
make_run (const char *optimizer_yaml, DlpTrainOptions *options)
{
  Run run = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  ck_assert (json_parser_load_from_data (p, mlp_json, -1, NULL));
  run.graph =
    dlp_graph_new_from_json (registry, json_parser_get_root (p), "blobs", 0, NULL, &error);
  dlp_assert_no_error (error);
  dlp_graph_init (run.graph, 7);

  g_autoptr (DlpConfig) train = dlp_config_parse ("params.yaml", optimizer_yaml, -1, &error);
  g_auto (DlpTrainSettings) settings = { 0 };
  dlp_train_settings_load (&settings, train, registry, &error);
  dlp_assert_no_error (error);
  settings.options = *options;
  settings.threads = 1;
  run.trainer = dlp_trainer_new (run.graph, &settings, NULL, &error);
  dlp_assert_no_error (error);
  return run;
}

static void
clear_run (Run *run)
{
  dlp_trainer_free (run->trainer);
  dlp_graph_free (run->graph);
}

static DlpTrainOptions
default_options (void)
{
  return (DlpTrainOptions){
    .epochs = 4,
    .batch_size = 32,
    .seed = 42,
    .shuffle = TRUE,
    .monitor = "val_loss",
    .restore_best = TRUE,
    .fingerprint = "test",
  };
}

static const char *adam = "optimizer: {type: adam, learning_rate: 0.01}";

START_TEST (test_learns_and_reports)
{
  g_autoptr (DlpTrainingData) train = blobs (600, 1);
  g_autoptr (DlpTrainingData) val = blobs (150, 2);
  DlpTrainOptions o = default_options ();
  Run run = make_run (adam, &o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_trainer_fit (run.trainer, train, val, ctx, tmpdir, NULL, &error));
  dlp_assert_no_error (error);
  GArray *h = dlp_trainer_get_history (run.trainer);
  ck_assert_uint_eq (h->len, 4);
  const DlpEpochResult *first = &g_array_index (h, DlpEpochResult, 0);
  const DlpEpochResult *last = &g_array_index (h, DlpEpochResult, 3);
  ck_assert_int_eq (last->epoch, 4);
  ck_assert_msg (last->val_accuracy > 0.85, "val accuracy %g", last->val_accuracy);
  ck_assert_msg (last->loss < first->loss, "loss %g -> %g", first->loss, last->loss);
  ck_assert (last->samples_per_second > 0);
  ck_assert_double_eq (last->learning_rate, 0.01);
  clear_run (&run);
}
END_TEST

/* Parameters then running statistics: what inference depends on. */
static GBytes *
weights_bytes (DlpGraph *graph)
{
  gsize n = dlp_graph_get_n_params (graph), n_state = dlp_graph_get_n_state (graph);
  ck_assert_uint_gt (n_state, 0);
  float *all = g_new (float, n + n_state);
  memcpy (all, dlp_graph_get_params (graph), n * sizeof (float));
  memcpy (all + n, dlp_graph_get_state (graph), n_state * sizeof (float));
  return g_bytes_new_take (all, (n + n_state) * sizeof (float));
}

/* The full run's final weights. */
static GBytes *
train_fully (DlpTrainingData *train, DlpTrainingData *val, DlpTrainOptions *o)
{
  Run run = make_run (adam, o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  ck_assert (dlp_trainer_fit (run.trainer, train, val, ctx, NULL, NULL, NULL));
  GBytes *b = weights_bytes (run.graph);
  clear_run (&run);
  return b;
}

START_TEST (test_same_seed_same_weights)
{
  g_autoptr (DlpTrainingData) train = blobs (300, 1);
  DlpTrainOptions o = default_options ();
  o.monitor = "loss";
  g_autoptr (GBytes) a = train_fully (train, NULL, &o);
  g_autoptr (GBytes) b = train_fully (train, NULL, &o);
  ck_assert (g_bytes_equal (a, b));
  o.seed = 43;
  g_autoptr (GBytes) c = train_fully (train, NULL, &o);
  ck_assert (!g_bytes_equal (a, c));
}
END_TEST

typedef struct {
  DlpContext *ctx;
  gint64 epoch, batch;
} StopAt;

static void
stop_at (gpointer data, gint64 epoch, gint64 batch, gint64 n_batches, const DlpBatchStats *stats,
         double sps)
{
  StopAt *s = data;
  (void) n_batches, (void) stats, (void) sps;
  if (epoch == s->epoch && batch == s->batch)
    g_cancellable_cancel (dlp_context_get_cancellable (s->ctx));
}

START_TEST (test_resume_matches_uninterrupted_run)
{
  g_autoptr (DlpTrainingData) train = blobs (300, 1);
  g_autoptr (DlpTrainingData) val = blobs (90, 2);
  DlpTrainOptions o = default_options ();
  g_autoptr (GBytes) whole = train_fully (train, val, &o);

  /* Stopped like SIGINT does, in the middle of epoch 2. */
  Run first = make_run (adam, &o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  StopAt stop = { ctx, 2, 3 };
  DlpTrainHooks hooks = { &stop, stop_at, NULL };
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_trainer_fit (first.trainer, train, val, ctx, tmpdir, &hooks, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CANCELLED,
                    "stopped in epoch 2 after 3 batches; continue with --resume");
  clear_run (&first);
  g_clear_error (&error);

  Run second = make_run (adam, &o);
  g_autoptr (DlpContext) ctx2 = dlp_context_new (registry);
  ck_assert (dlp_trainer_resume (second.trainer, tmpdir, &error));
  dlp_assert_no_error (error);
  ck_assert (dlp_trainer_fit (second.trainer, train, val, ctx2, tmpdir, NULL, &error));
  dlp_assert_no_error (error);
  g_autoptr (GBytes) resumed = weights_bytes (second.graph);
  ck_assert_msg (g_bytes_equal (whole, resumed),
                 "resumed weights differ from an uninterrupted run");
  ck_assert_uint_eq (dlp_trainer_get_history (second.trainer)->len, 4);
  clear_run (&second);
}
END_TEST

START_TEST (test_resume_refuses_other_settings)
{
  g_autoptr (DlpTrainingData) train = blobs (90, 1);
  DlpTrainOptions o = default_options ();
  o.epochs = 1;
  o.monitor = "loss";
  Run run = make_run (adam, &o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  ck_assert (dlp_trainer_fit (run.trainer, train, NULL, ctx, tmpdir, NULL, NULL));
  clear_run (&run);

  o.fingerprint = "changed";
  Run other = make_run (adam, &o);
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_trainer_resume (other.trainer, tmpdir, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "made with other settings");
  clear_run (&other);
  char *empty = dlp_tmpdir_new ();
  Run none = make_run (adam, &o);
  g_clear_error (&error);
  ck_assert (!dlp_trainer_resume (none.trainer, empty, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no checkpoint");
  clear_run (&none);
  dlp_tmpdir_free (empty);
}
END_TEST

START_TEST (test_nan_loss_stops_training)
{
  g_autoptr (DlpTrainingData) train = blobs (300, 1);
  DlpTrainOptions o = default_options ();
  o.monitor = "loss";
  Run run = make_run ("optimizer: {type: sgd, learning_rate: 1e6}", &o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_trainer_fit (run.trainer, train, NULL, ctx, NULL, NULL, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED, "epoch 1, step ");
  ck_assert_msg (strstr (error->message, "the loss is NaN")
                   || strstr (error->message, "the loss is infinite"),
                 "%s", error->message);
  clear_run (&run);
}
END_TEST

START_TEST (test_early_stopping_restores_best)
{
  g_autoptr (DlpTrainingData) train = blobs (300, 1);
  g_autoptr (DlpTrainingData) val = blobs (90, 2);
  /* No later epoch can improve by 100: stop after patience 2. */
  DlpTrainOptions o = default_options ();
  o.epochs = 10;
  o.patience = 2;
  o.min_delta = 100;
  Run run = make_run (adam, &o);
  g_autoptr (DlpContext) ctx = dlp_context_new (registry);
  ck_assert (dlp_trainer_fit (run.trainer, train, val, ctx, NULL, NULL, NULL));
  ck_assert_uint_eq (dlp_trainer_get_history (run.trainer)->len, 3);
  ck_assert_int_eq (dlp_trainer_get_final_epoch (run.trainer), 1);
  g_autoptr (GBytes) restored = weights_bytes (run.graph);
  clear_run (&run);

  DlpTrainOptions one = default_options ();
  one.epochs = 1;
  g_autoptr (GBytes) after_one = train_fully (train, val, &one);
  ck_assert_msg (g_bytes_equal (restored, after_one),
                 "the best (first) epoch's weights were not restored");

  DlpTrainOptions novalidation = default_options ();
  novalidation.patience = 1;
  Run bad = make_run (adam, &novalidation);
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_trainer_fit (bad.trainer, train, NULL, ctx, NULL, NULL, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "no validation data");
  clear_run (&bad);
}
END_TEST

static Suite *
trainer_suite (void)
{
  Suite *s = suite_create ("trainer");
  TCase *tc = tcase_create ("trainer");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_learns_and_reports);
  tcase_add_test (tc, test_same_seed_same_weights);
  tcase_add_test (tc, test_resume_matches_uninterrupted_run);
  tcase_add_test (tc, test_resume_refuses_other_settings);
  tcase_add_test (tc, test_nan_loss_stops_training);
  tcase_add_test (tc, test_early_stopping_restores_best);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (trainer_suite)
