/* collective-single.c: the collective of a job of one process.
 *
 * Rank 0 of 1: a sum over one rank is the data itself, and there is no
 * one to wait for, so training runs the same code alone as under MPI. */
#include <stdlib.h>
#include <dlpipe/dlpipe.h>

static gpointer
single_create (DlpConfig *config, GError **error)
{
  (void) config;
  (void) error;
  /* No state; any non-NULL pointer marks success. */
  return g_new0 (char, 1);
}

static int
single_rank (gpointer self)
{
  (void) self;
  return 0;
}

static int
single_size (gpointer self)
{
  (void) self;
  return 1;
}

static gboolean
single_allreduce_sum (gpointer self, DlpDtype dtype, void *data, gsize count, GError **error)
{
  (void) self;
  (void) data;
  (void) count;
  if (dtype != DLP_DTYPE_F32 && dtype != DLP_DTYPE_F64)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "allreduce: cannot sum %s elements: expected F32 or F64",
                   dlp_dtype_name (dtype));
      return FALSE;
    }
  return TRUE;
}

static gboolean
single_broadcast (gpointer self, void *data, gsize n_bytes, int root, GError **error)
{
  (void) self;
  (void) data;
  (void) n_bytes;
  if (root != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "broadcast: no rank %d in a job of 1 rank",
                   root);
      return FALSE;
    }
  return TRUE;
}

static gboolean
single_barrier (gpointer self, GError **error)
{
  (void) self;
  (void) error;
  return TRUE;
}

static void
single_abort (gpointer self, const char *message, int exit_code)
{
  (void) self;
  (void) message;
  exit (exit_code);
}

static char *
single_describe (gpointer self)
{
  (void) self;
  return g_strdup ("1 process");
}

static const DlpCollectiveClass single_collective = {
  .struct_size = sizeof (DlpCollectiveClass),
  .name = "single",
  .description = "One process alone: rank 0 of 1",
  .create = single_create,
  .destroy = g_free,
  .rank = single_rank,
  .size = single_size,
  .allreduce_sum = single_allreduce_sum,
  .broadcast = single_broadcast,
  .barrier = single_barrier,
  .abort = single_abort,
  .describe = single_describe,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_collective (registry, &single_collective, error);
}

DLP_PLUGIN_DEFINE (collective_single, "0.1.0", "LGPL-2.1-or-later",
                   "The collective of a job of one process", plugin_init)
