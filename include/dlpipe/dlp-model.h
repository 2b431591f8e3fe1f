/* dlp-model.h: model types, which turn params.yaml into an architecture.
 *
 * The model section of params.yaml names a type and gives what every model
 * needs (input shape, class count); the type's own settings sit in a
 * subsection named after it:
 *
 *   model:
 *     type: mlp
 *     input_shape: [784]
 *     num_classes: 10
 *     mlp: {hidden_units: [256, 128], activation: relu}
 */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>
#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

/* What every model is built for. */
typedef struct {
  gsize struct_size;
  const char *name; /* the Sequential's name */
  guint input_rank;
  gint64 input_shape[DLP_TENSOR_MAX_RANK]; /* per sample */
  gint64 num_classes;
} DlpModelSpec;

/**
 * DlpModelClass:
 * @build: (required) (transfer full): returns a new architecture for
 *   @spec, configured by
 *   @settings (the model.TYPE subsection, an empty mapping when absent),
 *   as a Keras-style Sequential JSON tree:
 *   {"class_name": "Sequential", "config": {"name": ..., "layers": [...]}}
 *   Its input is @spec's input shape and its output @spec's classes.
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  JsonNode *(*build) (const DlpModelSpec *spec, DlpConfig *settings, DlpContext *context,
                      GError **error);
} DlpModelClass;

G_END_DECLS
