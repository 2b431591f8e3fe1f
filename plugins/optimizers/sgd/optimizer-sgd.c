/* optimizer-sgd.c: stochastic gradient descent with momentum, Nesterov
 * momentum and weight decay, with PyTorch's torch.optim.SGD semantics:
 *   g = grad + weight_decay * p
 *   v = momentum * v + (1 - dampening) * g      (v = g on the first step)
 *   d = nesterov ? g + momentum * v : v
 *   p = p - lr * d */
#include <dlpipe/dlpipe.h>

typedef struct {
  double momentum;
  double dampening;
  double weight_decay;
  gboolean nesterov;
} Sgd;

static const DlpParamSpec sgd_params[] = {
  DLP_PARAM_DOUBLE ("learning_rate", "Step size before any schedule", "0.01", 0, 1e6),
  DLP_PARAM_DOUBLE ("momentum", "Momentum factor (0: plain SGD)", "0", 0, 1),
  DLP_PARAM_DOUBLE ("dampening", "Dampening of the momentum", "0", 0, 1),
  DLP_PARAM_BOOL ("nesterov", "Use Nesterov momentum", "false"),
  DLP_PARAM_DOUBLE ("weight_decay", "L2 penalty added to the gradient", "0", 0, 1e6),
  DLP_PARAM_END,
};

static gpointer
sgd_create (DlpConfig *config, GError **error)
{
  g_autofree Sgd *sgd = g_new0 (Sgd, 1);
  if (!dlp_config_get_double (config, "momentum", &sgd->momentum, error)
      || !dlp_config_get_double (config, "dampening", &sgd->dampening, error)
      || !dlp_config_get_double (config, "weight_decay", &sgd->weight_decay, error)
      || !dlp_config_get_bool (config, "nesterov", &sgd->nesterov, error))
    return NULL;
  if (sgd->nesterov && (sgd->momentum <= 0 || sgd->dampening != 0))
    {
      dlp_config_set_error (config, "nesterov", error,
                            "Nesterov momentum needs a momentum above 0 and no dampening");
      return NULL;
    }
  return g_steal_pointer (&sgd);
}

static gsize
sgd_get_state_size (gpointer self, gsize n_params)
{
  Sgd *sgd = self;
  return sgd->momentum > 0 ? n_params : 0;
}

static void
sgd_update (gpointer self, float *params, const float *grads, float *state, gsize n,
            const DlpOptimizerStep *step)
{
  Sgd *sgd = self;
  const float lr = (float) step->learning_rate;
  const float wd = (float) sgd->weight_decay;
  const float mu = (float) sgd->momentum;
  const float damp = step->step == 1 ? 0.0f : (float) sgd->dampening;
  if (mu == 0)
    {
      for (gsize i = 0; i < n; i++)
        params[i] -= lr * (grads[i] + wd * params[i]);
      return;
    }
  /* The buffer starts at zero, so momentum * v + g is exactly g on the
   * first step, as PyTorch initialises it. */
  for (gsize i = 0; i < n; i++)
    {
      float g = grads[i] + wd * params[i];
      float v = mu * state[i] + (1.0f - damp) * g;
      state[i] = v;
      params[i] -= lr * (sgd->nesterov ? g + mu * v : v);
    }
}

static const DlpOptimizerClass sgd_class = {
  .struct_size = sizeof (DlpOptimizerClass),
  .name = "sgd",
  .description = "Stochastic gradient descent with momentum, Nesterov and weight decay",
  .params = sgd_params,
  .create = sgd_create,
  .destroy = g_free,
  .get_state_size = sgd_get_state_size,
  .update = sgd_update,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_optimizer (registry, &sgd_class, error);
}

DLP_PLUGIN_DEFINE (optimizer_sgd, "0.1.0", "LGPL-2.1-or-later", "Stochastic gradient descent",
                   plugin_init)
