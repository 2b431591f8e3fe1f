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

G_BEGIN_DECLS

/* A new graph with the same layers, parameters and state, and buffers of
 * its own (not prepared): how several threads run one trained model, each
 * with its own copy. */
DLP_API DlpGraph *dlp_graph_copy (DlpGraph *graph, GError **error);

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
