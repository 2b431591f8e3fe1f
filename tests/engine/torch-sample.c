/* torch-sample.c: writes models for check_torch.py to compare with
 * PyTorch. For each model: its architecture, its weights (PyTorch's state
 * dict), a batch of inputs with labels, dlpipe's inference outputs, and
 * the loss and parameter gradients of one training step.
 *
 *   torch-sample PLUGINS_DIR OUT_DIR */
#include <stdio.h>
#include <string.h>
#include <dlpipe/dlpipe-host.h>

#define ROWS 6

typedef struct {
  const char *name;
  const char *json;
  gint64 vocab; /* > 0: token ids */
} Sample;

/* clang-format off */
#define SEQ(shape, layers) \
  "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [" \
  "{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": " shape "}}," layers "]}}"
/* clang-format on */

static const Sample samples[] = {
  { "mlp",
    SEQ ("[null, 8, 8, 1]",
         "{\"class_name\": \"Flatten\", \"config\": {}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 32, \"activation\": \"relu\"}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 16, \"activation\": \"tanh\"}},"
         "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}") },
  { "cnn",
    SEQ ("[null, 12, 12, 3]",
         "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 4, \"kernel_size\": 3, "
         "\"activation\": \"relu\"}},"
         "{\"class_name\": \"BatchNormalization\", \"config\": {}},"
         "{\"class_name\": \"MaxPooling2D\", \"config\": {}},"
         "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 6, \"kernel_size\": 3, "
         "\"padding\": \"same\", "
         "\"activation\": \"elu\"}},"
         "{\"class_name\": \"AveragePooling2D\", \"config\": {}},"
         "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 5, \"kernel_size\": [1, 2], "
         "\"strides\": [1, 2], "
         "\"activation\": \"sigmoid\"}},"
         "{\"class_name\": \"Flatten\", \"config\": {}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}") },
  { "lstm",
    SEQ ("[null, 7, 5]",
         "{\"class_name\": \"LSTM\", \"config\": {\"units\": 6, \"num_layers\": 2}},"
         "{\"class_name\": \"LeakyReLU\", \"config\": {\"alpha\": 0.1}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 10, \"activation\": \"softmax\"}}") },
  { "lstm_rows",
    SEQ ("[null, 6, 4, 2]",
         "{\"class_name\": \"LSTM\", \"config\": {\"units\": 5, \"return_sequences\": true}},"
         "{\"class_name\": \"Flatten\", \"config\": {}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 4, \"activation\": \"softmax\"}}") },
  { "tokens",
    SEQ ("[null, 9]",
         "{\"class_name\": \"Embedding\", \"config\": {\"input_dim\": 20, \"output_dim\": 4}},"
         "{\"class_name\": \"LSTM\", \"config\": {\"units\": 5}},"
         "{\"class_name\": \"Dense\", \"config\": {\"units\": 3, \"activation\": \"softmax\"}}"),
    20 },
};

static gboolean
add (DlpSafetensorsWriter *w, const char *name, DlpDtype dtype, guint rank, const gint64 *shape,
     const void *data, GError **error)
{
  g_autoptr (DlpTensor) t = dlp_tensor_new (dtype, rank, shape, error);
  if (t == NULL)
    return FALSE;
  memcpy (dlp_tensor_get_data_mut (t), data, dlp_tensor_get_nbytes (t));
  return dlp_safetensors_writer_add (w, name, t, error);
}

static gboolean
write_sample (DlpRegistry *registry, const Sample *s, const char *dir, GError **error)
{
  g_autoptr (DlpConfig) config = dlp_config_parse (s->name, s->json, -1, error);
  if (config == NULL)
    return FALSE;
  DlpGraph *g = dlp_graph_new (registry, config, 0, NULL, error);
  if (g == NULL)
    return FALSE;
  dlp_graph_init (g, 2024);
  /* Biases and the batch normalization's affine part away from 0 and 1. */
  DlpRng rng;
  dlp_rng_init (&rng, 99);
  float *params = dlp_graph_get_params (g);
  for (gsize i = 0; i < dlp_graph_get_n_params (g); i++)
    params[i] += (float) (0.1 * (dlp_rng_uniform (&rng) - 0.5));

  gint64 in = dlp_graph_get_input_size (g), classes = dlp_graph_get_output_size (g);
  g_autofree float *x = g_new (float, ROWS *in);
  g_autofree float *y = g_new (float, ROWS *classes);
  gint32 labels[ROWS];
  for (gint64 i = 0; i < ROWS * in; i++)
    x[i] = s->vocab ? (float) dlp_rng_below (&rng, (guint64) s->vocab)
                    : (float) (2 * dlp_rng_uniform (&rng) - 1);
  for (int r = 0; r < ROWS; r++)
    labels[r] = (gint32) dlp_rng_below (&rng, (guint64) classes);

  g_autofree char *arch = g_strdup_printf ("%s/%s.json", dir, s->name);
  g_autofree char *weights = g_strdup_printf ("%s/%s.weights.safetensors", dir, s->name);
  g_autofree char *grads_path = g_strdup_printf ("%s/%s.grads.safetensors", dir, s->name);
  g_autofree char *data_path = g_strdup_printf ("%s/%s.data.safetensors", dir, s->name);
  g_autofree char *after = g_strdup_printf ("%s/%s.after.safetensors", dir, s->name);
  gboolean ok = dlp_graph_save_architecture (g, arch, error)
                && dlp_graph_save_weights (g, weights, error)
                && dlp_graph_forward (g, x, ROWS, FALSE, y, error);
  /* One training step with label smoothing and class weights. */
  g_autofree float *class_weights = g_new (float, classes);
  for (gint64 c = 0; c < classes; c++)
    class_weights[c] = 0.5f + 0.1f * (float) c;
  DlpLossOptions loss = { sizeof loss, 0.1, class_weights };
  dlp_graph_set_loss (g, &loss);
  DlpBatchStats stats = { 0 };
  /* The running statistics after it, for the batch normalizations. */
  ok = ok && dlp_graph_train_batch (g, x, labels, ROWS, &stats, error)
       && dlp_graph_save_weights (g, after, error);
  /* The gradients, written in the weights' names and layouts by a second
   * graph whose parameters are the first one's gradients. */
  DlpGraph *gg = ok ? dlp_graph_new (registry, config, 0, NULL, error) : NULL;
  if (gg)
    {
      memcpy (dlp_graph_get_params (gg), dlp_graph_get_grads (g),
              dlp_graph_get_n_params (g) * sizeof (float));
      ok = dlp_graph_save_weights (gg, grads_path, error);
      dlp_graph_free (gg);
    }
  else
    ok = FALSE;
  if (ok)
    {
      g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
      gint64 x_shape[DLP_TENSOR_MAX_RANK + 1] = { ROWS };
      memcpy (x_shape + 1, dlp_graph_get_input_shape (g),
              dlp_graph_get_input_rank (g) * sizeof (gint64));
      gint64 y_shape[2] = { ROWS, classes }, l_shape[1] = { ROWS }, one[1] = { 1 };
      float mean_loss = (float) (stats.loss_sum / stats.weight_sum);
      ok = add (w, "input", DLP_DTYPE_F32, dlp_graph_get_input_rank (g) + 1, x_shape, x, error)
           && add (w, "output", DLP_DTYPE_F32, 2, y_shape, y, error)
           && add (w, "labels", DLP_DTYPE_I32, 1, l_shape, labels, error)
           && add (w, "loss", DLP_DTYPE_F32, 1, one, &mean_loss, error)
           && dlp_safetensors_writer_write (w, data_path, error);
    }
  dlp_graph_free (g);
  return ok;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s PLUGINS_DIR OUT_DIR\n", argv[0]);
      return 2;
    }
  dlp_blas_set_n_threads (1);
  const char *dirs[] = { argv[1], NULL };
  g_autoptr (DlpRegistry) registry = dlp_registry_new ();
  dlp_registry_load_dirs (registry, dirs, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autoptr (GError) error = NULL;
      if (!write_sample (registry, &samples[i], argv[2], &error))
        {
          fprintf (stderr, "torch-sample: %s: %s\n", samples[i].name, error->message);
          return 1;
        }
    }
  return 0;
}
