/* schedule.h: learning-rate schedules, stepped once per epoch as
 * torch.optim.lr_scheduler does. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct _DlpSchedule DlpSchedule;

typedef enum {
  DLP_SCHEDULE_CONSTANT,
  DLP_SCHEDULE_STEP,
  DLP_SCHEDULE_COSINE,
  DLP_SCHEDULE_PLATEAU,
} DlpScheduleKind;

/* train.lr_schedule, as train-settings.c reads it:
 *   {type: constant}
 *   {type: step, step_size: 10, gamma: 0.1}        lr * gamma^(epoch / step_size)
 *   {type: cosine, min_lr: 0}                      cosine from lr to min_lr over the epochs
 *   {type: plateau, factor: 0.1, patience: 2, min_lr: 0, threshold: 0.0001}
 *     lr * factor after @patience epochs without improvement of the
 *     monitored metric (mode from its name: *loss is minimised).
 * All zero (no lr_schedule) is the constant schedule. */
typedef struct {
  DlpScheduleKind kind;
  gint64 step_size;
  double gamma;
  double min_lr;
  double factor;
  gint64 patience;
  double threshold;
  char *monitor; /* plateau: the metric watched */
} DlpScheduleSettings;

void dlp_schedule_settings_clear (DlpScheduleSettings *settings);

/* The schedule of @settings (NULL: constant) from @base_lr, over @epochs. */
DlpSchedule *dlp_schedule_new (const DlpScheduleSettings *settings, double base_lr, gint64 epochs);
void dlp_schedule_free (DlpSchedule *schedule);

/* The learning rate of epoch @epoch (0-based). */
double dlp_schedule_get_lr (DlpSchedule *schedule, gint64 epoch);
/* Reports the monitored value at the end of an epoch (plateau only). */
void dlp_schedule_observe (DlpSchedule *schedule, double value);
/* The name of the metric a plateau schedule watches, or NULL. */
const char *dlp_schedule_get_monitor (DlpSchedule *schedule);

/* State for checkpoints, so a resumed run continues the same schedule. */
JsonNode *dlp_schedule_save_state (DlpSchedule *schedule);
gboolean dlp_schedule_load_state (DlpSchedule *schedule, JsonNode *state, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSchedule, dlp_schedule_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlpScheduleSettings, dlp_schedule_settings_clear)

G_END_DECLS
