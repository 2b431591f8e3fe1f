/* collective-mpi.c: the collective of a job that mpirun launched (Open MPI,
 * or any MPI of the same ABI).
 *
 * The job's ranks are MPI_COMM_WORLD's; the plugin works on a duplicate
 * of it, so that its operations never match another library's. MPI's
 * errors come back as return codes (MPI_ERRORS_RETURN), which become
 * errors naming the operation. A rank that dies ends the job: mpirun
 * kills the others, so no rank waits for it. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  MPI_Comm comm;
  int rank;
  int size;
  /* MPI allows one MPI_Init per process: the plugin finalizes only what
   * it initialized, when the process ends. */
  gboolean initialized_here;
} Mpi;

struct _DlpCollectiveRequest {
  GArray *requests; /* MPI_Request, one per chunk */
};

/* MPI counts are int: larger buffers go in chunks of this many elements. */
#define CHUNK_ELEMENTS ((gsize) INT_MAX / 2)

/* The one instance of the process (MPI_Init happens once). */
static Mpi *the_instance;

static gboolean
mpi_failed (int code, const char *what, GError **error)
{
  if (code == MPI_SUCCESS)
    return FALSE;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string (code, text, &length) != MPI_SUCCESS)
    g_snprintf (text, sizeof text, "MPI error %d", code);
  g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: %s", what, text);
  return TRUE;
}

/* A plugin is opened with its symbols local, but Open MPI opens its own
 * components later and they look libmpi's symbols up globally: make the
 * already loaded libmpi global first. */
static void
make_libmpi_global (void)
{
  Dl_info info;
  if (dladdr ((void *) MPI_Init_thread, &info) != 0 && info.dli_fname)
    {
      void *handle = dlopen (info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
      /* The handle only raised the library to global; it stays loaded. */
      (void) handle;
    }
}

static gpointer
mpi_create (DlpConfig *config, GError **error)
{
  (void) config;
  if (the_instance)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "the mpi collective is open already: a process joins its job once");
      return NULL;
    }
  int finalized = 0, initialized = 0;
  MPI_Finalized (&finalized);
  if (finalized)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "MPI was finalized in this process: it cannot join a job again");
      return NULL;
    }
  g_autofree Mpi *m = g_new0 (Mpi, 1);
  MPI_Initialized (&initialized);
  if (!initialized)
    {
      make_libmpi_global ();
      int provided = 0;
      if (mpi_failed (MPI_Init_thread (NULL, NULL, MPI_THREAD_SERIALIZED, &provided),
                      "MPI_Init_thread", error))
        return NULL;
      m->initialized_here = TRUE;
      if (provided < MPI_THREAD_SERIALIZED)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                       "this MPI library gives thread level %d: the mpi collective needs "
                       "MPI_THREAD_SERIALIZED (%d) or more",
                       provided, MPI_THREAD_SERIALIZED);
          MPI_Finalize ();
          return NULL;
        }
    }
  MPI_Comm_set_errhandler (MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (mpi_failed (MPI_Comm_dup (MPI_COMM_WORLD, &m->comm), "MPI_Comm_dup", error))
    return NULL;
  MPI_Comm_set_errhandler (m->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank (m->comm, &m->rank);
  MPI_Comm_size (m->comm, &m->size);
  the_instance = m;
  return g_steal_pointer (&m);
}

static void
mpi_destroy (gpointer self)
{
  Mpi *m = self;
  MPI_Comm_free (&m->comm);
  if (m->initialized_here)
    MPI_Finalize ();
  the_instance = NULL;
  g_free (m);
}

static int
mpi_rank (gpointer self)
{
  return ((Mpi *) self)->rank;
}

static int
mpi_size (gpointer self)
{
  return ((Mpi *) self)->size;
}

static gboolean
mpi_type_of (DlpDtype dtype, MPI_Datatype *type, gsize *element_size, const char *what,
             GError **error)
{
  switch (dtype)
    {
    case DLP_DTYPE_F32:
      *type = MPI_FLOAT;
      *element_size = sizeof (float);
      return TRUE;
    case DLP_DTYPE_F64:
      *type = MPI_DOUBLE;
      *element_size = sizeof (double);
      return TRUE;
    default:
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "%s: cannot sum %s elements: expected F32 "
                   "or F64",
                   what, dlp_dtype_name (dtype));
      return FALSE;
    }
}

static gboolean
mpi_allreduce_sum (gpointer self, DlpDtype dtype, void *data, gsize count, GError **error)
{
  Mpi *m = self;
  MPI_Datatype type;
  gsize element_size;
  if (!mpi_type_of (dtype, &type, &element_size, "allreduce", error))
    return FALSE;
  for (gsize done = 0; done < count;)
    {
      gsize n = MIN (count - done, CHUNK_ELEMENTS);
      if (mpi_failed (MPI_Allreduce (MPI_IN_PLACE, (char *) data + done * element_size, (int) n,
                                     type, MPI_SUM, m->comm),
                      "allreduce", error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static void
request_free (DlpCollectiveRequest *request)
{
  g_array_unref (request->requests);
  g_free (request);
}

static DlpCollectiveRequest *
mpi_allreduce_start (gpointer self, DlpDtype dtype, void *data, gsize count, GError **error)
{
  Mpi *m = self;
  MPI_Datatype type;
  gsize element_size;
  if (!mpi_type_of (dtype, &type, &element_size, "allreduce", error))
    return NULL;
  DlpCollectiveRequest *request = g_new0 (DlpCollectiveRequest, 1);
  request->requests = g_array_new (FALSE, FALSE, sizeof (MPI_Request));
  for (gsize done = 0; done < count;)
    {
      gsize n = MIN (count - done, CHUNK_ELEMENTS);
      MPI_Request r;
      if (mpi_failed (MPI_Iallreduce (MPI_IN_PLACE, (char *) data + done * element_size, (int) n,
                                      type, MPI_SUM, m->comm, &r),
                      "allreduce", error))
        {
          /* What started must finish before the buffer is given back. */
          MPI_Waitall ((int) request->requests->len, (MPI_Request *) request->requests->data,
                       MPI_STATUSES_IGNORE);
          request_free (request);
          return NULL;
        }
      g_array_append_val (request->requests, r);
      done += n;
    }
  return request;
}

static gboolean
mpi_wait (gpointer self, DlpCollectiveRequest *request, GError **error)
{
  (void) self;
  int code = MPI_Waitall ((int) request->requests->len, (MPI_Request *) request->requests->data,
                          MPI_STATUSES_IGNORE);
  request_free (request);
  return !mpi_failed (code, "allreduce", error);
}

static gboolean
mpi_broadcast (gpointer self, void *data, gsize n_bytes, int root, GError **error)
{
  Mpi *m = self;
  if (root < 0 || root >= m->size)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "broadcast: no rank %d in a job of %d ranks",
                   root, m->size);
      return FALSE;
    }
  for (gsize done = 0; done < n_bytes;)
    {
      gsize n = MIN (n_bytes - done, CHUNK_ELEMENTS);
      if (mpi_failed (MPI_Bcast ((char *) data + done, (int) n, MPI_BYTE, root, m->comm),
                      "broadcast", error))
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
mpi_barrier (gpointer self, GError **error)
{
  return !mpi_failed (MPI_Barrier (((Mpi *) self)->comm), "barrier", error);
}

static void
mpi_abort (gpointer self, const char *message, int exit_code)
{
  Mpi *m = self;
  (void) message;
  /* stderr may be a pipe to mpirun: what the host printed goes first. */
  fflush (stderr);
  MPI_Abort (m->comm, exit_code);
}

/* "Open MPI v4.1.4, 2 ranks on 1 host". */
static char *
mpi_describe (gpointer self)
{
  Mpi *m = self;
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version (version, &length);
  version[strcspn (version, ",\n")] = '\0';
  /* A host is a set of ranks that share memory; its first rank counts it. */
  MPI_Comm local;
  int hosts = 0, local_rank = 0;
  if (MPI_Comm_split_type (m->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS)
    {
      MPI_Comm_rank (local, &local_rank);
      int first = local_rank == 0;
      MPI_Allreduce (&first, &hosts, 1, MPI_INT, MPI_SUM, m->comm);
      MPI_Comm_free (&local);
    }
  return g_strdup_printf ("%s, %d rank%s on %d host%s", version, m->size, m->size == 1 ? "" : "s",
                          hosts, hosts == 1 ? "" : "s");
}

static const DlpCollectiveClass mpi_collective = {
  .struct_size = sizeof (DlpCollectiveClass),
  .name = "mpi",
  .description = "The ranks of a job that mpirun launched (MPI_COMM_WORLD)",
  .create = mpi_create,
  .destroy = mpi_destroy,
  .rank = mpi_rank,
  .size = mpi_size,
  .allreduce_sum = mpi_allreduce_sum,
  .broadcast = mpi_broadcast,
  .barrier = mpi_barrier,
  .allreduce_start = mpi_allreduce_start,
  .wait = mpi_wait,
  .abort = mpi_abort,
  .describe = mpi_describe,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_collective (registry, &mpi_collective, error);
}

DLP_PLUGIN_DEFINE (collective_mpi, "0.1.0", "LGPL-2.1-or-later",
                   "The collective of a job that mpirun launched", plugin_init)
