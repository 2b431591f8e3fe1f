/* dlp-tracker.h: experiment trackers (MLflow, none).
 *
 * A tracker delivers the records of a run (params, metrics, tags, dataset
 * inputs, artifacts, registered models) to a tracking server. The host
 * drives one instance from one worker thread fed by a queue, so a tracker
 * needs no locking, may block on the network, and training never waits on
 * it. The instance is created on that thread too, so thread-bound objects
 * (a SoupSession) may be made in create.
 *
 * Errors decide what the host does with a record:
 *   DLP_ERROR_NETWORK    the server cannot be reached or keeps failing, or
 *                        refuses the credentials: the host keeps this record
 *                        and every later one in its spool, for
 *                        `dlpipe mlflow sync` to deliver later;
 *   DLP_ERROR_CANCELLED  the host gave up waiting (the call's cancellable):
 *                        kept in the spool like a network failure;
 *   any other error      the server refused this record (an over-long key,
 *                        a changed param value): the host keeps it aside as
 *                        rejected, warns, and goes on with the next one.
 * Messages name the call, e.g. "runs/log-batch: 400 INVALID_PARAMETER_VALUE:
 * ...". A tracker retries transient failures itself (its server's policy).
 *
 * Every record may be delivered more than once: a request may have reached
 * the server before its connection broke, and a spool is replayed after a
 * crash. When the call carries DLP_TRACKER_CALL_REDELIVERY the tracker must
 * make sure the record takes effect once (look before appending a metric,
 * find the run by its key before creating it). */
#pragma once

#include <gio/gio.h>
#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

typedef enum {
  DLP_RUN_FINISHED,
  DLP_RUN_FAILED,
  DLP_RUN_KILLED,
} DlpRunStatus;

/* One point of a metric's history. A plain value type: it never grows. */
typedef struct {
  const char *key;
  double value;
  gint64 step;
  gint64 timestamp_ms;
} DlpMetric;

/* A key and a string value: a param or a tag. A plain value type. */
typedef struct {
  const char *key;
  const char *value;
} DlpTag;

/**
 * DlpTrackerRun: a run to start or continue.
 * @run_key: the host's id of the run (32 hex digits), the same in every
 *   process and every replay; trackers store it with the run so that a
 *   redelivered start finds the run instead of making a second one
 * @run_id: the tracker's id when continuing a run it returned before, else
 *   NULL (then a redelivery looks the run up by @run_key)
 * @run_name: a readable name
 * @user: the user name
 * @source_name: what produced the run ("dlpipe stage model_trainer")
 * @git_commit: the commit of the working tree's repository, or NULL
 * @git_branch: its branch, or NULL
 * @git_repo_url: its origin URL, or NULL
 * @start_time_ms: Unix time in milliseconds
 * @tags: @n_tags tags to set when the run starts (dlpipe.stage, versions)
 */
typedef struct {
  gsize struct_size;
  const char *run_key;
  const char *run_id;
  const char *run_name;
  const char *user;
  const char *source_name;
  const char *git_commit;
  const char *git_branch;
  const char *git_repo_url;
  gint64 start_time_ms;
  const DlpTag *tags;
  guint n_tags;
} DlpTrackerRun;

/**
 * DlpTrackerDataset: a dataset a run read.
 * @name: the name, by convention its path in the pipeline
 *   ("data/split/train.safetensors")
 * @digest: the MD5 of the file in hex (what DVC records for it)
 * @source: the absolute path of the file
 * @context: what the run used it for: "training", "validation", "testing"
 * @profile_json: a JSON object of summary facts (rows, columns), or NULL
 * @schema_json: a JSON description of the columns, or NULL
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *digest;
  const char *source;
  const char *context;
  const char *profile_json;
  const char *schema_json;
} DlpTrackerDataset;

typedef enum {
  DLP_TRACKER_CALL_REDELIVERY = 1 << 0,
} DlpTrackerCallFlags;

/**
 * DlpTrackerCall: how the host makes a call.
 * @flags: DlpTrackerCallFlags
 * @cancellable: cancelled when the host stops waiting; a tracker passes it
 *   to its network calls and its waits between retries
 */
typedef struct {
  gsize struct_size;
  guint flags;
  GCancellable *cancellable;
} DlpTrackerCall;

/**
 * DlpTrackerClass:
 * @create: (required) (transfer full): an instance from the tracking
 *   section of params.yaml
 *   (validated against @params); checks the settings without touching the
 *   network, so a wrong setting fails the stage before it starts
 * @destroy: (required) frees an instance
 * @get_settings: (transfer full) (nullable): the instance's effective
 *   settings (environment overrides applied, secrets left out) as a new
 *   JSON object valid against @params; the host saves it with spooled
 *   records so a later replay reaches the same server. NULL: the host
 *   saves the section as it was given.
 * @start_run: (required) (transfer full): starts the run, or continues
 *   @run->run_id, and returns the tracker's id of the run, a new string
 * @log_params: logs params (write-once values)
 * @log_metrics: appends points to metric histories
 * @set_tags: sets tags (the last value wins)
 * @log_dataset: records a dataset input of the run
 * @log_artifact: uploads the file or folder @local_path as @artifact_path
 *   ("" for the run's artifact root)
 * @log_model: uploads the model package folder @local_dir (which holds an
 *   MLflow MLmodel file) as @artifact_path and records it as the run's model
 * @register_model: registers @artifact_path of the run as a new version of
 *   the model @model_name, points each of the NULL-terminated @aliases at
 *   it, and returns the version, a new string (transfer full)
 * @end_run: (required) marks the run ended with @status at @end_time_ms
 * @get_model_version: (transfer full): the version of the registered model
 *   @model_name that @alias points at, as a model version object (below);
 *   DLP_ERROR_NOT_FOUND when there is no such model or alias. Since: API
 *   level 4
 * @list_model_versions: (transfer full): a JSON array of the versions of
 *   @model_name, or of every registered model when it is NULL, newest
 *   first; DLP_ERROR_NOT_FOUND for an unknown @model_name. Since: API level 4
 * @set_model_alias: points @alias of @model_name at @version (moving it from
 *   the version it named); DLP_ERROR_NOT_FOUND for an unknown model or
 *   version. Since: API level 4
 * @download_artifacts: downloads the artifacts that @uri names into
 *   @local_dir, an empty folder that exists: a model version's "source"
 *   (an MLflow 3 logged model "models:/m-ID", "runs:/RUN_ID/PATH") or an
 *   artifact URI of the tracker's store. Each file is checked against the
 *   size the store lists; DLP_ERROR_NOT_FOUND when nothing is there. On
 *   failure @local_dir may hold part of the files: the host discards it.
 *   Since: API level 4
 *
 * Optional callbacks may be NULL: the host then skips those records, and
 * a tracker without the three registry readers has no registry for
 * `dlpipe mlflow models`, `promote` and model_test's champion.
 * Everything the host passes to a callback is borrowed for the call.
 *
 * The registry readers are called on the thread that created the instance
 * (not the worker's: the host makes an instance of its own for them). A
 * model version object is
 *   {"name": S, "version": S, "run_id": S, "source": S,
 *    "aliases": [S, ...], "metrics": {KEY: NUMBER}, "tags": {KEY: S}}
 * with the metrics (latest values) and tags of the run that made it.
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gpointer (*create) (DlpConfig *config, GError **error);
  void (*destroy) (gpointer self);
  JsonNode *(*get_settings) (gpointer self);
  char *(*start_run) (gpointer self, const DlpTrackerRun *run, const DlpTrackerCall *call,
                      GError **error);
  gboolean (*log_params) (gpointer self, const char *run_id, const DlpTag *params, guint n_params,
                          const DlpTrackerCall *call, GError **error);
  gboolean (*log_metrics) (gpointer self, const char *run_id, const DlpMetric *metrics,
                           guint n_metrics, const DlpTrackerCall *call, GError **error);
  gboolean (*set_tags) (gpointer self, const char *run_id, const DlpTag *tags, guint n_tags,
                        const DlpTrackerCall *call, GError **error);
  gboolean (*log_dataset) (gpointer self, const char *run_id, const DlpTrackerDataset *dataset,
                           const DlpTrackerCall *call, GError **error);
  gboolean (*log_artifact) (gpointer self, const char *run_id, const char *local_path,
                            const char *artifact_path, const DlpTrackerCall *call, GError **error);
  gboolean (*log_model) (gpointer self, const char *run_id, const char *local_dir,
                         const char *artifact_path, const DlpTrackerCall *call, GError **error);
  char *(*register_model) (gpointer self, const char *run_id, const char *model_name,
                           const char *artifact_path, const char *const *aliases,
                           const DlpTrackerCall *call, GError **error);
  gboolean (*end_run) (gpointer self, const char *run_id, DlpRunStatus status, gint64 end_time_ms,
                       const DlpTrackerCall *call, GError **error);
  JsonNode *(*get_model_version) (gpointer self, const char *model_name, const char *alias,
                                  const DlpTrackerCall *call, GError **error);
  JsonNode *(*list_model_versions) (gpointer self, const char *model_name,
                                    const DlpTrackerCall *call, GError **error);
  gboolean (*set_model_alias) (gpointer self, const char *model_name, const char *alias,
                               const char *version, const DlpTrackerCall *call, GError **error);
  gboolean (*download_artifacts) (gpointer self, const char *uri, const char *local_dir,
                                  const DlpTrackerCall *call, GError **error);
} DlpTrackerClass;

/**
 * dlp_run_status_name:
 * @status: a run's status
 *
 * Returns: (transfer none): MLflow's name of it: "FINISHED", "FAILED",
 *   "KILLED"; "UNKNOWN" for a value outside DlpRunStatus
 */
static inline const char *
dlp_run_status_name (DlpRunStatus status)
{
  switch (status)
    {
    case DLP_RUN_FINISHED:
      return "FINISHED";
    case DLP_RUN_FAILED:
      return "FAILED";
    case DLP_RUN_KILLED:
      return "KILLED";
    default:
      return "UNKNOWN";
    }
}

G_END_DECLS
