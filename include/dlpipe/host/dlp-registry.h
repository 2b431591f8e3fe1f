/* host/dlp-registry.h: making a registry, loading plugin files into it,
 * and listing what it holds. */
#pragma once

#include <dlpipe/dlp-registry.h>

G_BEGIN_DECLS

/**
 * dlp_registry_new:
 *
 * Makes an empty registry. Loading is serialized by a lock of its own;
 * lookups take none, so load every plugin before the registry is shared
 * with other threads.
 *
 * Returns: (transfer full): the registry
 */
DLP_API DlpRegistry *dlp_registry_new (void);

/**
 * dlp_registry_ref:
 * @registry: the registry
 *
 * Takes a reference; any thread may.
 *
 * Returns: (transfer full): @registry
 */
DLP_API DlpRegistry *dlp_registry_ref (DlpRegistry *registry);

/**
 * dlp_registry_unref:
 * @registry: (nullable) (transfer full): the registry
 *
 * Drops a reference, freeing the registry with the last one; loaded
 * modules stay resident.
 */
DLP_API void dlp_registry_unref (DlpRegistry *registry);

/**
 * dlp_registry_load_file:
 * @registry: the registry
 * @path: (transfer none): a libdlp-NAME.so file
 * @error: (nullable): return location for an error
 *
 * Opens one plugin file (local binding, immediate symbols; resident once
 * accepted), checks its descriptor and runs its init on this thread. A
 * refused plugin leaves no types.
 *
 * Returns: %TRUE on success; %FALSE with @error set to a DLP_LOADER_ERROR
 *   code (docs/plugin-abi.md): OPEN, NO_ENTRY, ABI, API_LEVEL, SIGNATURE,
 *   NAME_MISMATCH, INVALID, DUPLICATE or INIT_FAILED, its message starting
 *   with @path
 */
DLP_API gboolean dlp_registry_load_file (DlpRegistry *registry, const char *path, GError **error);

/**
 * dlp_registry_add_plugin:
 * @registry: the registry
 * @desc: (transfer none): the descriptor of a plugin linked into the
 *   process; its strings are borrowed for the life of the process
 * @error: (nullable): return location for an error
 *
 * Registers a plugin linked into the process, running its init.
 *
 * Returns: %TRUE on success; %FALSE with @error set to a DLP_LOADER_ERROR
 *   code as dlp_registry_load_file() sets them (but OPEN, NO_ENTRY and
 *   NAME_MISMATCH), its message starting with the plugin's name
 */
DLP_API gboolean dlp_registry_add_plugin (DlpRegistry *registry, const DlpPluginDesc *desc,
                                          GError **error);

/**
 * dlp_registry_load_dirs:
 * @registry: the registry
 * @dirs: (transfer none) (nullable): folders, NULL-terminated; empty
 *   strings and missing folders are skipped
 * @recursive: whether to look below them too (8 levels at most)
 *
 * Loads every libdlp-*.so in @dirs, folder by folder, files in name order.
 * A plugin whose name was already loaded from an earlier folder is
 * skipped, so earlier folders override later ones. Refusals do not stop
 * the scan; they are kept for dlp_registry_get_failures().
 *
 * Returns: the number of plugins loaded
 */
DLP_API guint dlp_registry_load_dirs (DlpRegistry *registry, const char *const *dirs,
                                      gboolean recursive);

/**
 * dlp_registry_get_failures:
 * @registry: the registry
 *
 * Returns: (transfer none): the errors of the plugin files
 *   dlp_registry_load_dirs() refused, a GPtrArray of GError the registry
 *   owns
 */
DLP_API GPtrArray *dlp_registry_get_failures (DlpRegistry *registry);

/* What the registry knows of a loaded plugin; its strings live as long
 * as the registry. */
typedef struct _DlpPluginInfo DlpPluginInfo;

/**
 * dlp_plugin_info_get_name:
 * @info: a loaded plugin
 *
 * Returns: (transfer none): its name
 */
DLP_API const char *dlp_plugin_info_get_name (const DlpPluginInfo *info);

/**
 * dlp_plugin_info_get_version:
 * @info: a loaded plugin
 *
 * Returns: (transfer none): its own version
 */
DLP_API const char *dlp_plugin_info_get_version (const DlpPluginInfo *info);

/**
 * dlp_plugin_info_get_license:
 * @info: a loaded plugin
 *
 * Returns: (transfer none): its SPDX licence identifier
 */
DLP_API const char *dlp_plugin_info_get_license (const DlpPluginInfo *info);

/**
 * dlp_plugin_info_get_description:
 * @info: a loaded plugin
 *
 * Returns: (transfer none): its one-line description
 */
DLP_API const char *dlp_plugin_info_get_description (const DlpPluginInfo *info);

/**
 * dlp_plugin_info_get_filename:
 * @info: a loaded plugin
 *
 * Returns: (transfer none) (nullable): the file it came from, or %NULL for
 *   a plugin registered in-process
 */
DLP_API const char *dlp_plugin_info_get_filename (const DlpPluginInfo *info);

/**
 * dlp_plugin_info_get_api_level:
 * @info: a loaded plugin
 *
 * Returns: the API level it was built with
 */
DLP_API guint dlp_plugin_info_get_api_level (const DlpPluginInfo *info);

/**
 * dlp_registry_list_types:
 * @registry: the registry
 * @kind: a DlpKind, or -1 for every kind
 *
 * Returns: (transfer full): the types sorted by kind and name, a new
 *   GPtrArray of borrowed DlpTypeEntry
 */
DLP_API GPtrArray *dlp_registry_list_types (DlpRegistry *registry, int kind);

/**
 * dlp_registry_list_plugins:
 * @registry: the registry
 *
 * Returns: (transfer full): the loaded plugins in load order, a new
 *   GPtrArray of borrowed DlpPluginInfo
 */
DLP_API GPtrArray *dlp_registry_list_plugins (DlpRegistry *registry);

/**
 * dlp_type_entry_get_plugin:
 * @entry: a registered type
 *
 * Returns: (transfer none): the plugin that registered it
 */
DLP_API const DlpPluginInfo *dlp_type_entry_get_plugin (const DlpTypeEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpRegistry, dlp_registry_unref)

G_END_DECLS
