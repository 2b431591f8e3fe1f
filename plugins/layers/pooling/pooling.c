/* pooling.c: max and average pooling over [height, width, channels]
 * images, Keras' MaxPooling2D and AveragePooling2D, PyTorch's nn.MaxPool2d
 * and nn.AvgPool2d.
 *
 * Channels are innermost, so each window position is a vector operation
 * over the channels. Max pooling keeps the index of each maximum (the
 * first one on ties, as PyTorch) for backward. "same" padding ignores the
 * padded cells: they never win a max and do not count in an average. */
#include <math.h>
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  gboolean max;
  gint64 ph, pw, sh, sw;
  gboolean same;
  gint64 h, w, c, oh, ow, pad_top, pad_left;
  guint argmax;
} Pool;

static const DlpParamSpec pool_params[] = {
  DLP_PARAM_ANY ("pool_size", "Window (n or [h, w])", "[2, 2]"),
  DLP_PARAM_ANY ("strides", "Step (n or [h, w]); null: the window", NULL),
  DLP_PARAM_ENUM ("padding", "valid or same", "valid", "valid|same"),
  DLP_PARAM_ENUM ("data_format", "Layout of images", "channels_last", "channels_last"),
  DLP_PARAM_END,
};

static gpointer
pool_create (DlpConfig *config, gboolean max, GError **error)
{
  g_autofree Pool *p = g_new0 (Pool, 1);
  gint64 size[2] = { 2, 2 }, strides[2] = { 0, 0 };
  g_autofree char *padding = NULL;
  if (!dlp_layer_config_get_pair (config, "pool_size", 1, size, error)
      || !dlp_layer_config_get_pair (config, "strides", 1, strides, error)
      || !dlp_config_get_string (config, "padding", &padding, error))
    return NULL;
  p->max = max;
  p->ph = size[0], p->pw = size[1];
  p->sh = strides[0] ? strides[0] : size[0];
  p->sw = strides[1] ? strides[1] : size[1];
  p->same = g_strcmp0 (padding, "same") == 0;
  return g_steal_pointer (&p);
}

static gpointer
max_create (DlpConfig *config, GError **error)
{
  return pool_create (config, TRUE, error);
}

static gpointer
avg_create (DlpConfig *config, GError **error)
{
  return pool_create (config, FALSE, error);
}

static void
out_size (gint64 in, gint64 k, gint64 s, gboolean same, gint64 *out, gint64 *pad)
{
  if (same)
    {
      *out = (in + s - 1) / s;
      *pad = MAX ((*out - 1) * s + k - in, 0) / 2;
    }
  else
    {
      *out = in >= k ? (in - k) / s + 1 : 0;
      *pad = 0;
    }
}

static gboolean
pool_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Pool *p = self;
  if (dlp_layer_plan_get_input_rank (plan) != 3)
    {
      dlp_layer_plan_shape_error (plan, error, "expected an image [height, width, channels]");
      return FALSE;
    }
  const gint64 *in = dlp_layer_plan_get_input_shape (plan);
  p->h = in[0], p->w = in[1], p->c = in[2];
  out_size (p->h, p->ph, p->sh, p->same, &p->oh, &p->pad_top);
  out_size (p->w, p->pw, p->sw, p->same, &p->ow, &p->pad_left);
  if (p->oh < 1 || p->ow < 1)
    {
      dlp_layer_plan_shape_error (plan, error,
                                  "a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                                  " window without padding needs an image at least that large",
                                  p->ph, p->pw);
      return FALSE;
    }
  gint64 out[3] = { p->oh, p->ow, p->c };
  dlp_layer_plan_set_output_shape (plan, 3, out);
  if (p->max)
    p->argmax =
      dlp_layer_plan_add_buffer (plan, (gsize) (p->oh * p->ow * p->c), 0, DLP_BUFFER_KEEP);
  return TRUE;
}

/* The window of output (oh, ow), clipped to the image. */
static void
window (const Pool *p, gint64 oh, gint64 ow, gint64 *h0, gint64 *h1, gint64 *w0, gint64 *w1)
{
  *h0 = MAX (oh * p->sh - p->pad_top, 0);
  *h1 = MIN (oh * p->sh - p->pad_top + p->ph, p->h);
  *w0 = MAX (ow * p->sw - p->pad_left, 0);
  *w1 = MIN (ow * p->sw - p->pad_left + p->pw, p->w);
}

/* One window cell over every channel, written with a mask rather than a
 * branch so that it vectorizes. */
static inline void
max_update (float *restrict out, gint32 *restrict idx, const float *restrict v, gint32 base,
            gint64 n)
{
  for (gint64 c = 0; c < n; c++)
    {
      float a = v[c], b = out[c];
      gint32 more = -(gint32) (a > b);
      out[c] = a > b ? a : b;
      idx[c] = (idx[c] & ~more) | ((base + (gint32) c) & more);
    }
}

static gboolean
pool_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Pool *p = self;
  (void) error;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  gint32 *arg = p->max ? (gint32 *) dlp_layer_pass_get_buffer (pass, p->argmax) : NULL;
  gint64 in_size = p->h * p->w * p->c, out_size_ = p->oh * p->ow * p->c;
  for (gint64 n = 0; n < rows; n++)
    {
      const float *img = x + n * in_size;
      for (gint64 oh = 0; oh < p->oh; oh++)
        for (gint64 ow = 0; ow < p->ow; ow++)
          {
            gint64 o = n * out_size_ + (oh * p->ow + ow) * p->c;
            float *out = y + o;
            gint64 h0, h1, w0, w1;
            window (p, oh, ow, &h0, &h1, &w0, &w1);
            if (p->max)
              {
                gint32 *idx = arg + o;
                for (gint64 c = 0; c < p->c; c++)
                  out[c] = -INFINITY, idx[c] = 0;
                for (gint64 ih = h0; ih < h1; ih++)
                  for (gint64 iw = w0; iw < w1; iw++)
                    {
                      gint32 base = (gint32) ((ih * p->w + iw) * p->c);
                      const float *v = img + base;
                      max_update (out, idx, v, base, p->c);
                    }
              }
            else
              {
                for (gint64 c = 0; c < p->c; c++)
                  out[c] = 0;
                for (gint64 ih = h0; ih < h1; ih++)
                  for (gint64 iw = w0; iw < w1; iw++)
                    {
                      const float *v = img + (ih * p->w + iw) * p->c;
                      for (gint64 c = 0; c < p->c; c++)
                        out[c] += v[c];
                    }
                float inv = 1.0f / (float) ((h1 - h0) * (w1 - w0));
                for (gint64 c = 0; c < p->c; c++)
                  out[c] *= inv;
              }
          }
    }
  return TRUE;
}

static void
pool_backward (gpointer self, DlpLayerPass *pass)
{
  Pool *p = self;
  float *dx = dlp_layer_pass_get_input_grad (pass);
  if (dx == NULL)
    return;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  gint64 in_size = p->h * p->w * p->c, out_size_ = p->oh * p->ow * p->c;
  memset (dx, 0, (gsize) (rows * in_size) * sizeof (float));
  if (p->max)
    {
      const gint32 *arg = (const gint32 *) dlp_layer_pass_get_buffer (pass, p->argmax);
      for (gint64 n = 0; n < rows; n++)
        {
          float *d = dx + n * in_size;
          for (gint64 i = 0; i < out_size_; i++)
            d[arg[n * out_size_ + i]] += dy[n * out_size_ + i];
        }
      return;
    }
  for (gint64 n = 0; n < rows; n++)
    for (gint64 oh = 0; oh < p->oh; oh++)
      for (gint64 ow = 0; ow < p->ow; ow++)
        {
          const float *g = dy + n * out_size_ + (oh * p->ow + ow) * p->c;
          gint64 h0, h1, w0, w1;
          window (p, oh, ow, &h0, &h1, &w0, &w1);
          float inv = 1.0f / (float) ((h1 - h0) * (w1 - w0));
          for (gint64 ih = h0; ih < h1; ih++)
            for (gint64 iw = w0; iw < w1; iw++)
              {
                float *d = dx + n * in_size + (ih * p->w + iw) * p->c;
                for (gint64 c = 0; c < p->c; c++)
                  d[c] += g[c] * inv;
              }
        }
}

static const DlpLayerClass pool_classes[] = {
  {
    .struct_size = sizeof (DlpLayerClass),
    .name = "max_pooling2d",
    .description = "Maximum over windows (Keras MaxPooling2D, PyTorch nn.MaxPool2d)",
    .params = pool_params,
    .keras_class = "MaxPooling2D",
    .create = max_create,
    .destroy = g_free,
    .plan = pool_plan,
    .forward = pool_forward,
    .backward = pool_backward,
  },
  {
    .struct_size = sizeof (DlpLayerClass),
    .name = "average_pooling2d",
    .description = "Mean over windows (Keras AveragePooling2D, PyTorch nn.AvgPool2d)",
    .params = pool_params,
    .keras_class = "AveragePooling2D",
    .create = avg_create,
    .destroy = g_free,
    .plan = pool_plan,
    .forward = pool_forward,
    .backward = pool_backward,
  },
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (pool_classes); i++)
    if (!dlp_registry_add_layer (registry, &pool_classes[i], error))
      return FALSE;
  return TRUE;
}

DLP_PLUGIN_DEFINE (layer_pooling, "0.1.0", "LGPL-2.1-or-later", "Max and average pooling layers",
                   plugin_init)
