/* tracker-none.c: the tracker for runs that are not tracked.
 *
 * It accepts every record and keeps none, so a pipeline runs the same way
 * with or without an MLflow server. Runs still get an id, so that stages
 * which hand a run on to the next one need no special case. */
#include <dlpipe/dlpipe.h>

static gpointer
none_create (DlpConfig *config, GError **error)
{
  (void) config;
  (void) error;
  /* No state; any non-NULL pointer marks success. */
  return g_new0 (char, 1);
}

static char *
none_start_run (gpointer self, const DlpTrackerRun *run, const DlpTrackerCall *call, GError **error)
{
  (void) self;
  (void) call;
  (void) error;
  return g_strdup (run->run_id ? run->run_id : run->run_key);
}

static gboolean
none_end_run (gpointer self, const char *run_id, DlpRunStatus status, gint64 end_time_ms,
              const DlpTrackerCall *call, GError **error)
{
  (void) self;
  (void) run_id;
  (void) status;
  (void) end_time_ms;
  (void) call;
  (void) error;
  return TRUE;
}

static const DlpTrackerClass none_tracker = {
  .struct_size = sizeof (DlpTrackerClass),
  .name = "none",
  .description = "Does not track runs",
  .create = none_create,
  .destroy = g_free,
  .start_run = none_start_run,
  .end_run = none_end_run,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_tracker (registry, &none_tracker, error);
}

DLP_PLUGIN_DEFINE (tracker_none, "0.1.0", "LGPL-2.1-or-later",
                   "The tracker for runs that are not tracked", plugin_init)
