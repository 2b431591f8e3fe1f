/* registry-private.h: registry internals shared by registry.c and loader.c. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

struct _DlpPluginInfo {
  char *name;
  char *version;
  char *license;
  char *description;
  char *filename;
  guint api_level;
};

struct _DlpTypeEntry {
  DlpKind kind;
  gpointer klass;       /* full-size copy */
  DlpParamSpec *params; /* normalized copy */
  DlpPluginInfo *plugin;
};

struct _DlpRegistry {
  gatomicrefcount ref_count;
  GRecMutex lock;
  GHashTable *types[DLP_N_KINDS]; /* name -> DlpTypeEntry */
  GPtrArray *plugins;             /* DlpPluginInfo, load order */
  GHashTable *plugin_names;       /* name -> DlpPluginInfo */
  GPtrArray *failures;            /* GError */

  /* While a plugin's init runs: what it registered, and the first
   * registration error (a plugin may ignore it; the load still fails). */
  DlpPluginInfo *loading;
  GPtrArray *pending;
  GError *pending_error;
};

/* Runs @desc's checks and init; errors are not yet prefixed with a file.
 * *@init_ran tells whether the plugin's own code ran. */
gboolean dlp_registry_register_desc (DlpRegistry *registry, const DlpPluginDesc *desc,
                                     const char *expected_name, const char *filename,
                                     gboolean *init_ran, GError **error);

G_END_DECLS
