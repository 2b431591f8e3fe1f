/* output-dir.h: a folder a stage writes whole or not at all.
 *
 * Files are written into a staging folder beside the destination
 * (models/.trained.XXXXXX); commit swaps it into place. Freeing without
 * committing removes the staging folder, so a stage that fails leaves the
 * old folder (or none) and nothing half-written. A process killed during
 * the swap leaves the old folder set aside; the next stage to write the
 * folder puts it back first, and removes leftover staging folders. */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "../app/remove-tree.h"

G_BEGIN_DECLS

typedef struct _DlpOutputDir DlpOutputDir;

DlpOutputDir *dlp_output_dir_new (const char *path, GError **error);
/* The staging path of @name inside the folder (may contain '/'); parent
 * folders are created. */
char *dlp_output_dir_file (DlpOutputDir *dir, const char *name);
const char *dlp_output_dir_get_path (DlpOutputDir *dir);
/* The staging folder itself. */
const char *dlp_output_dir_get_staging (DlpOutputDir *dir);
/* Replaces the destination with the staged folder. */
gboolean dlp_output_dir_commit (DlpOutputDir *dir, GError **error);
void dlp_output_dir_free (DlpOutputDir *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpOutputDir, dlp_output_dir_free)

G_END_DECLS
