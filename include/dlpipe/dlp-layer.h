/* dlp-layer.h: layers, the building blocks of a model graph.
 *
 * A layer type is found by its Keras class name ("Dense") in architecture
 * JSON. An instance is created from the layer's "config" object (already
 * checked against the class's params), then planned once per graph: it
 * reads its input shape, sets its output shape and declares its
 * parameters, persistent state and buffers. The engine lays all of them
 * out in contiguous blocks before training starts, so forward and backward
 * allocate nothing.
 *
 * Layout: float32, batch-first, row-major. Shapes given to a layer are per
 * sample, without the batch axis; images are [height, width, channels]
 * (see docs/layers.md).
 *
 * Threads: the engine may split a batch into slices run on several threads
 * at once, each with its own DlpLayerPass, activations and parameter
 * gradients (summed afterwards). Rows are independent, except through
 * dlp_layer_pass_sum_over_batch(), which every slice calls together. */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

/* Given to @plan: shapes, parameters, buffers. */
typedef struct _DlpLayerPlan DlpLayerPlan;
/* Given to @forward and @backward: one slice of a batch. */
typedef struct _DlpLayerPass DlpLayerPass;

/* The Keras config has an "activation" key ("relu", "softmax", ...) that
 * the engine applies as a separate Activation layer after this one, as
 * PyTorch does (nn.Linear followed by nn.ReLU). The class need not list
 * "activation" in its params. */
#define DLP_LAYER_FLAG_ACTIVATION (1u << 0)

/**
 * DlpLayerClass:
 * @keras_class: (required) the class_name of this layer in architecture
 *   JSON ("Dense")
 * @create: (required) an instance from the layer's "config" object
 * @destroy: (required) frees an instance
 * @plan: (required) shape inference and memory declaration; called once
 *   per graph, before any pass
 * @forward: (required) computes the output of a slice; fails only on bad
 *   input values (an embedding given an unknown token id)
 * @backward: (required) writes the gradients of the parameters (overwriting
 *   them) and, when asked for, of the input
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
  gboolean (*forward) (gpointer self, DlpLayerPass *pass, GError **error);
  void (*backward) (gpointer self, DlpLayerPass *pass);
} DlpLayerClass;

/* --- initialisers --- */

typedef enum {
  DLP_INIT_CONSTANT,         /* @value */
  DLP_INIT_UNIFORM,          /* in [@low, @high) */
  DLP_INIT_NORMAL,           /* @mean, @stddev */
  DLP_INIT_TRUNCATED_NORMAL, /* @mean, @stddev, redrawn beyond 2 stddev */
  DLP_INIT_VARIANCE_SCALING, /* Glorot, He, LeCun */
  DLP_INIT_ORTHOGONAL,       /* @gain times a (semi-)orthogonal matrix */
} DlpInitKind;

typedef enum {
  DLP_FAN_IN,
  DLP_FAN_OUT,
  DLP_FAN_AVG,
} DlpFanMode;

typedef enum {
  DLP_DISTRIBUTION_UNIFORM,
  DLP_DISTRIBUTION_TRUNCATED_NORMAL,
  DLP_DISTRIBUTION_NORMAL,
} DlpDistribution;

/**
 * DlpInit: how a parameter is initialised, as Keras describes it.
 * Variance scaling draws with variance @scale / n, n being fan_in, fan_out
 * or their mean (@mode): Glorot is (1, avg), He (2, in), LeCun (1, in).
 * A @seed of -1 means "derived from the graph's seed". After drawing,
 * @fill_count values from @fill_start are set to @fill_value (an LSTM's
 * forget-gate bias of 1).
 */
typedef struct {
  DlpInitKind kind;
  double value;
  double low, high;
  double mean, stddev;
  double scale;
  DlpFanMode mode;
  DlpDistribution distribution;
  double gain;
  gint64 seed;
  gint64 fill_start, fill_count;
  double fill_value;
} DlpInit;

DLP_API DlpInit dlp_init_constant (double value);
DLP_API DlpInit dlp_init_glorot_uniform (void);
DLP_API DlpInit dlp_init_orthogonal (void);
/* Reads a Keras initializer at @key: a name ("he_normal") or an object
 * ({"class_name": "HeNormal", "config": {"seed": null}}). Leaves *@init as
 * preset when the key is absent or null. */
DLP_API gboolean dlp_init_from_config (DlpConfig *config, const char *key,
                                       DlpInit *init, GError **error);
/* Fills @n floats; @rows x @cols is the matrix an orthogonal init makes
 * (rows * cols == n). */
DLP_API void dlp_init_fill (const DlpInit *init, float *data, gsize n,
                            gint64 rows, gint64 cols, gint64 fan_in,
                            gint64 fan_out, guint64 seed);

/* --- helpers for create --- */

/* Reads an int or a list of two ints ("kernel_size": 3 or [3, 3]), each
 * at least @minimum. */
DLP_API gboolean dlp_layer_config_get_pair (DlpConfig *config, const char *key,
                                            gint64 minimum, gint64 out[2],
                                            GError **error);

/* --- plan --- */

/* The layer's name ("dense_1") and its Keras class, for messages. */
DLP_API const char *dlp_layer_plan_get_name (const DlpLayerPlan *plan);
DLP_API guint dlp_layer_plan_get_input_rank (const DlpLayerPlan *plan);
DLP_API const gint64 *dlp_layer_plan_get_input_shape (const DlpLayerPlan *plan);
/* The product of the input dims. */
DLP_API gint64 dlp_layer_plan_get_input_size (const DlpLayerPlan *plan);
DLP_API void dlp_layer_plan_set_output_shape (DlpLayerPlan *plan, guint rank,
                                              const gint64 *shape);
/* Sets a DLP_ERROR_SHAPE error "layer 3 'conv2d' (Conv2D): input shape
 * [784] does not fit: MESSAGE". */
DLP_API void dlp_layer_plan_shape_error (const DlpLayerPlan *plan,
                                         GError **error, const char *format,
                                         ...) G_GNUC_PRINTF (3, 4);

/* Declares a trainable parameter, stored in the weights file under
 * "MODULE.@name" (PyTorch's state-dict name), and returns its index.
 * @fan_in and @fan_out feed variance-scaling initialisers; @rows x @cols
 * is the matrix an orthogonal initialiser makes. */
DLP_API guint dlp_layer_plan_add_param (DlpLayerPlan *plan, const char *name,
                                        guint rank, const gint64 *shape,
                                        const DlpInit *init, gint64 fan_in,
                                        gint64 fan_out);
/* When the layer keeps a parameter in another layout than PyTorch: the
 * stored tensor's axis i is axis @perm[i] of the layer's shape (a conv
 * weight kept [out, kh, kw, in] is stored [out, in, kh, kw]: 0, 3, 1, 2). */
DLP_API void dlp_layer_plan_set_param_layout (DlpLayerPlan *plan, guint param,
                                              const guint *perm);
/* Declares saved, non-trainable state (running statistics), starting at
 * @initial; @dtype is what the weights file stores (F32, or I64 for
 * counters). Returns its index. */
DLP_API guint dlp_layer_plan_add_state (DlpLayerPlan *plan, const char *name,
                                        guint rank, const gint64 *shape,
                                        float initial, DlpDtype dtype);

typedef enum {
  DLP_BUFFER_KEEP, /* written by forward, read by backward */
  DLP_BUFFER_TEMP, /* scratch within one call; shared between layers */
} DlpBufferLifetime;

/* Declares a buffer of @per_row * rows + @fixed floats (4-byte elements
 * a layer may also use as int32) and returns its index. */
DLP_API guint dlp_layer_plan_add_buffer (DlpLayerPlan *plan, gsize per_row,
                                         gsize fixed,
                                         DlpBufferLifetime lifetime);
/* The largest number of doubles this layer passes to
 * dlp_layer_pass_sum_over_batch() at once. */
DLP_API void dlp_layer_plan_reserve_sums (DlpLayerPlan *plan, gsize n);
/* This layer is a softmax over the last axis: as the last layer of a
 * model, the training loss applies it itself (fused with the
 * cross-entropy), from the output of the layer before. */
DLP_API void dlp_layer_plan_set_softmax (DlpLayerPlan *plan);

/* --- passes --- */

/* Rows in this slice, the batch it belongs to, and its first row. */
DLP_API gint64 dlp_layer_pass_get_n_rows (const DlpLayerPass *pass);
DLP_API gint64 dlp_layer_pass_get_batch_rows (const DlpLayerPass *pass);
DLP_API gint64 dlp_layer_pass_get_first_row (const DlpLayerPass *pass);
/* TRUE in training (dropout active, batch statistics). */
DLP_API gboolean dlp_layer_pass_is_training (const DlpLayerPass *pass);
/* TRUE for exactly one slice of a batch: the one that updates state. */
DLP_API gboolean dlp_layer_pass_owns_state (const DlpLayerPass *pass);
/* A seed for this layer and this training step (dropout masks). */
DLP_API guint64 dlp_layer_pass_get_seed (const DlpLayerPass *pass);

DLP_API const float *dlp_layer_pass_get_input (const DlpLayerPass *pass);
DLP_API float *dlp_layer_pass_get_output (const DlpLayerPass *pass);
DLP_API const float *dlp_layer_pass_get_param (const DlpLayerPass *pass,
                                               guint param);
/* This slice's gradient of a parameter (backward writes it). */
DLP_API float *dlp_layer_pass_get_param_grad (const DlpLayerPass *pass,
                                              guint param);
DLP_API float *dlp_layer_pass_get_state (const DlpLayerPass *pass, guint state);
DLP_API float *dlp_layer_pass_get_buffer (const DlpLayerPass *pass,
                                          guint buffer);
/* Backward: the gradient of the output, and the input gradient to write,
 * NULL when nothing needs it (the first layer). */
DLP_API const float *dlp_layer_pass_get_output_grad (const DlpLayerPass *pass);
DLP_API float *dlp_layer_pass_get_input_grad (const DlpLayerPass *pass);
/* Sums @values over every slice of the batch, in a fixed order, and
 * gives every slice the total. All slices must call it together. */
DLP_API void dlp_layer_pass_sum_over_batch (DlpLayerPass *pass, double *values,
                                            gsize n);

G_END_DECLS
