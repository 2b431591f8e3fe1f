/* tracking.c: what stages call; records for the worker. */
#include <string.h>
#include "record.h"
#include "run-facts.h"
#include "spool.h"
#include "tracking.h"
#include "tracking-settings.h"
#include "worker.h"

#define INTERRUPTED_FLUSH_TIMEOUT 5.0

struct _DlpTracking {
  DlpContext *context;
  const DlpTrackerClass *klass;
  char *tracker;
  char *stage;
  char *run_key;
  char *run_name;
  char *model_name;
  char *spool_dir;
  double flush_timeout;
  DlpTrackingWorker *worker;
  gboolean finished;
  char *run_id; /* from the run file, or known after finish */
};

/* --- the run file --- */

typedef struct {
  char *tracker;
  char *run_key;
  char *run_id;
} RunFile;

static void
run_file_clear (RunFile *f)
{
  g_free (f->tracker);
  g_free (f->run_key);
  g_free (f->run_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunFile, run_file_clear)

static gboolean
read_run_file (const char *path, RunFile *f, GError **error)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = dlp_json_parse (text, -1, path, &local);
  if (g_error_matches (local, DLP_ERROR, DLP_ERROR_LIMIT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *key = dlp_json_get_string (o, "run_key");
  if (!dlp_run_key_is_valid (key))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: expected a JSON object with \"run_key\" (32 hex digits), as "
                   "model_trainer writes it",
                   path);
      return FALSE;
    }
  f->run_key = g_strdup (key);
  f->tracker = g_strdup (dlp_json_get_string (o, "tracker"));
  f->run_id = g_strdup (dlp_json_get_string (o, "run_id"));
  return TRUE;
}

/* Spool files with records of @run_key: they go first. */
static GPtrArray *
spooled_files_of (const char *dir, const char *run_key)
{
  g_autoptr (GPtrArray) names = dlp_spool_list (dir, NULL);
  GPtrArray *mine = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      /* The header is the first line. */
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      char *nl = strchr (text, '\n');
      if (nl)
        *nl = '\0';
      g_autoptr (JsonNode) root = dlp_json_parse (text, -1, path, NULL);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      JsonObject *h = json_node_get_object (root);
      if (g_strcmp0 (dlp_json_get_string (h, "run_key"), run_key) == 0)
        g_ptr_array_add (mine, g_strdup (name));
    }
  return mine;
}

static void
warn_waiting_spool (const char *dir, guint n_mine)
{
  g_autoptr (GPtrArray) names = dlp_spool_list (dir, NULL);
  if (names && names->len > n_mine)
    g_message ("tracking: %u spool files in %s wait for 'dlpipe mlflow sync'", names->len - n_mine,
               dir);
}

/* --- records --- */

static JsonObject *
new_record (DlpTracking *t, const char *op)
{
  JsonObject *r = json_object_new ();
  json_object_set_string_member (r, "op", op);
  json_object_set_string_member (r, "run_key", t->run_key);
  return r;
}

static gboolean
usable (DlpTracking *t, const char *call)
{
  if (t == NULL || t->finished)
    {
      g_critical ("dlp_tracking_%s: the tracking is already finished", call);
      return FALSE;
    }
  return TRUE;
}

static void
push (DlpTracking *t, JsonObject *record)
{
  dlp_tracking_worker_push (t->worker, record);
}

DlpTracking *
dlp_tracking_start (DlpConfig *section, DlpRegistry *registry, DlpContext *context,
                    DlpConfig *params, const char *stage, const char *continue_from, GError **error)
{
  g_auto (DlpTrackingSettings) settings = { 0 };
  if (!dlp_tracking_settings_load (&settings, section, registry, error))
    return NULL;
  g_autoptr (DlpTracking) t = g_new0 (DlpTracking, 1);
  t->finished = TRUE; /* until the worker runs */
  t->context = dlp_context_ref (context);
  t->klass = settings.klass;
  t->tracker = g_steal_pointer (&settings.tracker);
  t->stage = g_strdup (stage);
  t->run_name = g_steal_pointer (&settings.run_name);
  t->model_name = g_steal_pointer (&settings.model_name);
  t->spool_dir = g_steal_pointer (&settings.spool_dir);
  t->flush_timeout = settings.flush_timeout;

  g_auto (RunFile) previous = { 0 };
  gboolean continuing = FALSE;
  if (continue_from)
    {
      if (g_file_test (continue_from, G_FILE_TEST_EXISTS))
        {
          if (!read_run_file (continue_from, &previous, error))
            return NULL;
          continuing = TRUE;
        }
      else
        g_warning ("tracking: %s not found; %s starts a new run", continue_from, stage);
    }
  t->run_key = continuing ? g_strdup (previous.run_key) : dlp_run_key_new ();
  g_autoptr (GPtrArray) earlier = continuing ? spooled_files_of (t->spool_dir, t->run_key) : NULL;
  warn_waiting_spool (t->spool_dir, earlier ? earlier->len : 0);

  DlpTrackingWorkerSetup setup = {
    .klass = t->klass,
    .type_name = t->tracker,
    .settings = settings.section,
    .registry = registry,
    .spool_dir = t->spool_dir,
    .stage = stage,
    .run_key = t->run_key,
    .replay_first = earlier,
  };
  t->worker = dlp_tracking_worker_start (&setup, error);
  if (t->worker == NULL)
    return NULL;
  t->finished = FALSE;

  JsonObject *start = new_record (t, "start_run");
  /* An id from another tracker type means nothing to this one. */
  if (continuing && previous.run_id && g_strcmp0 (previous.tracker, t->tracker) == 0)
    {
      json_object_set_string_member (start, "run_id", previous.run_id);
      t->run_id = g_strdup (previous.run_id);
    }
  if (continuing)
    json_object_set_boolean_member (start, "continue", TRUE);
  if (t->run_name)
    json_object_set_string_member (start, "run_name", t->run_name);
  json_object_set_int_member (start, "start_time", g_get_real_time () / 1000);
  dlp_run_facts_add (start, registry, stage, !continuing);
  push (t, start);
  if (!continuing)
    dlp_tracking_log_params (t, params);
  return g_steal_pointer (&t);
}

gboolean
dlp_tracking_keeps_models (DlpTracking *t)
{
  return t->klass->log_model != NULL;
}

gboolean
dlp_tracking_registers_models (DlpTracking *t)
{
  return t->klass->register_model != NULL;
}

const char *
dlp_tracking_get_tracker (DlpTracking *t)
{
  return t->tracker;
}

const char *
dlp_tracking_get_run_key (DlpTracking *t)
{
  return t->run_key;
}

char *
dlp_tracking_dup_run_id (DlpTracking *t)
{
  char *id = t->worker ? dlp_tracking_worker_dup_run_id (t->worker, t->run_key) : NULL;
  return id ? id : g_strdup (t->run_id);
}

const char *
dlp_tracking_get_model_name (DlpTracking *t)
{
  return t->model_name;
}

static void
push_items (DlpTracking *t, const char *op, JsonObject *items)
{
  JsonObject *r = new_record (t, op);
  json_object_set_object_member (r, "items", items);
  push (t, r);
}

void
dlp_tracking_log_param (DlpTracking *t, const char *key, const char *value)
{
  if (!usable (t, "log_param"))
    return;
  JsonObject *items = json_object_new ();
  json_object_set_string_member (items, key, value);
  push_items (t, "log_params", items);
}

void
dlp_tracking_log_params (DlpTracking *t, DlpConfig *config)
{
  if (!usable (t, "log_params"))
    return;
  g_autoptr (GPtrArray) leaves = dlp_config_flatten (config);
  JsonObject *items = json_object_new ();
  for (guint i = 0; i < leaves->len; i++)
    {
      const DlpConfigLeaf *leaf = g_ptr_array_index (leaves, i);
      json_object_set_string_member (items, leaf->key, leaf->value);
    }
  push_items (t, "log_params", items);
}

void
dlp_tracking_set_tag (DlpTracking *t, const char *key, const char *value)
{
  if (!usable (t, "set_tag"))
    return;
  JsonObject *items = json_object_new ();
  json_object_set_string_member (items, key, value);
  push_items (t, "set_tags", items);
}

void
dlp_tracking_log_metrics (DlpTracking *t, const DlpMetric *metrics, guint n_metrics)
{
  if (!usable (t, "log_metrics"))
    return;
  gint64 now = g_get_real_time () / 1000;
  JsonArray *array = json_array_sized_new (n_metrics);
  for (guint i = 0; i < n_metrics; i++)
    {
      JsonObject *m = json_object_new ();
      json_object_set_string_member (m, "key", metrics[i].key);
      dlp_json_set_double (m, "value", metrics[i].value);
      json_object_set_int_member (m, "step", metrics[i].step);
      json_object_set_int_member (m, "timestamp",
                                  metrics[i].timestamp_ms ? metrics[i].timestamp_ms : now);
      json_array_add_object_element (array, m);
    }
  JsonObject *r = new_record (t, "log_metrics");
  json_object_set_array_member (r, "metrics", array);
  push (t, r);
}

void
dlp_tracking_log_metric (DlpTracking *t, const char *key, double value, gint64 step)
{
  DlpMetric m = { key, value, step, 0 };
  dlp_tracking_log_metrics (t, &m, 1);
}

static char *
absolute (const char *path)
{
  return g_canonicalize_filename (path, NULL);
}

static char *
dataset_profile (DlpDataset *dataset)
{
  JsonObject *profile = json_object_new ();
  json_object_set_int_member (profile, "num_rows", dlp_dataset_get_n_rows (dataset));
  JsonArray *columns = json_array_new ();
  for (guint i = 0; i < dlp_dataset_get_n_columns (dataset); i++)
    {
      DlpTensor *col = dlp_dataset_get_column_tensor (dataset, i);
      JsonObject *c = json_object_new ();
      json_object_set_string_member (c, "name", dlp_dataset_get_column_name (dataset, i));
      json_object_set_string_member (
        c, "role", dlp_column_role_name (dlp_dataset_get_column_role (dataset, i)));
      json_object_set_string_member (c, "dtype", dlp_dtype_name (dlp_tensor_get_dtype (col)));
      JsonArray *shape = json_array_new ();
      for (guint d = 1; d < dlp_tensor_get_rank (col); d++)
        json_array_add_int_element (shape, dlp_tensor_get_dim (col, d));
      json_object_set_array_member (c, "shape", shape);
      json_array_add_object_element (columns, c);
    }
  json_object_set_array_member (profile, "columns", columns);
  g_autoptr (JsonNode) root = dlp_json_node_new_object (profile);
  return json_to_string (root, FALSE);
}

void
dlp_tracking_log_dataset (DlpTracking *t, const char *path, const char *context,
                          DlpDataset *dataset)
{
  if (!usable (t, "log_dataset"))
    return;
  JsonObject *r = new_record (t, "log_dataset");
  json_object_set_string_member (r, "name", path);
  g_autofree char *abs = absolute (path);
  json_object_set_string_member (r, "path", abs);
  json_object_set_string_member (r, "context", context);
  if (dataset)
    {
      g_autofree char *profile = dataset_profile (dataset);
      json_object_set_string_member (r, "profile", profile);
    }
  push (t, r);
}

static void
push_upload (DlpTracking *t, const char *op, const char *local, const char *artifact_path)
{
  JsonObject *r = new_record (t, op);
  g_autofree char *abs = absolute (local);
  json_object_set_string_member (r, "path", abs);
  json_object_set_string_member (r, "artifact_path", artifact_path ? artifact_path : "");
  push (t, r);
}

void
dlp_tracking_log_artifact (DlpTracking *t, const char *local_path, const char *artifact_path)
{
  if (usable (t, "log_artifact"))
    push_upload (t, "log_artifact", local_path, artifact_path);
}

void
dlp_tracking_log_model (DlpTracking *t, const char *local_dir, const char *artifact_path)
{
  if (usable (t, "log_model"))
    push_upload (t, "log_model", local_dir, artifact_path);
}

void
dlp_tracking_register_model (DlpTracking *t, const char *artifact_path, const char *const *aliases)
{
  if (!usable (t, "register_model"))
    return;
  JsonObject *r = new_record (t, "register_model");
  json_object_set_string_member (r, "model_name", t->model_name);
  json_object_set_string_member (r, "artifact_path", artifact_path);
  JsonArray *a = json_array_new ();
  for (guint i = 0; aliases && aliases[i]; i++)
    json_array_add_string_element (a, aliases[i]);
  json_object_set_array_member (r, "aliases", a);
  push (t, r);
}

static void
report (DlpTracking *t, const DlpTrackingSummary *s)
{
  if (s->n_spooled)
    g_warning ("tracking: %u records of run %s are in %s; deliver them with "
               "'dlpipe mlflow sync'",
               s->n_spooled, s->run_id ? s->run_id : t->run_key, s->spool_file);
  else if (g_strcmp0 (t->tracker, "none") != 0)
    g_message ("tracking: run %s in %s (%u records)", s->run_id ? s->run_id : "?",
               s->tracking_uri ? s->tracking_uri : t->tracker, s->n_delivered);
  if (s->n_rejected)
    g_warning ("tracking: %u records were refused; they are kept in %s/%s", s->n_rejected,
               t->spool_dir, DLP_SPOOL_REJECTED);
}

static void
finish (DlpTracking *t, DlpRunStatus status)
{
  gboolean interrupted = g_cancellable_is_cancelled (dlp_context_get_cancellable (t->context));
  if (interrupted)
    status = DLP_RUN_KILLED;
  g_autofree char *tag = g_strdup_printf ("dlpipe.%s.status", t->stage);
  dlp_tracking_set_tag (t, tag, dlp_run_status_name (status));
  JsonObject *end = new_record (t, "end_run");
  json_object_set_string_member (end, "status", dlp_run_status_name (status));
  json_object_set_int_member (end, "end_time", g_get_real_time () / 1000);
  push (t, end);
  t->finished = TRUE;
  DlpTrackingSummary summary = { 0 };
  double timeout =
    interrupted ? MIN (t->flush_timeout, INTERRUPTED_FLUSH_TIMEOUT) : t->flush_timeout;
  dlp_tracking_worker_finish (g_steal_pointer (&t->worker), timeout, &summary);
  if (summary.run_id)
    {
      g_free (t->run_id);
      t->run_id = g_strdup (summary.run_id);
    }
  report (t, &summary);
  dlp_tracking_summary_clear (&summary);
}

void
dlp_tracking_finish (DlpTracking *t, const GError *stage_error)
{
  if (!usable (t, "finish"))
    return;
  DlpRunStatus status = stage_error == NULL ? DLP_RUN_FINISHED
                        : g_error_matches (stage_error, DLP_ERROR, DLP_ERROR_CANCELLED)
                          ? DLP_RUN_KILLED
                          : DLP_RUN_FAILED;
  finish (t, status);
}

gboolean
dlp_tracking_write_run_file (DlpTracking *t, const char *path, GError **error)
{
  g_autofree char *run_id = dlp_tracking_dup_run_id (t);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "tracker", t->tracker);
  json_object_set_string_member (o, "run_key", t->run_key);
  /* json-glib sets a NULL string as a null member. */
  json_object_set_string_member (o, "run_id", run_id);
  json_object_set_string_member (o, "stage", t->stage);
  g_autoptr (JsonNode) root = dlp_json_node_new_object (o);
  return dlp_write_json_atomic (path, root, error);
}

char *
dlp_tracking_get_spool_dir (DlpConfig *params, GError **error)
{
  g_autoptr (DlpConfig) section = NULL;
  if (params)
    {
      g_autoptr (GError) local = NULL;
      section = dlp_config_get_section (params, "tracking", TRUE, &local);
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  g_auto (DlpTrackingSettings) settings = { 0 };
  if (!dlp_tracking_settings_load (&settings, section, NULL, error))
    return NULL;
  return g_steal_pointer (&settings.spool_dir);
}

void
dlp_tracking_free (DlpTracking *t)
{
  if (t == NULL)
    return;
  if (!t->finished && t->worker)
    finish (t, DLP_RUN_FAILED);
  g_clear_pointer (&t->context, dlp_context_unref);
  g_free (t->tracker);
  g_free (t->stage);
  g_free (t->run_key);
  g_free (t->run_name);
  g_free (t->model_name);
  g_free (t->spool_dir);
  g_free (t->run_id);
  g_free (t);
}
