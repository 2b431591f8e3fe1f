/* test-models.c: the model types and the model_builder stage, run through
 * the built host in a temporary folder. */
#include <string.h>
#include "engine-test-util.h"

static const char *const build_args[] = { "stage", "model_builder", NULL };

/* Runs model_builder on @params in a new folder; returns the folder. */
static char *
build (const char *params, int expect_status, char **err_out)
{
  char *dir = dlp_tmpdir_new ();
  g_free (dlp_write_test_file (dir, "params.yaml", params, -1));
  g_autofree char *err = NULL;
  int status = dlp_test_run_host (dir, build_args, NULL, &err);
  ck_assert_msg (status == expect_status, "dlpipe exited with %d, not %d: %s", status,
                 expect_status, err);
  if (err_out)
    *err_out = g_steal_pointer (&err);
  return dir;
}

static DlpGraph *
load_built (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *arch = g_build_filename (dir, "models/built/model.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "models/built/weights.safetensors", NULL);
  DlpGraph *g = dlp_graph_load (dlp_test_registry (), arch, &error);
  dlp_assert_no_error (error);
  ck_assert (dlp_graph_load_weights (g, weights, &error));
  return g;
}

static char *
summary_of (const char *params)
{
  char *dir = build (params, 0, NULL);
  DlpGraph *g = load_built (dir);
  char *summary = dlp_graph_summary (g);
  dlp_graph_free (g);
  dlp_tmpdir_free (dir);
  return summary;
}

START_TEST (test_builder_writes_model)
{
  char *dir =
    build ("model:\n  type: cnn\n  input_shape: [28, 28, 1]\n  num_classes: 10\n", 0, NULL);
  DlpGraph *g = load_built (dir);
  ck_assert_int_eq (dlp_graph_get_output_size (g), 10);
  ck_assert_int_eq (dlp_graph_get_input_size (g), 784);
  /* The default cnn: conv32-pool-conv64-pool-dense128-dense10. */
  ck_assert_uint_eq (dlp_graph_get_n_params (g) >= 225034, TRUE);
  g_autofree char *summary = dlp_graph_summary (g);
  ck_assert_ptr_nonnull (strstr (summary, "conv2d_1 (Conv2D)                    [11, 11, 64]"));
  ck_assert_ptr_nonnull (strstr (summary, "Trainable parameters: 225034"));
  dlp_graph_free (g);
  ck_assert_uint_eq (dlp_count_dir_entries (dir), 2); /* params.yaml, models */
  g_autofree char *built = g_build_filename (dir, "models/built", NULL);
  ck_assert_uint_eq (dlp_count_dir_entries (built), 2);
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_builder_seeded)
{
  const char *params = "model:\n  type: mlp\n  input_shape: [20]\n  num_classes: 3\n  seed: 5\n";
  char *a = build (params, 0, NULL), *b = build (params, 0, NULL);
  char *c =
    build ("model:\n  type: mlp\n  input_shape: [20]\n  num_classes: 3\n  seed: 6\n", 0, NULL);
  g_autofree char *wa = NULL, *wb = NULL, *wc = NULL;
  gsize la, lb, lc;
  g_autofree char *pa = g_build_filename (a, "models/built/weights.safetensors", NULL);
  g_autofree char *pb = g_build_filename (b, "models/built/weights.safetensors", NULL);
  g_autofree char *pc = g_build_filename (c, "models/built/weights.safetensors", NULL);
  ck_assert (g_file_get_contents (pa, &wa, &la, NULL) && g_file_get_contents (pb, &wb, &lb, NULL)
             && g_file_get_contents (pc, &wc, &lc, NULL));
  ck_assert (la == lb && memcmp (wa, wb, la) == 0);
  ck_assert (la == lc && memcmp (wa, wc, la) != 0);
  dlp_tmpdir_free (a);
  dlp_tmpdir_free (b);
  dlp_tmpdir_free (c);
}
END_TEST

START_TEST (test_model_types)
{
  g_autofree char *mlp = summary_of (
    "model:\n  type: mlp\n  input_shape: [28, 28, 1]\n  num_classes: 10\n"
    "  mlp: {hidden_units: [64, 32], activation: elu, dropout: 0.25, batch_norm: true}\n");
  ck_assert_ptr_nonnull (strstr (mlp, "flatten (Flatten)"));
  ck_assert_ptr_nonnull (strstr (mlp, "batch_normalization_1 (BatchNormalization)"));
  ck_assert_ptr_nonnull (strstr (mlp, "dropout_1 (Dropout)"));
  ck_assert_ptr_nonnull (strstr (mlp, "dense_2.softmax (Activation)"));

  g_autofree char *lstm =
    summary_of ("model:\n  type: lstm\n  input_shape: [28, 28, 1]\n  num_classes: 10\n"
                "  lstm: {units: 32, layers: 2, dense_units: [16]}\n");
  /* Two layers are two Keras LSTMs, the first passing on its sequence. */
  ck_assert_ptr_nonnull (strstr (lstm, "lstm (LSTM)                          [28, 32]"));
  ck_assert_ptr_nonnull (strstr (lstm, "lstm_1 (LSTM)                        [32]"));
  ck_assert_ptr_nonnull (strstr (lstm, "dense (Dense)                        [16]"));

  g_autofree char *tokens =
    summary_of ("model:\n  type: lstm\n  input_shape: [50]\n  num_classes: 2\n"
                "  lstm: {units: 8, vocab_size: 1000, embedding_dim: 16}\n");
  ck_assert_ptr_nonnull (strstr (tokens, "embedding (Embedding)                [50, 16]"));

  g_autofree char *cnn = summary_of (
    "model:\n  type: cnn\n  input_shape: [16, 16, 3]\n  num_classes: 4\n  name: small\n"
    "  cnn: {filters: [8], kernel_size: 5, padding: same, batch_norm: true, dense_units: [], "
    "dropout: 0.5}\n");
  ck_assert_ptr_nonnull (strstr (cnn, "Model \"small\""));
  ck_assert_ptr_nonnull (strstr (cnn, "conv2d (Conv2D)                      [16, 16, 8]"));
  ck_assert_ptr_nonnull (strstr (cnn, "max_pooling2d (MaxPooling2D)         [8, 8, 8]"));
}
END_TEST

START_TEST (test_json_type)
{
  /* An architecture written by model_builder is a json model. */
  char *dir = build ("model:\n  type: mlp\n  input_shape: [12]\n  num_classes: 3\n", 0, NULL);
  g_autofree char *params =
    g_strdup ("model:\n  type: json\n  input_shape: [12]\n  num_classes: 3\n"
              "  json: {path: models/built/model.json}\n");
  g_free (dlp_write_test_file (dir, "params.yaml", params, -1));
  g_autofree char *arch = g_build_filename (dir, "models/built/model.json", NULL);
  g_autofree char *before = NULL, *after = NULL;
  ck_assert (g_file_get_contents (arch, &before, NULL, NULL));
  g_autofree char *err = NULL;
  ck_assert_int_eq (dlp_test_run_host (dir, build_args, NULL, &err), 0);
  ck_assert (g_file_get_contents (arch, &after, NULL, NULL));
  ck_assert_str_eq (before, after);

  /* Built for another input, or another class count: errors, and the
   * model built before stays. */
  g_free (dlp_write_test_file (dir, "params.yaml",
                               "model:\n  type: json\n  input_shape: [13]\n  num_classes: 3\n"
                               "  json: {path: models/built/model.json}\n",
                               -1));
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (dlp_test_run_host (dir, build_args, NULL, &err), 1);
  ck_assert_ptr_nonnull (strstr (err, "model.json: the architecture's input shape [12] differs "
                                      "from the input shape [13]"));
  g_free (dlp_write_test_file (dir, "params.yaml",
                               "model:\n  type: json\n  input_shape: [12]\n  num_classes: 4\n"
                               "  json: {path: models/built/model.json}\n",
                               -1));
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (dlp_test_run_host (dir, build_args, NULL, &err), 1);
  ck_assert_ptr_nonnull (strstr (err, "params.yaml:4: model.num_classes: the model's output has "
                                      "shape [3], expected [4]"));
  g_clear_pointer (&after, g_free);
  ck_assert (g_file_get_contents (arch, &after, NULL, NULL));
  ck_assert_str_eq (before, after);
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_builder_errors)
{
  struct {
    const char *params;
    const char *needle;
  } cases[] = {
    { "model:\n  type: resnet\n  input_shape: [4]\n  num_classes: 2\n",
      "params.yaml:2: model.type: unknown model type 'resnet' (known: cnn, json, lstm, mlp)" },
    { "model:\n  type: mlp\n  input_shape: [4]\n",
      "params.yaml:1: model.num_classes: required key is missing" },
    { "model:\n  type: mlp\n  input_shape: [4, 0]\n  num_classes: 2\n",
      "params.yaml:3: model.input_shape: dimensions must be at least 1" },
    { "model:\n  type: cnn\n  input_shape: [784]\n  num_classes: 10\n",
      "the cnn model needs an image input_shape [height, width, channels], got [784]" },
    { "model:\n  type: cnn\n  input_shape: [6, 6, 1]\n  num_classes: 10\n  cnn: {filters: [4, 4, "
      "4]}\n",
      "params.yaml:1: model: the cnn architecture: layer 3 'conv2d_1' (Conv2D): input shape "
      "[2, 2, 4] does not fit: a 3x3 kernel without padding needs an image at least that large" },
    { "model:\n  type: mlp\n  input_shape: [4]\n  num_classes: 2\n  mlp: {hidden: [3]}\n",
      "params.yaml:5: model.mlp.hidden: unknown key" },
    { "model:\n  type: json\n  input_shape: [4]\n  num_classes: 2\n",
      "model type 'json' needs a section 'json:' with 'path'" },
    { "model:\n  type: json\n  input_shape: [4]\n  num_classes: 2\n  json: {path: nowhere.json}\n",
      "cannot read" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      char *dir = build (cases[i].params, 1, &err);
      ck_assert_msg (strstr (err, cases[i].needle) != NULL, "\"%s\" lacks \"%s\"", err,
                     cases[i].needle);
      /* No output at all. */
      ck_assert_uint_eq (dlp_count_dir_entries (dir), 1);
      dlp_tmpdir_free (dir);
    }
}
END_TEST

static Suite *
models_suite (void)
{
  Suite *s = suite_create ("models");
  TCase *tc = tcase_create ("builder");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_builder_writes_model);
  tcase_add_test (tc, test_builder_seeded);
  tcase_add_test (tc, test_model_types);
  tcase_add_test (tc, test_json_type);
  tcase_add_test (tc, test_builder_errors);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (models_suite)
