/* workers.h: scoring threads fed by one queue.
 *
 * The HTTP thread reads requests and queues their bodies; each worker
 * owns a scorer (its copy of the graph, its preprocessing steps) and
 * takes whatever requests are queued, up to batch_rows of them, waiting
 * at most batch_wait microseconds for more, so that concurrent requests
 * are scored in one forward pass. Parsing runs on the workers too. The
 * answers go back to the HTTP thread's main context, a batch at a time. */
#pragma once

#include "request.h"

G_BEGIN_DECLS

/* One request: its body in, its answer out. */
typedef struct {
  /* Set by the HTTP thread. */
  GBytes *body;
  gboolean csv; /* text/csv, else application/json */
  DlpScoreOptions options;
  /* Set by the worker. */
  guint status; /* 200, 400, 500 */
  char *answer; /* JSON */
  gsize answer_length;
  gint64 n_rows;
} DlpJob;

/* Called on the HTTP thread's context with a finished batch (a GPtrArray
 * of DlpJob, borrowed). */
typedef void (*DlpJobsDoneFunc) (GPtrArray *jobs, gpointer user_data);

typedef struct _DlpWorkers DlpWorkers;

DlpWorkers *dlp_workers_new (DlpPredictor *predictor, guint n_workers, gint64 batch_rows,
                             guint batch_wait_us, GMainContext *context, DlpJobsDoneFunc done,
                             gpointer user_data, GError **error);
/* Queues @job; it comes back through the done function. */
void dlp_workers_push (DlpWorkers *workers, DlpJob *job);
/* Scores what is queued, then stops the threads. */
void dlp_workers_free (DlpWorkers *workers);

/* Sets @job's answer to MLflow's error JSON:
 * {"error_code": "BAD_REQUEST", "message": "..."}. */
void dlp_job_set_error (DlpJob *job, guint status, const char *error_code, const char *message);
/* MLflow's error JSON as text. */
char *dlp_error_json (const char *error_code, const char *message, gsize *length);

G_END_DECLS
