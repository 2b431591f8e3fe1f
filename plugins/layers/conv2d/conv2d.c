/* conv2d.c: 2-D convolution over [height, width, channels] images, Keras'
 * Conv2D, PyTorch's nn.Conv2d.
 *
 * im2col + GEMM: each output pixel's window (kh, kw, c) is copied into a
 * row of a column matrix, kernel rows being contiguous in NHWC, and one
 * GEMM against the weight kept as [filters, kh, kw, c] (stored as
 * PyTorch's [filters, c, kh, kw]) gives the output, NHWC. The batch goes
 * through in chunks of images whose columns fit in the L2 cache, so the
 * copy and the GEMM work on cached data; backward makes each chunk's
 * columns again rather than keeping them: dW += dY^T cols, dcols = dY W,
 * then col2im adds dcols back. */
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  gint64 filters, kh, kw, sh, sw;
  gboolean same, use_bias;
  DlpInit kernel_init, bias_init;
  gint64 h, w, c, oh, ow, pad_top, pad_left, k;
  gboolean direct; /* 1x1, stride 1: the input is the column matrix */
  gint64 chunk;    /* images per im2col chunk */
  guint weight, bias, cols, dcols;
  /* Y = cols W^T, dW = dY^T cols (the first chunk, then adding), dcols = dY W */
  DlpMatmul *forward, *weight_grad, *weight_grad_add, *input_grad;
} Conv;

static const DlpParamSpec conv_params[] = {
  DLP_PARAM_REQUIRED_INT ("filters", "Output channels", 1, 16777216),
  DLP_PARAM_REQUIRED ("kernel_size", DLP_PARAM_ANY, "Kernel height and width (n or [h, w])"),
  DLP_PARAM_ANY ("strides", "Step (n or [h, w])", "[1, 1]"),
  DLP_PARAM_ENUM ("padding", "valid: no padding; same: output size = ceil(input / stride)", "valid",
                  "valid|same"),
  DLP_PARAM_ENUM ("data_format", "Layout of images", "channels_last", "channels_last"),
  DLP_PARAM_ANY ("dilation_rate", "Must be 1", "[1, 1]"),
  DLP_PARAM_KERAS_DEFAULT ("groups", DLP_PARAM_INT, "Grouped convolution", "1"),
  DLP_PARAM_BOOL ("use_bias", "Adds a bias", "true"),
  DLP_PARAM_ANY ("kernel_initializer", "Initializer of the weight", "glorot_uniform"),
  DLP_PARAM_ANY ("bias_initializer", "Initializer of the bias", "zeros"),
  DLP_PARAM_END,
};

static gpointer
conv_create (DlpConfig *config, GError **error)
{
  g_autofree Conv *cv = g_new0 (Conv, 1);
  gint64 kernel[2] = { 0, 0 }, strides[2] = { 1, 1 }, dilation[2] = { 1, 1 };
  g_autofree char *padding = NULL;
  cv->kernel_init = dlp_init_glorot_uniform ();
  cv->bias_init = dlp_init_constant (0);
  if (!dlp_config_get_int (config, "filters", &cv->filters, error)
      || !dlp_layer_config_get_pair (config, "kernel_size", 1, kernel, error)
      || !dlp_layer_config_get_pair (config, "strides", 1, strides, error)
      || !dlp_layer_config_get_pair (config, "dilation_rate", 1, dilation, error)
      || !dlp_config_get_string (config, "padding", &padding, error)
      || !dlp_config_get_bool (config, "use_bias", &cv->use_bias, error)
      || !dlp_init_from_config (config, "kernel_initializer", &cv->kernel_init, error)
      || !dlp_init_from_config (config, "bias_initializer", &cv->bias_init, error))
    return NULL;
  if (dilation[0] != 1 || dilation[1] != 1)
    {
      dlp_config_set_error (config, "dilation_rate", error, "only a dilation of 1 is supported");
      return NULL;
    }
  cv->kh = kernel[0], cv->kw = kernel[1];
  cv->sh = strides[0], cv->sw = strides[1];
  cv->same = g_strcmp0 (padding, "same") == 0;
  return g_steal_pointer (&cv);
}

/* Keras' sizes: "same" pads so that out = ceil(in / stride), the odd
 * pixel going to the bottom and right. */
static void
out_size (gint64 in, gint64 k, gint64 s, gboolean same, gint64 *out, gint64 *pad)
{
  if (same)
    {
      *out = (in + s - 1) / s;
      gint64 total = MAX ((*out - 1) * s + k - in, 0);
      *pad = total / 2;
    }
  else
    {
      *out = in >= k ? (in - k) / s + 1 : 0;
      *pad = 0;
    }
}

static gboolean
conv_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Conv *cv = self;
  if (dlp_layer_plan_get_input_rank (plan) != 3)
    {
      dlp_layer_plan_shape_error (plan, error, "expected an image [height, width, channels]");
      return FALSE;
    }
  const gint64 *in = dlp_layer_plan_get_input_shape (plan);
  cv->h = in[0], cv->w = in[1], cv->c = in[2];
  out_size (cv->h, cv->kh, cv->sh, cv->same, &cv->oh, &cv->pad_top);
  out_size (cv->w, cv->kw, cv->sw, cv->same, &cv->ow, &cv->pad_left);
  if (cv->oh < 1 || cv->ow < 1)
    {
      dlp_layer_plan_shape_error (plan, error,
                                  "a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                                  " kernel without padding needs an image at least that large",
                                  cv->kh, cv->kw);
      return FALSE;
    }
  gint64 out[3] = { cv->oh, cv->ow, cv->filters };
  dlp_layer_plan_set_output_shape (plan, 3, out);
  cv->k = cv->kh * cv->kw * cv->c;
  gint64 w_shape[4] = { cv->filters, cv->kh, cv->kw, cv->c };
  cv->weight = dlp_layer_plan_add_param (plan, "weight", 4, w_shape, &cv->kernel_init, cv->k,
                                         cv->kh * cv->kw * cv->filters);
  static const guint torch_layout[4] = { 0, 3, 1, 2 };
  dlp_layer_plan_set_param_layout (plan, cv->weight, torch_layout);
  if (cv->use_bias)
    cv->bias = dlp_layer_plan_add_param (plan, "bias", 1, &cv->filters, &cv->bias_init, cv->k,
                                         cv->kh * cv->kw * cv->filters);
  cv->direct = cv->kh == 1 && cv->kw == 1 && cv->sh == 1 && cv->sw == 1;
  gint64 pixels = cv->oh * cv->ow;
  if (!cv->direct)
    {
      /* About 512 KB of columns per chunk. */
      gint64 per_image = pixels * cv->k;
      cv->chunk = MAX (1, 131072 / per_image);
      cv->cols =
        dlp_layer_plan_add_buffer (plan, 0, (gsize) (cv->chunk * per_image), DLP_BUFFER_TEMP);
      cv->dcols =
        dlp_layer_plan_add_buffer (plan, 0, (gsize) (cv->chunk * per_image), DLP_BUFFER_TEMP);
    }
  /* Direct, the products span the slice; else one chunk of images. */
  gint64 rows = cv->direct ? pixels : cv->chunk * pixels;
  DlpMatmulFlags m_rows = cv->direct ? DLP_MATMUL_M_PER_ROW : 0;
  DlpMatmulFlags k_rows = cv->direct ? DLP_MATMUL_K_PER_ROW : 0;
  cv->forward = dlp_layer_plan_add_matmul (
    plan, m_rows | DLP_MATMUL_TRANS_B | (cv->use_bias ? DLP_MATMUL_ACCUMULATE : 0), rows,
    cv->filters, cv->k);
  cv->weight_grad =
    dlp_layer_plan_add_matmul (plan, k_rows | DLP_MATMUL_TRANS_A, cv->filters, cv->k, rows);
  if (!cv->direct)
    cv->weight_grad_add = dlp_layer_plan_add_matmul (
      plan, DLP_MATMUL_TRANS_A | DLP_MATMUL_ACCUMULATE, cv->filters, cv->k, rows);
  cv->input_grad = dlp_layer_plan_add_matmul (plan, m_rows, rows, cv->k, cv->filters);
  return TRUE;
}

/* Copies (im2col) or adds back (col2im) each window; a kernel row is
 * kw * c contiguous floats of the input when it lies inside the image. */
static void
im2col (const Conv *cv, const float *x, float *cols, gint64 rows, gboolean add_back, float *dx)
{
  gint64 run = cv->kw * cv->c;
  for (gint64 n = 0; n < rows; n++)
    {
      const float *img = x ? x + n * cv->h * cv->w * cv->c : NULL;
      float *dimg = dx ? dx + n * cv->h * cv->w * cv->c : NULL;
      for (gint64 oh = 0; oh < cv->oh; oh++)
        for (gint64 ow = 0; ow < cv->ow; ow++)
          {
            float *dst = cols + ((n * cv->oh + oh) * cv->ow + ow) * cv->k;
            gint64 iw0 = ow * cv->sw - cv->pad_left;
            for (gint64 kh = 0; kh < cv->kh; kh++, dst += run)
              {
                gint64 ih = oh * cv->sh - cv->pad_top + kh;
                if (ih < 0 || ih >= cv->h)
                  {
                    if (!add_back)
                      memset (dst, 0, run * sizeof (float));
                    continue;
                  }
                gint64 first = MAX (0, -iw0), last = MIN (cv->kw, cv->w - iw0);
                gint64 offset = (ih * cv->w + iw0) * cv->c;
                if (add_back)
                  {
                    float *d = dimg + (offset + first * cv->c);
                    const float *s = dst + first * cv->c;
                    for (gint64 i = 0; i < (last - first) * cv->c; i++)
                      d[i] += s[i];
                  }
                else if (first == 0 && last == cv->kw)
                  memcpy (dst, img + offset, run * sizeof (float));
                else
                  {
                    memset (dst, 0, run * sizeof (float));
                    if (last > first)
                      memcpy (dst + first * cv->c, img + (offset + first * cv->c),
                              (last - first) * cv->c * sizeof (float));
                  }
              }
          }
    }
}

static gboolean
conv_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Conv *cv = self;
  (void) error;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  gint64 pixels = cv->oh * cv->ow, in_size = cv->h * cv->w * cv->c;
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  const float *w = dlp_layer_pass_get_param (pass, cv->weight);
  if (cv->use_bias)
    {
      /* Start from the bias, and let the products add to it. */
      const float *b = dlp_layer_pass_get_param (pass, cv->bias);
      for (gint64 r = 0; r < rows * pixels; r++)
        memcpy (y + r * cv->filters, b, cv->filters * sizeof (float));
    }
  if (cv->direct)
    {
      dlp_layer_pass_matmul (pass, cv->forward, rows * pixels, cv->filters, cv->k, x, w, y);
      return TRUE;
    }
  float *cols = dlp_layer_pass_get_buffer (pass, cv->cols);
  for (gint64 first = 0; first < rows; first += cv->chunk)
    {
      gint64 n = MIN (cv->chunk, rows - first);
      im2col (cv, x + first * in_size, cols, n, FALSE, NULL);
      dlp_layer_pass_matmul (pass, cv->forward, n * pixels, cv->filters, cv->k, cols, w,
                             y + first * pixels * cv->filters);
    }
  return TRUE;
}

static void
conv_backward (gpointer self, DlpLayerPass *pass)
{
  Conv *cv = self;
  gint64 rows = dlp_layer_pass_get_n_rows (pass);
  gint64 pixels = cv->oh * cv->ow, in_size = cv->h * cv->w * cv->c;
  const float *x = dlp_layer_pass_get_input (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float *dx = dlp_layer_pass_get_input_grad (pass);
  const float *w = dlp_layer_pass_get_param (pass, cv->weight);
  float *dw = dlp_layer_pass_get_param_grad (pass, cv->weight);
  if (cv->use_bias)
    {
      float *db = dlp_layer_pass_get_param_grad (pass, cv->bias);
      memset (db, 0, cv->filters * sizeof (float));
      for (gint64 r = 0; r < rows * pixels; r++)
        for (gint64 f = 0; f < cv->filters; f++)
          db[f] += dy[r * cv->filters + f];
    }
  if (cv->direct)
    {
      gint64 m = rows * pixels;
      dlp_layer_pass_matmul (pass, cv->weight_grad, cv->filters, cv->k, m, dy, x, dw);
      if (dx)
        dlp_layer_pass_matmul (pass, cv->input_grad, m, cv->k, cv->filters, dy, w, dx);
      return;
    }
  float *cols = dlp_layer_pass_get_buffer (pass, cv->cols);
  float *dcols = dlp_layer_pass_get_buffer (pass, cv->dcols);
  if (rows == 0)
    memset (dw, 0, (gsize) (cv->filters * cv->k) * sizeof (float));
  for (gint64 first = 0; first < rows; first += cv->chunk)
    {
      gint64 n = MIN (cv->chunk, rows - first);
      const float *dyc = dy + first * pixels * cv->filters;
      im2col (cv, x + first * in_size, cols, n, FALSE, NULL);
      dlp_layer_pass_matmul (pass, first == 0 ? cv->weight_grad : cv->weight_grad_add, cv->filters,
                             cv->k, n * pixels, dyc, cols, dw);
      if (dx == NULL)
        continue;
      float *dxc = dx + first * in_size;
      dlp_layer_pass_matmul (pass, cv->input_grad, n * pixels, cv->k, cv->filters, dyc, w, dcols);
      memset (dxc, 0, (gsize) (n * in_size) * sizeof (float));
      im2col (cv, NULL, dcols, n, TRUE, dxc);
    }
}

static const DlpLayerClass conv_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "conv2d",
  .description = "2-D convolution (Keras Conv2D, PyTorch nn.Conv2d), channels last",
  .params = conv_params,
  .flags = DLP_LAYER_FLAG_ACTIVATION,
  .keras_class = "Conv2D",
  .create = conv_create,
  .destroy = g_free,
  .plan = conv_plan,
  .forward = conv_forward,
  .backward = conv_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &conv_class, error);
}

DLP_PLUGIN_DEFINE (layer_conv2d, "0.1.0", "LGPL-2.1-or-later", "The 2-D convolution layer",
                   plugin_init)
