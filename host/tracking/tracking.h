/* tracking.h: experiment tracking for stages.
 *
 * A stage opens a DlpTracking, logs as it works and finishes it. Every call
 * returns at once: records go to a worker thread that delivers them to the
 * tracker of params.yaml's tracking section (MLflow, or none), so training
 * never waits on the network, and whatever cannot be delivered goes to a
 * local spool for `dlpipe mlflow sync`. Tracking problems are warnings,
 * never a stage failure; only a wrong tracking section fails the stage, at
 * dlp_tracking_start.
 *
 * One run spans model_trainer and model_test although DVC runs them as
 * separate processes:
 *
 *   model_trainer:
 *     t = dlp_tracking_start (section, registry, context, params,
 *                             "model_trainer", NULL, &error);
 *     dlp_tracking_log_dataset (t, DLP_PATH_TRAIN, "training", train);
 *     each epoch: dlp_tracking_log_metrics (t, metrics, n);  (step = epoch)
 *     dlp_tracking_write_run_file (t, run_file, &error);  (among the files
 *       of models/trained, so that it lands at DLP_TRACKING_RUN_FILE with
 *       the trained model)
 *     dlp_tracking_log_artifact (t, "models/trained", "trained");
 *     dlp_tracking_finish (t, stage_error);
 *   model_test:
 *     t = dlp_tracking_start (section, registry, context, params,
 *                             "model_test", DLP_TRACKING_RUN_FILE, &error);
 *     dlp_tracking_log_metrics (...); log_artifact (reports), log_model
 *     (models/final, "model"), register_model (t, "model", aliases);
 *     dlp_tracking_finish (t, stage_error);
 *
 * The run file holds the run's key and, when the tracker has told it
 * already, its id; model_test continues that run (the trainer's FINISHED
 * becomes RUNNING again until model_test ends it). */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* Where model_trainer records its run for model_test. */
#define DLP_TRACKING_RUN_FILE "models/trained/tracking-run.json"

typedef struct _DlpTracking DlpTracking;

/* Opens tracking for @stage from params.yaml's tracking @section (NULL:
 * there is none, so no tracking), with the tracker type found in
 * @registry, and starts a run, or continues the run recorded in
 * @continue_from (a run file; a missing one starts a new run, with a
 * warning). A new run logs every leaf of @params (the whole params file)
 * as a param. @context tells whether the stage was interrupted. Fails only
 * on a wrong tracking section or environment variable. */
DlpTracking *dlp_tracking_start (DlpConfig *section, DlpRegistry *registry, DlpContext *context,
                                 DlpConfig *params, const char *stage, const char *continue_from,
                                 GError **error);

/* Whether the tracker keeps the run's model, so that its run id means
 * something to whoever reads the package (none: no). */
gboolean dlp_tracking_keeps_models (DlpTracking *tracking);
/* Whether the tracker has a model registry (none: no). */
gboolean dlp_tracking_registers_models (DlpTracking *tracking);
/* The tracker type ("mlflow", "none"). */
const char *dlp_tracking_get_tracker (DlpTracking *tracking);
/* The host's key of the run (32 hex digits), known at once. */
const char *dlp_tracking_get_run_key (DlpTracking *tracking);
/* The tracker's id of the run, or NULL while it is not known (not started
 * yet, or spooled). */
char *dlp_tracking_dup_run_id (DlpTracking *tracking);
/* The registered model name of the tracking section. */
const char *dlp_tracking_get_model_name (DlpTracking *tracking);

void dlp_tracking_log_param (DlpTracking *tracking, const char *key, const char *value);
/* Every leaf of @config under its dotted key, values as written. */
void dlp_tracking_log_params (DlpTracking *tracking, DlpConfig *config);
/* @timestamp_ms 0 means now. */
void dlp_tracking_log_metric (DlpTracking *tracking, const char *key, double value, gint64 step);
void dlp_tracking_log_metrics (DlpTracking *tracking, const DlpMetric *metrics, guint n_metrics);
void dlp_tracking_set_tag (DlpTracking *tracking, const char *key, const char *value);
/* A dataset file the run reads, with its MD5 (computed on the worker) and,
 * given @dataset, its rows and columns. @context: "training", "testing". */
void dlp_tracking_log_dataset (DlpTracking *tracking, const char *path, const char *context,
                               DlpDataset *dataset);
/* The file or folder @local_path into the run's artifacts under the
 * folder @artifact_path ("" for the root). The file must stay as it is
 * until dlp_tracking_finish. */
void dlp_tracking_log_artifact (DlpTracking *tracking, const char *local_path,
                                const char *artifact_path);
/* The model package @local_dir (with an MLmodel file, see
 * package/mlmodel.h) as the run's model at @artifact_path ("model"). */
void dlp_tracking_log_model (DlpTracking *tracking, const char *local_dir,
                             const char *artifact_path);
/* A new version of the registered model (tracking.registered_model) from
 * the run's @artifact_path, with the NULL-terminated @aliases pointed at it
 * ("candidate", "champion"). */
void dlp_tracking_register_model (DlpTracking *tracking, const char *artifact_path,
                                  const char *const *aliases);

/* Ends the run: FINISHED when @stage_error is NULL, KILLED when it is
 * DLP_ERROR_CANCELLED or the stage was interrupted, else FAILED. Then waits
 * (tracking.flush_timeout, shorter when interrupted) for the records to be
 * delivered; what is left goes to the spool, with a warning. */
void dlp_tracking_finish (DlpTracking *tracking, const GError *stage_error);

/* Writes the run file (run key, run id when known, tracker) atomically. */
gboolean dlp_tracking_write_run_file (DlpTracking *tracking, const char *path, GError **error);

/* The spool folder of @params' tracking section (tracking.spool_dir,
 * default .dlpipe/tracking-spool), absolute; @params may be NULL. */
char *dlp_tracking_get_spool_dir (DlpConfig *params, GError **error);

/* Frees; a tracking not finished ends its run as FAILED (KILLED if the
 * stage was interrupted). */
void dlp_tracking_free (DlpTracking *tracking);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpTracking, dlp_tracking_free)

G_END_DECLS
