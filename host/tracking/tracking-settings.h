/* tracking-settings.h: the tracking section of params.yaml. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  char *tracker;                /* the tracker type ("none", "mlflow") */
  const DlpTrackerClass *klass; /* NULL with only the spool folder read */
  DlpConfig *section;           /* the section: the tracker's settings among the host's */
  char *spool_dir;              /* absolute */
  double flush_timeout;         /* seconds finish waits for delivery */
  char *run_name;               /* or NULL */
  char *model_name;             /* of the model registry (registered_model) */
} DlpTrackingSettings;

/* Reads @section (NULL: there is none, no tracking and the defaults):
 * the tracker type, resolved in @registry and its settings validated,
 * then the keys the host reads itself. With @registry NULL only the spool
 * folder is read, for commands that need no more (`dlpipe mlflow`). */
gboolean dlp_tracking_settings_load (DlpTrackingSettings *settings, DlpConfig *section,
                                     DlpRegistry *registry, GError **error);
void dlp_tracking_settings_clear (DlpTrackingSettings *settings);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlpTrackingSettings, dlp_tracking_settings_clear)

G_END_DECLS
