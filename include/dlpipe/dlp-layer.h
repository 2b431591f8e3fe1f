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
 * @create: (required) (transfer full): an instance from the layer's
 *   "config" object (@config is borrowed for the call)
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

/**
 * dlp_init_constant:
 * @value: the value of every element
 *
 * Returns: a constant initialiser (zeros for biases)
 */
DLP_API DlpInit dlp_init_constant (double value);

/**
 * dlp_init_glorot_uniform:
 *
 * Returns: Keras' default kernel initialiser, GlorotUniform
 */
DLP_API DlpInit dlp_init_glorot_uniform (void);

/**
 * dlp_init_orthogonal:
 *
 * Returns: an orthogonal initialiser of gain 1 (Keras' default for
 *   recurrent kernels)
 */
DLP_API DlpInit dlp_init_orthogonal (void);

/**
 * dlp_init_from_config:
 * @config: the layer's config view
 * @key: (transfer none): the key of a Keras initializer: a name
 *   ("he_normal") or an object ({"class_name": "HeNormal", "config":
 *   {"seed": null}})
 * @init: the initialiser to set; left as preset when the key is absent or
 *   null
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG (an
 *   unknown initializer, or settings it does not have)
 */
DLP_API gboolean dlp_init_from_config (DlpConfig *config, const char *key, DlpInit *init,
                                       GError **error);

/**
 * dlp_init_fill:
 * @init: (transfer none): the initialiser
 * @data: (transfer none): room for @n floats
 * @n: the number of floats
 * @rows: the rows of the matrix an orthogonal initialiser makes
 * @cols: its columns (@rows * @cols == @n)
 * @fan_in: the fan in, for variance scaling
 * @fan_out: the fan out, for variance scaling
 * @seed: the seed of the draws when @init's own is -1
 *
 * Fills @data as @init says.
 */
DLP_API void dlp_init_fill (const DlpInit *init, float *data, gsize n, gint64 rows, gint64 cols,
                            gint64 fan_in, gint64 fan_out, guint64 seed);

/* --- helpers for create --- */

/**
 * dlp_layer_config_get_pair:
 * @config: the layer's config view
 * @key: (transfer none): a key holding an int or a list of two ints
 *   ("kernel_size": 3 or [3, 3])
 * @minimum: the smallest value accepted
 * @out: where both values go; left as preset when the key is absent or
 *   null
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (neither form, or a value below @minimum)
 */
DLP_API gboolean dlp_layer_config_get_pair (DlpConfig *config, const char *key, gint64 minimum,
                                            gint64 out[2], GError **error);

/* --- plan --- */

/**
 * dlp_layer_plan_get_name:
 * @plan: the plan
 *
 * Returns: (transfer none): the layer's name ("dense_1"), for messages
 */
DLP_API const char *dlp_layer_plan_get_name (const DlpLayerPlan *plan);

/**
 * dlp_layer_plan_get_input_rank:
 * @plan: the plan
 *
 * Returns: the rank of the layer's input, per sample
 */
DLP_API guint dlp_layer_plan_get_input_rank (const DlpLayerPlan *plan);

/**
 * dlp_layer_plan_get_input_shape:
 * @plan: the plan
 *
 * Returns: (transfer none): the shape of the layer's input, per sample
 */
DLP_API const gint64 *dlp_layer_plan_get_input_shape (const DlpLayerPlan *plan);

/**
 * dlp_layer_plan_get_input_size:
 * @plan: the plan
 *
 * Returns: the product of the input dimensions
 */
DLP_API gint64 dlp_layer_plan_get_input_size (const DlpLayerPlan *plan);

/**
 * dlp_layer_plan_set_output_shape:
 * @plan: the plan
 * @rank: the output's rank, 1 to DLP_TENSOR_MAX_RANK
 * @shape: @rank dimensions, per sample; copied
 *
 * Sets the layer's output shape; every plan must.
 */
DLP_API void dlp_layer_plan_set_output_shape (DlpLayerPlan *plan, guint rank, const gint64 *shape);

/**
 * dlp_layer_plan_shape_error:
 * @plan: the plan
 * @error: (nullable): return location for an error
 * @format: (transfer none): a printf() format for why the input does not
 *   fit
 * @...: its arguments
 *
 * Sets @error to DLP_ERROR_SHAPE, "layer 3 'conv2d' (Conv2D): input shape
 * [784] does not fit: MESSAGE".
 */
DLP_API void dlp_layer_plan_shape_error (const DlpLayerPlan *plan, GError **error,
                                         const char *format, ...) G_GNUC_PRINTF (3, 4);

/**
 * dlp_layer_plan_add_param:
 * @plan: the plan
 * @name: (transfer none): the tensor's name in the state dict, after
 *   "MODULE." ("weight"); copied
 * @rank: the parameter's rank, at most 4
 * @shape: @rank dimensions; copied
 * @init: (transfer none): how to initialise it; copied
 * @fan_in: the fan in, for variance-scaling initialisers
 * @fan_out: the fan out, for them too
 *
 * Declares a trainable parameter. @shape's first dimension by the rest is
 * the matrix an orthogonal initialiser makes.
 *
 * Returns: its index, for dlp_layer_pass_get_param()
 */
DLP_API guint dlp_layer_plan_add_param (DlpLayerPlan *plan, const char *name, guint rank,
                                        const gint64 *shape, const DlpInit *init, gint64 fan_in,
                                        gint64 fan_out);

/**
 * dlp_layer_plan_set_param_layout:
 * @plan: the plan
 * @param: an index dlp_layer_plan_add_param() returned
 * @perm: the parameter's rank axes; copied
 *
 * For a layer that keeps a parameter in another layout than PyTorch: the
 * stored tensor's axis i is axis @perm[i] of the layer's shape (a conv
 * weight kept [out, kh, kw, in] is stored [out, in, kh, kw]: 0, 3, 1, 2).
 */
DLP_API void dlp_layer_plan_set_param_layout (DlpLayerPlan *plan, guint param, const guint *perm);

/**
 * dlp_layer_plan_add_state:
 * @plan: the plan
 * @name: (transfer none): the tensor's name in the state dict, after
 *   "MODULE."; copied
 * @rank: its rank, at most 4
 * @shape: @rank dimensions; copied
 * @initial: the value it starts at, and is reset to
 * @dtype: what the weights file stores: F32, or I64 for counters
 *
 * Declares saved, non-trainable state (running statistics).
 *
 * Returns: its index, for dlp_layer_pass_get_state()
 */
DLP_API guint dlp_layer_plan_add_state (DlpLayerPlan *plan, const char *name, guint rank,
                                        const gint64 *shape, float initial, DlpDtype dtype);

typedef enum {
  DLP_BUFFER_KEEP, /* written by forward, read by backward */
  DLP_BUFFER_TEMP, /* scratch within one call; shared between layers */
} DlpBufferLifetime;

/**
 * dlp_layer_plan_add_buffer:
 * @plan: the plan
 * @per_row: floats per row of the slice
 * @fixed: floats more, whatever the rows
 * @lifetime: whether backward reads what forward wrote
 *
 * Declares a buffer of @per_row * rows + @fixed floats (4-byte elements a
 * layer may also use as int32).
 *
 * Returns: its index, for dlp_layer_pass_get_buffer()
 */
DLP_API guint dlp_layer_plan_add_buffer (DlpLayerPlan *plan, gsize per_row, gsize fixed,
                                         DlpBufferLifetime lifetime);

/**
 * dlp_layer_plan_reserve_sums:
 * @plan: the plan
 * @n: the most doubles this layer passes to dlp_layer_pass_sum_over_batch()
 *   at once
 */
DLP_API void dlp_layer_plan_reserve_sums (DlpLayerPlan *plan, gsize n);

/**
 * dlp_layer_plan_set_softmax:
 * @plan: the plan
 *
 * Marks the layer as a softmax over the last axis: as the last layer of a
 * model, the training loss applies it itself (fused with the
 * cross-entropy), from the output of the layer before.
 */
DLP_API void dlp_layer_plan_set_softmax (DlpLayerPlan *plan);

/* --- passes --- */

/**
 * dlp_layer_pass_get_n_rows:
 * @pass: the pass
 *
 * Returns: the rows of this slice
 */
DLP_API gint64 dlp_layer_pass_get_n_rows (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_batch_rows:
 * @pass: the pass
 *
 * Returns: the rows of the whole batch the slice belongs to
 */
DLP_API gint64 dlp_layer_pass_get_batch_rows (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_first_row:
 * @pass: the pass
 *
 * Returns: the slice's first row within the batch; in data-parallel
 *   training, within the global batch that the processes share
 */
DLP_API gint64 dlp_layer_pass_get_first_row (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_is_training:
 * @pass: the pass
 *
 * Returns: %TRUE in training (dropout active, batch statistics)
 */
DLP_API gboolean dlp_layer_pass_is_training (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_owns_state:
 * @pass: the pass
 *
 * Returns: %TRUE for exactly one slice of a batch: the one that updates
 *   state
 */
DLP_API gboolean dlp_layer_pass_owns_state (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_seed:
 * @pass: the pass
 *
 * Returns: a seed for this layer and this training step (dropout masks)
 */
DLP_API guint64 dlp_layer_pass_get_seed (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_input:
 * @pass: the pass
 *
 * Returns: (transfer none): the slice's input rows, valid during the call
 */
DLP_API const float *dlp_layer_pass_get_input (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_output:
 * @pass: the pass
 *
 * Returns: (transfer none): the slice's output rows, for forward to write
 *   (and backward to read); valid during the call
 */
DLP_API float *dlp_layer_pass_get_output (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_param:
 * @pass: the pass
 * @param: an index dlp_layer_plan_add_param() returned
 *
 * Returns: (transfer none): the parameter, read-only, in the layer's
 *   layout
 */
DLP_API const float *dlp_layer_pass_get_param (const DlpLayerPass *pass, guint param);

/**
 * dlp_layer_pass_get_param_grad:
 * @pass: the pass
 * @param: an index dlp_layer_plan_add_param() returned
 *
 * Returns: (transfer none): this slice's gradient of the parameter, which
 *   backward overwrites
 */
DLP_API float *dlp_layer_pass_get_param_grad (const DlpLayerPass *pass, guint param);

/**
 * dlp_layer_pass_get_state:
 * @pass: the pass
 * @state: an index dlp_layer_plan_add_state() returned
 *
 * Returns: (transfer none): the state, shared by every slice; only the
 *   slice that owns state (dlp_layer_pass_owns_state()) writes it
 */
DLP_API float *dlp_layer_pass_get_state (const DlpLayerPass *pass, guint state);

/**
 * dlp_layer_pass_get_buffer:
 * @pass: the pass
 * @buffer: an index dlp_layer_plan_add_buffer() returned
 *
 * Returns: (transfer none): this slice's buffer
 */
DLP_API float *dlp_layer_pass_get_buffer (const DlpLayerPass *pass, guint buffer);

/**
 * dlp_layer_pass_get_output_grad:
 * @pass: the pass, in backward
 *
 * Returns: (transfer none): the gradient of the slice's output
 */
DLP_API const float *dlp_layer_pass_get_output_grad (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_get_input_grad:
 * @pass: the pass, in backward
 *
 * Returns: (transfer none) (nullable): the input gradient to write, %NULL
 *   when nothing needs it (the first layer)
 */
DLP_API float *dlp_layer_pass_get_input_grad (const DlpLayerPass *pass);

/**
 * dlp_layer_pass_sum_over_batch:
 * @pass: the pass
 * @values: (transfer none): @n partial sums of this slice, replaced by the
 *   totals over the batch
 * @n: the number of values, at most what dlp_layer_plan_reserve_sums()
 *   reserved
 *
 * Sums @values over every slice of the batch, in a fixed order, and gives
 * every slice the totals. All slices must call it together.
 */
DLP_API void dlp_layer_pass_sum_over_batch (DlpLayerPass *pass, double *values, gsize n);

G_END_DECLS
