/* host/dlp-config.h: params.yaml as the host hands it on to trackers. */
#pragma once

#include <dlpipe/dlp-config.h>

G_BEGIN_DECLS

/* One scalar of the tree: its dotted key and its value as text. */
typedef struct {
  char *key;
  char *value;
} DlpConfigLeaf;

/**
 * dlp_config_flatten:
 * @config: the view
 *
 * Every scalar leaf under this view in file order, as the host logs a
 * run's parameters: list elements get their index as key ("layers.0"),
 * empty lists and mappings are "[]" and "{}", nulls "null".
 *
 * Returns: (transfer full): a new GPtrArray of DlpConfigLeaf that frees
 *   them
 */
DLP_API GPtrArray *dlp_config_flatten (const DlpConfig *config);

G_END_DECLS
