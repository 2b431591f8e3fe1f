/* dlp-optimizer.h: optimizers that update the parameter block. */
#pragma once

#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

/* Filled by the host for each update. */
typedef struct {
  gsize struct_size;
  double learning_rate; /* after the schedule */
  guint64 step;         /* 1 for the first update */
} DlpOptimizerStep;

/**
 * DlpOptimizerClass:
 * @create: (required) (transfer full): an instance from the
 *   train.optimizer section (@config is borrowed for the call)
 * @destroy: (required) frees an instance
 * @get_state_size: floats of state it keeps for @n_params parameters
 *   (Adam: 2 * @n_params); NULL means none
 * @update: (required) one step over the contiguous parameter and gradient
 *   blocks; @state has get_state_size() floats, zeroed before the first step
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  gsize (*get_state_size) (gpointer self, gsize n_params);
  void (*update) (gpointer self, float *params, const float *grads, float *state, gsize n_params,
                  const DlpOptimizerStep *step);
} DlpOptimizerClass;

G_END_DECLS
