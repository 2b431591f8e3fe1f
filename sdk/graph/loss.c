/* loss.c: softmax cross-entropy fused with the softmax (PyTorch's
 * CrossEntropyLoss with weight and label_smoothing). */
#include <math.h>
#include "graph-private.h"

gint32
dlp_argmax (const float *values, guint n)
{
  guint best = 0;
  for (guint i = 1; i < n; i++)
    if (values[i] > values[best])
      best = i;
  return (gint32) best;
}

void
dlp_softmax_rows (float *values, gint64 n_rows, gint64 n_cols)
{
  for (gint64 r = 0; r < n_rows; r++)
    {
      float *v = values + r * n_cols;
      float max = v[0];
      for (gint64 c = 1; c < n_cols; c++)
        max = MAX (max, v[c]);
      double sum = 0;
      for (gint64 c = 0; c < n_cols; c++)
        {
          v[c] = expf (v[c] - max);
          sum += v[c];
        }
      float inv = (float) (1.0 / sum);
      for (gint64 c = 0; c < n_cols; c++)
        v[c] *= inv;
    }
}

double
dlp_loss_weight_sum (const gint32 *labels, gint64 n_rows, const DlpLossOptions *options)
{
  if (options == NULL || options->class_weights == NULL)
    return (double) n_rows;
  double sum = 0;
  for (gint64 r = 0; r < n_rows; r++)
    sum += options->class_weights[labels[r]];
  return sum;
}

void
dlp_softmax_cross_entropy (const float *logits, const gint32 *labels, gint64 n_rows,
                           gint64 n_classes, const DlpLossOptions *options, float *grads,
                           double grad_scale, DlpBatchStats *stats)
{
  double smoothing = options ? options->label_smoothing : 0.0;
  const float *weights = options ? options->class_weights : NULL;
  double weight_total = 0; /* sum over classes of w[c] */
  for (gint64 c = 0; c < n_classes; c++)
    weight_total += weights ? weights[c] : 1.0;
  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *z = logits + r * n_classes;
      gint32 y = labels[r];
      gint64 best = 0;
      float max = z[0];
      for (gint64 c = 1; c < n_classes; c++)
        if (z[c] > max)
          max = z[c], best = c;
      double sum = 0;
      for (gint64 c = 0; c < n_classes; c++)
        sum += exp ((double) z[c] - max);
      double log_sum = log (sum) + max;
      double wy = weights ? weights[y] : 1.0;
      /* -log p[c] = log_sum - z[c] */
      double loss = (1.0 - smoothing) * wy * (log_sum - z[y]);
      if (smoothing > 0)
        {
          double smooth = 0;
          for (gint64 c = 0; c < n_classes; c++)
            smooth += (weights ? weights[c] : 1.0) * (log_sum - z[c]);
          loss += smoothing / (double) n_classes * smooth;
        }
      stats->loss_sum += loss;
      stats->weight_sum += wy;
      stats->n_correct += best == y;
      stats->n_rows++;
      if (grads == NULL)
        continue;
      /* dl/dz[k] = p[k] ((1-e) w[y] + e/C sum_c w[c]) - (1-e) w[y] [k=y] - e/C w[k] */
      double p_coef = (1.0 - smoothing) * wy + smoothing / (double) n_classes * weight_total;
      float *g = grads + r * n_classes;
      for (gint64 c = 0; c < n_classes; c++)
        {
          double p = exp ((double) z[c] - log_sum);
          double d = p * p_coef - smoothing / (double) n_classes * (weights ? weights[c] : 1.0);
          if (c == y)
            d -= (1.0 - smoothing) * wy;
          g[c] = (float) (d * grad_scale);
        }
    }
}
