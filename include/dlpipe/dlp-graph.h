/* dlp-graph.h: the network engine a trainer drives.
 *
 * A DlpGraph is a sequence of layers built from Keras-style Sequential
 * architecture JSON: each layer's class is looked up in the registry by
 * its Keras class_name, its shape inferred from the one before. Its
 * parameters live in one contiguous float block and their gradients in
 * another, so an optimizer is one loop over both. dlp_graph_prepare plans
 * the activations and scratch of every layer for a batch size once; after
 * that, training and inference steps allocate nothing.
 *
 * Weights files are safetensors holding the state dict of the equivalent
 * PyTorch nn.Sequential (docs/models.md): layers that PyTorch splits (a
 * Dense with an activation is nn.Linear then nn.ReLU) count as several
 * modules, so the names are "0.weight", "0.bias", "2.weight", ...
 *
 * Threads: dlp_graph_prepare takes the number of threads the graph splits
 * each batch over. More than one requires OpenBLAS to use one thread
 * (dlp_blas_set_n_threads (1)), so that the two never compete. The same
 * params, seed and thread count give bit-identical results. A graph is
 * used by one thread at a time. */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-loss.h>
#include <dlpipe/dlp-registry.h>

G_BEGIN_DECLS

typedef struct _DlpGraph DlpGraph;

/* Reads an architecture JSON file as a config view, so that every later
 * error names its file, line and column ("model.json:1:2317: ..."; Keras
 * writes a model on one line). Malformed JSON is a DLP_ERROR_FORMAT
 * error with line and column. */
DLP_API DlpConfig *dlp_architecture_load (const char *path, GError **error);
/* The same for architecture JSON @text (@length -1: NUL-terminated), its
 * errors naming @name. Added at API level 2. */
DLP_API DlpConfig *dlp_architecture_parse (const char *name, const char *text, gssize length,
                                           GError **error);

/* For model types: a new Sequential architecture whose first layer is an
 * InputLayer of @input_shape, and a layer appended to it, whose "config"
 * object is returned (borrowed) for the caller to fill. */
DLP_API JsonNode *dlp_architecture_new (const char *name, guint input_rank,
                                        const gint64 *input_shape);
DLP_API JsonObject *dlp_architecture_add_layer (JsonNode *architecture,
                                                const char *class_name);

/**
 * dlp_architecture_add_output:
 * @architecture: (transfer none): an architecture from dlp_architecture_new()
 * @num_classes: the number of classes
 * @kernel_initializer: (nullable): the initializer of its weights (a Keras
 *   name), or NULL for the layer's default
 *
 * Appends the output layer of a classifier: a Dense layer of @num_classes
 * units with a softmax activation.
 *
 * Returns: (transfer none): the layer's "config" object, owned by
 *   @architecture
 *
 * Since: API level 2
 */
DLP_API JsonObject *dlp_architecture_add_output (JsonNode *architecture, gint64 num_classes,
                                                 const char *kernel_initializer);

/* Builds a graph from @architecture, a view of the JSON root. The input
 * shape (per sample) comes from @input_shape when @input_rank > 0, else
 * from the architecture (an InputLayer, or batch_input_shape / batch_shape
 * on the first layer); when both give one they must agree. Errors name
 * the layer and, for shapes, both shapes. */
DLP_API DlpGraph *dlp_graph_new (DlpRegistry *registry, DlpConfig *architecture,
                                 guint input_rank, const gint64 *input_shape,
                                 GError **error);
/* The same from a JSON tree; @what names it in messages. */
DLP_API DlpGraph *dlp_graph_new_from_json (DlpRegistry *registry,
                                           JsonNode *architecture,
                                           const char *what, guint input_rank,
                                           const gint64 *input_shape,
                                           GError **error);
/* The same from an architecture file. */
DLP_API DlpGraph *dlp_graph_load (DlpRegistry *registry, const char *path,
                                  GError **error);
DLP_API void dlp_graph_free (DlpGraph *graph);
/* A new graph with the same layers, parameters and state, and buffers of
 * its own (not prepared): how several threads run one trained model, each
 * with its own copy. */
DLP_API DlpGraph *dlp_graph_copy (DlpGraph *graph, GError **error);

/* The architecture as normalized JSON: every layer named, its settings'
 * defaults written out, an InputLayer first. Loading it gives the same
 * graph, and writing that again the same JSON. */
DLP_API JsonNode *dlp_graph_to_json (DlpGraph *graph);
/* Writes dlp_graph_to_json atomically. */
DLP_API gboolean dlp_graph_save_architecture (DlpGraph *graph, const char *path,
                                              GError **error);
/* A table of layers, output shapes and parameter counts, with a total. */
DLP_API char *dlp_graph_summary (DlpGraph *graph);

DLP_API const char *dlp_graph_get_name (DlpGraph *graph);
DLP_API guint dlp_graph_get_input_rank (DlpGraph *graph);
DLP_API const gint64 *dlp_graph_get_input_shape (DlpGraph *graph);
/* Floats per input row (the product of the input shape). */
DLP_API gint64 dlp_graph_get_input_size (DlpGraph *graph);
DLP_API guint dlp_graph_get_output_rank (DlpGraph *graph);
DLP_API const gint64 *dlp_graph_get_output_shape (DlpGraph *graph);
DLP_API gint64 dlp_graph_get_output_size (DlpGraph *graph);
/* TRUE if the last layer is a softmax: the outputs of an evaluation are
 * then probabilities, otherwise logits. */
DLP_API gboolean dlp_graph_ends_with_softmax (DlpGraph *graph);

/* --- parameters --- */

DLP_API gsize dlp_graph_get_n_params (DlpGraph *graph);
DLP_API float *dlp_graph_get_params (DlpGraph *graph);
/* Saved, non-trainable state (batch normalization's running statistics):
 * one block, beside the parameters; empty for most graphs. */
DLP_API gsize dlp_graph_get_n_state (DlpGraph *graph);
DLP_API float *dlp_graph_get_state (DlpGraph *graph);
/* Written by dlp_graph_backward and dlp_graph_train_batch: the gradient
 * of the batch's loss (or of the given output gradient). */
DLP_API float *dlp_graph_get_grads (DlpGraph *graph);
/* Initialises every parameter with its layer's initialiser and resets
 * state (running statistics), from @seed. */
DLP_API void dlp_graph_init (DlpGraph *graph, guint64 seed);
/* Weights and state as PyTorch's state dict, in safetensors. */
DLP_API gboolean dlp_graph_save_weights (DlpGraph *graph, const char *path,
                                         GError **error);
/* Loads a weights file: every name of the state dict must be there with
 * its shape and no other; a mismatch names the tensor, its layer and both
 * shapes. On failure the graph is unchanged. */
DLP_API gboolean dlp_graph_load_weights (DlpGraph *graph, const char *path,
                                         GError **error);

/* --- running --- */

/* Plans activations and scratch for batches of up to @max_rows rows split
 * over @n_threads threads, and starts the threads. May be called again to
 * change either. A step on a graph not prepared, or on more rows, prepares
 * it for those rows first (allocating, that once). */
DLP_API gboolean dlp_graph_prepare (DlpGraph *graph, gint64 max_rows,
                                    guint n_threads, GError **error);
/* The seed of training randomness (dropout) and the count of training
 * steps done, which together pick each step's random numbers. */
DLP_API void dlp_graph_set_seed (DlpGraph *graph, guint64 seed);
DLP_API guint64 dlp_graph_get_step (DlpGraph *graph);
DLP_API void dlp_graph_set_step (DlpGraph *graph, guint64 step);
/* Copies the options and class weights (n_classes = the output size). */
DLP_API void dlp_graph_set_loss (DlpGraph *graph, const DlpLossOptions *options);

/* One training step's forward and backward: softmax cross-entropy of the
 * output against @labels (a final softmax layer is fused into the loss),
 * gradients of the mean loss into the gradient block, and sums added to
 * @stats. Advances the step count. */
DLP_API gboolean dlp_graph_train_batch (DlpGraph *graph, const float *inputs,
                                        const gint32 *labels, gint64 n_rows,
                                        DlpBatchStats *stats, GError **error);
/* Inference on a labelled batch: adds loss and accuracy to @stats, and
 * writes the outputs (probabilities after a final softmax) to @outputs
 * unless it is NULL. */
DLP_API gboolean dlp_graph_evaluate_batch (DlpGraph *graph, const float *inputs,
                                           const gint32 *labels, gint64 n_rows,
                                           float *outputs, DlpBatchStats *stats,
                                           GError **error);

/* The general pair, for other losses and for tests: a forward pass (in
 * training mode or not) writing @n_rows outputs to @outputs (may be NULL),
 * then the gradients of sum(outputs * @output_grads) with respect to the
 * parameters, into the gradient block, and to the inputs, into
 * @input_grads (may be NULL). backward follows a forward of the same rows,
 * and differentiates it in its mode (a batch normalization in inference
 * uses its running statistics, as constants). */
DLP_API gboolean dlp_graph_forward (DlpGraph *graph, const float *inputs,
                                    gint64 n_rows, gboolean training,
                                    float *outputs, GError **error);
DLP_API void dlp_graph_backward (DlpGraph *graph, const float *output_grads,
                                 float *input_grads);

G_END_DECLS
