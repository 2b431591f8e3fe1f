/* dlp-layer.h: layers, the building blocks of a model graph.
 *
 * A layer instance is created from its Keras-style config, then planned
 * once per graph: it reads its input shape (per sample, without the batch
 * axis), sets its output shape, and declares its parameters, persistent
 * state and the scratch buffers it needs. The engine lays all of these out
 * in contiguous blocks before training starts, so forward and backward
 * allocate nothing. Activations are float32, batch-first, row-major; images
 * are [height, width, channels] per sample (see docs/layers.md). */
#pragma once

#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

/* Given to @plan: shapes, parameters, buffers. */
typedef struct _DlpLayerPlan DlpLayerPlan;
/* Given to @forward and @backward: the batch, its tensors and buffers. */
typedef struct _DlpLayerPass DlpLayerPass;

/* Forward may run on several threads at once, each on part of the batch. */
#define DLP_LAYER_FLAG_SPLITS_BATCH (1u << 0)
/* The layer has no parameters and keeps no state between passes. */
#define DLP_LAYER_FLAG_STATELESS (1u << 1)

/**
 * DlpLayerClass:
 * @keras_class: the class_name of this layer in architecture JSON ("Dense")
 * @create: (required) an instance from the layer's "config" object
 * @destroy: (required) frees an instance
 * @plan: (required) shape inference and memory declaration
 * @forward: (required) computes the output of a batch
 * @backward: (required) gradients of the inputs and parameters
 * @get_config: the "config" object to write back to architecture JSON
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  const char *keras_class;
  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  gboolean (*plan) (gpointer self, DlpLayerPlan *plan, GError **error);
  void (*forward) (gpointer self, DlpLayerPass *pass);
  void (*backward) (gpointer self, DlpLayerPass *pass);
  JsonNode *(*get_config) (gpointer self);
} DlpLayerClass;

G_END_DECLS
