/* stages.h: the six pipeline stages and how the host runs them. */
#pragma once

#include "../app.h"

G_BEGIN_DECLS

/* What a stage gets while it runs. */
typedef struct {
  DlpApp *app;
  DlpRegistry *registry;
  DlpConfig *params;     /* the whole params file, overrides applied */
  DlpContext *context;
} DlpStageRun;

typedef struct {
  const char *name;
  const char *description;
  const char *const *needs;   /* stages whose outputs it reads */
  /* NULL while the stage is not implemented. */
  gboolean (*run) (DlpStageRun *run, GError **error);
} DlpStageInfo;

/* All stages, in an order where each comes after what it needs. */
const DlpStageInfo *dlp_stages_get_all (guint *n_stages);
const DlpStageInfo *dlp_stages_find (const char *name);
/* "data_ingestion, data_transformation, ..." for messages. */
char *dlp_stages_list_names (void);

/* Reads the params file and applies KEY=VALUE overrides. */
DlpConfig *dlp_stages_load_params (const char *file, char **overrides,
                                   GError **error);
/* Runs one stage; errors are prefixed with the stage name. */
gboolean dlp_stage_execute (DlpApp *app, const DlpStageInfo *stage,
                            DlpConfig *params, GError **error);

G_END_DECLS
