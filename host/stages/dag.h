/* dag.h: running the stage DAG in one process. */
#pragma once

#include "stages.h"

G_BEGIN_DECLS

typedef struct {
  char **only;        /* run just these stages (NULL: all) */
  gboolean dry_run;   /* print the plan, run nothing */
  guint max_parallel; /* stages running at once (>= 1) */
} DlpDagOptions;

/* Runs the stages in dependency order, starting each as soon as the stages
 * it needs are done, up to max_parallel at once (model_builder beside the
 * data stages). Stops starting stages after the first failure. Prints a
 * summary of each stage's time. */
gboolean dlp_dag_run (DlpApp *app, DlpConfig *params, const DlpDagOptions *options, GError **error);

G_END_DECLS
