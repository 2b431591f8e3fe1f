/* test-graph.c: architecture JSON, weights files, errors, the loss, and
 * determinism of the graph engine. */
#include <math.h>
#include <string.h>
#include "engine-test-util.h"

/* What Keras 2.x's model.to_json() writes for a small MLP. */
static const char *keras2_mlp =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"layers\": ["
  "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\", \"trainable\": true, "
  "\"batch_input_shape\": [null, 28, 28], \"dtype\": \"float32\", \"data_format\": "
  "\"channels_last\"}}, "
  "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", \"trainable\": true, \"dtype\": "
  "\"float32\", "
  "\"units\": 128, \"activation\": \"relu\", \"use_bias\": true, \"kernel_initializer\": "
  "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}, \"bias_initializer\": "
  "{\"class_name\": \"Zeros\", \"config\": {}}, \"kernel_regularizer\": null, "
  "\"bias_regularizer\": null, "
  "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}, "
  "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dropout\", \"trainable\": true, "
  "\"dtype\": "
  "\"float32\", \"rate\": 0.2, \"noise_shape\": null, \"seed\": null}}, "
  "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_1\", \"trainable\": true, \"dtype\": "
  "\"float32\", "
  "\"units\": 10, \"activation\": \"softmax\", \"use_bias\": true, \"kernel_initializer\": "
  "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}, \"bias_initializer\": "
  "{\"class_name\": \"Zeros\", \"config\": {}}, \"kernel_regularizer\": null, "
  "\"bias_regularizer\": null, "
  "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}]}, "
  "\"keras_version\": \"2.4.0\", \"backend\": \"tensorflow\"}";

/* Keras 3 decorates layers with module, registered_name, build_config. */
static const char *keras3_cnn =
  "{\"module\": \"keras\", \"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", "
  "\"trainable\": true, \"layers\": ["
  "{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": "
  "[null, 12, 12, 3], \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"}, "
  "\"registered_name\": null},"
  "{\"module\": \"keras.layers\", \"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", "
  "\"trainable\": true, \"dtype\": {\"module\": \"keras\", \"class_name\": \"DTypePolicy\", "
  "\"config\": "
  "{\"name\": \"float32\"}, \"registered_name\": null}, \"filters\": 4, \"kernel_size\": [3, 3], "
  "\"strides\": [1, 1], \"padding\": \"same\", \"data_format\": \"channels_last\", "
  "\"dilation_rate\": "
  "[1, 1], \"groups\": 1, \"activation\": \"relu\", \"use_bias\": true, \"kernel_initializer\": "
  "{\"module\": \"keras.initializers\", \"class_name\": \"HeNormal\", \"config\": {\"seed\": "
  "null}, "
  "\"registered_name\": null}, \"bias_initializer\": {\"module\": \"keras.initializers\", "
  "\"class_name\": "
  "\"Zeros\", \"config\": {}, \"registered_name\": null}, \"kernel_regularizer\": null, "
  "\"bias_regularizer\": null, \"activity_regularizer\": null, \"kernel_constraint\": null, "
  "\"bias_constraint\": null}, \"registered_name\": null, \"build_config\": {\"input_shape\": "
  "[null, 12, 12, 3]}},"
  "{\"module\": \"keras.layers\", \"class_name\": \"BatchNormalization\", \"config\": {\"name\": "
  "\"batch_normalization\", \"axis\": -1, \"momentum\": 0.99, \"epsilon\": 0.001, \"center\": "
  "true, "
  "\"scale\": true}},"
  "{\"module\": \"keras.layers\", \"class_name\": \"MaxPooling2D\", \"config\": {\"name\": "
  "\"max_pooling2d\", \"pool_size\": [2, 2], \"padding\": \"valid\", \"strides\": [2, 2], "
  "\"data_format\": \"channels_last\"}},"
  "{\"module\": \"keras.layers\", \"class_name\": \"Flatten\", \"config\": {\"name\": "
  "\"flatten\"}},"
  "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"name\": \"dense\", "
  "\"units\": 5, \"activation\": \"softmax\"}}]}, \"registered_name\": null}";

static char *
json_text (DlpGraph *graph)
{
  g_autoptr (JsonNode) node = dlp_graph_to_json (graph);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

START_TEST (test_keras_json_loads)
{
  DlpGraph *g = engine_graph (keras2_mlp);
  ck_assert_uint_eq (dlp_graph_get_input_rank (g), 2);
  ck_assert_int_eq (dlp_graph_get_input_size (g), 784);
  ck_assert_int_eq (dlp_graph_get_output_size (g), 10);
  ck_assert_str_eq (dlp_graph_get_name (g), "sequential");
  ck_assert_uint_eq (dlp_graph_get_n_params (g), 128 * 784 + 128 + 10 * 128 + 16);
  dlp_graph_free (g);

  g = engine_graph (keras3_cnn);
  const gint64 *out = dlp_graph_get_output_shape (g);
  ck_assert_int_eq (out[0], 5);
  g_autofree char *summary = dlp_graph_summary (g);
  /* Conv2D, its ReLU, BatchNormalization... as PyTorch counts modules. */
  ck_assert_ptr_nonnull (strstr (summary, "conv2d.relu (Activation)"));
  ck_assert_ptr_nonnull (strstr (summary, "[6, 6, 4]"));
  dlp_graph_free (g);
}
END_TEST

START_TEST (test_json_round_trip)
{
  const char *sources[] = { keras2_mlp, keras3_cnn };
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      DlpGraph *g1 = engine_graph (sources[i]);
      g_autofree char *once = json_text (g1);
      DlpGraph *g2 = engine_graph (once);
      g_autofree char *twice = json_text (g2);
      ck_assert_str_eq (once, twice);
      ck_assert_uint_eq (dlp_graph_get_n_params (g1), dlp_graph_get_n_params (g2));
      /* Defaults are written out. */
      ck_assert_ptr_nonnull (strstr (once, "\"use_bias\":true"));
      dlp_graph_free (g1);
      dlp_graph_free (g2);
    }
}
END_TEST

/* What model_builder wrote before: num_layers and time_major, which
 * Keras refuses, and every Keras default spelled out. */
static const char *old_lstm =
  "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"lstm\", \"layers\": ["
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 5, 3], \"dtype\": "
  "\"float32\", \"name\": \"input_layer\"}},"
  "{\"class_name\": \"LSTM\", \"config\": {\"units\": 4, \"num_layers\": %d, \"name\": \"lstm\", "
  "\"return_sequences\": false, \"use_bias\": true, \"unit_forget_bias\": true, "
  "\"kernel_initializer\": \"glorot_uniform\", \"recurrent_initializer\": \"orthogonal\", "
  "\"bias_initializer\": \"zeros\", \"activation\": \"tanh\", \"recurrent_activation\": "
  "\"sigmoid\", \"return_state\": false, \"go_backwards\": false, \"stateful\": false, "
  "\"time_major\": false, \"dropout\": 0, \"recurrent_dropout\": 0}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"activation\": \"softmax\", "
  "\"name\": \"dense\", \"use_bias\": true, \"kernel_initializer\": \"glorot_uniform\", "
  "\"bias_initializer\": \"zeros\", \"kernel_regularizer\": null}}]}}";

START_TEST (test_json_keras3_form)
{
  /* Keras 3 finds classes by module, and refuses keys it does not know:
   * what dlpipe writes has the one and none of the others. */
  g_autofree char *one = g_strdup_printf (old_lstm, 1);
  DlpGraph *g = engine_graph (one);
  g_autofree char *text = json_text (g);
  ck_assert_ptr_nonnull (
    g_strstr_len (text, -1, "{\"module\":\"keras\",\"class_name\":\"Sequential\""));
  ck_assert_ptr_nonnull (strstr (text, "{\"module\":\"keras.layers\",\"class_name\":\"LSTM\""));
  ck_assert_ptr_nonnull (strstr (text, "\"registered_name\":null"));
  const char *gone[] = { "num_layers", "time_major", "return_state", "recurrent_dropout",
                         "kernel_regularizer" };
  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    ck_assert_msg (strstr (text, gone[i]) == NULL, "%s is written: %s", gone[i], text);
  ck_assert_ptr_nonnull (strstr (text, "\"unit_forget_bias\":true"));
  dlp_graph_free (g);

  /* An old stacked LSTM still loads, as one layer; Keras has no such
   * layer, so num_layers stays. */
  g_autofree char *two = g_strdup_printf (old_lstm, 2);
  g = engine_graph (two);
  g_clear_pointer (&text, g_free);
  text = json_text (g);
  ck_assert_ptr_nonnull (strstr (text, "\"num_layers\":2"));
  ck_assert_ptr_null (strstr (text, "time_major"));
  g_autofree char *summary = dlp_graph_summary (g);
  ck_assert_ptr_nonnull (strstr (summary, "lstm (LSTM)"));
  ck_assert_ptr_null (strstr (summary, "lstm_1"));
  dlp_graph_free (g);
}
END_TEST

static DlpSafetensors *
read_weights (DlpGraph *g, const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  ck_assert (dlp_graph_save_weights (g, path, &error));
  DlpSafetensors *st = dlp_safetensors_read (path, &error);
  dlp_assert_no_error (error);
  return st;
}

START_TEST (test_weights_round_trip)
{
  g_autoptr (GError) error = NULL;
  char *dir = dlp_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  DlpGraph *g1 = engine_graph (keras3_cnn);
  dlp_graph_init (g1, 1);
  /* Move the running statistics away from their start. */
  float x[4 * 12 * 12 * 3];
  engine_fill (x, G_N_ELEMENTS (x), 3, -1, 1);
  ck_assert (dlp_graph_forward (g1, x, 4, TRUE, NULL, &error));
  ck_assert (dlp_graph_save_weights (g1, path, &error));

  DlpGraph *g2 = engine_graph (keras3_cnn);
  dlp_graph_init (g2, 2);
  ck_assert (dlp_graph_load_weights (g2, path, &error));
  gsize n = dlp_graph_get_n_params (g1);
  ck_assert (memcmp (dlp_graph_get_params (g1), dlp_graph_get_params (g2), n * sizeof (float))
             == 0);
  /* Same weights and state: same inference. */
  float y1[4 * 5], y2[4 * 5];
  ck_assert (dlp_graph_forward (g1, x, 4, FALSE, y1, &error));
  ck_assert (dlp_graph_forward (g2, x, 4, FALSE, y2, &error));
  ck_assert (memcmp (y1, y2, sizeof y1) == 0);

  /* PyTorch's names, layouts and types. */
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, &error);
  dlp_assert_no_error (error);
  const char *names[] = { "0.weight",
                          "0.bias",
                          "2.weight",
                          "2.bias",
                          "2.running_mean",
                          "2.running_var",
                          "2.num_batches_tracked",
                          "5.weight",
                          "5.bias" };
  ck_assert_uint_eq (dlp_safetensors_get_n_tensors (st), G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    ck_assert_msg (dlp_safetensors_get_tensor (st, names[i]) != NULL, "no %s", names[i]);
  DlpTensor *conv = dlp_safetensors_get_tensor (st, "0.weight");
  const gint64 torch_shape[4] = { 4, 3, 3, 3 };
  ck_assert (memcmp (dlp_tensor_get_shape (conv), torch_shape, sizeof torch_shape) == 0);
  DlpTensor *count = dlp_safetensors_get_tensor (st, "2.num_batches_tracked");
  ck_assert_int_eq (dlp_tensor_get_dtype (count), DLP_DTYPE_I64);
  ck_assert_uint_eq (dlp_tensor_get_rank (count), 0);
  ck_assert_int_eq (*(const gint64 *) dlp_tensor_get_data (count), 1);
  /* [out, in, kh, kw] in the file is [out, kh, kw, in] in the layer. */
  const float *stored = dlp_tensor_get_data (conv);
  const float *kept = dlp_graph_get_params (g1);
  for (int o = 0; o < 4; o++)
    for (int c = 0; c < 3; c++)
      for (int kh = 0; kh < 3; kh++)
        for (int kw = 0; kw < 3; kw++)
          ck_assert_float_eq (stored[((o * 3 + c) * 3 + kh) * 3 + kw],
                              kept[((o * 3 + kh) * 3 + kw) * 3 + c]);
  dlp_graph_free (g1);
  dlp_graph_free (g2);
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_weights_errors)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  DlpGraph *small = engine_graph (
    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
    "\"config\": {\"units\": 3, \"batch_input_shape\": [null, 4]}}]}}");
  DlpGraph *wide = engine_graph (
    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
    "\"config\": {\"units\": 3, \"batch_input_shape\": [null, 5]}}]}}");
  DlpGraph *two = engine_graph (
    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
    "\"config\": {\"units\": 3, \"batch_input_shape\": [null, 4]}}, {\"class_name\": \"Dense\", "
    "\"config\": {\"units\": 2}}]}}");
  DlpGraph *no_bias = engine_graph (
    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
    "\"config\": {\"units\": 3, \"use_bias\": false, \"batch_input_shape\": [null, 4]}}]}}");
  dlp_graph_init (small, 1);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_graph_save_weights (small, path, &error));

  /* Shape mismatch: names the tensor, its layer and both shapes, and
   * leaves the graph as it was. */
  dlp_graph_init (wide, 9);
  g_autofree float *before =
    g_memdup2 (dlp_graph_get_params (wide), dlp_graph_get_n_params (wide) * sizeof (float));
  ck_assert (!dlp_graph_load_weights (wide, path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                    "'0.weight' of layer 0 'dense' (Dense) "
                    "has shape [3, 4], expected [3, 5]");
  ck_assert (
    memcmp (before, dlp_graph_get_params (wide), dlp_graph_get_n_params (wide) * sizeof (float))
    == 0);
  g_clear_error (&error);
  ck_assert (!dlp_graph_load_weights (two, path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "tensor '1.weight' of layer 1");
  g_clear_error (&error);
  ck_assert (!dlp_graph_load_weights (no_bias, path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "'0.bias' belongs to no layer");
  g_clear_error (&error);
  g_autofree char *junk = dlp_write_test_file (dir, "junk.safetensors", "not a file", -1);
  ck_assert (!dlp_graph_load_weights (small, junk, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "junk.safetensors"));
  dlp_graph_free (small);
  dlp_graph_free (wide);
  dlp_graph_free (two);
  dlp_graph_free (no_bias);
  dlp_tmpdir_free (dir);
}
END_TEST

/* clang-format off */
#define ONE_LAYER(shape, layer) \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [" \
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": " shape "}},\n" layer "]}}"
/* clang-format on */

START_TEST (test_architecture_errors)
{
  struct {
    const char *json;
    int code;
    const char *needle;
  } cases[] = {
    { ONE_LAYER ("[null, 4]", "{\"class_name\": \"GRU\", \"config\": {\"units\": 3}}"),
      DLP_ERROR_CONFIG,
      "model.json:2: config.layers.1.class_name: unknown layer class 'GRU' "
      "(known: Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, ELU, "
      "Embedding, Flatten, InputLayer, LSTM, LeakyReLU, MaxPooling2D, ReLU, Softmax)" },
    { ONE_LAYER ("[null, 16]",
                 "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, \"kernel_size\": 3}}"),
      DLP_ERROR_SHAPE,
      "layer 0 'conv2d' (Conv2D): input shape [16] does not fit: expected an image "
      "[height, width, channels]" },
    { ONE_LAYER ("[null, 2, 2, 1]",
                 "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, \"kernel_size\": 3}}"),
      DLP_ERROR_SHAPE, "input shape [2, 2, 1] does not fit: a 3x3 kernel" },
    { ONE_LAYER ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"units\": \"ten\"}}"),
      DLP_ERROR_CONFIG, "model.json:2: config.layers.1.config.units: expected an integer" },
    { ONE_LAYER ("[null, 4]",
                 "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"unit\": 1}}"),
      DLP_ERROR_CONFIG,
      "config.layers.1.config.unit: unknown key; did you mean 'units'? (known: units, use_bias, "
      "kernel_initializer, "
      "bias_initializer, activation)" },
    { ONE_LAYER ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, "
                              "\"kernel_regularizer\": {\"class_name\": \"L2\"}}}"),
      DLP_ERROR_CONFIG, "kernel_regularizer: not supported" },
    { ONE_LAYER (
        "[null, 4]",
        "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"activation\": \"swish\"}}"),
      DLP_ERROR_CONFIG, "config.layers.1.config.activation: unknown activation \"swish\"" },
    { ONE_LAYER ("[null, 4]",
                 "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"name\": \"a\"}},"
                 "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"name\": \"a\"}}"),
      DLP_ERROR_CONFIG, "a layer named 'a' comes earlier" },
    { "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
      "\"config\": {\"units\": 3}}]}}",
      DLP_ERROR_SHAPE, "declares no input shape" },
    { "{\"class_name\": \"Functional\", \"config\": {}}", DLP_ERROR_CONFIG,
      "expected a Keras Sequential model" },
    { ONE_LAYER ("[null, 4]", ""), DLP_ERROR_CONFIG, "the model has no layers" },
    /* Sizes a hostile file could ask for. */
    { ONE_LAYER ("[null, 16777216]",
                 "{\"class_name\": \"Dense\", \"config\": {\"units\": 16777216}}"),
      DLP_ERROR_LIMIT,
      "layer 0 'dense' (Dense): parameter 'weight' [16777216, 16777216]: more than "
      "68719476736 bytes (raise the limit with DLPIPE_LIMIT_TENSOR_BYTES)" },
    { ONE_LAYER ("[null, 4294967296, 4294967296, 2]",
                 "{\"class_name\": \"Flatten\", \"config\": {}}"),
      DLP_ERROR_LIMIT, "input shape [4294967296, 4294967296, 2]: more than" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = engine_graph_error (cases[i].json);
      dlp_assert_error (error, DLP_ERROR, cases[i].code, cases[i].needle);
    }
}
END_TEST

START_TEST (test_prepare_too_large)
{
  g_autoptr (GError) error = NULL;
  DlpGraph *g = engine_graph (keras2_mlp);
  ck_assert (!dlp_graph_prepare (g, G_MAXINT64 / 4, 1, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                    "cannot allocate the activations of model "
                    "'sequential'");
  /* The graph still works. */
  g_clear_error (&error);
  float x[784] = { 0 }, y[10];
  ck_assert (dlp_graph_forward (g, x, 1, FALSE, y, &error));
  dlp_graph_free (g);
}
END_TEST

START_TEST (test_architecture_file_errors)
{
  char *dir = dlp_tmpdir_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *bad = dlp_write_test_file (
    dir, "bad.json", "{\"class_name\": \"Sequential\",\n  \"config\": [,]}", -1);
  ck_assert_ptr_null (dlp_graph_load (dlp_test_registry (), bad, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "bad.json");
  ck_assert_ptr_nonnull (strstr (error->message, ":2:"));
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  ck_assert_ptr_null (dlp_graph_load (dlp_test_registry (), missing, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_IO, "missing.json");
  g_clear_error (&error);
  /* The input shape the model is built for must be the file's. */
  g_autofree char *ok = dlp_write_test_file (dir, "ok.json", keras2_mlp, -1);
  g_autoptr (DlpConfig) arch = dlp_architecture_load (ok, &error);
  dlp_assert_no_error (error);
  const gint64 other[1] = { 784 };
  ck_assert_ptr_null (dlp_graph_new (dlp_test_registry (), arch, 1, other, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                    "the architecture's input shape [28, 28] differs from the input shape [784]");
  dlp_tmpdir_free (dir);
}
END_TEST

/* clang-format off */
#define LSTM_OF(settings) \
  ONE_LAYER ("[null, 5, 3]", "{\"class_name\": \"LSTM\", \"config\": {\"units\": 2" settings "}}")
#define DENSE_INIT(settings) \
  ONE_LAYER ("[null, 4]", "{\"class_name\": \"Dense\", \"config\": {\"units\": 2, " \
             "\"kernel_initializer\": {\"module\": \"keras.initializers\", \"class_name\": " \
             "\"GlorotUniform\", \"config\": {\"seed\": null" settings "}, \"registered_name\": null}}}")
/* clang-format on */

START_TEST (test_keras_defaults)
{
  /* What Keras 3.15 writes: settings dlpipe lacks, at Keras' defaults,
   * with null for what is off, and keys it does not know, null. */
  const char *accepted[] = {
    DENSE_INIT (", \"input_axes\": null, \"output_axes\": null"),
    LSTM_OF (", \"zero_output_for_mask\": false, \"dropout\": 0.0, \"recurrent_dropout\": 0, "
             "\"time_major\": false, \"go_backwards\": null, \"kernel_regularizer\": null, "
             "\"a_later_keras_key\": null, \"trainable\": true"),
    ONE_LAYER ("[null, 4]", "{\"class_name\": \"ReLU\", \"config\": {\"max_value\": null, "
                            "\"negative_slope\": 0.0, \"threshold\": 0.0}}"),
    ONE_LAYER ("[null, 4]",
               "{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"dtype\": "
               "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": "
               "\"float32\"}, \"registered_name\": null}}}"),
  };
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    dlp_graph_free (engine_graph (accepted[i]));

  /* Any other value asks for what dlpipe lacks: refused, naming the key
   * and what dlpipe has. */
  struct {
    const char *json;
    const char *needle;
  } refused[] = {
    { DENSE_INIT (", \"input_axes\": [0]"),
      "config.layers.1.config.kernel_initializer.config."
      "input_axes: not supported by dlpipe (only null, Keras' default, is accepted)" },
    { LSTM_OF (", \"zero_output_for_mask\": true"),
      "config.layers.1.config.zero_output_for_mask: "
      "not supported by dlpipe (only false, Keras' default, is accepted)" },
    { LSTM_OF (", \"recurrent_dropout\": 0.25"), "recurrent_dropout: not supported by dlpipe "
                                                 "(only 0, Keras' default, is accepted)" },
    { LSTM_OF (", \"trainable\": false"), "trainable: not supported by dlpipe (only true" },
    { ONE_LAYER ("[null, 4]", "{\"class_name\": \"ReLU\", \"config\": {\"max_value\": 6}}"),
      "max_value: not supported by dlpipe (only null" },
    { ONE_LAYER ("[null, 4]",
                 "{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"dtype\": "
                 "{\"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"mixed_float16\"}}}}"),
      "config.layers.1.config.dtype.config.name: dlpipe computes in float32, got "
      "\"mixed_float16\"" },
    /* A key dlpipe does not know is accepted only when null. */
    { LSTM_OF (", \"a_later_keras_key\": 1"),
      "config.layers.1.config.a_later_keras_key: "
      "unknown key (known: units, num_layers, return_sequences" },
    { DENSE_INIT (", \"fan\": 2"),
      "kernel_initializer.config.fan: unknown key (known: seed, value" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GError) error = engine_graph_error (refused[i].json);
      dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, refused[i].needle);
    }
}
END_TEST

/* Loads @text as an architecture file; the error must cite @needle's
 * line and column in it (after @skip bytes). */
static void
assert_error_at (const char *dir, const char *text, const char *needle, gsize skip,
                 const char *message)
{
  g_autofree char *path = dlp_write_test_file (dir, "arch.json", text, -1);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_graph_load (dlp_test_registry (), path, &error));
  const char *at = strstr (text + skip, needle);
  ck_assert_ptr_nonnull (at);
  guint line = 1, column = 1;
  for (const char *c = text; c < at; c++)
    if (*c == '\n')
      line++, column = 1;
    else if ((*c & 0xC0) != 0x80)
      column++;
  g_autofree char *want = g_strdup_printf ("arch.json:%u:%u: %s", line, column, message);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, want);
}

START_TEST (test_architecture_file_locations)
{
  char *dir = dlp_tmpdir_new ();
  /* Keras writes a model on one line: the column locates the key. */
  g_autofree char *one = g_strdup (keras2_mlp);
  *strstr (one, "\"units\": 10,") = '\0';
  g_autofree char *bad = g_strconcat (one, "\"units\": \"ten\", ",
                                      strstr (keras2_mlp, "\"activation\": \"softmax\""), NULL);
  assert_error_at (dir, bad, "\"units\": \"ten\"", 0,
                   "config.layers.3.config.units: expected an integer");
  /* A repeated key, which YAML refuses and json-glib reads as its last
   * value: the last one is cited, in the file itself. */
  g_autofree char *dup = g_strconcat (one, "\"units\": 10, \"units\": \"ten\", ",
                                      strstr (keras2_mlp, "\"activation\": \"softmax\""), NULL);
  assert_error_at (dir, dup, "\"units\": \"ten\"", 0,
                   "config.layers.3.config.units: expected an integer");
  /* Lines, comments, escapes in keys, characters beyond ASCII. */
  const char *lines =
    "{\"class_name\": \"Sequential\", /* \"units\": 1 */\n"
    "  \"config\": {\"name\": \"s\\u00e9q\u00e9\", \"layers\": [\n"
    "    {\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 4]}},\n"
    "    {\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"\\u0075nit\": 1}}]}}\n";
  assert_error_at (dir, lines, "\"\\u0075nit\"", 0, "config.layers.1.config.unit: unknown key");
  const char *element =
    "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"\u00e9\", \"layers\": [\n"
    "  {\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 4]}}, 7]}}";
  assert_error_at (dir, element, "7", 70, "config.layers.1: expected a layer");
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_loss)
{
  /* Two rows, three classes: checked against the definition in double. */
  const float logits[6] = { 1.0f, 2.0f, 0.5f, -1.0f, 0.0f, 3.0f };
  const gint32 labels[2] = { 1, 0 };
  const float weights[3] = { 2.0f, 1.0f, 0.5f };
  DlpLossOptions opts = { sizeof opts, 0.1, weights };
  float grads[6];
  DlpBatchStats stats = { 0 };
  double wsum = dlp_loss_weight_sum (labels, 2, &opts);
  ck_assert_double_eq (wsum, 3.0);
  dlp_softmax_cross_entropy (logits, labels, 2, 3, &opts, grads, 1.0 / wsum, &stats);
  double expected = 0;
  for (int r = 0; r < 2; r++)
    {
      const float *z = logits + r * 3;
      double lse = log (exp (z[0]) + exp (z[1]) + exp (z[2]));
      double l = 0.9 * weights[labels[r]] * (lse - z[labels[r]]);
      for (int c = 0; c < 3; c++)
        l += 0.1 / 3 * weights[c] * (lse - z[c]);
      expected += l;
    }
  ck_assert_double_eq_tol (stats.loss_sum, expected, 1e-9);
  ck_assert_double_eq (stats.weight_sum, 3.0);
  ck_assert_int_eq (stats.n_correct, 1); /* row 0 right, row 1 wrong */
  ck_assert_int_eq (stats.n_rows, 2);
  /* The gradient of the mean, by central differences. */
  for (int k = 0; k < 6; k++)
    {
      float z[6];
      memcpy (z, logits, sizeof z);
      DlpBatchStats plus = { 0 }, minus = { 0 };
      z[k] += 1e-3f;
      dlp_softmax_cross_entropy (z, labels, 2, 3, &opts, NULL, 0, &plus);
      z[k] -= 2e-3f;
      dlp_softmax_cross_entropy (z, labels, 2, 3, &opts, NULL, 0, &minus);
      double numeric = (plus.loss_sum - minus.loss_sum) / (2e-3 * wsum);
      ck_assert_double_eq_tol (grads[k], numeric, 1e-4);
    }
  /* Stable with huge logits. */
  const float big[3] = { 1000.0f, -1000.0f, 999.0f };
  DlpBatchStats s = { 0 };
  dlp_softmax_cross_entropy (big, labels, 1, 3, NULL, grads, 1.0, &s);
  ck_assert (isfinite (s.loss_sum));
  ck_assert_double_eq_tol (s.loss_sum, 2000.0 + log (1 + exp (-1.0)), 1e-6);
}
END_TEST

static const char *train_model = ONE_LAYER (
  "[null, 6, 6, 1]",
  "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 3, \"kernel_size\": 3, \"activation\": "
  "\"relu\"}},"
  "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
  "{\"class_name\": \"MaxPooling2D\", \"config\": {}},"
  "{\"class_name\": \"Flatten\", \"config\": {}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 8, \"activation\": \"relu\"}},"
  "{\"class_name\": \"Dropout\", \"config\": {\"rate\": 0.3}},"
  "{\"class_name\": \"Dense\", \"config\": {\"units\": 4, \"activation\": \"softmax\"}}");

/* Gradients of two training steps, on @threads threads. */
static float *
train_grads (guint threads, DlpBatchStats *stats)
{
  g_autoptr (GError) error = NULL;
  DlpGraph *g = engine_graph (train_model);
  dlp_graph_init (g, 5);
  dlp_graph_set_seed (g, 17);
  ck_assert (dlp_graph_prepare (g, 10, threads, &error));
  float x[10 * 36];
  gint32 labels[10];
  engine_fill (x, G_N_ELEMENTS (x), 1, -1, 1);
  for (int i = 0; i < 10; i++)
    labels[i] = i % 4;
  ck_assert (dlp_graph_train_batch (g, x, labels, 10, stats, &error));
  ck_assert (dlp_graph_train_batch (g, x, labels, 7, stats, &error));
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_graph_get_step (g), 2);
  float *grads = g_memdup2 (dlp_graph_get_grads (g), dlp_graph_get_n_params (g) * sizeof (float));
  dlp_graph_free (g);
  return grads;
}

START_TEST (test_deterministic_threads)
{
  dlp_blas_set_n_threads (1);
  DlpGraph *g = engine_graph (train_model);
  gsize n = dlp_graph_get_n_params (g);
  dlp_graph_free (g);
  DlpBatchStats s1 = { 0 }, s1b = { 0 }, s2 = { 0 }, s2b = { 0 };
  g_autofree float *one = train_grads (1, &s1);
  g_autofree float *one_again = train_grads (1, &s1b);
  g_autofree float *two = train_grads (2, &s2);
  g_autofree float *two_again = train_grads (2, &s2b);
  /* Same thread count: the same bits. */
  ck_assert (memcmp (one, one_again, n * sizeof (float)) == 0);
  ck_assert (memcmp (two, two_again, n * sizeof (float)) == 0);
  ck_assert_double_eq (s2.loss_sum, s2b.loss_sum);
  /* Another count: sums in another order, the same to rounding (dropout
   * masks do not depend on the split). */
  for (gsize i = 0; i < n; i++)
    ck_assert_msg (fabsf (one[i] - two[i]) <= 1e-5f + 1e-4f * fabsf (one[i]),
                   "gradient %" G_GSIZE_FORMAT ": %g on one thread, %g on two", i, one[i], two[i]);
  ck_assert_double_eq_tol (s1.loss_sum, s2.loss_sum, 1e-5);
  ck_assert_int_eq (s1.n_rows, 17);
  /* OpenBLAS threads and the engine's own are never both used. */
  dlp_blas_set_n_threads (2);
  g_autoptr (GError) error = NULL;
  g = engine_graph (train_model);
  ck_assert (!dlp_graph_prepare (g, 8, 2, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "OpenBLAS");
  dlp_graph_free (g);
  dlp_blas_set_n_threads (1);
}
END_TEST

START_TEST (test_init_seeded)
{
  const char *json =
    ONE_LAYER ("[null, 5, 3]", "{\"class_name\": \"LSTM\", \"config\": {\"units\": 6}}");
  DlpGraph *a = engine_graph (json), *b = engine_graph (json);
  gsize n = dlp_graph_get_n_params (a);
  dlp_graph_init (a, 7);
  dlp_graph_init (b, 7);
  ck_assert (memcmp (dlp_graph_get_params (a), dlp_graph_get_params (b), n * sizeof (float)) == 0);
  dlp_graph_init (b, 8);
  ck_assert (memcmp (dlp_graph_get_params (a), dlp_graph_get_params (b), n * sizeof (float)) != 0);
  /* weight_hh_l0 [24, 6] has orthonormal columns; the forget gate's bias
   * starts at 1; Glorot uniform stays within its limit. */
  char *dir = dlp_tmpdir_new ();
  g_autoptr (DlpSafetensors) st = read_weights (a, dir);
  const float *hh = dlp_tensor_get_data (dlp_safetensors_get_tensor (st, "0.weight_hh_l0"));
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      {
        double dot = 0;
        for (int r = 0; r < 24; r++)
          dot += (double) hh[r * 6 + i] * hh[r * 6 + j];
        ck_assert_double_eq_tol (dot, i == j ? 1.0 : 0.0, 1e-5);
      }
  const float *bias = dlp_tensor_get_data (dlp_safetensors_get_tensor (st, "0.bias_ih_l0"));
  for (int j = 0; j < 24; j++)
    ck_assert_float_eq (bias[j], j >= 6 && j < 12 ? 1.0f : 0.0f);
  const float *ih = dlp_tensor_get_data (dlp_safetensors_get_tensor (st, "0.weight_ih_l0"));
  double limit = sqrt (6.0 / (3 + 24));
  for (int j = 0; j < 24 * 3; j++)
    ck_assert (fabs (ih[j]) <= limit);
  dlp_tmpdir_free (dir);
  dlp_graph_free (a);
  dlp_graph_free (b);
}
END_TEST

START_TEST (test_dropout_and_bad_ids)
{
  g_autoptr (GError) error = NULL;
  DlpGraph *g = engine_graph (ONE_LAYER ("[null, 1000]", "{\"class_name\": \"Dropout\", "
                                                         "\"config\": {\"rate\": 0.25}}"));
  g_autofree float *x = g_new (float, 1000), *y = g_new (float, 1000), *y2 = g_new (float, 1000);
  for (int i = 0; i < 1000; i++)
    x[i] = 1.0f;
  ck_assert (dlp_graph_forward (g, x, 1, FALSE, y, &error));
  ck_assert (memcmp (x, y, 1000 * sizeof (float)) == 0);
  dlp_graph_set_step (g, 3);
  ck_assert (dlp_graph_forward (g, x, 1, TRUE, y, &error));
  int dropped = 0;
  for (int i = 0; i < 1000; i++)
    {
      ck_assert (y[i] == 0.0f || fabsf (y[i] - 1.0f / 0.75f) < 1e-6f);
      dropped += y[i] == 0.0f;
    }
  ck_assert_int_ge (dropped, 200);
  ck_assert_int_le (dropped, 300);
  dlp_graph_set_step (g, 3);
  ck_assert (dlp_graph_forward (g, x, 1, TRUE, y2, &error));
  ck_assert (memcmp (y, y2, 1000 * sizeof (float)) == 0);
  ck_assert (dlp_graph_forward (g, x, 1, TRUE, y2, &error));
  ck_assert (memcmp (y, y2, 1000 * sizeof (float)) != 0);
  dlp_graph_free (g);

  g = engine_graph (ONE_LAYER ("[null, 3]", "{\"class_name\": \"Embedding\", \"config\": "
                                            "{\"input_dim\": 4, \"output_dim\": 2}}"));
  const float ids[6] = { 0, 1, 3, 2, 4, 1 };
  float out[12];
  ck_assert (!dlp_graph_forward (g, ids, 2, FALSE, out, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                    "layer 0 'embedding' (Embedding): token id 4 at batch row 1, position 1 is "
                    "not an integer from 0 to 3");
  g_clear_error (&error);
  const gint32 labels[2] = { 0, 7 };
  ck_assert (!dlp_graph_train_batch (g, ids, labels, 2, NULL, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "label 7 of batch row 1");
  dlp_graph_free (g);
}
END_TEST

static Suite *
graph_suite (void)
{
  Suite *s = suite_create ("graph");
  TCase *tc = tcase_create ("graph");
  tcase_add_test (tc, test_keras_json_loads);
  tcase_add_test (tc, test_json_round_trip);
  tcase_add_test (tc, test_json_keras3_form);
  tcase_add_test (tc, test_weights_round_trip);
  tcase_add_test (tc, test_weights_errors);
  tcase_add_test (tc, test_architecture_errors);
  tcase_add_test (tc, test_architecture_file_errors);
  tcase_add_test (tc, test_architecture_file_locations);
  tcase_add_test (tc, test_keras_defaults);
  tcase_add_test (tc, test_prepare_too_large);
  tcase_add_test (tc, test_loss);
  tcase_add_test (tc, test_deterministic_threads);
  tcase_add_test (tc, test_init_seeded);
  tcase_add_test (tc, test_dropout_and_bad_ids);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (graph_suite)
