/* lstm.c: long short-term memory, Keras' LSTM, PyTorch's nn.LSTM
 * (batch_first, num_layers, PyTorch's gate order i, f, g, o).
 *
 * A sample is a sequence [T, F]; an image [height, width, channels] is read
 * row by row (T = height, F = width * channels) and a plain vector [T] as
 * T steps of one feature. Internally sequences are time-major, so that a
 * time step is a contiguous block of the batch:
 *   - the input projection of all steps is one GEMM, [T*B, F] x [F, 4H];
 *   - each step adds h(t-1) W_hh^T for the four gates in one GEMM, then one
 *     pass per row applies the gate functions and updates c and h;
 *   - backward runs back through time with one GEMM per step for dh, and
 *     the weight gradients are two large GEMMs over all T*B rows.
 * Stacked layers (num_layers, a dlpipe extension of Keras' config that
 * matches PyTorch's) feed each layer's hidden sequence to the next. */
#include <string.h>
#include <dlpipe/dlpipe.h>

#define LSTM_MAX_LAYERS 16

typedef struct {
  gint64 units, n_layers;
  gboolean return_sequences, use_bias, unit_forget_bias;
  DlpInit kernel_init, recurrent_init, bias_init;
  gint64 t, f;
  guint w_ih[LSTM_MAX_LAYERS], w_hh[LSTM_MAX_LAYERS];
  guint b_ih[LSTM_MAX_LAYERS], b_hh[LSTM_MAX_LAYERS];
  guint gates[LSTM_MAX_LAYERS], cs[LSTM_MAX_LAYERS], hs[LSTM_MAX_LAYERS];
  guint xt, dgates, dhs_a, dhs_b, dxt, dh, dc, scratch;
  /* Per stacked layer: the input projection of all steps, dW_ih, and the
   * gradient of the layer's input. Shared: one step's recurrent product,
   * dh from the next step, and dW_hh. */
  DlpMatmul *project[LSTM_MAX_LAYERS], *dw_ih[LSTM_MAX_LAYERS], *d_input[LSTM_MAX_LAYERS];
  DlpMatmul *step, *d_hidden, *dw_hh;
} Lstm;

static const DlpParamSpec lstm_params[] = {
  DLP_PARAM_REQUIRED_INT ("units", "Hidden size", 1, 16777216),
  /* dlpipe's, which Keras refuses: written only when above 1. */
  DLP_PARAM_INT_NOT_KERAS ("num_layers", "Stacked layers (PyTorch's num_layers)", "1", 1,
                           LSTM_MAX_LAYERS),
  DLP_PARAM_BOOL ("return_sequences",
                  "Outputs every step's hidden state [T, units], not only the last", "false"),
  DLP_PARAM_BOOL ("use_bias", "Adds biases", "true"),
  DLP_PARAM_BOOL ("unit_forget_bias", "Starts the forget gate's bias at 1", "true"),
  DLP_PARAM_ANY ("kernel_initializer", "Initializer of weight_ih", "glorot_uniform"),
  DLP_PARAM_ANY ("recurrent_initializer", "Initializer of weight_hh", "orthogonal"),
  DLP_PARAM_ANY ("bias_initializer", "Initializer of bias_ih", "zeros"),
  DLP_PARAM_ENUM ("activation", "Must be tanh", "tanh", "tanh"),
  DLP_PARAM_ENUM ("recurrent_activation", "Must be sigmoid", "sigmoid", "sigmoid"),
  /* Keras features dlpipe lacks: accepted at Keras' defaults only. */
  DLP_PARAM_KERAS_DEFAULT ("return_state", DLP_PARAM_BOOL, "Returns the final state too", "false"),
  DLP_PARAM_KERAS_DEFAULT ("go_backwards", DLP_PARAM_BOOL, "Reads the sequence backwards", "false"),
  DLP_PARAM_KERAS_DEFAULT ("stateful", DLP_PARAM_BOOL, "Keeps the state across batches", "false"),
  DLP_PARAM_KERAS_DEFAULT ("time_major", DLP_PARAM_BOOL, "Time-major input (Keras 2)", "false"),
  DLP_PARAM_KERAS_DEFAULT ("dropout", DLP_PARAM_DOUBLE,
                           "Dropout of the input (use a Dropout layer)", "0"),
  DLP_PARAM_KERAS_DEFAULT ("recurrent_dropout", DLP_PARAM_DOUBLE, "Dropout of the state", "0"),
  DLP_PARAM_KERAS_DEFAULT ("zero_output_for_mask", DLP_PARAM_BOOL,
                           "Zero output at masked steps (there is no mask)", "false"),
  DLP_PARAM_BOOL ("unroll", "Ignored", NULL),
  DLP_PARAM_INT_UNBOUNDED ("implementation", "Ignored", NULL),
  DLP_PARAM_ANY ("seed", "Ignored", NULL),
  DLP_PARAM_ANY ("use_cudnn", "Ignored (Keras 3)", NULL),
  DLP_PARAM_END,
};

static gpointer
lstm_create (DlpConfig *config, GError **error)
{
  g_autofree Lstm *l = g_new0 (Lstm, 1);
  l->kernel_init = dlp_init_glorot_uniform ();
  l->recurrent_init = dlp_init_orthogonal ();
  l->bias_init = dlp_init_constant (0);
  if (!dlp_config_get_int (config, "units", &l->units, error)
      || !dlp_config_get_int (config, "num_layers", &l->n_layers, error)
      || !dlp_config_get_bool (config, "return_sequences", &l->return_sequences, error)
      || !dlp_config_get_bool (config, "use_bias", &l->use_bias, error)
      || !dlp_config_get_bool (config, "unit_forget_bias", &l->unit_forget_bias, error)
      || !dlp_init_from_config (config, "kernel_initializer", &l->kernel_init, error)
      || !dlp_init_from_config (config, "recurrent_initializer", &l->recurrent_init, error)
      || !dlp_init_from_config (config, "bias_initializer", &l->bias_init, error))
    return NULL;
  return g_steal_pointer (&l);
}

static gboolean
lstm_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Lstm *l = self;
  guint rank = dlp_layer_plan_get_input_rank (plan);
  const gint64 *in = dlp_layer_plan_get_input_shape (plan);
  if (rank > 3)
    {
      dlp_layer_plan_shape_error (plan, error,
                                  "expected a sequence [steps, features], [steps] "
                                  "or an image [rows, columns, channels]");
      return FALSE;
    }
  l->t = in[0];
  l->f = dlp_layer_plan_get_input_size (plan) / l->t;
  gint64 h = l->units, g = 4 * h;
  gint64 out[2] = { l->t, h };
  if (l->return_sequences)
    dlp_layer_plan_set_output_shape (plan, 2, out);
  else
    dlp_layer_plan_set_output_shape (plan, 1, &h);
  for (gint64 k = 0; k < l->n_layers; k++)
    {
      gint64 fin = k == 0 ? l->f : h;
      gint64 ih[2] = { g, fin }, hh[2] = { g, h };
      g_autofree char *w_ih = g_strdup_printf ("weight_ih_l%" G_GINT64_FORMAT, k);
      g_autofree char *w_hh = g_strdup_printf ("weight_hh_l%" G_GINT64_FORMAT, k);
      l->w_ih[k] = dlp_layer_plan_add_param (plan, w_ih, 2, ih, &l->kernel_init, fin, g);
      l->w_hh[k] = dlp_layer_plan_add_param (plan, w_hh, 2, hh, &l->recurrent_init, h, g);
      if (l->use_bias)
        {
          DlpInit bias_init = l->bias_init;
          if (l->unit_forget_bias)
            bias_init.fill_start = h, bias_init.fill_count = h, bias_init.fill_value = 1.0;
          DlpInit zeros = dlp_init_constant (0);
          g_autofree char *b_ih = g_strdup_printf ("bias_ih_l%" G_GINT64_FORMAT, k);
          g_autofree char *b_hh = g_strdup_printf ("bias_hh_l%" G_GINT64_FORMAT, k);
          l->b_ih[k] = dlp_layer_plan_add_param (plan, b_ih, 1, &g, &bias_init, fin, g);
          l->b_hh[k] = dlp_layer_plan_add_param (plan, b_hh, 1, &g, &zeros, h, g);
        }
      l->gates[k] = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * g), 0, DLP_BUFFER_KEEP);
      l->cs[k] = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * h), 0, DLP_BUFFER_KEEP);
      l->hs[k] = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * h), 0, DLP_BUFFER_KEEP);
      l->project[k] =
        dlp_layer_plan_add_matmul (plan, DLP_MATMUL_M_PER_ROW | DLP_MATMUL_TRANS_B, l->t, g, fin);
      l->dw_ih[k] =
        dlp_layer_plan_add_matmul (plan, DLP_MATMUL_K_PER_ROW | DLP_MATMUL_TRANS_A, g, fin, l->t);
      l->d_input[k] = dlp_layer_plan_add_matmul (plan, DLP_MATMUL_M_PER_ROW, l->t, fin, g);
    }
  l->step = dlp_layer_plan_add_matmul (
    plan, DLP_MATMUL_M_PER_ROW | DLP_MATMUL_TRANS_B | DLP_MATMUL_ACCUMULATE, 1, g, h);
  l->d_hidden = dlp_layer_plan_add_matmul (plan, DLP_MATMUL_M_PER_ROW, 1, h, g);
  l->dw_hh =
    dlp_layer_plan_add_matmul (plan, DLP_MATMUL_K_PER_ROW | DLP_MATMUL_TRANS_A, g, h, l->t - 1);
  l->xt = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * l->f), 0, DLP_BUFFER_KEEP);
  l->dgates = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * g), 0, DLP_BUFFER_TEMP);
  l->dhs_a = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * h), 0, DLP_BUFFER_TEMP);
  l->dhs_b = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * h), 0, DLP_BUFFER_TEMP);
  l->dxt = dlp_layer_plan_add_buffer (plan, (gsize) (l->t * l->f), 0, DLP_BUFFER_TEMP);
  l->dh = dlp_layer_plan_add_buffer (plan, (gsize) h, 0, DLP_BUFFER_TEMP);
  l->dc = dlp_layer_plan_add_buffer (plan, (gsize) h, 0, DLP_BUFFER_TEMP);
  /* The summed biases (4H), one row of tanh(c) (H) and the zero state
   * before the first step (H). */
  l->scratch = dlp_layer_plan_add_buffer (plan, 0, (gsize) (g + 2 * h), DLP_BUFFER_TEMP);
  return TRUE;
}

/* Batch-major [R, T, W] <-> time-major [T, R, W]. */
static void
to_time_major (const float *src, float *dst, gint64 r_n, gint64 t_n, gint64 w, gboolean forward)
{
  for (gint64 r = 0; r < r_n; r++)
    for (gint64 t = 0; t < t_n; t++)
      {
        const float *s = forward ? src + (r * t_n + t) * w : src + (t * r_n + r) * w;
        float *d = forward ? dst + (t * r_n + r) * w : dst + (r * t_n + t) * w;
        memcpy (d, s, w * sizeof (float));
      }
}

/* The cell update of one row: c = f c(t-1) + i g. restrict and no
 * branches, so that it vectorizes. */
static inline void
cell_row (const float *restrict row, const float *restrict c_prev, float *restrict c, gint64 h)
{
  for (gint64 j = 0; j < h; j++)
    c[j] = row[j] * row[2 * h + j] + row[h + j] * c_prev[j];
}

/* The gate gradients of one row, and the cell gradient passed back. */
static inline void
gate_grads_row (const float *restrict row, const float *restrict tc, const float *restrict c_prev,
                const float *restrict dh_out, const float *restrict dh_rec, float *restrict dc,
                float *restrict d, gint64 h)
{
  for (gint64 j = 0; j < h; j++)
    {
      float i = row[j], f = row[h + j], gg = row[2 * h + j], o = row[3 * h + j];
      float dht = dh_out[j] + dh_rec[j];
      float dct = dc[j] + dht * o * (1.0f - tc[j] * tc[j]);
      d[j] = dct * gg * i * (1.0f - i);
      d[h + j] = dct * c_prev[j] * f * (1.0f - f);
      d[2 * h + j] = dct * i * (1.0f - gg * gg);
      d[3 * h + j] = dht * tc[j] * o * (1.0f - o);
      dc[j] = dct * f;
    }
}

static gboolean
lstm_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Lstm *l = self;
  (void) error;
  gint64 r_n = dlp_layer_pass_get_n_rows (pass), t_n = l->t, h = l->units, g = 4 * h;
  float *xt = dlp_layer_pass_get_buffer (pass, l->xt);
  float *bias = dlp_layer_pass_get_buffer (pass, l->scratch);
  float *tc = bias + g, *zeros = tc + h;
  memset (zeros, 0, (gsize) h * sizeof (float));
  to_time_major (dlp_layer_pass_get_input (pass), xt, r_n, t_n, l->f, TRUE);
  const float *in = xt;
  gint64 fin = l->f;
  for (gint64 k = 0; k < l->n_layers; k++)
    {
      const float *w_ih = dlp_layer_pass_get_param (pass, l->w_ih[k]);
      const float *w_hh = dlp_layer_pass_get_param (pass, l->w_hh[k]);
      float *gates = dlp_layer_pass_get_buffer (pass, l->gates[k]);
      float *cs = dlp_layer_pass_get_buffer (pass, l->cs[k]);
      float *hs = dlp_layer_pass_get_buffer (pass, l->hs[k]);
      for (gint64 j = 0; j < g; j++)
        bias[j] = l->use_bias ? dlp_layer_pass_get_param (pass, l->b_ih[k])[j]
                                  + dlp_layer_pass_get_param (pass, l->b_hh[k])[j]
                              : 0.0f;
      /* The input projection of every step at once. */
      dlp_layer_pass_matmul (pass, l->project[k], t_n * r_n, g, fin, in, w_ih, gates);
      for (gint64 t = 0; t < t_n; t++)
        {
          float *gt = gates + t * r_n * g;
          if (t > 0)
            dlp_layer_pass_matmul (pass, l->step, r_n, g, h, hs + (t - 1) * r_n * h, w_hh, gt);
          for (gint64 r = 0; r < r_n; r++)
            {
              /* One row at a time, in cache: gates i, f, g, o, then c and h. */
              float *row = gt + r * g;
              for (gint64 j = 0; j < g; j++)
                row[j] += bias[j];
              dlp_vec_sigmoid (row, row, 2 * h);
              dlp_vec_tanh (row + 2 * h, row + 2 * h, h);
              dlp_vec_sigmoid (row + 3 * h, row + 3 * h, h);
              float *c = cs + (t * r_n + r) * h;
              cell_row (row, t > 0 ? cs + ((t - 1) * r_n + r) * h : zeros, c, h);
              dlp_vec_tanh (tc, c, h);
              float *hr = hs + (t * r_n + r) * h;
              for (gint64 j = 0; j < h; j++)
                hr[j] = row[3 * h + j] * tc[j];
            }
        }
      in = hs;
      fin = h;
    }
  float *y = dlp_layer_pass_get_output (pass);
  if (l->return_sequences)
    to_time_major (in, y, r_n, t_n, h, FALSE);
  else
    memcpy (y, in + (t_n - 1) * r_n * h, (gsize) (r_n * h) * sizeof (float));
  return TRUE;
}

static void
lstm_backward (gpointer self, DlpLayerPass *pass)
{
  Lstm *l = self;
  gint64 r_n = dlp_layer_pass_get_n_rows (pass), t_n = l->t, h = l->units, g = 4 * h;
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float *dx = dlp_layer_pass_get_input_grad (pass);
  float *cur = dlp_layer_pass_get_buffer (pass, l->dhs_a);
  float *next = dlp_layer_pass_get_buffer (pass, l->dhs_b);
  float *dgates = dlp_layer_pass_get_buffer (pass, l->dgates);
  float *dh = dlp_layer_pass_get_buffer (pass, l->dh);
  float *dc = dlp_layer_pass_get_buffer (pass, l->dc);
  float *tc = dlp_layer_pass_get_buffer (pass, l->scratch) + g, *zeros = tc + h;
  memset (zeros, 0, (gsize) h * sizeof (float));

  /* The gradient of the top layer's hidden sequence, time-major. */
  if (l->return_sequences)
    to_time_major (dy, cur, r_n, t_n, h, TRUE);
  else
    {
      memset (cur, 0, (gsize) (t_n * r_n * h) * sizeof (float));
      memcpy (cur + (t_n - 1) * r_n * h, dy, (gsize) (r_n * h) * sizeof (float));
    }

  for (gint64 k = l->n_layers - 1; k >= 0; k--)
    {
      const float *in = k > 0 ? dlp_layer_pass_get_buffer (pass, l->hs[k - 1])
                              : dlp_layer_pass_get_buffer (pass, l->xt);
      gint64 fin = k > 0 ? h : l->f;
      const float *w_ih = dlp_layer_pass_get_param (pass, l->w_ih[k]);
      const float *w_hh = dlp_layer_pass_get_param (pass, l->w_hh[k]);
      const float *gates = dlp_layer_pass_get_buffer (pass, l->gates[k]);
      const float *cs = dlp_layer_pass_get_buffer (pass, l->cs[k]);
      const float *hs = dlp_layer_pass_get_buffer (pass, l->hs[k]);
      memset (dc, 0, (gsize) (r_n * h) * sizeof (float));
      for (gint64 t = t_n - 1; t >= 0; t--)
        {
          /* dh from the step after: its gate gradients times W_hh. */
          if (t < t_n - 1)
            dlp_layer_pass_matmul (pass, l->d_hidden, r_n, h, g, dgates + (t + 1) * r_n * g, w_hh,
                                   dh);
          else
            memset (dh, 0, (gsize) (r_n * h) * sizeof (float));
          for (gint64 r = 0; r < r_n; r++)
            {
              const float *c = cs + (t * r_n + r) * h;
              dlp_vec_tanh (tc, c, h);
              gate_grads_row (gates + (t * r_n + r) * g, tc,
                              t > 0 ? cs + ((t - 1) * r_n + r) * h : zeros, cur + (t * r_n + r) * h,
                              dh + r * h, dc + r * h, dgates + (t * r_n + r) * g, h);
            }
        }
      /* Weight gradients over all steps at once; W_hh pairs step t's gate
       * gradients with h(t-1), and h(-1) is zero. */
      dlp_layer_pass_matmul (pass, l->dw_ih[k], g, fin, t_n * r_n, dgates, in,
                             dlp_layer_pass_get_param_grad (pass, l->w_ih[k]));
      /* With one step there is no h(t-1): k is 0 and dW_hh is zeroed. */
      dlp_layer_pass_matmul (pass, l->dw_hh, g, h, (t_n - 1) * r_n, dgates + r_n * g, hs,
                             dlp_layer_pass_get_param_grad (pass, l->w_hh[k]));
      if (l->use_bias)
        {
          float *db_ih = dlp_layer_pass_get_param_grad (pass, l->b_ih[k]);
          float *db_hh = dlp_layer_pass_get_param_grad (pass, l->b_hh[k]);
          memset (db_ih, 0, (gsize) g * sizeof (float));
          for (gint64 row = 0; row < t_n * r_n; row++)
            for (gint64 j = 0; j < g; j++)
              db_ih[j] += dgates[row * g + j];
          memcpy (db_hh, db_ih, (gsize) g * sizeof (float));
        }
      /* The input's gradient: the layer below's hidden sequence, or dX. */
      if (k > 0)
        {
          dlp_layer_pass_matmul (pass, l->d_input[k], t_n * r_n, h, g, dgates, w_ih, next);
          float *swap = cur;
          cur = next, next = swap;
        }
      else if (dx)
        {
          float *dxt = dlp_layer_pass_get_buffer (pass, l->dxt);
          dlp_layer_pass_matmul (pass, l->d_input[k], t_n * r_n, l->f, g, dgates, w_ih, dxt);
          to_time_major (dxt, dx, r_n, t_n, l->f, FALSE);
        }
    }
}

static const DlpLayerClass lstm_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "lstm",
  .description = "Long short-term memory over a sequence or image rows (Keras LSTM, nn.LSTM)",
  .params = lstm_params,
  .keras_class = "LSTM",
  .create = lstm_create,
  .destroy = g_free,
  .plan = lstm_plan,
  .forward = lstm_forward,
  .backward = lstm_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &lstm_class, error);
}

DLP_PLUGIN_DEFINE (layer_lstm, "0.1.0", "LGPL-2.1-or-later", "The LSTM layer", plugin_init)
