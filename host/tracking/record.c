/* record.c: records to tracker calls. */
#include <math.h>
#include <string.h>
#include "model-registry.h"
#include "record.h"

gboolean
dlp_tracker_target_init (DlpTrackerTarget *target, const DlpTrackerClass *klass,
                         DlpConfig *settings, GError **error)
{
  target->klass = klass;
  target->run_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  target->instance = klass->create (settings, error);
  return target->instance != NULL;
}

void
dlp_tracker_target_clear (DlpTrackerTarget *target)
{
  if (target->instance)
    target->klass->destroy (target->instance);
  target->instance = NULL;
  g_clear_pointer (&target->run_ids, g_hash_table_unref);
}

/* Records come back from spool files, which may have been edited or
 * damaged: a member of another type reads as missing. */
static const char *
str (JsonObject *o, const char *name)
{
  return dlp_json_get_string (o, name);
}

static gint64
int_of (JsonObject *o, const char *name)
{
  return dlp_json_get_int (o, name, 0);
}

/* {KEY: VALUE} as DlpTags borrowing the strings. */
static GArray *
tags_of (JsonObject *items)
{
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (DlpTag));
  if (items == NULL)
    return tags;
  g_autoptr (GList) keys = json_object_get_members (items);
  for (GList *l = keys; l; l = l->next)
    {
      const char *value = str (items, l->data);
      DlpTag t = { l->data, value ? value : "" };
      g_array_append_val (tags, t);
    }
  return tags;
}

static char *
start_run (DlpTrackerTarget *target, JsonObject *r, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (GArray) tags = tags_of (dlp_json_get_object (r, "tags"));
  const char *known = g_hash_table_lookup (target->run_ids, str (r, "run_key"));
  DlpTrackerRun run = {
    .struct_size = sizeof (DlpTrackerRun),
    .run_key = str (r, "run_key"),
    .run_id = known ? known : str (r, "run_id"),
    .run_name = str (r, "run_name"),
    .user = str (r, "user"),
    .source_name = str (r, "source_name"),
    .git_commit = str (r, "git_commit"),
    .git_branch = str (r, "git_branch"),
    .git_repo_url = str (r, "git_repo_url"),
    .start_time_ms = int_of (r, "start_time"),
    .tags = (const DlpTag *) (gpointer) tags->data,
    .n_tags = tags->len,
  };
  /* A run continued by key may exist already: look before creating it. */
  DlpTrackerCall continued = *call;
  JsonNode *cont = json_object_get_member (r, "continue");
  if (cont && json_node_get_value_type (cont) == G_TYPE_BOOLEAN && json_node_get_boolean (cont))
    continued.flags |= DLP_TRACKER_CALL_REDELIVERY;
  return target->klass->start_run (target->instance, &run, &continued, error);
}

static GStrv
strv_of (JsonArray *array)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);
      if (json_node_get_value_type (n) == G_TYPE_STRING)
        g_strv_builder_add (b, json_node_get_string (n));
    }
  return g_strv_builder_end (b);
}

static gboolean
status_of (const char *name, DlpRunStatus *status)
{
  for (DlpRunStatus s = DLP_RUN_FINISHED; s <= DLP_RUN_KILLED; s++)
    if (g_strcmp0 (name, dlp_run_status_name (s)) == 0)
      {
        *status = s;
        return TRUE;
      }
  return FALSE;
}

static gboolean
deliver_to_run (DlpTrackerTarget *target, const char *op, const char *run_id, JsonObject *r,
                const DlpTrackerCall *call, GError **error)
{
  const DlpTrackerClass *k = target->klass;
  gpointer self = target->instance;
  if (strcmp (op, "log_params") == 0 || strcmp (op, "set_tags") == 0)
    {
      gboolean params = op[0] == 'l';
      if (params ? k->log_params == NULL : k->set_tags == NULL)
        return TRUE;
      g_autoptr (GArray) items = tags_of (dlp_json_get_object (r, "items"));
      const DlpTag *t = (const DlpTag *) (gpointer) items->data;
      return params ? k->log_params (self, run_id, t, items->len, call, error)
                    : k->set_tags (self, run_id, t, items->len, call, error);
    }
  if (strcmp (op, "log_metrics") == 0)
    {
      if (k->log_metrics == NULL)
        return TRUE;
      JsonArray *array = dlp_json_get_array (r, "metrics");
      guint n = array ? json_array_get_length (array) : 0, n_ok = 0;
      g_autofree DlpMetric *metrics = g_new0 (DlpMetric, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          JsonObject *m = dlp_json_array_get_object (array, i);
          if (m == NULL || str (m, "key") == NULL)
            continue;
          metrics[n_ok++] = (DlpMetric){
            .key = str (m, "key"),
            .value = dlp_json_get_double (m, "value", NAN),
            .step = int_of (m, "step"),
            .timestamp_ms = int_of (m, "timestamp"),
          };
        }
      return k->log_metrics (self, run_id, metrics, n_ok, call, error);
    }
  if (strcmp (op, "log_dataset") == 0)
    {
      if (k->log_dataset == NULL)
        return TRUE;
      DlpTrackerDataset d = {
        .struct_size = sizeof d,
        .name = str (r, "name"),
        .digest = str (r, "digest"),
        .source = str (r, "path"),
        .context = str (r, "context"),
        .profile_json = str (r, "profile"),
      };
      return k->log_dataset (self, run_id, &d, call, error);
    }
  if (strcmp (op, "log_artifact") == 0)
    return k->log_artifact == NULL
           || k->log_artifact (self, run_id, str (r, "path"),
                               str (r, "artifact_path") ? str (r, "artifact_path") : "", call,
                               error);
  if (strcmp (op, "log_model") == 0)
    return k->log_model == NULL
           || k->log_model (self, run_id, str (r, "path"), str (r, "artifact_path"), call, error);
  if (strcmp (op, "register_model") == 0)
    {
      if (k->register_model == NULL)
        return TRUE;
      g_auto (GStrv) aliases = strv_of (dlp_json_get_array (r, "aliases"));
      g_autofree char *version =
        k->register_model (self, run_id, str (r, "model_name"), str (r, "artifact_path"),
                           (const char *const *) aliases, call, error);
      if (version == NULL)
        return FALSE;
      g_autofree char *joined = g_strjoinv (", ", aliases);
      g_message ("tracking: model %s version %s%s%s", str (r, "model_name"), version,
                 *joined ? ", aliases " : "", joined);
      return TRUE;
    }
  if (strcmp (op, "end_run") == 0)
    {
      DlpRunStatus status;
      if (!status_of (str (r, "status"), &status))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "end_run: unknown status '%s'",
                       str (r, "status"));
          return FALSE;
        }
      return k->end_run (self, run_id, status, int_of (r, "end_time"), call, error);
    }
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "unknown tracking record '%s'", op);
  return FALSE;
}

/* The string members each kind of record needs (see record.h). */
static const struct {
  const char *op;
  const char *members[4];
} required[] = {
  { "log_dataset", { "name", "path", "digest", "context" } },
  { "log_artifact", { "path" } },
  { "log_model", { "path", "artifact_path" } },
  { "register_model", { "model_name", "artifact_path" } },
  { "end_run", { "status" } },
};

static gboolean
check_members (JsonObject *record, const char *op, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    for (guint j = 0; strcmp (required[i].op, op) == 0 && j < G_N_ELEMENTS (required[i].members)
                      && required[i].members[j];
         j++)
      if (str (record, required[i].members[j]) == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "a tracking record '%s' needs the text member \"%s\"", op,
                       required[i].members[j]);
          return FALSE;
        }
  return TRUE;
}

gboolean
dlp_record_deliver (DlpTrackerTarget *target, JsonObject *record, const DlpTrackerCall *call,
                    GError **error)
{
  const char *op = str (record, "op");
  const char *key = str (record, "run_key");
  if (op == NULL || key == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "a tracking record needs \"op\" and \"run_key\"");
      return FALSE;
    }
  if (!check_members (record, op, error))
    return FALSE;
  if (strcmp (op, "start_run") == 0)
    {
      char *id = start_run (target, record, call, error);
      if (id == NULL)
        return FALSE;
      g_hash_table_replace (target->run_ids, g_strdup (key), id);
      return TRUE;
    }
  const char *run_id = g_hash_table_lookup (target->run_ids, key);
  if (run_id == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "%s: run %s was not started before this record", op, key);
      return FALSE;
    }
  return deliver_to_run (target, op, run_id, record, call, error);
}

char *
dlp_record_describe (JsonObject *record)
{
  const char *op = str (record, "op") ? str (record, "op") : "?";
  JsonArray *metrics = dlp_json_get_array (record, "metrics");
  JsonObject *items = dlp_json_get_object (record, "items");
  if (metrics)
    return g_strdup_printf ("%s (%u metrics)", op, json_array_get_length (metrics));
  if (items)
    return g_strdup_printf ("%s (%u)", op, json_object_get_size (items));
  const char *path = str (record, "path");
  if (path)
    return g_strdup_printf ("%s (%s)", op, path);
  return g_strdup (op);
}

gboolean
dlp_record_complete (JsonObject *record, GError **error)
{
  if (g_strcmp0 (str (record, "op"), "log_dataset") != 0 || str (record, "digest"))
    return TRUE;
  g_autofree char *md5 = dlp_file_md5 (str (record, "path"), error);
  if (md5 == NULL)
    return FALSE;
  json_object_set_string_member (record, "digest", md5);
  return TRUE;
}
