/* plugin-types.h: the plugin type a params.yaml section names, looked up
 * in the registry and the section validated against the type's settings.
 * What every reader of a section that names a plugin shares. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* The plugin type a section names in @key ("source: csv" in
 * data_ingestion), of @kind. The section is validated against the type's
 * settings schema, @key and @extra_keys (NULL-terminated, may be NULL)
 * being allowed besides. An absent @key uses @default_type if not NULL. */
const DlpTypeEntry *dlp_params_resolve_type (DlpRegistry *registry, DlpConfig *section,
                                             const char *key, DlpKind kind,
                                             const char *default_type,
                                             const char *const *extra_keys, GError **error);
/* A list item of the form {TYPE: {settings}} (a transform step, say): the
 * type of @kind, and in *@settings_out a view of its validated settings. */
const DlpTypeEntry *dlp_params_resolve_item (DlpRegistry *registry, DlpConfig *item, DlpKind kind,
                                             DlpConfig **settings_out, GError **error);

G_END_DECLS
