/* mlflow-tracker.h: the mlflow tracker's instance and its parts. */
#pragma once

#include "mlflow-client.h"
#include "mlflow-json.h"

G_BEGIN_DECLS

/* MLflow's limits (mlflow/utils/validation.py). */
#define DLP_MLFLOW_MAX_KEY 250
#define DLP_MLFLOW_MAX_PARAM_VALUE 6000
#define DLP_MLFLOW_MAX_TAG_VALUE 5000 /* the smallest of the versions */
#define DLP_MLFLOW_MAX_METRICS_PER_BATCH 1000
#define DLP_MLFLOW_MAX_PARAMS_TAGS_PER_BATCH 100
#define DLP_MLFLOW_MAX_DATASET_NAME 500
#define DLP_MLFLOW_MAX_DIGEST 36

/* The longest ids MLflow makes (mlflow/utils/validation.py). */
#define DLP_MLFLOW_MAX_RUN_ID 256
#define DLP_MLFLOW_MAX_EXPERIMENT_ID 64
#define DLP_MLFLOW_MAX_VERSION 20

/* The tag that carries the host's run key, to find a run again. */
#define DLP_MLFLOW_RUN_KEY_TAG "dlpipe.run_key"

typedef struct {
  DlpMlflowSettings *settings;
  DlpMlflowClient *client;
  char *experiment_id;       /* resolved on first use */
  GHashTable *artifact_uris; /* run id -> artifact root URI */
  /* "RUN\nKEY" -> set of points already on the server, filled when a
   * redelivery needs it. */
  GHashTable *histories;
  /* MLflow 3's logged models: "RUN\nARTIFACT_PATH" -> model id. */
  GHashTable *logged_models;
} DlpMlflowTracker;

/* mlflow-runs.c */
char *dlp_mlflow_start_run (gpointer self, const DlpTrackerRun *run, const DlpTrackerCall *call,
                            GError **error);
gboolean dlp_mlflow_end_run (gpointer self, const char *run_id, DlpRunStatus status,
                             gint64 end_time_ms, const DlpTrackerCall *call, GError **error);
gboolean dlp_mlflow_log_dataset (gpointer self, const char *run_id,
                                 const DlpTrackerDataset *dataset, const DlpTrackerCall *call,
                                 GError **error);
/* The run's artifact root, asked once per run. */
const char *dlp_mlflow_artifact_uri (DlpMlflowTracker *t, const char *run_id,
                                     const DlpTrackerCall *call, GError **error);

/* mlflow-batch.c */
gboolean dlp_mlflow_log_params (gpointer self, const char *run_id, const DlpTag *params,
                                guint n_params, const DlpTrackerCall *call, GError **error);
gboolean dlp_mlflow_log_metrics (gpointer self, const char *run_id, const DlpMetric *metrics,
                                 guint n_metrics, const DlpTrackerCall *call, GError **error);
gboolean dlp_mlflow_set_tags (gpointer self, const char *run_id, const DlpTag *tags, guint n_tags,
                              const DlpTrackerCall *call, GError **error);
/* NULL if @key is a name MLflow accepts, else why not. */
char *dlp_mlflow_check_key (const char *key);

/* mlflow-artifacts.c */
gboolean dlp_mlflow_log_artifact (gpointer self, const char *run_id, const char *local_path,
                                  const char *artifact_path, const DlpTrackerCall *call,
                                  GError **error);
gboolean dlp_mlflow_log_model (gpointer self, const char *run_id, const char *local_dir,
                               const char *artifact_path, const DlpTrackerCall *call,
                               GError **error);

/* Where the files of the artifact URI @root are: *@url, the http(s) URL
 * of the folder (through the server's artifact proxy for mlflow-artifacts:
 * roots), or *@folder, a local folder (file: roots). */
gboolean dlp_mlflow_resolve_artifact_root (DlpMlflowTracker *t, const char *root, char **url,
                                           char **folder, GError **error);
/* The proxy's path, after which its URLs name the artifact. */
#define DLP_MLFLOW_PROXY_PATH "/api/2.0/mlflow-artifacts/artifacts"

/* Uploads the folder @local_dir's files into the artifact root @root. */
gboolean dlp_mlflow_upload_tree (DlpMlflowTracker *t, const char *root, const char *local_dir,
                                 const DlpTrackerCall *call, GError **error);

/* mlflow-logged-models.c: MLflow 3's logged models. */
/* Makes the logged model of the package @local_dir that the run logged as
 * @artifact_path: created (or found again), linked to the run and its
 * step-0 metrics, filled with the package's files and finalized. A server
 * without logged models (MLflow 2) is left as it is. */
gboolean dlp_mlflow_log_logged_model (DlpMlflowTracker *t, const char *run_id,
                                      const char *local_dir, const char *artifact_path,
                                      const DlpTrackerCall *call, GError **error);
/* The ready logged model of the run's @run_source (its artifact root, '/',
 * the artifact path) in *@model_id, or NULL there when it has none. */
gboolean dlp_mlflow_find_logged_model (DlpMlflowTracker *t, const char *run_id,
                                       const char *run_source, char **model_id,
                                       const DlpTrackerCall *call, GError **error);

/* mlflow-registry.c */
char *dlp_mlflow_register_model (gpointer self, const char *run_id, const char *model_name,
                                 const char *artifact_path, const char *const *aliases,
                                 const DlpTrackerCall *call, GError **error);
/* MLflow's alias rules: [\w-]{1,255}, not "latest", not v<digits>. */
gboolean dlp_mlflow_check_alias (const char *alias, GError **error);
/* Points @alias of the model @name at @version. */
gboolean dlp_mlflow_set_alias (DlpMlflowTracker *t, const char *name, const char *alias,
                               const char *version, const DlpTrackerCall *call, GError **error);

/* mlflow-download.c (see dlp-tracker.h) */
gboolean dlp_mlflow_download_artifacts (gpointer self, const char *uri, const char *local_dir,
                                        const DlpTrackerCall *call, GError **error);

/* mlflow-models.c: the registry read (see dlp-tracker.h). */
JsonNode *dlp_mlflow_get_model_version (gpointer self, const char *model_name, const char *alias,
                                        const DlpTrackerCall *call, GError **error);
JsonNode *dlp_mlflow_list_model_versions (gpointer self, const char *model_name,
                                          const DlpTrackerCall *call, GError **error);
gboolean dlp_mlflow_set_model_alias (gpointer self, const char *model_name, const char *alias,
                                     const char *version, const DlpTrackerCall *call,
                                     GError **error);

G_END_DECLS
