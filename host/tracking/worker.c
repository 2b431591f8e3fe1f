/* worker.c: one thread per tracked stage, fed by a queue. */
#include <string.h>
#include "record.h"
#include "replay.h"
#include "spool.h"
#include "worker.h"

/* Queued after the last record. */
static char stop_marker;

/* Metric points that consecutive queued log_metrics records may merge
 * into one (MLflow's log-batch takes 1000). */
#define MAX_MERGED_METRICS 1000

struct _DlpTrackingWorker {
  GThread *thread;
  GAsyncQueue *queue;
  GCancellable *cancel; /* stops waiting on the server */

  /* Set up before the thread starts, then the thread's alone. */
  const DlpTrackerClass *klass;
  char *type_name;
  DlpConfig *settings;
  DlpRegistry *registry;
  char *spool_dir;
  char *stage;
  char *run_key;
  GPtrArray *replay_first;

  DlpTrackerTarget target;
  JsonNode *settings_json; /* saved in spool headers */
  gboolean offline;
  DlpSpoolWriter *spool;
  GHashTable *starts;       /* run key -> its start_run record */
  GHashTable *spooled_runs; /* run keys started in the spool file */
  gpointer held;            /* popped but not handled yet, or NULL */

  /* Shared with the stage's thread, under lock. */
  GMutex lock;
  GCond cond;
  gboolean ready; /* the instance was made, or failed */
  GError *create_error;
  gboolean stopped;
  GHashTable *run_ids; /* copies for dlp_tracking_worker_dup_run_id */
  DlpTrackingSummary summary;
};

void
dlp_tracking_summary_clear (DlpTrackingSummary *s)
{
  g_clear_pointer (&s->spool_file, g_free);
  g_clear_pointer (&s->offline_reason, g_free);
  g_clear_pointer (&s->tracking_uri, g_free);
  g_clear_pointer (&s->run_id, g_free);
}

static JsonObject *
spool_header (DlpTrackingWorker *w)
{
  JsonObject *h = json_object_new ();
  json_object_set_int_member (h, "dlpipe_spool", DLP_SPOOL_FORMAT);
  json_object_set_string_member (h, "dlpipe_version", DLP_VERSION);
  json_object_set_string_member (h, "tracker", w->type_name);
  json_object_set_member (h, "settings", json_node_copy (w->settings_json));
  json_object_set_string_member (h, "stage", w->stage);
  json_object_set_string_member (h, "run_key", w->run_key);
  json_object_set_int_member (h, "created", g_get_real_time () / 1000);
  return h;
}

/* @record stands for @n_records records the stage made (merged). */
static gboolean
spool_record (DlpTrackingWorker *w, JsonObject *record, guint n_records, GError **error)
{
  if (w->spool == NULL)
    {
      g_autoptr (JsonObject) header = spool_header (w);
      w->spool = dlp_spool_writer_new (w->spool_dir, header, error);
      if (w->spool == NULL)
        return FALSE;
      g_mutex_lock (&w->lock);
      w->summary.spool_file = g_strdup (dlp_spool_writer_get_path (w->spool));
      g_mutex_unlock (&w->lock);
    }
  const char *key = json_object_get_string_member_with_default (record, "run_key", "");
  gboolean is_start =
    g_strcmp0 (json_object_get_string_member_with_default (record, "op", ""), "start_run") == 0;
  /* A spool file starts each run it holds, so a replay can map the run. */
  if (!is_start && !g_hash_table_contains (w->spooled_runs, key))
    {
      JsonObject *start = g_hash_table_lookup (w->starts, key);
      if (start)
        {
          g_autoptr (JsonObject) copy = json_object_ref (start);
          const char *id = g_hash_table_lookup (w->target.run_ids, key);
          if (id)
            {
              json_object_set_string_member (copy, "run_id", id);
              json_object_set_boolean_member (copy, "continue", TRUE);
            }
          if (!dlp_spool_writer_append (w->spool, copy, error))
            return FALSE;
        }
    }
  g_hash_table_add (w->spooled_runs, g_strdup (key));
  if (!dlp_spool_writer_append (w->spool, record, error))
    return FALSE;
  g_mutex_lock (&w->lock);
  w->summary.n_spooled += n_records;
  g_mutex_unlock (&w->lock);
  return TRUE;
}

static void
go_offline (DlpTrackingWorker *w, const char *reason)
{
  if (w->offline)
    return;
  w->offline = TRUE;
  g_warning ("tracking: %s; records go to the spool in %s until 'dlpipe mlflow sync' "
             "delivers them",
             reason, w->spool_dir);
  g_mutex_lock (&w->lock);
  w->summary.offline_reason = g_strdup (reason);
  g_mutex_unlock (&w->lock);
}

static void
reject (DlpTrackingWorker *w, JsonObject *record, const char *reason)
{
  g_autofree char *what = dlp_record_describe (record);
  g_warning ("tracking: %s refused: %s (kept in %s/%s)", what, reason, w->spool_dir,
             DLP_SPOOL_REJECTED);
  g_autoptr (GError) error = NULL;
  if (!dlp_spool_reject (w->spool_dir, NULL, record, reason, &error))
    g_warning ("tracking: %s is lost: %s", what, error->message);
  g_mutex_lock (&w->lock);
  w->summary.n_rejected++;
  g_mutex_unlock (&w->lock);
}

static void
note_run_id (DlpTrackingWorker *w, JsonObject *record)
{
  const char *key = json_object_get_string_member_with_default (record, "run_key", "");
  const char *id = g_hash_table_lookup (w->target.run_ids, key);
  g_mutex_lock (&w->lock);
  if (id)
    g_hash_table_replace (w->run_ids, g_strdup (key), g_strdup (id));
  g_mutex_unlock (&w->lock);
}

static void
handle (DlpTrackingWorker *w, JsonObject *record, guint n_records)
{
  g_autoptr (GError) error = NULL;
  gboolean is_start =
    g_strcmp0 (json_object_get_string_member_with_default (record, "op", ""), "start_run") == 0;
  if (is_start)
    g_hash_table_replace (
      w->starts, g_strdup (json_object_get_string_member_with_default (record, "run_key", "")),
      json_object_ref (record));
  if (!dlp_record_complete (record, &error))
    {
      reject (w, record, error->message);
      return;
    }
  if (!w->offline)
    {
      DlpTrackerCall call = { .struct_size = sizeof call, .cancellable = w->cancel };
      if (dlp_record_deliver (&w->target, record, &call, &error))
        {
          if (is_start)
            note_run_id (w, record);
          g_mutex_lock (&w->lock);
          w->summary.n_delivered += n_records;
          g_mutex_unlock (&w->lock);
          return;
        }
      /* A run that did not start takes its records to the spool: they
       * wait for the run, which a later sync starts. */
      if (!is_start && !g_error_matches (error, DLP_ERROR, DLP_ERROR_NETWORK)
          && !g_error_matches (error, DLP_ERROR, DLP_ERROR_CANCELLED))
        {
          reject (w, record, error->message);
          return;
        }
      go_offline (w, error->message);
      /* The server may have it in part: the replay must not repeat it. */
      json_object_set_boolean_member (record, "redelivery", TRUE);
    }
  g_autoptr (GError) spool_error = NULL;
  if (!spool_record (w, record, n_records, &spool_error))
    {
      g_autofree char *what = dlp_record_describe (record);
      g_critical ("tracking: %s is lost: cannot write the spool: %s", what, spool_error->message);
    }
}

static void
replay_earlier (DlpTrackingWorker *w)
{
  for (guint i = 0; w->replay_first && i < w->replay_first->len && !w->offline; i++)
    {
      DlpReplayStats stats = { 0 };
      g_autoptr (GError) error = NULL;
      if (!dlp_tracking_replay_file (w->registry, w->spool_dir,
                                     g_ptr_array_index (w->replay_first, i), w->cancel, &stats,
                                     &error))
        go_offline (w, error->message);
      else
        g_message ("tracking: delivered %u spooled records of this run", stats.n_delivered);
    }
}

static gboolean
is_metrics_of (JsonObject *record, const char *run_key)
{
  return g_strcmp0 (json_object_get_string_member_with_default (record, "op", ""), "log_metrics")
           == 0
         && g_strcmp0 (json_object_get_string_member_with_default (record, "run_key", ""), run_key)
              == 0
         && json_object_has_member (record, "metrics")
         && JSON_NODE_HOLDS_ARRAY (json_object_get_member (record, "metrics"));
}

/* A trainer of fast epochs queues metrics faster than a server takes one
 * request each: metrics records already waiting behind @record go with it
 * in one request. Returns how many records @record now stands for. */
static guint
merge_queued_metrics (DlpTrackingWorker *w, JsonObject *record)
{
  const char *key = json_object_get_string_member_with_default (record, "run_key", "");
  if (!is_metrics_of (record, key))
    return 1;
  JsonArray *all = json_object_get_array_member (record, "metrics");
  guint n_records = 1;
  while (json_array_get_length (all) < MAX_MERGED_METRICS)
    {
      gpointer next = g_async_queue_try_pop (w->queue);
      if (next == NULL)
        break;
      JsonArray *more = next != &stop_marker && is_metrics_of (next, key)
                          ? json_object_get_array_member (next, "metrics")
                          : NULL;
      guint n_more = more ? json_array_get_length (more) : 0;
      if (more == NULL || json_array_get_length (all) + n_more > MAX_MERGED_METRICS)
        {
          w->held = next;
          break;
        }
      for (guint i = 0; i < n_more; i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (more, i)));
      json_object_unref (next);
      n_records++;
    }
  return n_records;
}

/* The section's keys that the tracker type declares (not "tracker" nor
 * the host's own), for a tracker that does not say what it uses. */
static JsonNode *
declared_settings (const DlpTrackerClass *klass, DlpConfig *settings)
{
  JsonObject *out = json_object_new ();
  JsonNode *node = dlp_config_get_node (settings);
  for (const DlpParamSpec *p = klass->params; p && p->name; p++)
    {
      JsonNode *v = JSON_NODE_HOLDS_OBJECT (node)
                      ? json_object_get_member (json_node_get_object (node), p->name)
                      : NULL;
      if (v)
        json_object_set_member (out, p->name, json_node_copy (v));
    }
  return dlp_json_node_new_object (out);
}

static gpointer
worker_main (gpointer data)
{
  DlpTrackingWorker *w = data;
  g_autoptr (GError) error = NULL;
  gboolean ok = dlp_tracker_target_init (&w->target, w->klass, w->settings, &error);
  if (ok)
    {
      w->settings_json = w->klass->get_settings ? w->klass->get_settings (w->target.instance)
                                                : declared_settings (w->klass, w->settings);
      JsonObject *o =
        JSON_NODE_HOLDS_OBJECT (w->settings_json) ? json_node_get_object (w->settings_json) : NULL;
      w->summary.tracking_uri =
        o ? g_strdup (json_object_get_string_member_with_default (o, "tracking_uri", NULL)) : NULL;
    }
  g_mutex_lock (&w->lock);
  w->ready = TRUE;
  w->create_error = g_steal_pointer (&error);
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  if (!ok)
    return NULL;

  replay_earlier (w);
  for (;;)
    {
      gpointer item = w->held ? g_steal_pointer (&w->held) : g_async_queue_pop (w->queue);
      if (item == &stop_marker)
        break;
      guint n_records = merge_queued_metrics (w, item);
      handle (w, item, n_records);
      json_object_unref (item);
    }
  const char *run_id = g_hash_table_lookup (w->target.run_ids, w->run_key);
  g_mutex_lock (&w->lock);
  w->summary.run_id = g_strdup (run_id);
  g_mutex_unlock (&w->lock);
  dlp_tracker_target_clear (&w->target);
  g_clear_pointer (&w->spool, dlp_spool_writer_free);
  g_mutex_lock (&w->lock);
  w->stopped = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
worker_free (DlpTrackingWorker *w)
{
  g_async_queue_unref (w->queue);
  g_object_unref (w->cancel);
  g_free (w->type_name);
  dlp_config_unref (w->settings);
  dlp_registry_unref (w->registry);
  g_free (w->spool_dir);
  g_free (w->stage);
  g_free (w->run_key);
  g_clear_pointer (&w->replay_first, g_ptr_array_unref);
  g_clear_pointer (&w->settings_json, json_node_unref);
  g_hash_table_unref (w->starts);
  g_hash_table_unref (w->spooled_runs);
  g_hash_table_unref (w->run_ids);
  g_clear_error (&w->create_error);
  dlp_tracking_summary_clear (&w->summary);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

DlpTrackingWorker *
dlp_tracking_worker_start (const DlpTrackingWorkerSetup *setup, GError **error)
{
  DlpTrackingWorker *w = g_new0 (DlpTrackingWorker, 1);
  w->queue = g_async_queue_new ();
  w->cancel = g_cancellable_new ();
  w->klass = setup->klass;
  w->type_name = g_strdup (setup->type_name);
  w->settings = dlp_config_ref (setup->settings);
  w->registry = dlp_registry_ref (setup->registry);
  w->spool_dir = g_strdup (setup->spool_dir);
  w->stage = g_strdup (setup->stage);
  w->run_key = g_strdup (setup->run_key);
  w->replay_first = setup->replay_first ? g_ptr_array_ref (setup->replay_first) : NULL;
  w->starts =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  w->spooled_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->run_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->thread = g_thread_new ("dlp-tracker", worker_main, w);

  g_mutex_lock (&w->lock);
  while (!w->ready)
    g_cond_wait (&w->cond, &w->lock);
  GError *failed = g_steal_pointer (&w->create_error);
  g_mutex_unlock (&w->lock);
  if (failed)
    {
      g_thread_join (w->thread);
      worker_free (w);
      g_propagate_error (error, failed);
      return NULL;
    }
  return w;
}

void
dlp_tracking_worker_push (DlpTrackingWorker *w, JsonObject *record)
{
  g_async_queue_push (w->queue, record);
}

char *
dlp_tracking_worker_dup_run_id (DlpTrackingWorker *w, const char *run_key)
{
  g_mutex_lock (&w->lock);
  char *id = g_strdup (g_hash_table_lookup (w->run_ids, run_key));
  g_mutex_unlock (&w->lock);
  return id;
}

void
dlp_tracking_worker_finish (DlpTrackingWorker *w, double timeout_s, DlpTrackingSummary *summary)
{
  g_async_queue_push (w->queue, &stop_marker);
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  g_mutex_lock (&w->lock);
  while (!w->stopped)
    if (!g_cond_wait_until (&w->cond, &w->lock, deadline))
      break;
  gboolean stopped = w->stopped;
  g_mutex_unlock (&w->lock);
  if (!stopped)
    {
      g_message ("tracking: the server is slow; keeping what is left in the spool");
      g_cancellable_cancel (w->cancel);
    }
  g_thread_join (w->thread);
  *summary = w->summary;
  memset (&w->summary, 0, sizeof w->summary);
  worker_free (w);
}
