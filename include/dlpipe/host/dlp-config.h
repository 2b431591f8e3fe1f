/* host/dlp-config.h: params.yaml as the host hands it on to trackers. */
#pragma once

#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

/* One scalar of the tree: its dotted key and its value as text. */
typedef struct {
  char *key;
  char *value;
} DlpConfigLeaf;

/* Every scalar leaf under this view, in file order, as a GPtrArray of
 * DlpConfigLeaf that frees them: what the host logs as a run's parameters.
 * List elements get their index as key ("layers.0"). */
DLP_API GPtrArray *dlp_config_flatten (const DlpConfig *config);

G_END_DECLS
