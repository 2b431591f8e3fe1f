/* stage-util.c: what every stage does with its section of params.yaml. */
#include "stages.h"

DlpConfig *
dlp_stage_get_section (DlpStageRun *run, const char *name, gboolean allow_missing, GError **error)
{
  return dlp_config_get_section (run->params, name, allow_missing, error);
}

DlpTracking *
dlp_stage_start_tracking (DlpStageRun *run, const char *stage, const char *continue_from,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "tracking", TRUE, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return dlp_tracking_start (section, run->registry, run->context, run->params, stage,
                             continue_from, error);
}
