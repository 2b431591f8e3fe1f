/* dlp-transform.h: data transformation steps (drop_nulls, normalize, ...). */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>
#include <dlpipe/dlp-dataset.h>

G_BEGIN_DECLS

/* The step only applies while preparing training data; serving skips it
 * (dropping rows with missing values, for example). */
#define DLP_TRANSFORM_FLAG_TRAINING_ONLY (1u << 0)

/**
 * DlpTransformClass:
 * @create: (required) (transfer full): a step instance from its settings
 *   in params.yaml (@config is borrowed for the call)
 * @destroy: (required) frees an instance
 * @fit: learns statistics (means, ranges, categories) from @dataset
 * @apply: (required) (transfer full): returns the transformed data as a
 *   new reference; @dataset is borrowed and not changed
 * @save_state: (transfer full): the fitted statistics as new JSON, kept
 *   with the data and the model package so serving applies the same step
 *   to raw inputs
 * @load_state: restores statistics written by @save_state; @state is
 *   borrowed for the call
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  gboolean (*fit) (gpointer self, DlpDataset *dataset, DlpContext *context, GError **error);
  DlpDataset *(*apply) (gpointer self, DlpDataset *dataset, DlpContext *context, GError **error);
  JsonNode *(*save_state) (gpointer self);
  gboolean (*load_state) (gpointer self, JsonNode *state, GError **error);
} DlpTransformClass;

G_END_DECLS
