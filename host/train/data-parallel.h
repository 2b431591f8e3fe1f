/* data-parallel.h: one training step shared by the ranks of a job, as
 * DDP and Horovod share it: every rank holds the whole model and takes
 * its own rows of each global batch, and the gradients are summed before
 * the optimizer steps, so every rank takes the same step. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "../collective/collective.h"

G_BEGIN_DECLS

/* The rows [*@lo, *@hi) of a global batch of @rows that this rank trains
 * on: contiguous, and as even as can be (a rank may have none). */
void dlp_data_parallel_shard (DlpCollective *collective, gint64 rows, gint64 *lo, gint64 *hi);

/* Sums a step over the ranks. @batch holds this rank's statistics, and
 * @grads (@n_params) the gradients of its mean loss; both become the
 * global batch's: the statistics summed, the gradients those of the mean
 * over the global batch's weight. *@stop is set when any rank passed
 * @stop_here, so that every rank stops at the same step. */
gboolean dlp_data_parallel_reduce_step (DlpCollective *collective, float *grads, gsize n_params,
                                        DlpBatchStats *batch, gboolean stop_here, gboolean *stop,
                                        GError **error);

/* Sums @stats over the ranks, in place. */
gboolean dlp_data_parallel_reduce_stats (DlpCollective *collective, DlpBatchStats *stats,
                                         GError **error);

G_END_DECLS
