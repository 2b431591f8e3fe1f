/* champion.c: champion and challenger. A new version is always a
 * candidate; it takes the alias champion from the current one only when
 * both were tested on the same rows and it scores higher. */
#include <math.h>
#include "champion.h"
#include "../tracking/model-registry.h"

#define CHAMPION "champion"

/* The current champion, NULL with *@none set when there is none, NULL
 * with a warning when the registry cannot be read. */
static JsonObject *
current_champion (DlpStageRun *run, const char *model, gboolean *none)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "tracking", TRUE, &error);
  g_autoptr (DlpModelRegistry) registry =
    error ? NULL
          : dlp_model_registry_open (section, run->registry, DLP_MODEL_REGISTRY_BOUNDED,
                                     dlp_context_get_cancellable (run->context), &error);
  JsonObject *champion =
    registry ? dlp_model_registry_get_alias (registry, model, CHAMPION, &error) : NULL;
  *none = champion == NULL && g_error_matches (error, DLP_ERROR, DLP_ERROR_NOT_FOUND);
  if (champion == NULL && !*none)
    g_warning ("tracking: cannot read the champion of model '%s' (%s); the new version is "
               "only a candidate ('dlpipe mlflow promote' moves the alias by hand)",
               model, error->message);
  return champion;
}

gboolean
dlp_champion_decide (DlpStageRun *run, DlpTracking *tracking, double accuracy, double threshold,
                     const char *split_md5)
{
  if (isnan (threshold))
    return FALSE;
  if (accuracy < threshold)
    {
      g_info ("test accuracy %.4f is below %.4f (test.champion_accuracy): the new version is "
              "only a candidate",
              accuracy, threshold);
      return FALSE;
    }
  if (!dlp_tracking_registers_models (tracking))
    {
      g_info ("test accuracy %.4f reaches %.4f (test.champion_accuracy); tracker '%s' registers "
              "no model",
              accuracy, threshold, dlp_tracking_get_tracker (tracking));
      return FALSE;
    }
  const char *model = dlp_tracking_get_model_name (tracking);
  gboolean none = FALSE;
  g_autoptr (JsonObject) champion = current_champion (run, model, &none);
  if (none)
    {
      g_info ("test accuracy %.4f reaches %.4f and model '%s' has no champion yet: the new "
              "version becomes the champion",
              accuracy, threshold, model);
      return TRUE;
    }
  if (champion == NULL)
    return FALSE;

  const char *version = dlp_json_get_string (champion, "version");
  if (version == NULL)
    version = "?";
  JsonObject *tags = dlp_json_get_object (champion, "tags");
  const char *champion_md5 = dlp_json_get_string (tags, DLP_TEST_SPLIT_MD5_TAG);
  double best =
    dlp_json_get_double (dlp_json_get_object (champion, "metrics"), "test_accuracy", NAN);
  if (g_strcmp0 (champion_md5, split_md5) != 0 || isnan (best))
    {
      g_warning ("the champion of model '%s' (version %s, test accuracy %.4f) was tested on "
                 "another test split (MD5 %s; this run's is %s): the two are not compared and "
                 "the champion stays; 'dlpipe mlflow promote %s VERSION' makes the new version "
                 "the champion if it should be",
                 model, version, best, champion_md5 ? champion_md5 : "not recorded", split_md5,
                 model);
      return FALSE;
    }
  dlp_tracking_log_metric (tracking, "champion_test_accuracy", best, 0);
  if (accuracy > best)
    {
      g_info ("test accuracy %.4f beats %.4f, the champion's (version %s) on the same test "
              "split: the new version becomes the champion of model '%s'",
              accuracy, best, version, model);
      return TRUE;
    }
  g_info ("test accuracy %.4f does not beat %.4f, the champion's (version %s) on the same test "
          "split: the champion of model '%s' stays, the new version is a candidate",
          accuracy, best, version, model);
  return FALSE;
}
