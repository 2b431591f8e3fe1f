/* flatten.c: Keras' Flatten, PyTorch's nn.Flatten.
 *
 * An image [height, width, channels] is flattened channel by channel, in
 * the order PyTorch's nn.Flatten gives its NCHW tensors, so that the
 * weights of a Dense after it are the equivalent nn.Linear's unchanged.
 * Other shapes keep their row-major order. */
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  gint64 h, w, c; /* c == 0: a plain copy */
  gint64 size;
} Flatten;

static const DlpParamSpec flatten_params[] = {
  DLP_PARAM_ENUM ("data_format", "Layout of images", "channels_last", "channels_last"),
  DLP_PARAM_END,
};

static gpointer
flatten_create (DlpConfig *config, GError **error)
{
  (void) config;
  (void) error;
  return g_new0 (Flatten, 1);
}

static gboolean
flatten_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Flatten *f = self;
  (void) error;
  const gint64 *shape = dlp_layer_plan_get_input_shape (plan);
  if (dlp_layer_plan_get_input_rank (plan) == 3 && shape[2] > 1)
    f->h = shape[0], f->w = shape[1], f->c = shape[2];
  f->size = dlp_layer_plan_get_input_size (plan);
  dlp_layer_plan_set_output_shape (plan, 1, &f->size);
  return TRUE;
}

/* HWC <-> CHW of each row; @to_chw picks the direction. */
static void
transpose (const Flatten *f, const float *src, float *dst, gint64 rows, gboolean to_chw)
{
  gint64 hw = f->h * f->w;
  for (gint64 r = 0; r < rows; r++)
    {
      const float *s = src + r * f->size;
      float *d = dst + r * f->size;
      for (gint64 p = 0; p < hw; p++)
        for (gint64 c = 0; c < f->c; c++)
          {
            if (to_chw)
              d[c * hw + p] = s[p * f->c + c];
            else
              d[p * f->c + c] = s[c * hw + p];
          }
    }
}

static gboolean
flatten_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Flatten *f = self;
  (void) error;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  if (f->c)
    transpose (f, x, y, rows, TRUE);
  else
    memcpy (y, x, (gsize) (rows * f->size) * sizeof (float));
  return TRUE;
}

static void
flatten_backward (gpointer self, DlpLayerPass *pass)
{
  Flatten *f = self;
  float *dx = dlp_layer_pass_get_input_grad (pass);
  if (dx == NULL)
    return;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  if (f->c)
    transpose (f, dy, dx, rows, FALSE);
  else
    memcpy (dx, dy, (gsize) (rows * f->size) * sizeof (float));
}

static const DlpLayerClass flatten_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "flatten",
  .description = "Flattens each sample to one axis (channels first, as PyTorch)",
  .params = flatten_params,
  .keras_class = "Flatten",
  .create = flatten_create,
  .destroy = g_free,
  .plan = flatten_plan,
  .forward = flatten_forward,
  .backward = flatten_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &flatten_class, error);
}

DLP_PLUGIN_DEFINE (layer_flatten, "0.1.0", "LGPL-2.1-or-later", "The Flatten layer", plugin_init)
