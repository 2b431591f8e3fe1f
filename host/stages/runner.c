/* runner.c: running one stage with its context, progress and timing. */
#include <malloc.h>
#include "stages.h"
#include "../app/progress.h"
#include "../app/signals.h"

gboolean
dlp_stage_execute (DlpApp *app, const DlpStageInfo *stage, DlpConfig *params, GError **error)
{
  if (stage->run == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "stage %s: not implemented in dlpipe %s", stage->name, DLP_VERSION);
      return FALSE;
    }
  DlpStageRun run = {
    .app = app,
    .registry = dlp_app_get_registry (app),
    .params = params,
  };
  run.context = dlp_context_new (run.registry);
  dlp_context_set_cancellable (run.context, app->cancellable);
  dlp_context_set_progress_func (run.context, dlp_progress_report, app->progress, NULL);
  g_info ("stage %s: started", stage->name);
  gint64 start = g_get_monotonic_time ();
  gboolean ok = !dlp_context_is_cancelled (run.context, error) && stage->run (&run, error);
  double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  dlp_context_unref (run.context);
  /* Give the stage's freed memory back, so that later stages of a run
   * start from a small footprint. */
  malloc_trim (0);
  if (!ok)
    {
      g_prefix_error (error, "stage %s: ", stage->name);
      return FALSE;
    }
  g_info ("stage %s: done in %.2f s", stage->name, seconds);
  return TRUE;
}

int
dlp_stage_exit_status (const GError *error)
{
  int signo = dlp_signals_received ();
  if (signo && g_error_matches (error, DLP_ERROR, DLP_ERROR_CANCELLED))
    return 128 + signo;
  return DLP_EXIT_FAILURE;
}
