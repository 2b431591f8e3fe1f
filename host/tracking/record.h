/* record.h: one tracking record (a JSON object, the same in the worker's
 * queue and in a spool line) and its delivery to a tracker instance.
 *
 * {"op": "start_run", "run_key": K, "run_id": ID or absent, "run_name",
 *  "user", "source_name", "git_commit", "git_branch", "git_repo_url",
 *  "start_time", "tags": {KEY: VALUE}}
 * {"op": "log_params" | "set_tags", "run_key": K, "items": {KEY: VALUE}}
 * {"op": "log_metrics", "run_key": K, "metrics": [{"key", "value", "step",
 *  "timestamp"}]}        (values NaN, Infinity, -Infinity as strings)
 * {"op": "log_dataset", "run_key": K, "name", "path", "digest", "context",
 *  "profile"}
 * {"op": "log_artifact" | "log_model", "run_key": K, "path", "artifact_path"}
 * {"op": "register_model", "run_key": K, "model_name", "artifact_path",
 *  "aliases": [...]}
 * {"op": "end_run", "run_key": K, "status": "FINISHED", "end_time"} */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* A tracker instance and the runs it knows (run key -> tracker's run id). */
typedef struct {
  const DlpTrackerClass *klass;
  gpointer instance;
  GHashTable *run_ids;
} DlpTrackerTarget;

/* Creates an instance of @klass from @settings, and its run table. */
gboolean dlp_tracker_target_init (DlpTrackerTarget *target, const DlpTrackerClass *klass,
                                  DlpConfig *settings, GError **error);
void dlp_tracker_target_clear (DlpTrackerTarget *target);

/* Delivers @record; a start_run fills the run table. Errors follow
 * dlp-tracker.h; a record whose run was never started is DLP_ERROR_FAILED. */
gboolean dlp_record_deliver (DlpTrackerTarget *target, JsonObject *record,
                             const DlpTrackerCall *call, GError **error);

/* "log_metrics (3 metrics)", for messages. */
char *dlp_record_describe (JsonObject *record);

/* Fills a dataset record's digest from its file (MD5, as DVC computes it),
 * if it has none yet. */
gboolean dlp_record_complete (JsonObject *record, GError **error);

G_END_DECLS
