/* batchnorm.c: batch normalization over the last axis (the channels of an
 * image, the features of a vector), Keras' BatchNormalization, PyTorch's
 * nn.BatchNorm1d / nn.BatchNorm2d.
 *
 * Training normalizes with the batch's mean and (biased) variance, summed
 * over every slice of the batch, and moves the running statistics as
 * PyTorch does: running = (1 - m) running + m batch, with m = 1 - Keras'
 * momentum and the unbiased variance. Inference uses the running ones.
 * Stored as PyTorch's weight, bias, running_mean, running_var,
 * num_batches_tracked. */
#include <math.h>
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  double momentum, epsilon;
  gboolean center, scale;
  DlpInit beta_init, gamma_init;
  double mean_init, var_init;
  gint64 axis;       /* -1, or the last axis counted with the batch */
  gint64 c, per_row; /* channels, values per row per channel */
  guint gamma, beta, mean, var, count, xhat, inv_std, sums;
} BatchNorm;

static const DlpParamSpec bn_params[] = {
  DLP_PARAM_ANY ("axis", "Must be the last axis (-1)", "-1"),
  DLP_PARAM_DOUBLE (
    "momentum", "Keras momentum of the running statistics (PyTorch's is 1 minus it)", "0.99", 0, 1),
  DLP_PARAM_DOUBLE ("epsilon", "Added to the variance", "0.001", 0, 1),
  DLP_PARAM_BOOL ("center", "Learns an offset (beta)", "true"),
  DLP_PARAM_BOOL ("scale", "Learns a scale (gamma)", "true"),
  DLP_PARAM_ANY ("beta_initializer", "Initializer of beta", "zeros"),
  DLP_PARAM_ANY ("gamma_initializer", "Initializer of gamma", "ones"),
  DLP_PARAM_ANY ("moving_mean_initializer", "Constant start of the running mean", "zeros"),
  DLP_PARAM_ANY ("moving_variance_initializer", "Constant start of the running variance", "ones"),
  DLP_PARAM_DOUBLE_UNBOUNDED ("renorm_momentum", "Unused without renorm", NULL),
  DLP_PARAM_ANY ("fused", "Ignored", NULL),
  /* Keras features dlpipe lacks: accepted at Keras' defaults only. */
  DLP_PARAM_KERAS_DEFAULT ("renorm", DLP_PARAM_BOOL, "Batch renormalization", "false"),
  DLP_PARAM_KERAS_DEFAULT ("renorm_clipping", DLP_PARAM_ANY, "Batch renormalization's clipping",
                           "null"),
  DLP_PARAM_KERAS_DEFAULT ("virtual_batch_size", DLP_PARAM_ANY, "Ghost batch normalization",
                           "null"),
  DLP_PARAM_KERAS_DEFAULT ("adjustment", DLP_PARAM_ANY, "Adjusted statistics", "null"),
  DLP_PARAM_BOOL ("synchronized", "Ignored (one process)", NULL),
  DLP_PARAM_END,
};

static gboolean
constant_init (DlpConfig *config, const char *key, double *value, GError **error)
{
  DlpInit init = dlp_init_constant (*value);
  if (!dlp_init_from_config (config, key, &init, error))
    return FALSE;
  if (init.kind != DLP_INIT_CONSTANT)
    {
      dlp_config_set_error (config, key, error, "expected a constant initializer (zeros, ones)");
      return FALSE;
    }
  *value = init.value;
  return TRUE;
}

static gpointer
bn_create (DlpConfig *config, GError **error)
{
  g_autofree BatchNorm *bn = g_new0 (BatchNorm, 1);
  bn->beta_init = dlp_init_constant (0);
  bn->gamma_init = dlp_init_constant (1);
  bn->mean_init = 0, bn->var_init = 1;
  if (!dlp_config_get_double (config, "momentum", &bn->momentum, error)
      || !dlp_config_get_double (config, "epsilon", &bn->epsilon, error)
      || !dlp_config_get_bool (config, "center", &bn->center, error)
      || !dlp_config_get_bool (config, "scale", &bn->scale, error)
      || !dlp_init_from_config (config, "beta_initializer", &bn->beta_init, error)
      || !dlp_init_from_config (config, "gamma_initializer", &bn->gamma_init, error)
      || !constant_init (config, "moving_mean_initializer", &bn->mean_init, error)
      || !constant_init (config, "moving_variance_initializer", &bn->var_init, error))
    return NULL;
  /* -1, [-1], or the last axis counted with the batch ([3] for images),
   * which plan checks against the rank. */
  bn->axis = -1;
  JsonNode *axis = dlp_config_lookup (config, "axis");
  if (axis && JSON_NODE_HOLDS_ARRAY (axis))
    {
      JsonArray *list = json_node_get_array (axis);
      JsonNode *first = json_array_get_length (list) == 1 ? json_array_get_element (list, 0) : NULL;
      if (first == NULL || !JSON_NODE_HOLDS_VALUE (first)
          || json_node_get_value_type (first) != G_TYPE_INT64)
        {
          dlp_config_set_error (config, "axis", error, "only the last axis is supported");
          return NULL;
        }
      bn->axis = json_node_get_int (first);
    }
  else if (!dlp_config_get_int (config, "axis", &bn->axis, error))
    return NULL;
  return g_steal_pointer (&bn);
}

static gboolean
bn_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  BatchNorm *bn = self;
  guint rank = dlp_layer_plan_get_input_rank (plan);
  const gint64 *shape = dlp_layer_plan_get_input_shape (plan);
  if (bn->axis != -1 && bn->axis != (gint64) rank)
    {
      dlp_layer_plan_shape_error (plan, error,
                                  "axis %" G_GINT64_FORMAT " is not the last "
                                  "axis; only the last axis (-1) is supported",
                                  bn->axis);
      return FALSE;
    }
  bn->c = shape[rank - 1];
  bn->per_row = dlp_layer_plan_get_input_size (plan) / bn->c;
  dlp_layer_plan_set_output_shape (plan, rank, shape);
  if (bn->scale)
    bn->gamma = dlp_layer_plan_add_param (plan, "weight", 1, &bn->c, &bn->gamma_init, bn->c, bn->c);
  if (bn->center)
    bn->beta = dlp_layer_plan_add_param (plan, "bias", 1, &bn->c, &bn->beta_init, bn->c, bn->c);
  bn->mean = dlp_layer_plan_add_state (plan, "running_mean", 1, &bn->c, (float) bn->mean_init,
                                       DLP_DTYPE_F32);
  bn->var =
    dlp_layer_plan_add_state (plan, "running_var", 1, &bn->c, (float) bn->var_init, DLP_DTYPE_F32);
  bn->count = dlp_layer_plan_add_state (plan, "num_batches_tracked", 0, NULL, 0, DLP_DTYPE_I64);
  bn->xhat = dlp_layer_plan_add_buffer (plan, (gsize) dlp_layer_plan_get_input_size (plan), 0,
                                        DLP_BUFFER_KEEP);
  bn->inv_std = dlp_layer_plan_add_buffer (plan, 0, (gsize) bn->c, DLP_BUFFER_KEEP);
  /* 2 C doubles of scratch for the sums. */
  bn->sums = dlp_layer_plan_add_buffer (plan, 0, 4 * (gsize) bn->c, DLP_BUFFER_TEMP);
  dlp_layer_plan_reserve_sums (plan, 2 * (gsize) bn->c);
  return TRUE;
}

static float
param_or (const DlpLayerPass *pass, gboolean has, guint index, gint64 c, float fallback)
{
  return has ? dlp_layer_pass_get_param (pass, index)[c] : fallback;
}

static gboolean
bn_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  BatchNorm *bn = self;
  (void) error;
  gint64 m = dlp_layer_pass_get_n_rows (pass) * bn->per_row;
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  float *xhat = dlp_layer_pass_get_buffer (pass, bn->xhat);
  float *inv_std = dlp_layer_pass_get_buffer (pass, bn->inv_std);
  float *running_mean = dlp_layer_pass_get_state (pass, bn->mean);
  float *running_var = dlp_layer_pass_get_state (pass, bn->var);
  gint64 c_n = bn->c;
  double *acc = (double *) dlp_layer_pass_get_buffer (pass, bn->sums);

  if (!dlp_layer_pass_is_training (pass))
    {
      for (gint64 c = 0; c < c_n; c++)
        inv_std[c] = (float) (1.0 / sqrt ((double) running_var[c] + bn->epsilon));
      for (gint64 r = 0; r < m; r++)
        for (gint64 c = 0; c < c_n; c++)
          {
            float v = (x[r * c_n + c] - running_mean[c]) * inv_std[c];
            xhat[r * c_n + c] = v;
            y[r * c_n + c] = v * param_or (pass, bn->scale, bn->gamma, c, 1.0f)
                             + param_or (pass, bn->center, bn->beta, c, 0.0f);
          }
      return TRUE;
    }

  /* Batch statistics over every slice: sums, then squared deviations. */
  double total = (double) (dlp_layer_pass_get_batch_rows (pass) * bn->per_row);
  for (gint64 c = 0; c < c_n; c++)
    acc[c] = 0;
  for (gint64 r = 0; r < m; r++)
    for (gint64 c = 0; c < c_n; c++)
      acc[c] += x[r * c_n + c];
  dlp_layer_pass_sum_over_batch (pass, acc, (gsize) c_n);
  for (gint64 c = 0; c < c_n; c++)
    acc[c_n + c] = acc[c] / total; /* the mean */
  for (gint64 c = 0; c < c_n; c++)
    acc[c] = 0;
  for (gint64 r = 0; r < m; r++)
    for (gint64 c = 0; c < c_n; c++)
      {
        double d = x[r * c_n + c] - acc[c_n + c];
        acc[c] += d * d;
      }
  dlp_layer_pass_sum_over_batch (pass, acc, (gsize) c_n);
  gboolean owner = dlp_layer_pass_owns_state (pass);
  for (gint64 c = 0; c < c_n; c++)
    {
      double mean = acc[c_n + c], var = acc[c] / total;
      inv_std[c] = (float) (1.0 / sqrt (var + bn->epsilon));
      if (owner)
        {
          double m_t = 1.0 - bn->momentum;
          double unbiased = total > 1 ? acc[c] / (total - 1) : var;
          running_mean[c] = (float) ((1.0 - m_t) * running_mean[c] + m_t * mean);
          running_var[c] = (float) ((1.0 - m_t) * running_var[c] + m_t * unbiased);
        }
    }
  if (owner)
    dlp_layer_pass_get_state (pass, bn->count)[0] += 1.0f;
  for (gint64 r = 0; r < m; r++)
    for (gint64 c = 0; c < c_n; c++)
      {
        float v = (float) (x[r * c_n + c] - acc[c_n + c]) * inv_std[c];
        xhat[r * c_n + c] = v;
        y[r * c_n + c] = v * param_or (pass, bn->scale, bn->gamma, c, 1.0f)
                         + param_or (pass, bn->center, bn->beta, c, 0.0f);
      }
  return TRUE;
}

static void
bn_backward (gpointer self, DlpLayerPass *pass)
{
  BatchNorm *bn = self;
  gint64 m = dlp_layer_pass_get_n_rows (pass) * bn->per_row;
  gint64 c_n = bn->c;
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float *dx = dlp_layer_pass_get_input_grad (pass);
  const float *xhat = dlp_layer_pass_get_buffer (pass, bn->xhat);
  const float *inv_std = dlp_layer_pass_get_buffer (pass, bn->inv_std);
  double *acc = (double *) dlp_layer_pass_get_buffer (pass, bn->sums);
  for (gint64 c = 0; c < 2 * c_n; c++)
    acc[c] = 0;
  /* acc[c]: sum of dy; acc[C + c]: sum of dy * xhat, over this slice. */
  for (gint64 r = 0; r < m; r++)
    for (gint64 c = 0; c < c_n; c++)
      {
        acc[c] += dy[r * c_n + c];
        acc[c_n + c] += dy[r * c_n + c] * xhat[r * c_n + c];
      }
  /* The slices' parameter gradients are summed by the engine. */
  if (bn->center)
    {
      float *dbeta = dlp_layer_pass_get_param_grad (pass, bn->beta);
      for (gint64 c = 0; c < c_n; c++)
        dbeta[c] = (float) acc[c];
    }
  if (bn->scale)
    {
      float *dgamma = dlp_layer_pass_get_param_grad (pass, bn->gamma);
      for (gint64 c = 0; c < c_n; c++)
        dgamma[c] = (float) acc[c_n + c];
    }
  if (!dlp_layer_pass_is_training (pass))
    {
      /* The running statistics are constants: y = gamma xhat + beta. */
      for (gint64 r = 0; dx && r < m; r++)
        for (gint64 c = 0; c < c_n; c++)
          dx[r * c_n + c] =
            dy[r * c_n + c] * inv_std[c] * param_or (pass, bn->scale, bn->gamma, c, 1.0f);
      return;
    }
  dlp_layer_pass_sum_over_batch (pass, acc, 2 * (gsize) c_n);
  if (dx == NULL)
    return;
  double total = (double) (dlp_layer_pass_get_batch_rows (pass) * bn->per_row);
  for (gint64 c = 0; c < c_n; c++)
    {
      acc[c] /= total;
      acc[c_n + c] /= total;
    }
  for (gint64 r = 0; r < m; r++)
    for (gint64 c = 0; c < c_n; c++)
      {
        float g = param_or (pass, bn->scale, bn->gamma, c, 1.0f) * inv_std[c];
        dx[r * c_n + c] = g * (float) (dy[r * c_n + c] - acc[c] - xhat[r * c_n + c] * acc[c_n + c]);
      }
}

static const DlpLayerClass bn_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "batch_normalization",
  .description = "Batch normalization over the last axis (nn.BatchNorm1d/2d)",
  .params = bn_params,
  .keras_class = "BatchNormalization",
  .create = bn_create,
  .destroy = g_free,
  .plan = bn_plan,
  .forward = bn_forward,
  .backward = bn_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &bn_class, error);
}

DLP_PLUGIN_DEFINE (layer_batchnorm, "0.1.0", "LGPL-2.1-or-later", "The BatchNormalization layer",
                   plugin_init)
