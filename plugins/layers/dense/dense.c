/* dense.c: the fully connected layer, Keras' Dense, PyTorch's nn.Linear.
 *
 * It acts on the last axis, folding the others into the batch, as both
 * frameworks do. The weight is kept as PyTorch stores it, [units, in], so
 * a batch is one GEMM each way: Y = X W^T, dX = dY W, dW = dY^T X. */
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  gint64 units;
  gboolean use_bias;
  DlpInit kernel_init, bias_init;
  gint64 in, lead; /* input features, and rows per sample */
  guint weight, bias;
  DlpMatmul *forward, *weight_grad, *input_grad;
} Dense;

static const DlpParamSpec dense_params[] = {
  DLP_PARAM_REQUIRED_INT ("units", "Output features", 1, 16777216),
  DLP_PARAM_BOOL ("use_bias", "Adds a bias", "true"),
  DLP_PARAM_ANY ("kernel_initializer", "Initializer of the weight (Keras name or object)",
                 "glorot_uniform"),
  DLP_PARAM_ANY ("bias_initializer", "Initializer of the bias", "zeros"),
  DLP_PARAM_END,
};

static gpointer
dense_create (DlpConfig *config, GError **error)
{
  g_autofree Dense *d = g_new0 (Dense, 1);
  d->kernel_init = dlp_init_glorot_uniform ();
  d->bias_init = dlp_init_constant (0);
  if (!dlp_config_get_int (config, "units", &d->units, error)
      || !dlp_config_get_bool (config, "use_bias", &d->use_bias, error)
      || !dlp_init_from_config (config, "kernel_initializer", &d->kernel_init, error)
      || !dlp_init_from_config (config, "bias_initializer", &d->bias_init, error))
    return NULL;
  return g_steal_pointer (&d);
}

static gboolean
dense_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Dense *d = self;
  (void) error;
  guint rank = dlp_layer_plan_get_input_rank (plan);
  const gint64 *in_shape = dlp_layer_plan_get_input_shape (plan);
  d->in = in_shape[rank - 1];
  d->lead = dlp_layer_plan_get_input_size (plan) / d->in;
  gint64 out_shape[DLP_TENSOR_MAX_RANK];
  memcpy (out_shape, in_shape, rank * sizeof (gint64));
  out_shape[rank - 1] = d->units;
  dlp_layer_plan_set_output_shape (plan, rank, out_shape);
  gint64 w_shape[2] = { d->units, d->in };
  d->weight =
    dlp_layer_plan_add_param (plan, "weight", 2, w_shape, &d->kernel_init, d->in, d->units);
  if (d->use_bias)
    d->bias = dlp_layer_plan_add_param (plan, "bias", 1, &d->units, &d->bias_init, d->in, d->units);
  /* Y = X W^T (onto the bias), dW = dY^T X, dX = dY W. */
  d->forward = dlp_layer_plan_add_matmul (
    plan, DLP_MATMUL_M_PER_ROW | DLP_MATMUL_TRANS_B | (d->use_bias ? DLP_MATMUL_ACCUMULATE : 0),
    d->lead, d->units, d->in);
  d->weight_grad = dlp_layer_plan_add_matmul (plan, DLP_MATMUL_K_PER_ROW | DLP_MATMUL_TRANS_A,
                                              d->units, d->in, d->lead);
  d->input_grad = dlp_layer_plan_add_matmul (plan, DLP_MATMUL_M_PER_ROW, d->lead, d->in, d->units);
  return TRUE;
}

static gboolean
dense_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Dense *d = self;
  (void) error;
  gint64 m = dlp_layer_pass_get_n_rows (pass) * d->lead;
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  const float *w = dlp_layer_pass_get_param (pass, d->weight);
  if (d->use_bias)
    {
      /* Start from the bias, and let the product add to it. */
      const float *b = dlp_layer_pass_get_param (pass, d->bias);
      for (gint64 r = 0; r < m; r++)
        memcpy (y + r * d->units, b, d->units * sizeof (float));
    }
  dlp_layer_pass_matmul (pass, d->forward, m, d->units, d->in, x, w, y);
  return TRUE;
}

static void
dense_backward (gpointer self, DlpLayerPass *pass)
{
  Dense *d = self;
  gint64 m = dlp_layer_pass_get_n_rows (pass) * d->lead;
  const float *x = dlp_layer_pass_get_input (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float *dx = dlp_layer_pass_get_input_grad (pass);
  const float *w = dlp_layer_pass_get_param (pass, d->weight);
  dlp_layer_pass_matmul (pass, d->weight_grad, d->units, d->in, m, dy, x,
                         dlp_layer_pass_get_param_grad (pass, d->weight));
  if (d->use_bias)
    {
      float *db = dlp_layer_pass_get_param_grad (pass, d->bias);
      memset (db, 0, d->units * sizeof (float));
      for (gint64 r = 0; r < m; r++)
        for (gint64 j = 0; j < d->units; j++)
          db[j] += dy[r * d->units + j];
    }
  if (dx)
    dlp_layer_pass_matmul (pass, d->input_grad, m, d->in, d->units, dy, w, dx);
}

static const DlpLayerClass dense_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "dense",
  .description = "Fully connected layer (Keras Dense, PyTorch nn.Linear)",
  .params = dense_params,
  .flags = DLP_LAYER_FLAG_ACTIVATION,
  .keras_class = "Dense",
  .create = dense_create,
  .destroy = g_free,
  .plan = dense_plan,
  .forward = dense_forward,
  .backward = dense_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &dense_class, error);
}

DLP_PLUGIN_DEFINE (layer_dense, "0.1.0", "LGPL-2.1-or-later", "The fully connected layer",
                   plugin_init)
