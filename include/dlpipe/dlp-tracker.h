/* dlp-tracker.h: experiment trackers (MLflow, none).
 *
 * The host drives a tracker instance from one worker thread fed by a queue,
 * so a tracker needs no locking and training never waits on it. */
#pragma once

#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

typedef enum {
  DLP_RUN_FINISHED,
  DLP_RUN_FAILED,
  DLP_RUN_KILLED,
} DlpRunStatus;

typedef struct {
  gsize struct_size;
  const char *key;
  double value;
  gint64 step;
  gint64 timestamp_ms;
} DlpMetric;

/**
 * DlpTrackerClass:
 * @create: (required) an instance from the tracking section
 * @destroy: (required) frees an instance
 * @start_run: (required) starts a run named @run_name, or continues the run
 *   @run_id when it is not NULL; returns the run's id
 * @log_params: logs DlpConfigLeaf pairs as run parameters
 * @log_metrics: logs a batch of metrics
 * @set_tags: sets string tags (a GHashTable of char* to char*)
 * @log_artifact: uploads the file or folder @local_path under @artifact_path
 * @register_model: registers the artifact folder @artifact_path as a new
 *   version of model @model_name and points @alias at it
 * @end_run: (required) marks the run ended with @status
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  char *(*start_run) (gpointer self, const char *run_name, const char *run_id,
                      GError **error);
  gboolean (*log_params) (gpointer self, GPtrArray *leaves, GError **error);
  gboolean (*log_metrics) (gpointer self, const DlpMetric *metrics,
                           guint n_metrics, GError **error);
  gboolean (*set_tags) (gpointer self, GHashTable *tags, GError **error);
  gboolean (*log_artifact) (gpointer self, const char *local_path,
                            const char *artifact_path, GError **error);
  gboolean (*register_model) (gpointer self, const char *model_name,
                              const char *artifact_path, const char *alias,
                              GError **error);
  gboolean (*end_run) (gpointer self, DlpRunStatus status, GError **error);
} DlpTrackerClass;

G_END_DECLS
