/* monitor.c: best-so-far tracking of a metric. */
#include <math.h>
#include "monitor.h"

void
dlp_monitor_init (DlpMonitor *monitor, const char *metric, double min_delta)
{
  monitor->minimise = g_str_has_suffix (metric, "loss");
  monitor->min_delta = fabs (min_delta);
  monitor->best = monitor->minimise ? INFINITY : -INFINITY;
  monitor->best_epoch = -1;
  monitor->bad_epochs = 0;
}

gboolean
dlp_monitor_observe (DlpMonitor *monitor, gint64 epoch, double value)
{
  gboolean better = !isnan (value)
                    && (monitor->minimise ? value < monitor->best - monitor->min_delta
                                          : value > monitor->best + monitor->min_delta);
  if (better)
    {
      monitor->best = value;
      monitor->best_epoch = epoch;
      monitor->bad_epochs = 0;
    }
  else
    monitor->bad_epochs++;
  return better;
}

JsonNode *
dlp_monitor_save_state (const DlpMonitor *monitor)
{
  JsonObject *o = json_object_new ();
  /* JSON has no infinity: no best yet is a null. */
  if (isfinite (monitor->best))
    json_object_set_double_member (o, "best", monitor->best);
  else
    json_object_set_null_member (o, "best");
  json_object_set_int_member (o, "best_epoch", monitor->best_epoch);
  json_object_set_int_member (o, "bad_epochs", monitor->bad_epochs);
  return dlp_json_node_new_object (o);
}

gboolean
dlp_monitor_load_state (DlpMonitor *monitor, JsonNode *state, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (state) ? json_node_get_object (state) : NULL;
  if (o == NULL || !json_object_has_member (o, "best") || !json_object_has_member (o, "best_epoch")
      || !json_object_has_member (o, "bad_epochs"))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "monitor state lacks best, best_epoch or bad_epochs");
      return FALSE;
    }
  JsonNode *best = json_object_get_member (o, "best");
  if (!JSON_NODE_HOLDS_NULL (best))
    monitor->best = json_node_get_double (best);
  monitor->best_epoch = json_object_get_int_member (o, "best_epoch");
  monitor->bad_epochs = json_object_get_int_member (o, "bad_epochs");
  return TRUE;
}
