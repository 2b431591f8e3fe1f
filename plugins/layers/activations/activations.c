/* activations.c: elementwise activations and softmax, as layers.
 *
 * Keras spells them as an Activation layer ({"activation": "relu"}), as a
 * layer class of their own (ReLU, LeakyReLU, ELU, Softmax), or as the
 * "activation" of a Dense or Conv2D, which the engine turns into an
 * Activation layer. Each is one PyTorch module (nn.ReLU, nn.Softmax(-1)...). */
#include <math.h>
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef enum {
  ACT_LINEAR,
  ACT_RELU,
  ACT_LEAKY_RELU,
  ACT_ELU,
  ACT_TANH,
  ACT_SIGMOID,
  ACT_SOFTMAX,
} ActKind;

typedef struct {
  ActKind kind;
  double alpha; /* slope of leaky_relu, scale of elu */
  gint64 width; /* the last axis, which softmax normalizes */
  gint64 size;  /* values per sample */
} Act;

static const struct {
  const char *name;
  ActKind kind;
  double alpha;
} act_names[] = {
  { "linear", ACT_LINEAR, 0 },
  { "relu", ACT_RELU, 0 },
  /* keras.activations.leaky_relu's default slope. */
  { "leaky_relu", ACT_LEAKY_RELU, 0.2 },
  { "elu", ACT_ELU, 1.0 },
  { "tanh", ACT_TANH, 0 },
  { "sigmoid", ACT_SIGMOID, 0 },
  { "softmax", ACT_SOFTMAX, 0 },
};

static Act *
act_new (ActKind kind, double alpha)
{
  Act *a = g_new0 (Act, 1);
  a->kind = kind;
  a->alpha = alpha;
  return a;
}

static gpointer
activation_create (DlpConfig *config, GError **error)
{
  g_autofree char *name = NULL;
  if (!dlp_config_get_string (config, "activation", &name, error))
    return NULL;
  for (guint i = 0; name && i < G_N_ELEMENTS (act_names); i++)
    if (strcmp (name, act_names[i].name) == 0)
      return act_new (act_names[i].kind, act_names[i].alpha);
  dlp_config_set_error (config, "activation", error,
                        "unknown activation \"%s\" (known: linear, relu, leaky_relu, elu, "
                        "tanh, sigmoid, softmax)",
                        name ? name : "");
  return NULL;
}

/* Their settings are accepted only at Keras' defaults, so there is
 * nothing to read. */
static gpointer
relu_create (DlpConfig *config, GError **error)
{
  (void) config, (void) error;
  return act_new (ACT_RELU, 0);
}

static gpointer
leaky_relu_create (DlpConfig *config, GError **error)
{
  /* Keras 2 calls the slope alpha, Keras 3 negative_slope; both default 0.3. */
  double alpha = 0.3;
  if (!dlp_config_get_double (config, "alpha", &alpha, error)
      || !dlp_config_get_double (config, "negative_slope", &alpha, error))
    return NULL;
  return act_new (ACT_LEAKY_RELU, alpha);
}

static gpointer
elu_create (DlpConfig *config, GError **error)
{
  double alpha = 1.0;
  if (!dlp_config_get_double (config, "alpha", &alpha, error))
    return NULL;
  return act_new (ACT_ELU, alpha);
}

static gpointer
softmax_create (DlpConfig *config, GError **error)
{
  (void) config, (void) error;
  return act_new (ACT_SOFTMAX, 0);
}

static gboolean
act_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Act *a = self;
  (void) error;
  guint rank = dlp_layer_plan_get_input_rank (plan);
  const gint64 *shape = dlp_layer_plan_get_input_shape (plan);
  a->width = shape[rank - 1];
  a->size = dlp_layer_plan_get_input_size (plan);
  dlp_layer_plan_set_output_shape (plan, rank, shape);
  if (a->kind == ACT_SOFTMAX)
    dlp_layer_plan_set_softmax (plan);
  return TRUE;
}

static void
softmax_forward (const float *x, float *y, gsize rows, gint64 width)
{
  for (gsize r = 0; r < rows; r++)
    {
      const float *xr = x + r * width;
      float *yr = y + r * width;
      float max = xr[0];
      for (gint64 c = 1; c < width; c++)
        max = MAX (max, xr[c]);
      for (gint64 c = 0; c < width; c++)
        yr[c] = xr[c] - max;
      dlp_vec_exp (yr, yr, width);
      float sum = 0;
      for (gint64 c = 0; c < width; c++)
        sum += yr[c];
      float inv = 1.0f / sum;
      for (gint64 c = 0; c < width; c++)
        yr[c] *= inv;
    }
}

static gboolean
act_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Act *a = self;
  (void) error;
  gsize n = (gsize) (dlp_layer_pass_get_n_rows (pass) * a->size);
  const float *x = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  float alpha = (float) a->alpha;
  switch (a->kind)
    {
    case ACT_LINEAR:
      memcpy (y, x, n * sizeof (float));
      break;
    case ACT_RELU:
      for (gsize i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case ACT_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
      break;
    case ACT_ELU:
      dlp_vec_exp (y, x, n);
      for (gsize i = 0; i < n; i++)
        {
          float e = y[i], v = x[i];
          y[i] = v > 0.0f ? v : alpha * (e - 1.0f);
        }
      break;
    case ACT_TANH:
      dlp_vec_tanh (y, x, n);
      break;
    case ACT_SIGMOID:
      dlp_vec_sigmoid (y, x, n);
      break;
    case ACT_SOFTMAX:
      softmax_forward (x, y, n / (gsize) a->width, a->width);
      break;
    default:
      break;
    }
  return TRUE;
}

static void
act_backward (gpointer self, DlpLayerPass *pass)
{
  Act *a = self;
  float *dx = dlp_layer_pass_get_input_grad (pass);
  if (dx == NULL)
    return;
  gsize n = (gsize) (dlp_layer_pass_get_n_rows (pass) * a->size);
  const float *x = dlp_layer_pass_get_input (pass);
  const float *y = dlp_layer_pass_get_output (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float alpha = (float) a->alpha;
  switch (a->kind)
    {
    case ACT_LINEAR:
      memcpy (dx, dy, n * sizeof (float));
      break;
    /* Every operand is loaded before the select, so that the loops
     * vectorize instead of branching on each sign. */
    case ACT_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float g = dy[i];
          dx[i] = x[i] > 0.0f ? g : 0.0f;
        }
      break;
    case ACT_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        {
          float g = dy[i];
          dx[i] = x[i] > 0.0f ? g : alpha * g;
        }
      break;
    case ACT_ELU:
      for (gsize i = 0; i < n; i++)
        {
          float g = dy[i], v = y[i];
          dx[i] = x[i] > 0.0f ? g : g * (v + alpha);
        }
      break;
    case ACT_TANH:
      for (gsize i = 0; i < n; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
      break;
    case ACT_SOFTMAX:
      for (gsize r = 0; r < n / (gsize) a->width; r++)
        {
          gsize o = r * (gsize) a->width;
          float dot = 0;
          for (gint64 c = 0; c < a->width; c++)
            dot += dy[o + c] * y[o + c];
          for (gint64 c = 0; c < a->width; c++)
            dx[o + c] = y[o + c] * (dy[o + c] - dot);
        }
      break;
    default:
      break;
    }
}

static const DlpParamSpec activation_params[] = {
  DLP_PARAM_REQUIRED ("activation", DLP_PARAM_STRING,
                      "linear, relu, leaky_relu, elu, tanh, sigmoid or softmax"),
  DLP_PARAM_END,
};

static const DlpParamSpec relu_params[] = {
  /* Only the plain ReLU (LeakyReLU has a slope). */
  DLP_PARAM_KERAS_DEFAULT ("max_value", DLP_PARAM_DOUBLE, "A cap", "null"),
  DLP_PARAM_KERAS_DEFAULT ("negative_slope", DLP_PARAM_DOUBLE, "A slope below the threshold", "0"),
  DLP_PARAM_KERAS_DEFAULT ("threshold", DLP_PARAM_DOUBLE, "Where the output starts", "0"),
  DLP_PARAM_END,
};

static const DlpParamSpec leaky_relu_params[] = {
  DLP_PARAM_DOUBLE_UNBOUNDED ("negative_slope", "Slope below zero (Keras 3)", NULL),
  DLP_PARAM_DOUBLE_UNBOUNDED ("alpha", "Slope below zero (Keras 2)", "0.3"),
  DLP_PARAM_END,
};

static const DlpParamSpec elu_params[] = {
  DLP_PARAM_DOUBLE_UNBOUNDED ("alpha", "Scale of the negative part", "1.0"),
  DLP_PARAM_END,
};

static const DlpParamSpec softmax_params[] = {
  DLP_PARAM_KERAS_DEFAULT ("axis", DLP_PARAM_INT, "Normalized axis (dlpipe: the last)", "-1"),
  DLP_PARAM_END,
};

/* clang-format off */
#define ACT_CLASS(name_, keras_, desc_, params_, create_) \
  {                                                       \
    .struct_size = sizeof (DlpLayerClass),                \
    .name = name_,                                        \
    .description = desc_,                                 \
    .params = params_,                                    \
    .keras_class = keras_,                                \
    .create = create_,                                    \
    .destroy = g_free,                                    \
    .plan = act_plan,                                     \
    .forward = act_forward,                               \
    .backward = act_backward,                             \
  }
/* clang-format on */

static const DlpLayerClass act_classes[] = {
  ACT_CLASS ("activation", "Activation", "An activation by name (relu, tanh, softmax...)",
             activation_params, activation_create),
  ACT_CLASS ("relu", "ReLU", "max(x, 0) (PyTorch nn.ReLU)", relu_params, relu_create),
  ACT_CLASS ("leaky_relu", "LeakyReLU", "x, or alpha x below zero (nn.LeakyReLU)",
             leaky_relu_params, leaky_relu_create),
  ACT_CLASS ("elu", "ELU", "x, or alpha (e^x - 1) below zero (nn.ELU)", elu_params, elu_create),
  ACT_CLASS ("softmax", "Softmax", "Softmax over the last axis (nn.Softmax(dim=-1))",
             softmax_params, softmax_create),
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (act_classes); i++)
    if (!dlp_registry_add_layer (registry, &act_classes[i], error))
      return FALSE;
  return TRUE;
}

DLP_PLUGIN_DEFINE (layer_activations, "0.1.0", "LGPL-2.1-or-later",
                   "Activation layers: relu, leaky_relu, elu, tanh, sigmoid, softmax", plugin_init)
