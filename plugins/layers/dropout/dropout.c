/* dropout.c: Keras' Dropout, PyTorch's nn.Dropout.
 *
 * In training each value is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate); otherwise the layer passes its input through. Whether a
 * value is kept is a hash of the step's seed and the value's position in
 * the batch, so the mask does not depend on how the batch is split over
 * threads, and the same seed gives the same masks. */
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  double rate;
  gint64 seed; /* -1: the graph's */
  gint64 size;
  guint mask;
} Dropout;

static const DlpParamSpec dropout_params[] = {
  DLP_PARAM_REQUIRED_DOUBLE ("rate", "Fraction of values dropped", 0, 0.999999),
  DLP_PARAM_INT_UNBOUNDED ("seed", "Seed of the masks (default: the run's)", NULL),
  DLP_PARAM_KERAS_DEFAULT ("noise_shape", DLP_PARAM_ANY, "Masks shared along axes", "null"),
  DLP_PARAM_END,
};

static gpointer
dropout_create (DlpConfig *config, GError **error)
{
  g_autofree Dropout *d = g_new0 (Dropout, 1);
  d->seed = -1;
  if (!dlp_config_get_double (config, "rate", &d->rate, error)
      || !dlp_config_get_int (config, "seed", &d->seed, error))
    return NULL;
  return g_steal_pointer (&d);
}

static gboolean
dropout_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Dropout *d = self;
  (void) error;
  d->size = dlp_layer_plan_get_input_size (plan);
  dlp_layer_plan_set_output_shape (plan, dlp_layer_plan_get_input_rank (plan),
                                   dlp_layer_plan_get_input_shape (plan));
  d->mask = dlp_layer_plan_add_buffer (plan, (gsize) d->size, 0, DLP_BUFFER_KEEP);
  return TRUE;
}

/* splitmix64's finalizer: a counter-based random number. */
static inline guint64
hash (guint64 x)
{
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static gboolean
dropout_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Dropout *d = self;
  (void) error;
  gsize n = (gsize) (dlp_layer_pass_get_n_rows (pass) * d->size);
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  if (!dlp_layer_pass_is_training (pass) || d->rate == 0)
    {
      memcpy (y, x, n * sizeof (float));
      float *mask = dlp_layer_pass_get_buffer (pass, d->mask);
      for (gsize i = 0; i < n; i++)
        mask[i] = 1.0f;
      return TRUE;
    }
  guint64 seed = dlp_layer_pass_get_seed (pass);
  if (d->seed >= 0)
    seed = dlp_rng_mix (seed, (guint64) d->seed);
  guint64 first = (guint64) (dlp_layer_pass_get_first_row (pass) * d->size);
  /* Keep when a 32-bit draw is at or above rate * 2^32. */
  guint64 threshold = (guint64) (d->rate * 4294967296.0);
  float scale = (float) (1.0 / (1.0 - d->rate));
  float *mask = dlp_layer_pass_get_buffer (pass, d->mask);
  for (gsize i = 0; i < n; i++)
    {
      guint64 draw = hash (seed + (first + i) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)) >> 32;
      mask[i] = draw >= threshold ? scale : 0.0f;
      y[i] = x[i] * mask[i];
    }
  return TRUE;
}

static void
dropout_backward (gpointer self, DlpLayerPass *pass)
{
  Dropout *d = self;
  float *dx = dlp_layer_pass_get_input_grad (pass);
  if (dx == NULL)
    return;
  gsize n = (gsize) (dlp_layer_pass_get_n_rows (pass) * d->size);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  const float *mask = dlp_layer_pass_get_buffer (pass, d->mask);
  for (gsize i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

static const DlpLayerClass dropout_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "dropout",
  .description = "Drops values at random while training (Keras Dropout, nn.Dropout)",
  .params = dropout_params,
  .keras_class = "Dropout",
  .create = dropout_create,
  .destroy = g_free,
  .plan = dropout_plan,
  .forward = dropout_forward,
  .backward = dropout_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &dropout_class, error);
}

DLP_PLUGIN_DEFINE (layer_dropout, "0.1.0", "LGPL-2.1-or-later", "The Dropout layer", plugin_init)
