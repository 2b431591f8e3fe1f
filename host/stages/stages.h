/* stages.h: the six pipeline stages and how the host runs them. */
#pragma once

#include "../app/app.h"
#include "../tracking/tracking.h"

G_BEGIN_DECLS

/* What a stage gets while it runs. */
typedef struct {
  DlpApp *app;
  DlpRegistry *registry;
  DlpConfig *params; /* the whole params file, overrides applied */
  DlpContext *context;
} DlpStageRun;

/* What DVC makes of a file a stage writes. */
typedef enum {
  DLP_FILE_OUT,    /* an output, cached */
  DLP_FILE_METRIC, /* a metrics file (dvc metrics), not cached */
  DLP_FILE_PLOT,   /* plot data (dvc plots), not cached */
} DlpFileKind;

typedef struct {
  const char *path;
  DlpFileKind kind;
  /* For plots: DVC's plot properties, as YAML lines ("x: step"). */
  const char *const *plot;
  /* When the file exists only for some params (NULL: always). */
  gboolean (*when) (DlpConfig *params);
} DlpStageFile;

/* The stage declarations end their file lists with a NULL path. */
typedef struct {
  const char *name;
  const char *description;
  const char *const *needs;    /* stages whose outputs it reads */
  const char *const *params;   /* params.yaml sections that decide its result */
  const DlpStageFile *inputs;  /* files and folders it reads */
  const DlpStageFile *outputs; /* files and folders it writes */
  const char *const *code;     /* source folders and files that decide its result */
  /* Adds files that params name (the source data) to @inputs, or NULL. */
  void (*params_inputs) (DlpConfig *params, GPtrArray *inputs);
  /* NULL while the stage is not implemented. */
  gboolean (*run) (DlpStageRun *run, GError **error);
  /* Runs as the job of train.distributed, under its launcher. */
  gboolean distributed;
} DlpStageInfo;

/* All stages, in an order where each comes after what it needs. */
const DlpStageInfo *dlp_stages_get_all (guint *n_stages);
const DlpStageInfo *dlp_stages_find (const char *name);
/* "data_ingestion, data_transformation, ..." for messages. */
char *dlp_stages_list_names (void);

gboolean dlp_stage_model_builder (DlpStageRun *run, GError **error);
gboolean dlp_stage_model_trainer (DlpStageRun *run, GError **error);
gboolean dlp_stage_model_test (DlpStageRun *run, GError **error);

/* Reads the params file and applies KEY=VALUE overrides. */
DlpConfig *dlp_stages_load_params (const char *file, char **overrides, GError **error);
/* The section @name of params.yaml (NULL without error if absent and
 * @allow_missing). */
DlpConfig *dlp_stage_get_section (DlpStageRun *run, const char *name, gboolean allow_missing,
                                  GError **error);
/* Starts tracking for @stage from the tracking section (see
 * dlp_tracking_start). */
DlpTracking *dlp_stage_start_tracking (DlpStageRun *run, const char *stage,
                                       const char *continue_from, GError **error);

/* The data stages (stage-data-*.c). */
gboolean dlp_stage_data_ingestion (DlpStageRun *run, GError **error);
gboolean dlp_stage_data_transformation (DlpStageRun *run, GError **error);
gboolean dlp_stage_data_split (DlpStageRun *run, GError **error);

/* Runs one stage; errors are prefixed with the stage name. */
gboolean dlp_stage_execute (DlpApp *app, const DlpStageInfo *stage, DlpConfig *params,
                            GError **error);
/* The exit status for a stage that failed with @error: 128 + the signal
 * number if a signal stopped it (130 for SIGINT, 143 for SIGTERM), else 1. */
int dlp_stage_exit_status (const GError *error);

G_END_DECLS
