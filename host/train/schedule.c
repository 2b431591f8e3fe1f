/* schedule.c: constant, step, cosine and plateau learning-rate schedules. */
#include <math.h>
#include "monitor.h"
#include "schedule.h"

struct _DlpSchedule {
  DlpScheduleSettings settings;
  double base_lr;
  gint64 epochs;
  DlpMonitor monitor;
  gint64 observed;   /* epochs reported to a plateau schedule */
  double plateau_lr; /* the current rate of a plateau schedule */
};

void
dlp_schedule_settings_clear (DlpScheduleSettings *settings)
{
  g_clear_pointer (&settings->monitor, g_free);
}

DlpSchedule *
dlp_schedule_new (const DlpScheduleSettings *settings, double base_lr, gint64 epochs)
{
  DlpSchedule *s = g_new0 (DlpSchedule, 1);
  s->base_lr = s->plateau_lr = base_lr;
  s->epochs = epochs;
  if (settings == NULL)
    return s;
  s->settings = *settings;
  s->settings.monitor = g_strdup (settings->monitor);
  /* Without an lr_schedule there is no metric to watch. */
  if (s->settings.monitor)
    dlp_monitor_init (&s->monitor, s->settings.monitor, settings->threshold);
  return s;
}

void
dlp_schedule_free (DlpSchedule *schedule)
{
  if (schedule == NULL)
    return;
  dlp_schedule_settings_clear (&schedule->settings);
  g_free (schedule);
}

double
dlp_schedule_get_lr (DlpSchedule *s, gint64 epoch)
{
  switch (s->settings.kind)
    {
    case DLP_SCHEDULE_STEP:
      return s->base_lr * pow (s->settings.gamma, (double) (epoch / s->settings.step_size));
    case DLP_SCHEDULE_COSINE:
      {
        /* From base_lr at the first epoch to min_lr at the last. */
        double span = (double) MAX (s->epochs - 1, 1);
        double t = MIN ((double) epoch, span) / span, min_lr = s->settings.min_lr;
        return min_lr + 0.5 * (s->base_lr - min_lr) * (1.0 + cos (G_PI * t));
      }
    case DLP_SCHEDULE_PLATEAU:
      return s->plateau_lr;
    case DLP_SCHEDULE_CONSTANT:
    default:
      return s->base_lr;
    }
}

void
dlp_schedule_observe (DlpSchedule *s, double value)
{
  if (s->settings.kind != DLP_SCHEDULE_PLATEAU)
    return;
  dlp_monitor_observe (&s->monitor, s->observed++, value);
  if (s->monitor.bad_epochs > s->settings.patience)
    {
      s->plateau_lr = MAX (s->plateau_lr * s->settings.factor, s->settings.min_lr);
      s->monitor.bad_epochs = 0;
    }
}

const char *
dlp_schedule_get_monitor (DlpSchedule *s)
{
  return s->settings.kind == DLP_SCHEDULE_PLATEAU ? s->settings.monitor : NULL;
}

JsonNode *
dlp_schedule_save_state (DlpSchedule *s)
{
  JsonObject *o = json_object_new ();
  json_object_set_double_member (o, "lr", s->plateau_lr);
  json_object_set_int_member (o, "observed", s->observed);
  json_object_set_member (o, "monitor", dlp_monitor_save_state (&s->monitor));
  return dlp_json_node_new_object (o);
}

gboolean
dlp_schedule_load_state (DlpSchedule *s, JsonNode *state, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (state) ? json_node_get_object (state) : NULL;
  if (o == NULL || !json_object_has_member (o, "lr") || !json_object_has_member (o, "monitor"))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "schedule state lacks lr or monitor");
      return FALSE;
    }
  s->plateau_lr = json_object_get_double_member (o, "lr");
  s->observed = json_object_get_int_member_with_default (o, "observed", 0);
  return dlp_monitor_load_state (&s->monitor, json_object_get_member (o, "monitor"), error);
}
