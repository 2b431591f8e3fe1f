/* host-call.c: a plugin source that calls what only a host may. The
 * install test compiles it against the installed SDK twice: with
 * <dlpipe/dlpipe.h> alone every call below must be an implicit
 * declaration, and with -DWITH_HOST_HEADERS it must compile. One call
 * per header of dlpipe/host/. */
#ifdef WITH_HOST_HEADERS
#include <dlpipe/dlpipe-host.h>
#else
#include <dlpipe/dlpipe.h>
#endif

void host_call (DlpContext *context, DlpConfig *config, DlpGraph *graph);

void
host_call (DlpContext *context, DlpConfig *config, DlpGraph *graph)
{
  dlp_blas_set_n_threads (1);
  dlp_context_set_n_threads (context, 2);
  g_ptr_array_unref (dlp_config_flatten (config));
  dlp_graph_prepare (graph, 64, 1, NULL);
  dlp_softmax_rows (NULL, 0, 0);
  dlp_registry_unref (dlp_registry_new ());
}
