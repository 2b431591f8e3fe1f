/* mlflow-batch.c: params, metrics and tags through runs/log-batch, in
 * batches within MLflow's limits, and metrics delivered once even when a
 * batch is sent again. */
#include <math.h>
#include <string.h>
#include "mlflow-tracker.h"

char *
dlp_mlflow_check_key (const char *key)
{
  gsize len = strlen (key);
  if (len == 0)
    return g_strdup ("is empty");
  if (len > DLP_MLFLOW_MAX_KEY)
    return g_strdup_printf ("is %" G_GSIZE_FORMAT " characters long; MLflow takes at most %d", len,
                            DLP_MLFLOW_MAX_KEY);
  for (const char *p = key; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_-. /", *p))
      return g_strdup_printf ("holds '%c'; MLflow takes letters, digits, '_', '-', '.', ' ' "
                              "and '/'",
                              *p);
  if (key[0] == '/' || strstr (key, "//") || strcmp (key, ".") == 0 || g_str_has_prefix (key, "../")
      || strstr (key, "/../") || g_str_has_suffix (key, "/..") || strcmp (key, "..") == 0)
    return g_strdup ("is not a normalised path (no leading '/', '//' or '..')");
  return NULL;
}

/* Elides a key for messages. */
static char *
short_key (const char *key)
{
  if (strlen (key) <= 40)
    return g_strdup (key);
  return g_strdup_printf ("%.37s...", key);
}

/* Splits @tags into the ones MLflow takes and a message about the others. */
static GArray *
filter_valid (const DlpTag *tags, guint n, const char *what, gsize max_value, GString *rejected)
{
  GArray *ok = g_array_sized_new (FALSE, FALSE, sizeof (DlpTag), n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *why = dlp_mlflow_check_key (tags[i].key);
      g_autofree char *shown = short_key (tags[i].key);
      if (why == NULL && tags[i].value && strlen (tags[i].value) > max_value)
        why = g_strdup_printf ("has a value of %" G_GSIZE_FORMAT " characters; MLflow takes "
                               "at most %" G_GSIZE_FORMAT,
                               strlen (tags[i].value), max_value);
      if (why)
        g_string_append_printf (rejected, "%s%s key '%s' %s", rejected->len ? "; " : "", what,
                                shown, why);
      else
        g_array_append_val (ok, tags[i]);
    }
  return ok;
}

static gboolean
post_batch (DlpMlflowTracker *t, const char *run_id, const char *member, JsonNode *items,
            const DlpTrackerCall *call, GError **error)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", run_id);
  json_object_set_member (b, member, items);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/runs/log-batch", body, NULL, call, error);
  return answer != NULL;
}

/* Params are write-once (the same value again is accepted) and tags
 * overwrite, so both are safe to send again. */
static gboolean
log_tags (DlpMlflowTracker *t, const char *run_id, const char *member, const DlpTag *tags, guint n,
          gsize max_value, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (GString) rejected = g_string_new (NULL);
  const char *what = strcmp (member, "params") == 0 ? "param" : "tag";
  g_autoptr (GArray) ok = filter_valid (tags, n, what, max_value, rejected);
  const DlpTag *valid = (const DlpTag *) (gpointer) ok->data;
  for (guint start = 0; start < ok->len; start += DLP_MLFLOW_MAX_PARAMS_TAGS_PER_BATCH)
    {
      guint len = MIN (ok->len - start, DLP_MLFLOW_MAX_PARAMS_TAGS_PER_BATCH);
      if (!post_batch (t, run_id, member, dlp_mlflow_tags_to_json (valid + start, len), call,
                       error))
        return FALSE;
    }
  if (rejected->len)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "POST mlflow/runs/log-batch: %s (the other %u %ss were logged)", rejected->str,
                   ok->len, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_mlflow_log_params (gpointer self, const char *run_id, const DlpTag *params, guint n_params,
                       const DlpTrackerCall *call, GError **error)
{
  return log_tags (self, run_id, "params", params, n_params, DLP_MLFLOW_MAX_PARAM_VALUE, call,
                   error);
}

gboolean
dlp_mlflow_set_tags (gpointer self, const char *run_id, const DlpTag *tags, guint n_tags,
                     const DlpTrackerCall *call, GError **error)
{
  return log_tags (self, run_id, "tags", tags, n_tags, DLP_MLFLOW_MAX_TAG_VALUE, call, error);
}

/* --- metrics --- */

/* A point as the server gives it back, to recognise it. NaN and the
 * infinities travel as protobuf-JSON strings. */
static char *
point_id (gint64 step, gint64 timestamp_ms, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  const char *v = isnan (value)   ? "NaN"
                  : isinf (value) ? (value > 0 ? "Infinity" : "-Infinity")
                                  : g_ascii_dtostr (buf, sizeof buf, value);
  return g_strdup_printf ("%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%s", step, timestamp_ms, v);
}

/* Pages of one history: 25 million points, far more than a run logs, so
 * that a server answering with pages without end does not hold us. */
#define HISTORY_PAGE_POINTS 25000
#define MAX_HISTORY_PAGES 1000

/* Every point of @key on the server, paging through get-history. */
static GHashTable *
fetch_history (DlpMlflowTracker *t, const char *run_id, const char *key, const DlpTrackerCall *call,
               GError **error)
{
  g_autoptr (GHashTable) points = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *token = NULL;
  for (guint page = 0;; page++)
    {
      if (page == MAX_HISTORY_PAGES)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                       "GET mlflow/metrics/get-history: metric '%s' of run %s has more than %u "
                       "pages",
                       key, run_id, MAX_HISTORY_PAGES);
          return NULL;
        }
      JsonObject *q = json_object_new ();
      json_object_set_string_member (q, "run_id", run_id);
      json_object_set_string_member (q, "metric_key", key);
      json_object_set_int_member (q, "max_results", HISTORY_PAGE_POINTS);
      if (token)
        json_object_set_string_member (q, "page_token", token);
      g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
      g_autoptr (JsonObject) answer =
        dlp_mlflow_client_get (t->client, "mlflow/metrics/get-history", query, NULL, call, error);
      if (answer == NULL)
        return NULL;
      JsonArray *metrics = dlp_json_get_array (answer, "metrics");
      for (guint i = 0; metrics && i < json_array_get_length (metrics); i++)
        {
          JsonObject *m = dlp_json_array_get_object (metrics, i);
          if (m)
            g_hash_table_add (points, point_id (dlp_json_get_int (m, "step", 0),
                                                dlp_json_get_int (m, "timestamp", 0),
                                                dlp_json_get_double (m, "value", NAN)));
        }
      const char *next = dlp_json_get_string (answer, "next_page_token");
      if (next == NULL || *next == '\0')
        break;
      if (g_hash_table_contains (tokens, next))
        {
          g_autofree char *shown = dlp_mlflow_printable (next, strlen (next), 40, FALSE);
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                       "GET mlflow/metrics/get-history: the server gave page token '%s' of "
                       "metric '%s' twice",
                       shown, key);
          return NULL;
        }
      token = g_strdup (next);
      g_hash_table_add (tokens, (gpointer) token);
    }
  return g_steal_pointer (&points);
}

static char *
history_key (const char *run_id, const char *key)
{
  return g_strconcat (run_id, "\n", key, NULL);
}

typedef struct {
  DlpMlflowTracker *tracker;
  const char *run_id;
  const DlpMetric *metrics;
  guint n_metrics;
  gboolean *sent; /* which of @metrics are already on the server */
} MetricBatch;

static JsonNode *
metrics_body (MetricBatch *mb)
{
  JsonArray *array = json_array_new ();
  for (guint i = 0; i < mb->n_metrics; i++)
    {
      if (mb->sent[i])
        continue;
      const DlpMetric *m = &mb->metrics[i];
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "key", m->key);
      dlp_json_set_double (o, "value", m->value);
      json_object_set_int_member (o, "timestamp", m->timestamp_ms);
      json_object_set_int_member (o, "step", m->step);
      json_array_add_object_element (array, o);
    }
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", mb->run_id);
  json_object_set_array_member (b, "metrics", array);
  return dlp_json_node_new_object (b);
}

/* Metrics append, so before sending again leave out the points the
 * server already has. */
static gboolean
redo_metrics (gpointer data, JsonNode **body, JsonObject **done, const DlpTrackerCall *call,
              GError **error)
{
  MetricBatch *mb = data;
  DlpMlflowTracker *t = mb->tracker;
  guint left = 0;
  for (guint i = 0; i < mb->n_metrics; i++)
    {
      if (mb->sent[i])
        continue;
      const DlpMetric *m = &mb->metrics[i];
      g_autofree char *hk = history_key (mb->run_id, m->key);
      GHashTable *points = g_hash_table_lookup (t->histories, hk);
      if (points == NULL)
        {
          points = fetch_history (t, mb->run_id, m->key, call, error);
          if (points == NULL)
            return FALSE;
          g_hash_table_insert (t->histories, g_steal_pointer (&hk), points);
        }
      g_autofree char *id = point_id (m->step, m->timestamp_ms, m->value);
      if (g_hash_table_contains (points, id))
        mb->sent[i] = TRUE;
      else
        left++;
    }
  if (left == 0)
    {
      *done = json_object_new ();
      return TRUE;
    }
  json_node_unref (*body);
  *body = metrics_body (mb);
  return TRUE;
}

/* Keeps the cached histories in step with what was sent. */
static void
remember_sent (MetricBatch *mb)
{
  for (guint i = 0; i < mb->n_metrics; i++)
    {
      const DlpMetric *m = &mb->metrics[i];
      g_autofree char *hk = history_key (mb->run_id, m->key);
      GHashTable *points = g_hash_table_lookup (mb->tracker->histories, hk);
      if (points)
        g_hash_table_add (points, point_id (m->step, m->timestamp_ms, m->value));
    }
}

gboolean
dlp_mlflow_log_metrics (gpointer self, const char *run_id, const DlpMetric *metrics,
                        guint n_metrics, const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  g_autoptr (GString) rejected = g_string_new (NULL);
  g_autoptr (GArray) ok = g_array_sized_new (FALSE, FALSE, sizeof (DlpMetric), n_metrics);
  for (guint i = 0; i < n_metrics; i++)
    {
      g_autofree char *why = dlp_mlflow_check_key (metrics[i].key);
      if (why == NULL && metrics[i].timestamp_ms < 0)
        why = g_strdup ("has a negative timestamp");
      g_autofree char *shown = short_key (metrics[i].key);
      if (why)
        g_string_append_printf (rejected, "%smetric key '%s' %s", rejected->len ? "; " : "", shown,
                                why);
      else
        g_array_append_val (ok, metrics[i]);
    }
  const DlpMetric *valid = (const DlpMetric *) (gpointer) ok->data;
  for (guint start = 0; start < ok->len; start += DLP_MLFLOW_MAX_METRICS_PER_BATCH)
    {
      guint len = MIN (ok->len - start, DLP_MLFLOW_MAX_METRICS_PER_BATCH);
      g_autofree gboolean *sent = g_new0 (gboolean, len);
      MetricBatch mb = { t, run_id, valid + start, len, sent };
      g_auto (DlpMlflowRequest) r = {
        .method = "POST",
        .path = "mlflow/runs/log-batch",
        .body = metrics_body (&mb),
        .redo = redo_metrics,
        .redo_data = &mb,
      };
      g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, error);
      if (answer == NULL)
        return FALSE;
      remember_sent (&mb);
    }
  if (rejected->len)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "POST mlflow/runs/log-batch: %s (the other %u metrics were logged)",
                   rejected->str, ok->len);
      return FALSE;
    }
  return TRUE;
}
