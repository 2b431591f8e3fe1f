/* monitor.h: watching a metric for improvement, for early stopping and
 * the plateau schedule. A metric whose name ends in "loss" is minimised,
 * any other (accuracy) maximised. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  gboolean minimise;
  double min_delta; /* an improvement must exceed this */
  double best;
  gint64 best_epoch; /* -1 before the first value */
  gint64 bad_epochs; /* epochs since the best */
} DlpMonitor;

void dlp_monitor_init (DlpMonitor *monitor, const char *metric, double min_delta);
/* Records @value of epoch @epoch; TRUE if it is a new best. NaN never is. */
gboolean dlp_monitor_observe (DlpMonitor *monitor, gint64 epoch, double value);

JsonNode *dlp_monitor_save_state (const DlpMonitor *monitor);
gboolean dlp_monitor_load_state (DlpMonitor *monitor, JsonNode *state, GError **error);

G_END_DECLS
