/* test-schedule.c: learning-rate schedules, the metric monitor behind
 * early stopping, gradient clipping. */
#include <math.h>
#include "../unit/dlp-check.h"
#include "train/clip.h"
#include "train/monitor.h"
#include "train/schedule.h"
#include "train/train-settings.h"

static DlpSchedule *
schedule (const char *yaml, double lr, gint64 epochs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) root = dlp_config_parse ("params.yaml", yaml, -1, &error);
  dlp_assert_no_error (error);
  g_autoptr (DlpConfig) s = dlp_config_get_section (root, "lr_schedule", FALSE, &error);
  g_auto (DlpScheduleSettings) settings = { 0 };
  dlp_schedule_settings_load (&settings, s, lr, &error);
  dlp_assert_no_error (error);
  return dlp_schedule_new (&settings, lr, epochs);
}

#define assert_close(got, want)                                                          \
  ck_assert_msg (fabs ((got) - (want)) < 1e-12, "got %.15g, want %.15g", (double) (got), \
                 (double) (want))

START_TEST (test_constant_and_step)
{
  g_autoptr (DlpSchedule) none = dlp_schedule_new (NULL, 0.01, 10);
  assert_close (dlp_schedule_get_lr (none, 7), 0.01);
  g_autoptr (DlpSchedule) step =
    schedule ("lr_schedule: {type: step, step_size: 3, gamma: 0.5}", 0.1, 10);
  assert_close (dlp_schedule_get_lr (step, 0), 0.1);
  assert_close (dlp_schedule_get_lr (step, 2), 0.1);
  assert_close (dlp_schedule_get_lr (step, 3), 0.05);
  assert_close (dlp_schedule_get_lr (step, 7), 0.025);
}
END_TEST

START_TEST (test_cosine)
{
  g_autoptr (DlpSchedule) s = schedule ("lr_schedule: {type: cosine, min_lr: 0.001}", 0.1, 5);
  assert_close (dlp_schedule_get_lr (s, 0), 0.1);
  assert_close (dlp_schedule_get_lr (s, 2), 0.001 + 0.5 * 0.099); /* halfway */
  assert_close (dlp_schedule_get_lr (s, 4), 0.001);
}
END_TEST

START_TEST (test_plateau_and_resume)
{
  g_autoptr (DlpSchedule) s =
    schedule ("lr_schedule: {type: plateau, factor: 0.5, patience: 1, min_lr: 0.02}", 0.1, 20);
  ck_assert_str_eq (dlp_schedule_get_monitor (s), "val_loss");
  dlp_schedule_observe (s, 1.0); /* best */
  dlp_schedule_observe (s, 1.2); /* 1 bad epoch: within patience */
  assert_close (dlp_schedule_get_lr (s, 2), 0.1);
  dlp_schedule_observe (s, 1.1); /* 2 bad epochs: drop */
  assert_close (dlp_schedule_get_lr (s, 3), 0.05);
  g_autoptr (JsonNode) state = dlp_schedule_save_state (s);
  dlp_schedule_observe (s, 1.1);
  dlp_schedule_observe (s, 1.1);
  assert_close (dlp_schedule_get_lr (s, 5), 0.025);
  dlp_schedule_observe (s, 1.1);
  dlp_schedule_observe (s, 1.1);
  assert_close (dlp_schedule_get_lr (s, 7), 0.02); /* floored at min_lr */

  /* A resumed schedule continues from its saved state. */
  g_autoptr (DlpSchedule) r =
    schedule ("lr_schedule: {type: plateau, factor: 0.5, patience: 1, min_lr: 0.02}", 0.1, 20);
  ck_assert (dlp_schedule_load_state (r, state, NULL));
  assert_close (dlp_schedule_get_lr (r, 3), 0.05);
  dlp_schedule_observe (r, 0.5); /* improves on 1.0 */
  dlp_schedule_observe (r, 0.6);
  assert_close (dlp_schedule_get_lr (r, 5), 0.05);
}
END_TEST

START_TEST (test_schedule_errors)
{
  g_autoptr (DlpConfig) root =
    dlp_config_parse ("params.yaml", "lr_schedule:\n  type: exponential\n", -1, NULL);
  g_autoptr (DlpConfig) s = dlp_config_get_section (root, "lr_schedule", FALSE, NULL);
  g_autoptr (GError) error = NULL;
  g_auto (DlpScheduleSettings) settings = { 0 };
  ck_assert (!dlp_schedule_settings_load (&settings, s, 0.1, &error));
  dlp_assert_error (
    error, DLP_ERROR, DLP_ERROR_CONFIG,
    "params.yaml:2: lr_schedule.type: expected one of constant, step, cosine, plateau");
  g_clear_error (&error);
  g_autoptr (DlpConfig) root2 =
    dlp_config_parse ("params.yaml", "lr_schedule: {type: cosine, min_lr: 0.5}\n", -1, NULL);
  g_autoptr (DlpConfig) s2 = dlp_config_get_section (root2, "lr_schedule", FALSE, NULL);
  g_auto (DlpScheduleSettings) settings2 = { 0 };
  ck_assert (!dlp_schedule_settings_load (&settings2, s2, 0.1, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                    "min_lr: must not exceed the learning rate");
}
END_TEST

START_TEST (test_monitor)
{
  DlpMonitor loss, acc;
  dlp_monitor_init (&loss, "val_loss", 0.01);
  dlp_monitor_init (&acc, "accuracy", 0);
  ck_assert (dlp_monitor_observe (&loss, 0, 1.0));
  ck_assert (!dlp_monitor_observe (&loss, 1, 0.995)); /* within min_delta */
  ck_assert_int_eq (loss.bad_epochs, 1);
  ck_assert (dlp_monitor_observe (&loss, 2, 0.9));
  ck_assert_int_eq (loss.best_epoch, 2);
  ck_assert (!dlp_monitor_observe (&loss, 3, NAN));
  ck_assert (dlp_monitor_observe (&acc, 0, 0.5));
  ck_assert (!dlp_monitor_observe (&acc, 1, 0.4));
  ck_assert (dlp_monitor_observe (&acc, 2, 0.6));
}
END_TEST

START_TEST (test_clipping)
{
  float g[2] = { 3, 4 };
  double norm = dlp_clip_grad_norm (g, 2, 1.0);
  ck_assert_msg (fabs (norm - 5.0) < 1e-9, "%g", norm);
  ck_assert_msg (fabs (g[0] - 0.6f) < 1e-6 && fabs (g[1] - 0.8f) < 1e-6, "%g %g", g[0], g[1]);
  float small[2] = { 0.3f, 0.4f };
  dlp_clip_grad_norm (small, 2, 1.0);
  ck_assert_float_eq (small[0], 0.3f);
  float v[3] = { -5, 0.5f, 2 };
  dlp_clip_grad_value (v, 3, 1.0);
  ck_assert_float_eq (v[0], -1);
  ck_assert_float_eq (v[1], 0.5f);
  ck_assert_float_eq (v[2], 1);
}
END_TEST

static Suite *
schedule_suite (void)
{
  Suite *s = suite_create ("schedule");
  TCase *tc = tcase_create ("schedule");
  tcase_add_test (tc, test_constant_and_step);
  tcase_add_test (tc, test_cosine);
  tcase_add_test (tc, test_plateau_and_resume);
  tcase_add_test (tc, test_schedule_errors);
  tcase_add_test (tc, test_monitor);
  tcase_add_test (tc, test_clipping);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (schedule_suite)
