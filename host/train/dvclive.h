/* dvclive.h: training metrics in DVCLive's layout, which `dvc plots`,
 * `dvc metrics` and DVC's editor extension read:
 *   metrics.json                 the last value of every metric, and "step"
 *   plots/metrics/NAME.tsv       "step\tNAME" then one row per epoch */
#pragma once

#include <dlpipe/dlpipe-host.h>
#include "trainer.h"

G_BEGIN_DECLS

/* Writes the files for @history (DlpEpochResult) into folder @dir; steps
 * count epochs from 0, as DVCLive's do. Metrics without values (no
 * validation data) are left out. */
gboolean dlp_dvclive_write (const char *dir, GArray *history, GError **error);

G_END_DECLS
