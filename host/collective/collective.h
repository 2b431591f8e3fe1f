/* collective.h: the host's handle on the ranks of a training job, over a
 * collective plugin type (see <dlpipe/dlp-collective.h>).
 *
 * Every rank opens the job at the same point and makes the same calls in
 * the same order. Errors name the rank ("rank 1 of 2: allreduce: ..."),
 * and dlp_collective_abort() ends every rank, so that a failing rank never
 * leaves the others waiting. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct _DlpCollective DlpCollective;

/* Joins the job through @entry (a collective type) with @settings (NULL:
 * none). */
DlpCollective *dlp_collective_open (const DlpTypeEntry *entry, DlpConfig *settings, GError **error);
/* Leaves the job. */
void dlp_collective_close (DlpCollective *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpCollective, dlp_collective_close)

int dlp_collective_rank (DlpCollective *c);
int dlp_collective_size (DlpCollective *c);
/* The type's name ("mpi"). */
const char *dlp_collective_type (DlpCollective *c);
/* How the job runs ("Open MPI v4.1.4, 2 ranks on 1 host"). */
const char *dlp_collective_describe (DlpCollective *c);

/* Sums @count f32 or f64 elements at @data over the ranks, in place. */
gboolean dlp_collective_allreduce_sum (DlpCollective *c, DlpDtype dtype, void *data, gsize count,
                                       GError **error);
/* Starts that sum and returns; @data is the collective's until
 * dlp_collective_wait(). A type that cannot overlap sums at once. */
DlpCollectiveRequest *dlp_collective_allreduce_start (DlpCollective *c, DlpDtype dtype, void *data,
                                                      gsize count, GError **error);
/* Finishes a started sum; requests finish in the order they started. */
gboolean dlp_collective_wait (DlpCollective *c, DlpCollectiveRequest *request, GError **error);
/* Copies @n_bytes at @data from rank @root to every rank. */
gboolean dlp_collective_broadcast (DlpCollective *c, void *data, gsize n_bytes, int root,
                                   GError **error);
gboolean dlp_collective_barrier (DlpCollective *c, GError **error);

/* Prints @message ("dlpipe: rank 1 of 2: ...") and ends every rank of
 * the job with @exit_code. */
G_GNUC_NORETURN void dlp_collective_abort (DlpCollective *c, const char *message, int exit_code);

G_END_DECLS
