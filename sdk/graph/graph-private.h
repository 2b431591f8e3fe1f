/* graph-private.h: what the graph engine's files share. */
#pragma once

#include "sdk-private.h"

G_BEGIN_DECLS

/* Parameters, state and buffers start on 64-byte boundaries. */
#define DLP_ALIGN_FLOATS 16
#define DLP_PARAM_MAX_RANK 4

static inline gsize
dlp_align_floats (gsize n)
{
  return (n + DLP_ALIGN_FLOATS - 1) / DLP_ALIGN_FLOATS * DLP_ALIGN_FLOATS;
}

typedef struct {
  char *name; /* state-dict name within the module */
  guint rank;
  gint64 shape[DLP_PARAM_MAX_RANK]; /* the layer's layout */
  guint perm[DLP_PARAM_MAX_RANK];   /* stored axis i = layer axis perm[i] */
  gboolean permuted;
  DlpInit init;
  gint64 fan_in, fan_out;
  gint64 rows, cols; /* the matrix an orthogonal init makes */
  gsize size;
  gsize offset; /* in the parameter block */
} DlpParamDecl;

typedef struct {
  char *name;
  guint rank;
  gint64 shape[DLP_PARAM_MAX_RANK];
  float initial;
  DlpDtype dtype;
  gsize size;
  gsize offset; /* in the state block */
} DlpStateDecl;

typedef struct {
  gsize per_row, fixed;
  DlpBufferLifetime lifetime;
} DlpBufferDecl;

/* One layer of the graph, as PyTorch counts modules: a Dense with an
 * activation is two nodes. */
typedef struct {
  const DlpLayerClass *klass;
  gpointer instance;
  char *name;
  char *keras_class;
  guint index;  /* in the graph */
  guint module; /* index in the equivalent nn.Sequential */
  guint in_rank, out_rank;
  gint64 in_shape[DLP_TENSOR_MAX_RANK], out_shape[DLP_TENSOR_MAX_RANK];
  gint64 in_size, out_size;
  GArray *params;     /* DlpParamDecl */
  GArray *states;     /* DlpStateDecl */
  GArray *buffers;    /* DlpBufferDecl */
  GPtrArray *matmuls; /* DlpMatmul*, declared by the layer */
  gsize n_sums;
  gboolean softmax;
  gboolean planned;
} DlpNode;

struct _DlpLayerPlan {
  DlpNode *node;
};

typedef struct _DlpExec DlpExec;
typedef struct _DlpSlice DlpSlice;

struct _DlpLayerPass {
  const DlpNode *node;
  DlpGraph *graph;
  DlpSlice *slice;
  const float *input;
  float *output;
  const float *output_grad;
  float *input_grad;
  float **buffers; /* this node's buffers in this slice */
  guint64 seed;
  gboolean training;
};

struct _DlpGraph {
  DlpRegistry *registry;
  char *name;
  GPtrArray *nodes; /* DlpNode* */
  JsonNode *json;   /* the normalized architecture */
  guint in_rank;
  gint64 in_shape[DLP_TENSOR_MAX_RANK];
  gint64 in_size;
  float *params, *grads, *state;
  gsize n_params, n_state;
  gsize n_sums; /* largest collective sum of any node */
  DlpExec *exec;
  guint64 seed, step;
  gint64 first_row; /* of the batches in the global batch */
  DlpPrecision precision;
  DlpLossOptions loss;
  float *class_weights;
};

/* The element count of @shape; FALSE if it overflows or a float tensor of
 * that shape would pass DLP_LIMIT_TENSOR_BYTES. */
gboolean dlp_shape_checked_size (guint rank, const gint64 *shape, gint64 *size_out);

void dlp_node_free (DlpNode *node);
/* Plans @node for its input shape; fills its output shape. */
gboolean dlp_node_plan (DlpNode *node, guint in_rank, const gint64 *in_shape, GError **error);
/* "layer 3 'dense_1' (Dense)" */
char *dlp_node_describe (const DlpNode *node);

/* Keras' architecture JSON (keras-config.c). */
char *dlp_keras_snake_case (const char *name);
/* The input shape a layer config declares (batch_shape, batch_input_shape
 * or input_shape); leaves *@rank as is when there is none. */
gboolean dlp_keras_read_input_shape (DlpConfig *config, guint *rank, gint64 *shape, GError **error);
/* Checks Keras settings (a layer's, an initializer's) against @specs and
 * @common: a key of either is checked against its type, and one flagged
 * DLP_PARAM_FLAG_KERAS_DEFAULT is accepted only at its default or null;
 * any other key only when null (or it is a layer's "activation"). */
gboolean dlp_keras_validate_settings (DlpConfig *config, const DlpParamSpec *specs,
                                      const DlpParamSpec *common, gboolean has_activation,
                                      GError **error);
/* Checks a layer's config: its class's keys, the Keras keys accepted and
 * ignored, and the Keras features dlpipe lacks. */
gboolean dlp_keras_validate_layer_config (DlpConfig *config, const DlpTypeEntry *entry,
                                          gboolean has_activation, GError **error);
/* The config as written back, which Keras 3 loads: name, the settings
 * dlpipe reads with their defaults, and activation spelled out; Keras
 * keys at Keras' defaults and dlpipe's own at theirs left out. */
JsonNode *dlp_keras_normalized_config (DlpConfig *config, const DlpTypeEntry *entry,
                                       const char *name, gboolean has_activation);
/* A Keras 3 object of @module's class (@config taken). */
JsonNode *dlp_keras_object (const char *module, const char *class_name, JsonNode *config);
JsonNode *dlp_keras_input_layer (guint rank, const gint64 *shape);
/* A Sequential model of @layers (taken). */
JsonNode *dlp_keras_sequential (const char *name, JsonArray *layers);

/* Lays out parameter and state blocks after every node is planned. */
/* dlp_try_alloc0_aligned for @n floats; NULL also when n floats overflow. */
float *dlp_try_alloc_floats (gsize n);
gboolean dlp_graph_allocate_params (DlpGraph *graph, GError **error);

/* Execution (exec.c). */
void dlp_exec_free (DlpExec *exec);
DlpNode *dlp_graph_node (DlpGraph *graph, guint index);

G_END_DECLS
