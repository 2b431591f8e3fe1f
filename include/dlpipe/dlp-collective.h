/* dlp-collective.h: communication between the processes of one training
 * job, its ranks (MPI; or one process alone).
 *
 * Data-parallel training holds the whole model on every rank, gives each
 * rank its own shard of a global batch and sums the gradients across the
 * ranks before every optimizer step. A collective is what does the sum,
 * and the other few operations that keep ranks in step. Every rank calls
 * the same operations, with the same sizes, in the same order, as in MPI.
 *
 * Threads: an instance is used from one thread at a time; the host makes
 * one instance per process, and the plugin may start its library's own
 * threads (MPI's progress thread).
 *
 * Failures: an operation that fails returns FALSE with DLP_ERROR_NETWORK
 * naming the operation, and the peer rank when it is known. A rank that
 * has failed must not leave the others waiting in their next operation
 * forever: @abort ends the whole job, and a plugin whose transport can
 * hang on a dead peer bounds its waits or relies on its launcher (mpirun
 * ends the job when one of its processes dies). */
#pragma once

#include <glib.h>
#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-param-spec.h>
#include <dlpipe/dlp-tensor.h>

G_BEGIN_DECLS

/* An allreduce started by allreduce_start and not yet waited for. */
typedef struct _DlpCollectiveRequest DlpCollectiveRequest;

/**
 * DlpCollectiveClass:
 * @create: (required) (transfer full): joins the job (MPI_Init), with the
 *   collective's params (validated against @params); at most one instance
 *   exists in a process
 * @destroy: (required) leaves the job, freeing the instance
 * @rank: (required) this process's rank, 0 to size - 1
 * @size: (required) the number of ranks
 * @allreduce_sum: (required) replaces @count elements of @dtype at @data
 *   on every rank by their sum over the ranks. @dtype is DLP_DTYPE_F32 or
 *   DLP_DTYPE_F64; another is DLP_ERROR_DTYPE. Every rank sees the same
 *   bits (the sum is computed in the same order for all).
 * @broadcast: (required) copies @n_bytes at @data on rank @root to the
 *   same place on every other rank
 * @barrier: (required) returns when every rank has called it
 * @allreduce_start: (transfer full) (nullable): starts allreduce_sum of
 *   @data and returns at once, so that the caller computes while the sum
 *   travels; @data must not be touched until @wait returns. NULL: the
 *   host calls allreduce_sum, with no overlap.
 * @wait: finishes a started allreduce and frees @request; required with
 *   @allreduce_start. Requests are waited for in the order they started.
 * @abort: (required) ends every rank of the job with exit code
 *   @exit_code, after @message is printed; does not return. The host
 *   calls it when this rank fails, so no other rank waits for it.
 * @describe: (transfer full) (nullable): how the job runs, for logs and
 *   the run's params ("Open MPI v4.1.4, 2 ranks on 1 host"); every rank
 *   calls it at the same point, so it may communicate
 *
 * Since: API level 4
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  int (*rank) (gpointer self);
  int (*size) (gpointer self);
  gboolean (*allreduce_sum) (gpointer self, DlpDtype dtype, void *data, gsize count,
                             GError **error);
  gboolean (*broadcast) (gpointer self, void *data, gsize n_bytes, int root, GError **error);
  gboolean (*barrier) (gpointer self, GError **error);
  DlpCollectiveRequest *(*allreduce_start) (gpointer self, DlpDtype dtype, void *data, gsize count,
                                            GError **error);
  gboolean (*wait) (gpointer self, DlpCollectiveRequest *request, GError **error);
  void (*abort) (gpointer self, const char *message, int exit_code);
  char *(*describe) (gpointer self);
} DlpCollectiveClass;

G_END_DECLS
