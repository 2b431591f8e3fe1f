/* drive-tracker.h: one stage's worth of calls to the mlflow tracker class,
 * as the host's worker makes them, for the fuzz target (against answers of
 * any content) and for the program that records a real server's answers
 * as its corpus. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  gboolean redelivery;     /* every call carries DLP_TRACKER_CALL_REDELIVERY */
  const char *run_id;      /* continue this run instead of starting one */
  const char *param_value; /* the value of param "train.epochs" ("3") */
} DlpDriveOptions;

/* The mlflow tracker class, from the built plugins
 * (DLP_TEST_BUILTIN_PLUGINS_DIR, else BUILD/plugins seen from the
 * program's folder BUILD/tests/tracking); aborts if it is not there. */
const DlpTrackerClass *dlp_drive_mlflow_class (void);

/* Creates an instance tracking into @uri (no waits between its retries),
 * calls start_run, log_params, log_metrics, set_tags, log_dataset,
 * log_artifact, log_model, register_model and end_run, each whatever the
 * earlier ones gave, and destroys it. Aborts when a call breaks the
 * tracker contract: a result and an error together, or neither, or an
 * error message that is empty or not UTF-8. Returns how many calls
 * succeeded. */
guint dlp_drive_tracker (const DlpTrackerClass *klass, const char *uri,
                         const DlpDriveOptions *options);

G_END_DECLS
