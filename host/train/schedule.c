/* schedule.c: constant, step, cosine and plateau learning-rate schedules. */
#include <math.h>
#include <string.h>
#include "monitor.h"
#include "schedule.h"

typedef enum { SCHEDULE_CONSTANT, SCHEDULE_STEP, SCHEDULE_COSINE, SCHEDULE_PLATEAU } Kind;

struct _DlpSchedule {
  Kind kind;
  double base_lr;
  gint64 epochs;
  gint64 step_size;
  double gamma;
  double min_lr;
  double factor;
  gint64 patience;
  char *monitor_name;
  DlpMonitor monitor;
  gint64 observed;     /* epochs reported to a plateau schedule */
  double plateau_lr;   /* the current rate of a plateau schedule */
};

const DlpParamSpec dlp_schedule_params[] = {
  { sizeof (DlpParamSpec), "type", DLP_PARAM_ENUM, "The schedule", "constant",
    .choices = "constant|step|cosine|plateau" },
  { sizeof (DlpParamSpec), "step_size", DLP_PARAM_INT, "step: epochs between decays", "10",
    .has_range = TRUE, .minimum = 1, .maximum = 1e9 },
  { sizeof (DlpParamSpec), "gamma", DLP_PARAM_DOUBLE, "step: factor applied at each decay", "0.1",
    .has_range = TRUE, .minimum = 0, .maximum = 1 },
  { sizeof (DlpParamSpec), "min_lr", DLP_PARAM_DOUBLE,
    "cosine: the rate reached at the last epoch; plateau: the lowest rate", "0",
    .has_range = TRUE, .minimum = 0, .maximum = 1e6 },
  { sizeof (DlpParamSpec), "factor", DLP_PARAM_DOUBLE, "plateau: factor applied on a plateau", "0.1",
    .has_range = TRUE, .minimum = 0, .maximum = 1 },
  { sizeof (DlpParamSpec), "patience", DLP_PARAM_INT,
    "plateau: epochs without improvement before the rate drops", "2",
    .has_range = TRUE, .minimum = 0, .maximum = 1e9 },
  { sizeof (DlpParamSpec), "threshold", DLP_PARAM_DOUBLE, "plateau: the smallest improvement", "0.0001",
    .has_range = TRUE, .minimum = 0, .maximum = 1e9 },
  { sizeof (DlpParamSpec), "monitor", DLP_PARAM_ENUM, "plateau: the metric watched", "val_loss",
    .choices = "loss|accuracy|val_loss|val_accuracy" },
  DLP_PARAM_END
};

DlpSchedule *
dlp_schedule_new (DlpConfig *config, double base_lr, gint64 epochs,
                  GError **error)
{
  g_autoptr (DlpSchedule) s = g_new0 (DlpSchedule, 1);
  s->base_lr = s->plateau_lr = base_lr;
  s->epochs = epochs;
  if (config == NULL)
    return g_steal_pointer (&s);
  if (!dlp_config_validate (config, dlp_schedule_params, NULL, error))
    return NULL;
  g_autofree char *type = NULL;
  double threshold = 0;
  if (!dlp_config_get_string (config, "type", &type, error)
      || !dlp_config_get_int (config, "step_size", &s->step_size, error)
      || !dlp_config_get_double (config, "gamma", &s->gamma, error)
      || !dlp_config_get_double (config, "min_lr", &s->min_lr, error)
      || !dlp_config_get_double (config, "factor", &s->factor, error)
      || !dlp_config_get_int (config, "patience", &s->patience, error)
      || !dlp_config_get_double (config, "threshold", &threshold, error)
      || !dlp_config_get_string (config, "monitor", &s->monitor_name, error))
    return NULL;
  const char *kinds[] = { "constant", "step", "cosine", "plateau" };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (type, kinds[i]) == 0)
      s->kind = (Kind) i;
  if (s->min_lr > base_lr && (s->kind == SCHEDULE_COSINE || s->kind == SCHEDULE_PLATEAU))
    {
      dlp_config_set_error (config, "min_lr", error, "must not exceed the learning rate %g", base_lr);
      return NULL;
    }
  dlp_monitor_init (&s->monitor, s->monitor_name, threshold);
  return g_steal_pointer (&s);
}

void
dlp_schedule_free (DlpSchedule *schedule)
{
  if (schedule == NULL)
    return;
  g_free (schedule->monitor_name);
  g_free (schedule);
}

double
dlp_schedule_get_lr (DlpSchedule *s, gint64 epoch)
{
  switch (s->kind)
    {
    case SCHEDULE_STEP:
      return s->base_lr * pow (s->gamma, (double) (epoch / s->step_size));
    case SCHEDULE_COSINE:
      {
        /* From base_lr at the first epoch to min_lr at the last. */
        double span = (double) MAX (s->epochs - 1, 1);
        double t = MIN ((double) epoch, span) / span;
        return s->min_lr + 0.5 * (s->base_lr - s->min_lr) * (1.0 + cos (G_PI * t));
      }
    case SCHEDULE_PLATEAU:
      return s->plateau_lr;
    case SCHEDULE_CONSTANT:
    default:
      return s->base_lr;
    }
}

void
dlp_schedule_observe (DlpSchedule *s, double value)
{
  if (s->kind != SCHEDULE_PLATEAU)
    return;
  dlp_monitor_observe (&s->monitor, s->observed++, value);
  if (s->monitor.bad_epochs > s->patience)
    {
      s->plateau_lr = MAX (s->plateau_lr * s->factor, s->min_lr);
      s->monitor.bad_epochs = 0;
    }
}

const char *
dlp_schedule_get_monitor (DlpSchedule *s)
{
  return s->kind == SCHEDULE_PLATEAU ? s->monitor_name : NULL;
}

JsonNode *
dlp_schedule_save_state (DlpSchedule *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lr");
  json_builder_add_double_value (b, s->plateau_lr);
  json_builder_set_member_name (b, "observed");
  json_builder_add_int_value (b, s->observed);
  json_builder_set_member_name (b, "monitor");
  json_builder_add_value (b, dlp_monitor_save_state (&s->monitor));
  json_builder_end_object (b);
  return json_builder_get_root (b);
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
