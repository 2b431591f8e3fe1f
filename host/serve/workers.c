/* workers.c: the scoring threads and their queue (see workers.h). */
#include "json-doc.h"
#include "predictions.h"
#include "workers.h"

typedef struct {
  DlpWorkers *pool;
  DlpPredictorSession *scorer;
  GThread *thread;
} Worker;

struct _DlpWorkers {
  DlpPredictor *predictor;
  GMainContext *context;
  DlpJobsDoneFunc done;
  gpointer user_data;
  guint batch_jobs;
  gint64 batch_wait_us;
  GMutex lock;
  GCond wake;
  GQueue queue; /* DlpJob */
  gboolean quit;
  Worker *workers;
  guint n_workers;
};

/* A finished batch on its way to the HTTP thread. */
typedef struct {
  GPtrArray *jobs;
  DlpJobsDoneFunc done;
  gpointer user_data;
} Delivery;

char *
dlp_error_json (const char *error_code, const char *message, gsize *length)
{
  GString *s = g_string_new ("{\"error_code\": ");
  dlp_json_append_string (s, error_code);
  g_string_append (s, ", \"message\": ");
  dlp_json_append_string (s, message);
  g_string_append (s, "}\n");
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}

void
dlp_job_set_error (DlpJob *job, guint status, const char *error_code, const char *message)
{
  g_free (job->answer);
  job->status = status;
  job->answer = dlp_error_json (error_code, message, &job->answer_length);
}

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  d->done (d->jobs, d->user_data);
  return G_SOURCE_REMOVE;
}

static void
delivery_free (gpointer data)
{
  Delivery *d = data;
  g_ptr_array_unref (d->jobs);
  g_free (d);
}

/* Parses and preprocesses each request of the batch, scores all their
 * rows together, and writes the answers. */
static void
score_batch (Worker *w, GPtrArray *jobs)
{
  DlpPredictor *predictor = w->pool->predictor;
  g_autofree gint64 *first = g_new (gint64, jobs->len);
  gboolean any = FALSE;
  for (guint i = 0; i < jobs->len; i++)
    {
      DlpJob *job = g_ptr_array_index (jobs, i);
      gsize length;
      const char *body = g_bytes_get_data (job->body, &length);
      g_autoptr (GError) error = NULL;
      g_autoptr (DlpDataset) rows =
        job->csv
          ? dlp_request_read_csv (predictor, body ? body : "", length, &error)
          : dlp_request_read_json (predictor, body ? body : "", length, &job->options, &error);
      first[i] = rows ? dlp_predictor_session_add (w->scorer, rows, 0, &error) : -1;
      if (first[i] < 0)
        {
          dlp_job_set_error (job, 400, "BAD_REQUEST", error->message);
          continue;
        }
      job->n_rows = dlp_dataset_get_n_rows (rows);
      any = TRUE;
    }
  g_autoptr (GError) error = NULL;
  gboolean scored = !any || dlp_predictor_session_run (w->scorer, &error);
  for (guint i = 0; i < jobs->len; i++)
    {
      DlpJob *job = g_ptr_array_index (jobs, i);
      if (first[i] < 0)
        continue;
      if (!scored)
        {
          g_autofree char *msg = g_strdup_printf ("scoring failed: %s", error->message);
          dlp_job_set_error (job, 500, "INTERNAL_ERROR", msg);
          continue;
        }
      g_autoptr (GString) answer = g_string_sized_new (64 + (gsize) job->n_rows * 16);
      dlp_predictions_append_json (answer, predictor,
                                   dlp_predictor_session_get_probabilities (w->scorer, first[i]),
                                   job->n_rows, job->options.probabilities);
      job->status = 200;
      job->answer_length = answer->len;
      job->answer = g_string_free (g_steal_pointer (&answer), FALSE);
    }
  dlp_predictor_session_clear (w->scorer);
}

/* Takes up to batch_jobs requests; waits for the first, and at most
 * batch_wait for more. A worker takes its share of what is queued (the
 * queue divided among all workers): one worker taking everything would
 * leave the others nothing when they come back, and a convolution costs
 * about as much per row in a pass of many rows as in one of a few.
 * Returns NULL when told to quit with nothing left. */
static GPtrArray *
take_batch (DlpWorkers *pool)
{
  g_mutex_lock (&pool->lock);
  while (g_queue_is_empty (&pool->queue) && !pool->quit)
    g_cond_wait (&pool->wake, &pool->lock);
  if (g_queue_is_empty (&pool->queue))
    {
      g_mutex_unlock (&pool->lock);
      return NULL;
    }
  GPtrArray *jobs = g_ptr_array_new ();
  guint share = (pool->queue.length + pool->n_workers - 1) / pool->n_workers;
  guint limit = CLAMP (share, 1, pool->batch_jobs);
  gint64 deadline = g_get_monotonic_time () + pool->batch_wait_us;
  for (;;)
    {
      while (jobs->len < limit && !g_queue_is_empty (&pool->queue))
        g_ptr_array_add (jobs, g_queue_pop_head (&pool->queue));
      if (jobs->len >= pool->batch_jobs || pool->batch_wait_us <= 0 || pool->quit
          || !g_cond_wait_until (&pool->wake, &pool->lock, deadline))
        break;
      limit = pool->batch_jobs;
    }
  /* Others may take what this one left. */
  if (!g_queue_is_empty (&pool->queue))
    g_cond_signal (&pool->wake);
  g_mutex_unlock (&pool->lock);
  return jobs;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  DlpWorkers *pool = w->pool;
  GPtrArray *jobs;
  while ((jobs = take_batch (pool)) != NULL)
    {
      score_batch (w, jobs);
      Delivery *d = g_new0 (Delivery, 1);
      d->jobs = jobs;
      d->done = pool->done;
      d->user_data = pool->user_data;
      g_main_context_invoke_full (pool->context, G_PRIORITY_DEFAULT, deliver, d, delivery_free);
    }
  return NULL;
}

DlpWorkers *
dlp_workers_new (DlpPredictor *predictor, guint n_workers, gint64 batch_rows, guint batch_wait_us,
                 GMainContext *context, DlpJobsDoneFunc done, gpointer user_data, GError **error)
{
  DlpWorkers *pool = g_new0 (DlpWorkers, 1);
  pool->predictor = predictor;
  pool->context = g_main_context_ref (context);
  pool->done = done;
  pool->user_data = user_data;
  pool->batch_jobs = (guint) CLAMP (batch_rows, 1, G_MAXUINT);
  pool->batch_wait_us = batch_wait_us;
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_queue_init (&pool->queue);
  pool->workers = g_new0 (Worker, MAX (n_workers, 1));
  /* Scorers are made here, on one thread: the steps are created from the
   * package's manifest, which is not safe to read from several at once. */
  for (guint i = 0; i < MAX (n_workers, 1); i++)
    {
      Worker *w = &pool->workers[i];
      w->pool = pool;
      w->scorer = dlp_predictor_session_new (predictor, batch_rows, 1, error);
      if (w->scorer == NULL)
        {
          dlp_workers_free (pool);
          return NULL;
        }
      pool->n_workers++;
    }
  for (guint i = 0; i < pool->n_workers; i++)
    {
      g_autofree char *name = g_strdup_printf ("dlp-score-%u", i);
      pool->workers[i].thread = g_thread_new (name, worker_main, &pool->workers[i]);
    }
  return pool;
}

void
dlp_workers_push (DlpWorkers *pool, DlpJob *job)
{
  g_mutex_lock (&pool->lock);
  g_queue_push_tail (&pool->queue, job);
  g_cond_signal (&pool->wake);
  g_mutex_unlock (&pool->lock);
}

void
dlp_workers_free (DlpWorkers *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (guint i = 0; i < pool->n_workers; i++)
    {
      if (pool->workers[i].thread)
        g_thread_join (pool->workers[i].thread);
      dlp_predictor_session_free (pool->workers[i].scorer);
    }
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_main_context_unref (pool->context);
  g_free (pool);
}
