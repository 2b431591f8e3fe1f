/* test-evaluation.c: test-set metrics on a small case worked out by hand,
 * and DVCLive's file layout. */
#include <math.h>
#include "../unit/dlp-check.h"
#include "train/dvclive.h"
#include "train/evaluation.h"

#define assert_close(got, want)                                                         \
  ck_assert_msg (fabs ((got) - (want)) < 1e-9, "got %.12g, want %.12g", (double) (got), \
                 (double) (want))

START_TEST (test_metrics)
{
  /* 3 classes, 6 rows. Predicted: 0 0 1 1 2 0; actual: 0 1 1 1 2 2. */
  const float p[6 * 3] = {
    0.8f, 0.1f, 0.1f, 0.6f, 0.3f, 0.1f, 0.2f, 0.7f, 0.1f,
    0.1f, 0.8f, 0.1f, 0.1f, 0.1f, 0.8f, 0.5f, 0.2f, 0.3f,
  };
  const gint32 y[6] = { 0, 1, 1, 1, 2, 2 };
  g_autoptr (DlpEvaluation) e = dlp_evaluation_new (p, y, 6, 3);
  assert_close (e->accuracy, 4.0 / 6);
  ck_assert_int_eq (e->confusion[1 * 3 + 0], 1); /* a 1 predicted as 0 */
  ck_assert_int_eq (e->confusion[2 * 3 + 0], 1);
  ck_assert_int_eq (e->support[1], 3);
  /* class 0: tp 1, predicted 3, support 1 */
  assert_close (e->precision[0], 1.0 / 3);
  assert_close (e->recall[0], 1.0);
  assert_close (e->f1[0], 0.5);
  /* class 1: tp 2, predicted 2, support 3; class 2: tp 1, predicted 1, support 2 */
  assert_close (e->precision[1], 1.0);
  assert_close (e->recall[1], 2.0 / 3);
  assert_close (e->f1[1], 0.8);
  assert_close (e->f1[2], 2.0 / 3);
  assert_close (e->macro_f1, (0.5 + 0.8 + 2.0 / 3) / 3);
  assert_close (e->weighted_f1, (0.5 * 1 + 0.8 * 3 + 2.0 / 3 * 2) / 6);
  double ll = -(log (0.8) + log (0.3) + log (0.7) + log (0.8) + log (0.8) + log (0.3)) / 6;
  ck_assert_msg (fabs (e->log_loss - ll) < 1e-6, "%g vs %g", e->log_loss, ll);

  const char *names[] = { "a", "b", "c", NULL };
  g_autoptr (JsonNode) json = dlp_evaluation_to_metrics_json (e);
  JsonObject *o = json_node_get_object (json);
  assert_close (json_object_get_double_member (o, "accuracy"), 4.0 / 6);
  ck_assert (!json_object_has_member (o, "per_class"));
  g_autoptr (JsonNode) per_class = dlp_evaluation_to_per_class_json (e, names);
  JsonObject *b = json_array_get_object_element (json_node_get_array (per_class), 1);
  ck_assert_str_eq (json_object_get_string_member (b, "class"), "b");
  ck_assert_int_eq (json_object_get_int_member (b, "support"), 3);
}
END_TEST

START_TEST (test_absent_class_and_certain_mistake)
{
  /* Class 2 never occurs; a wrong prediction with probability 1. */
  const float p[2 * 3] = { 0, 1, 0, 1, 0, 0 };
  const gint32 y[2] = { 0, 0 };
  g_autoptr (DlpEvaluation) e = dlp_evaluation_new (p, y, 2, 3);
  ck_assert (isfinite (e->log_loss));
  assert_close (e->recall[0], 0.5);
  assert_close (e->precision[2], 0);
  /* Macro averages cover the classes present in the data. */
  assert_close (e->macro_recall, 0.5);
}
END_TEST

START_TEST (test_dvclive_layout)
{
  char *dir = dlp_tmpdir_new ();
  g_autoptr (GArray) h = g_array_new (FALSE, TRUE, sizeof (DlpEpochResult));
  DlpEpochResult r1 = { 1, 0.9, 0.6, NAN, NAN, 0.001, 1000, 1 };
  DlpEpochResult r2 = { 2, 0.5, 0.8, NAN, NAN, 0.001, 1200, 1 };
  g_array_append_val (h, r1);
  g_array_append_val (h, r2);
  ck_assert (dlp_dvclive_write (dir, h, NULL));
  g_autofree char *tsv_path = g_build_filename (dir, "plots", "metrics", "loss.tsv", NULL);
  g_autofree char *tsv = NULL;
  ck_assert (g_file_get_contents (tsv_path, &tsv, NULL, NULL));
  ck_assert_str_eq (tsv, "step\tloss\n0\t0.9\n1\t0.5\n");
  g_autofree char *val_path = g_build_filename (dir, "plots", "metrics", "val_loss.tsv", NULL);
  ck_assert (!g_file_test (val_path, G_FILE_TEST_EXISTS));
  g_autofree char *metrics_path = g_build_filename (dir, "metrics.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_file (parser, metrics_path, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  ck_assert_int_eq (json_object_get_int_member (o, "step"), 1);
  assert_close (json_object_get_double_member (o, "accuracy"), 0.8);
  ck_assert (!json_object_has_member (o, "val_loss"));
  dlp_tmpdir_free (dir);
}
END_TEST

static Suite *
evaluation_suite (void)
{
  Suite *s = suite_create ("evaluation");
  TCase *tc = tcase_create ("evaluation");
  tcase_add_test (tc, test_metrics);
  tcase_add_test (tc, test_absent_class_and_certain_mistake);
  tcase_add_test (tc, test_dvclive_layout);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (evaluation_suite)
