/* host/dlp-loss.h: the classification loss, softmax cross-entropy.
 *
 * The softmax is fused with the cross-entropy: log-probabilities come
 * from logits minus their log-sum-exp, which neither overflows nor loses
 * small probabilities, and the gradient is the simple p - target. The
 * definition is PyTorch's CrossEntropyLoss (weight, label_smoothing,
 * reduction "mean"): with class weights w and smoothing e over C classes,
 * a row of label y costs
 *   l = (1 - e) w[y] (-log p[y]) + (e / C) sum_c w[c] (-log p[c])
 * and the batch loss is sum(l) / sum(w[y]). */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct {
  gsize struct_size;
  double label_smoothing;     /* in [0, 1) */
  const float *class_weights; /* one per class, or NULL for all 1 */
} DlpLossOptions;

/* Sums of a batch, to be added up over batches. The mean loss is
 * @loss_sum / @weight_sum; the accuracy @n_correct / @n_rows. */
typedef struct {
  double loss_sum;
  double weight_sum;
  gint64 n_correct;
  gint64 n_rows;
} DlpBatchStats;

/**
 * dlp_softmax_cross_entropy:
 * @logits: (transfer none): @n_rows rows of @n_classes logits
 * @labels: (transfer none): @n_rows labels, each in [0, @n_classes)
 * @n_rows: the number of rows
 * @n_classes: the number of classes
 * @options: (transfer none) (nullable): smoothing and class weights;
 *   %NULL for neither
 * @grads: (transfer none) (nullable): room for @n_rows rows of gradients
 * @grad_scale: what the gradient of the rows' summed loss is multiplied
 *   by: 1 / the batch's weight sum for the gradient of the mean
 * @stats: (transfer none): sums to add the rows' loss, weight and correct
 *   predictions (argmax equal to the label) to
 *
 * The loss of a batch's rows, and its gradient unless @grads is %NULL.
 */
DLP_API void dlp_softmax_cross_entropy (const float *logits, const gint32 *labels, gint64 n_rows,
                                        gint64 n_classes, const DlpLossOptions *options,
                                        float *grads, double grad_scale, DlpBatchStats *stats);

/**
 * dlp_loss_weight_sum:
 * @labels: (transfer none): @n_rows labels
 * @n_rows: the number of rows
 * @options: (transfer none) (nullable): the class weights, if any
 *
 * Returns: the weight sum of a batch: the sum of w[label], or the row
 *   count without class weights
 */
DLP_API double dlp_loss_weight_sum (const gint32 *labels, gint64 n_rows,
                                    const DlpLossOptions *options);

/**
 * dlp_softmax_rows:
 * @values: (transfer none): @n_rows rows of @n_cols values, replaced by
 *   their softmax
 * @n_rows: the number of rows
 * @n_cols: the values of a row, 1 or more
 *
 * Softmax of each row, in place, stable (the row's maximum subtracted
 * first).
 */
DLP_API void dlp_softmax_rows (float *values, gint64 n_rows, gint64 n_cols);

/**
 * dlp_argmax:
 * @values: (array length=n): @n values, such as one row of class
 *   probabilities
 * @n: the number of values, 1 or more
 *
 * Returns: the index of the largest value, the first of equals (the
 *   predicted class, as model_test and the predictor count it)
 *
 * Since: API level 4
 */
DLP_API gint32 dlp_argmax (const float *values, guint n);

G_END_DECLS
