/* host/dlp-graph.h: the network engine a trainer drives.
 *
 * A graph's parameters live in one contiguous float block and their
 * gradients in another, so an optimizer is one loop over both.
 * dlp_graph_prepare plans the activations and scratch of every layer for
 * a batch size once; after that, training and inference steps allocate
 * nothing.
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

#include <dlpipe/dlp-graph.h>
#include <dlpipe/host/dlp-loss.h>
#include <dlpipe/dlp-matmul.h>

G_BEGIN_DECLS

/**
 * dlp_graph_copy:
 * @graph: the graph
 * @error: (nullable): return location for an error
 *
 * Makes a graph with the same layers, parameters, state, seed, step and
 * loss, and buffers of its own (not prepared): how several threads run one
 * trained model, each with its own copy.
 *
 * Returns: (transfer full) (nullable): the copy; %NULL with @error set as
 *   dlp_graph_new() sets it (out of memory, DLP_ERROR_LIMIT, in practice)
 */
DLP_API DlpGraph *dlp_graph_copy (DlpGraph *graph, GError **error);

/* --- parameters --- */

/**
 * dlp_graph_get_n_params:
 * @graph: the graph
 *
 * Returns: the floats of the parameter block (and of the gradient block)
 */
DLP_API gsize dlp_graph_get_n_params (DlpGraph *graph);

/**
 * dlp_graph_get_params:
 * @graph: the graph
 *
 * Returns: (transfer none): the trainable parameters, one block of
 *   dlp_graph_get_n_params() floats, valid while @graph lives; an
 *   optimizer writes into it
 */
DLP_API float *dlp_graph_get_params (DlpGraph *graph);

/**
 * dlp_graph_get_n_state:
 * @graph: the graph
 *
 * Returns: the floats of the state block; 0 for most graphs
 */
DLP_API gsize dlp_graph_get_n_state (DlpGraph *graph);

/**
 * dlp_graph_get_state:
 * @graph: the graph
 *
 * Returns: (transfer none): the saved, non-trainable state (batch
 *   normalization's running statistics), one block beside the parameters,
 *   valid while @graph lives
 */
DLP_API float *dlp_graph_get_state (DlpGraph *graph);

/**
 * dlp_graph_get_grads:
 * @graph: the graph
 *
 * Returns: (transfer none): the gradient block, dlp_graph_get_n_params()
 *   floats written by dlp_graph_backward() and dlp_graph_train_batch():
 *   the gradient of the batch's mean loss (or of the given output
 *   gradient); valid while @graph lives
 */
DLP_API float *dlp_graph_get_grads (DlpGraph *graph);

/**
 * dlp_graph_init:
 * @graph: the graph
 * @seed: the seed every initialiser's numbers derive from
 *
 * Initialises every parameter with its layer's initialiser and resets the
 * state (running statistics).
 */
DLP_API void dlp_graph_init (DlpGraph *graph, guint64 seed);

/**
 * dlp_graph_save_weights:
 * @graph: the graph
 * @path: (transfer none): the file to write
 * @error: (nullable): return location for an error
 *
 * Writes the parameters and state as PyTorch's state dict, in
 * safetensors, atomically.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO or
 *   DLP_ERROR_LIMIT (out of memory for a tensor)
 */
DLP_API gboolean dlp_graph_save_weights (DlpGraph *graph, const char *path, GError **error);

/**
 * dlp_graph_load_weights:
 * @graph: the graph
 * @path: (transfer none): a weights file
 * @error: (nullable): return location for an error
 *
 * Loads a weights file: every name of the state dict must be there with
 * its dtype and shape, and no other. On failure the graph is unchanged.
 *
 * Returns: %TRUE on success; %FALSE with @error set as
 *   dlp_safetensors_read() sets it, or to DLP_ERROR_NOT_FOUND (a tensor
 *   missing), DLP_ERROR_DTYPE or DLP_ERROR_SHAPE (a tensor that differs,
 *   naming its layer and both shapes) or DLP_ERROR_FORMAT (a tensor of no
 *   layer)
 */
DLP_API gboolean dlp_graph_load_weights (DlpGraph *graph, const char *path, GError **error);

/* --- running --- */

/**
 * dlp_graph_prepare:
 * @graph: the graph
 * @max_rows: the largest batch to come, 1 or more
 * @n_threads: the threads to split each batch over, 1 or more
 * @error: (nullable): return location for an error
 *
 * Plans activations and scratch for batches of up to @max_rows rows split
 * over @n_threads threads, and starts the threads. May be called again to
 * change either. A step on a graph not prepared, or on more rows, prepares
 * it for those rows first (allocating, that once).
 *
 * It also makes the kernel of every matrix product the layers declared,
 * in the graph's precision (dlp_graph_set_precision()).
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG (no
 *   rows or threads, or more than one thread while OpenBLAS has more than
 *   one), DLP_ERROR_LIMIT (out of memory) or DLP_ERROR_NOT_SUPPORTED (the
 *   kernel library cannot compute a product in that precision)
 */
DLP_API gboolean dlp_graph_prepare (DlpGraph *graph, gint64 max_rows, guint n_threads,
                                    GError **error);

/**
 * dlp_graph_set_precision:
 * @graph: the graph
 * @precision: what the matrix products compute in (from
 *   dlp_precision_resolve())
 *
 * Takes effect at the next dlp_graph_prepare(). A new graph computes in
 * fp32. Since: API level 3
 */
DLP_API void dlp_graph_set_precision (DlpGraph *graph, DlpPrecision precision);

/**
 * dlp_graph_get_precision:
 * @graph: the graph
 *
 * Returns: what the matrix products compute in. Since: API level 3
 */
DLP_API DlpPrecision dlp_graph_get_precision (DlpGraph *graph);

/**
 * dlp_graph_set_seed:
 * @graph: the graph
 * @seed: the seed of training randomness (dropout)
 *
 * With the count of training steps done, the seed picks each step's
 * random numbers.
 */
DLP_API void dlp_graph_set_seed (DlpGraph *graph, guint64 seed);

/**
 * dlp_graph_get_step:
 * @graph: the graph
 *
 * Returns: the count of training steps done
 */
DLP_API guint64 dlp_graph_get_step (DlpGraph *graph);

/**
 * dlp_graph_set_step:
 * @graph: the graph
 * @step: the count of training steps done (when resuming)
 */
DLP_API void dlp_graph_set_step (DlpGraph *graph, guint64 step);

/**
 * dlp_graph_set_first_row:
 * @graph: the graph
 * @first_row: where the rows of the next batches start in the global
 *   batch, when processes share each batch (0: alone)
 *
 * A data-parallel rank trains on rows of a global batch: with their
 * position, dropout draws the masks one process would draw for those
 * rows, and errors name the row of the global batch.
 *
 * Since: API level 4
 */
DLP_API void dlp_graph_set_first_row (DlpGraph *graph, gint64 first_row);

/**
 * dlp_graph_set_loss:
 * @graph: the graph
 * @options: (transfer none): the loss's options, copied with their class
 *   weights (one per output)
 */
DLP_API void dlp_graph_set_loss (DlpGraph *graph, const DlpLossOptions *options);

/**
 * dlp_graph_train_batch:
 * @graph: the graph
 * @inputs: (transfer none): @n_rows rows of dlp_graph_get_input_size()
 *   floats
 * @labels: (transfer none): @n_rows class codes
 * @n_rows: the rows of the batch
 * @stats: (nullable): sums to add the batch's to
 * @error: (nullable): return location for an error
 *
 * One training step's forward and backward: softmax cross-entropy of the
 * output against @labels (a final softmax layer is fused into the loss),
 * gradients of the mean loss into the gradient block. Advances the step
 * count, also when a layer's forward fails.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_SHAPE
 *   (no rows, or a label outside the classes), DLP_ERROR_CONFIG or
 *   DLP_ERROR_LIMIT (as dlp_graph_prepare(), when the graph is prepared
 *   for more rows), or what a layer's forward sets (an embedding given an
 *   unknown token id)
 */
DLP_API gboolean dlp_graph_train_batch (DlpGraph *graph, const float *inputs, const gint32 *labels,
                                        gint64 n_rows, DlpBatchStats *stats, GError **error);

/**
 * dlp_graph_evaluate_batch:
 * @graph: the graph
 * @inputs: (transfer none): @n_rows input rows
 * @labels: (transfer none): @n_rows class codes
 * @n_rows: the rows of the batch
 * @outputs: (transfer none) (nullable): room for @n_rows output rows
 *   (probabilities after a final softmax)
 * @stats: (nullable): sums to add the batch's loss and accuracy to
 * @error: (nullable): return location for an error
 *
 * Inference on a labelled batch.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_SHAPE
 *   (no rows, or a label outside the classes), DLP_ERROR_CONFIG or
 *   DLP_ERROR_LIMIT (as dlp_graph_prepare(), when the graph is prepared
 *   for more rows), or what a layer's forward sets (an embedding given an
 *   unknown token id)
 */
DLP_API gboolean dlp_graph_evaluate_batch (DlpGraph *graph, const float *inputs,
                                           const gint32 *labels, gint64 n_rows, float *outputs,
                                           DlpBatchStats *stats, GError **error);

/**
 * dlp_graph_forward:
 * @graph: the graph
 * @inputs: (transfer none): @n_rows input rows
 * @n_rows: the rows of the batch
 * @training: whether to run in training mode (dropout, batch statistics;
 *   advances the step count)
 * @outputs: (transfer none) (nullable): room for @n_rows output rows
 * @error: (nullable): return location for an error
 *
 * The general forward pass, for other losses and for tests; see
 * dlp_graph_backward().
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_SHAPE (no
 *   rows), or as dlp_graph_train_batch() sets it otherwise
 */
DLP_API gboolean dlp_graph_forward (DlpGraph *graph, const float *inputs, gint64 n_rows,
                                    gboolean training, float *outputs, GError **error);

/**
 * dlp_graph_backward:
 * @graph: the graph, after a dlp_graph_forward() of the same rows
 * @output_grads: (transfer none): @n_rows rows of output gradients
 * @input_grads: (transfer none) (nullable): room for @n_rows rows of input
 *   gradients
 *
 * Writes the gradients of sum(outputs * @output_grads) with respect to the
 * parameters into the gradient block, and with respect to the inputs into
 * @input_grads, differentiating the forward in its mode (a batch
 * normalization in inference uses its running statistics, as constants).
 */
DLP_API void dlp_graph_backward (DlpGraph *graph, const float *output_grads, float *input_grads);

G_END_DECLS
