/* dlp-plugin.h: the descriptor every plugin exports.
 *
 * A plugin is a shared object named libdlp-NAME.so that exports exactly one
 * function, dlp_plugin_NAME_get_desc (with '-' in NAME written '_'),
 * returning its descriptor. DLP_PLUGIN_DEFINE writes that function:
 *
 *   static gboolean
 *   plugin_init (DlpRegistry *registry, GError **error)
 *   {
 *     return dlp_registry_add_layer (registry, &my_layer_class, error);
 *   }
 *
 *   DLP_PLUGIN_DEFINE (mylayer, "1.0.0", "MIT",
 *                      "A layer that does something", plugin_init)
 */
#pragma once

#include <dlpipe/dlp-version.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct _DlpRegistry DlpRegistry;

typedef gboolean (*DlpPluginInitFunc) (DlpRegistry *registry, GError **error);

/**
 * DlpPluginDesc:
 * @struct_size: sizeof (DlpPluginDesc) as the plugin was built
 * @abi_version: DLP_ABI_VERSION the plugin was built with
 * @api_level: DLP_API_LEVEL the plugin was built with
 * @build_signature: DLP_BUILD_SIGNATURE the plugin was built with
 * @name: the plugin's name; must match its file name
 * @version: the plugin's own version
 * @license: an SPDX licence identifier
 * @description: one line
 * @init: registers the plugin's types; runs once, on the main thread
 *
 * Fields are only ever added at the end.
 */
typedef struct {
  gsize struct_size;
  guint32 abi_version;
  guint32 api_level;
  const char *build_signature;
  const char *name;
  const char *version;
  const char *license;
  const char *description;
  DlpPluginInitFunc init;
} DlpPluginDesc;

/* clang-format off */
#define DLP_PLUGIN_DEFINE(name_, version_, license_, description_, init_) \
  DLP_PLUGIN_EXPORT const DlpPluginDesc *                                  \
  G_PASTE (dlp_plugin_, G_PASTE (name_, _get_desc)) (void);                \
  const DlpPluginDesc *                                                    \
  G_PASTE (dlp_plugin_, G_PASTE (name_, _get_desc)) (void)                 \
  {                                                                        \
    static const DlpPluginDesc desc = {                                    \
      .struct_size = sizeof (DlpPluginDesc),                               \
      .abi_version = DLP_ABI_VERSION,                                      \
      .api_level = DLP_API_LEVEL,                                          \
      .build_signature = DLP_BUILD_SIGNATURE,                              \
      .name = G_STRINGIFY (name_),                                         \
      .version = version_,                                                 \
      .license = license_,                                                 \
      .description = description_,                                         \
      .init = init_,                                                       \
    };                                                                     \
    return &desc;                                                          \
  }
/* clang-format on */

G_END_DECLS
