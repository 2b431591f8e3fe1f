/* replay.c: spool files back to their tracker. */
#include <string.h>
#include "record.h"
#include "replay.h"
#include "spool.h"

/* The tracker instance a spool file's header describes. */
static gboolean
open_target (DlpRegistry *registry, const char *path, JsonObject *header, DlpTrackerTarget *target,
             GError **error)
{
  const char *type = dlp_json_get_string (header, "tracker");
  const DlpTypeEntry *entry =
    type ? dlp_registry_get_entry (registry, DLP_KIND_TRACKER, type, error) : NULL;
  if (entry == NULL)
    {
      if (type == NULL)
        g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s:1: no \"tracker\"", path);
      else
        g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  JsonNode *settings = json_object_get_member (header, "settings");
  g_autofree char *text = settings ? json_to_string (settings, FALSE) : g_strdup ("{}");
  g_autofree char *name = g_strdup_printf ("%s (settings)", path);
  g_autoptr (DlpConfig) config = dlp_config_parse (name, text, -1, error);
  if (config == NULL
      || !dlp_config_validate (config, dlp_type_entry_get_params (entry), NULL, error))
    return FALSE;
  if (!dlp_tracker_target_init (target, dlp_type_entry_get_class (entry), config, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

/* Whether a failed record should stop the replay (and stay pending). */
static gboolean
must_wait (const GError *error, JsonObject *record)
{
  return g_error_matches (error, DLP_ERROR, DLP_ERROR_NETWORK)
         || g_error_matches (error, DLP_ERROR, DLP_ERROR_CANCELLED)
         || g_strcmp0 (dlp_json_get_string (record, "op"), "start_run") == 0;
}

gboolean
dlp_tracking_replay_file (DlpRegistry *registry, const char *dir, const char *name,
                          GCancellable *cancellable, DlpReplayStats *stats, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gboolean busy = FALSE;
  g_autoptr (DlpSpoolFile) file = dlp_spool_file_open (path, &busy, error);
  if (file == NULL)
    {
      if (busy)
        g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                     "%s is in use by a running stage or sync; try again when it ends", path);
      return FALSE;
    }
  DlpTrackerTarget target = { 0 };
  if (!open_target (registry, path, dlp_spool_file_get_header (file), &target, error))
    {
      dlp_tracker_target_clear (&target);
      return FALSE;
    }
  GPtrArray *records = dlp_spool_file_get_records (file);
  DlpTrackerCall call = {
    .struct_size = sizeof call,
    .flags = DLP_TRACKER_CALL_REDELIVERY,
    .cancellable = cancellable,
  };
  gboolean ok = TRUE;
  for (guint i = dlp_spool_file_get_n_done (file); ok && i < records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records, i);
      g_autoptr (GError) local = NULL;
      if (dlp_record_complete (record, &local)
          && dlp_record_deliver (&target, record, &call, &local))
        stats->n_delivered++;
      else if (must_wait (local, record))
        {
          g_autofree char *what = dlp_record_describe (record);
          g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: record %u, %s: ", path,
                                      i + 1, what);
          ok = FALSE;
          break;
        }
      else
        {
          g_autofree char *what = dlp_record_describe (record);
          g_warning ("tracking: %s: record %u, %s: refused: %s (kept in %s/%s)", path, i + 1, what,
                     local->message, dir, DLP_SPOOL_REJECTED);
          if (!dlp_spool_reject (dir, name, record, local->message, error))
            ok = FALSE;
          stats->n_rejected++;
        }
      if (ok)
        ok = dlp_spool_file_set_n_done (file, i + 1, error);
    }
  dlp_tracker_target_clear (&target);
  if (!ok || !dlp_spool_file_remove (file, error))
    return FALSE;
  stats->n_files++;
  return TRUE;
}

gboolean
dlp_tracking_replay_all (DlpRegistry *registry, const char *dir, GCancellable *cancellable,
                         DlpReplayStats *stats, GError **error)
{
  g_autoptr (GPtrArray) names = dlp_spool_list (dir, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    if (!dlp_tracking_replay_file (registry, dir, g_ptr_array_index (names, i), cancellable, stats,
                                   error))
      return FALSE;
  return TRUE;
}
