/* worker.h: the thread that delivers a stage's tracking records.
 *
 * Stages queue records and go on; the worker creates the tracker instance
 * on its own thread and delivers the records in order. When the server
 * cannot be reached (after the tracker's retries) the worker goes offline:
 * that record and every later one go to a spool file, for
 * `dlpipe mlflow sync`. Records the server refuses are kept aside in the
 * spool's rejected.jsonl, and the worker goes on. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct _DlpTrackingWorker DlpTrackingWorker;

typedef struct {
  const DlpTrackerClass *klass;
  const char *type_name;
  DlpConfig *settings;   /* the validated tracking section */
  DlpRegistry *registry; /* to replay earlier spool files */
  const char *spool_dir;
  const char *stage;
  const char *run_key;
  /* Spool files with records of this run, replayed before anything else so
   * that the run's records stay in order (may be NULL). */
  GPtrArray *replay_first;
} DlpTrackingWorkerSetup;

typedef struct {
  guint n_delivered;
  guint n_spooled;
  guint n_rejected;
  char *spool_file;     /* where records went, or NULL */
  char *offline_reason; /* why, or NULL */
  char *tracking_uri;   /* from the tracker's settings, or NULL */
  char *run_id;         /* the tracker's id of the run, or NULL */
} DlpTrackingSummary;

void dlp_tracking_summary_clear (DlpTrackingSummary *summary);

/* Starts the thread and waits until it has created the tracker instance;
 * a wrong setting fails here. */
DlpTrackingWorker *dlp_tracking_worker_start (const DlpTrackingWorkerSetup *setup, GError **error);
/* Queues @record (taken). */
void dlp_tracking_worker_push (DlpTrackingWorker *worker, JsonObject *record);
/* The tracker's id of the run, once the worker has started it. */
char *dlp_tracking_worker_dup_run_id (DlpTrackingWorker *worker, const char *run_key);
/* Waits up to @timeout_s seconds for the queued records to be delivered,
 * then stops waiting on the server (what is left goes to the spool), ends
 * the thread and frees the worker. */
void dlp_tracking_worker_finish (DlpTrackingWorker *worker, double timeout_s,
                                 DlpTrackingSummary *summary);

G_END_DECLS
