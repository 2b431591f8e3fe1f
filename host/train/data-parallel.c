/* data-parallel.c: sharding a global batch and summing its step over the
 * ranks (see data-parallel.h). */
#include "data-parallel.h"

void
dlp_data_parallel_shard (DlpCollective *collective, gint64 rows, gint64 *lo, gint64 *hi)
{
  gint64 rank = dlp_collective_rank (collective), size = dlp_collective_size (collective);
  *lo = rows * rank / size;
  *hi = rows * (rank + 1) / size;
}

gboolean
dlp_data_parallel_reduce_step (DlpCollective *collective, float *grads, gsize n_params,
                               DlpBatchStats *batch, gboolean stop_here, gboolean *stop,
                               GError **error)
{
  double sums[5] = { batch->loss_sum, batch->weight_sum, (double) batch->n_correct,
                     (double) batch->n_rows, stop_here ? 1.0 : 0.0 };
  if (!dlp_collective_allreduce_sum (collective, DLP_DTYPE_F64, sums, G_N_ELEMENTS (sums), error))
    return FALSE;
  /* Each rank's gradients are of its shard's mean loss: weighted by the
   * shard's share of the weight, their sum is the global batch's mean. */
  float share = sums[1] > 0 ? (float) (batch->weight_sum / sums[1]) : 0.0f;
  for (gsize i = 0; i < n_params; i++)
    grads[i] *= share;
  if (!dlp_collective_allreduce_sum (collective, DLP_DTYPE_F32, grads, n_params, error))
    return FALSE;
  batch->loss_sum = sums[0];
  batch->weight_sum = sums[1];
  batch->n_correct = (gint64) sums[2];
  batch->n_rows = (gint64) sums[3];
  *stop = sums[4] > 0;
  return TRUE;
}

gboolean
dlp_data_parallel_reduce_stats (DlpCollective *collective, DlpBatchStats *stats, GError **error)
{
  double sums[4] = { stats->loss_sum, stats->weight_sum, (double) stats->n_correct,
                     (double) stats->n_rows };
  if (!dlp_collective_allreduce_sum (collective, DLP_DTYPE_F64, sums, G_N_ELEMENTS (sums), error))
    return FALSE;
  stats->loss_sum = sums[0];
  stats->weight_sum = sums[1];
  stats->n_correct = (gint64) sums[2];
  stats->n_rows = (gint64) sums[3];
  return TRUE;
}
