/* stage-outputs.h: a stage's output files, committed together.
 *
 * Each file is first written whole under a staging name in its own folder;
 * commit renames them all into place. Freeing the set without committing
 * removes the staged files, so a stage that fails half-way leaves its old
 * outputs (or none) and no new file behind. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct _DlpStageOutputs DlpStageOutputs;

DlpStageOutputs *dlp_stage_outputs_new (void);
void dlp_stage_outputs_free (DlpStageOutputs *outputs);
gboolean dlp_stage_outputs_add_dataset (DlpStageOutputs *outputs, const char *path,
                                        DlpDataset *dataset, GError **error);
gboolean dlp_stage_outputs_add_json (DlpStageOutputs *outputs, const char *path, JsonNode *node,
                                     GError **error);
gboolean dlp_stage_outputs_commit (DlpStageOutputs *outputs, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpStageOutputs, dlp_stage_outputs_free)

G_END_DECLS
