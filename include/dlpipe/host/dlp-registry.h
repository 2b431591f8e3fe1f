/* host/dlp-registry.h: making a registry, loading plugin files into it,
 * and listing what it holds. */
#pragma once

#include <dlpipe/dlp-registry.h>

G_BEGIN_DECLS

DLP_API DlpRegistry *dlp_registry_new (void);
DLP_API DlpRegistry *dlp_registry_ref (DlpRegistry *registry);
DLP_API void dlp_registry_unref (DlpRegistry *registry);

/* Opens one plugin file (local binding, resident once accepted), checks its
 * descriptor and runs its init. Every refusal is a DLP_LOADER_ERROR whose
 * message starts with the file name. A refused plugin leaves no types. */
DLP_API gboolean dlp_registry_load_file (DlpRegistry *registry,
                                         const char *path, GError **error);
/* Registers a plugin linked into the process. */
DLP_API gboolean dlp_registry_add_plugin (DlpRegistry *registry,
                                          const DlpPluginDesc *desc,
                                          GError **error);
/* Loads every libdlp-*.so in @dirs in order (below them too if
 * @recursive). A plugin whose name was already loaded from an earlier
 * folder is skipped, so earlier folders override later ones. Refusals do not
 * stop the scan; they are kept for dlp_registry_get_failures(). Returns the
 * number of plugins loaded. */
DLP_API guint dlp_registry_load_dirs (DlpRegistry *registry,
                                      const char *const *dirs,
                                      gboolean recursive);
/* The GErrors of refused plugin files (borrowed GPtrArray of GError*). */
DLP_API GPtrArray *dlp_registry_get_failures (DlpRegistry *registry);

/* What the registry knows of a loaded plugin. */
typedef struct _DlpPluginInfo DlpPluginInfo;
DLP_API const char *dlp_plugin_info_get_name (const DlpPluginInfo *info);
DLP_API const char *dlp_plugin_info_get_version (const DlpPluginInfo *info);
DLP_API const char *dlp_plugin_info_get_license (const DlpPluginInfo *info);
DLP_API const char *dlp_plugin_info_get_description (const DlpPluginInfo *info);
/* The file it came from, or NULL for a plugin registered in-process. */
DLP_API const char *dlp_plugin_info_get_filename (const DlpPluginInfo *info);
DLP_API guint dlp_plugin_info_get_api_level (const DlpPluginInfo *info);

/* Types of @kind (or of every kind if @kind is -1) sorted by kind and name,
 * as a new GPtrArray of borrowed DlpTypeEntry. */
DLP_API GPtrArray *dlp_registry_list_types (DlpRegistry *registry, int kind);
/* Loaded plugins in load order, a new GPtrArray of borrowed DlpPluginInfo. */
DLP_API GPtrArray *dlp_registry_list_plugins (DlpRegistry *registry);

/* The plugin that registered the type. */
DLP_API const DlpPluginInfo *dlp_type_entry_get_plugin (const DlpTypeEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpRegistry, dlp_registry_unref)

G_END_DECLS
