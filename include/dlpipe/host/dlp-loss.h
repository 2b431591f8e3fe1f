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
  double label_smoothing;      /* in [0, 1) */
  const float *class_weights;  /* one per class, or NULL for all 1 */
} DlpLossOptions;

/* Sums of a batch, to be added up over batches. The mean loss is
 * @loss_sum / @weight_sum; the accuracy @n_correct / @n_rows. */
typedef struct {
  double loss_sum;
  double weight_sum;
  gint64 n_correct;
  gint64 n_rows;
} DlpBatchStats;

/* For @n_rows rows of @n_classes logits and their labels (each in
 * [0, n_classes)): adds the loss, weight and correct predictions (argmax
 * equal to the label) to @stats. If @grads is not NULL, writes the
 * gradient of the rows' summed loss times @grad_scale; @grad_scale is
 * 1 / the batch's weight sum for the gradient of the mean. @options may be
 * NULL. */
DLP_API void dlp_softmax_cross_entropy (const float *logits,
                                        const gint32 *labels, gint64 n_rows,
                                        gint64 n_classes,
                                        const DlpLossOptions *options,
                                        float *grads, double grad_scale,
                                        DlpBatchStats *stats);
/* The weight sum of a batch: sum of w[label], or the row count. */
DLP_API double dlp_loss_weight_sum (const gint32 *labels, gint64 n_rows,
                                    const DlpLossOptions *options);

/* Softmax of each row of @n_cols values, in place, stable. */
DLP_API void dlp_softmax_rows (float *values, gint64 n_rows, gint64 n_cols);

G_END_DECLS
