/* plugin-types.c: resolving the plugin type a section names. */
#include "plugin-types.h"

/* Validates @settings against @entry's schema plus @extra_keys. */
static gboolean
validate (const DlpTypeEntry *entry, DlpConfig *settings, const char *const *extra_keys,
          GError **error)
{
  return dlp_config_validate (settings, dlp_type_entry_get_params (entry), extra_keys, error);
}

const DlpTypeEntry *
dlp_params_resolve_type (DlpRegistry *registry, DlpConfig *section, const char *key, DlpKind kind,
                         const char *default_type, const char *const *extra_keys, GError **error)
{
  g_autofree char *type = g_strdup (default_type);
  if (!dlp_config_get_string (section, key, &type, error))
    return NULL;
  if (type == NULL)
    {
      dlp_config_set_error (section, key, error,
                            "required key is missing (a %s type; "
                            "'dlpipe plugins' lists them)",
                            dlp_kind_name (kind));
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  const DlpTypeEntry *entry = dlp_registry_get_entry (registry, kind, type, &local);
  if (entry == NULL)
    {
      dlp_config_set_error (section, key, error, "%s", local->message);
      return NULL;
    }
  g_autoptr (GStrvBuilder) allowed = g_strv_builder_new ();
  g_strv_builder_add (allowed, key);
  if (extra_keys)
    g_strv_builder_addv (allowed, (const char **) extra_keys);
  g_auto (GStrv) keys = g_strv_builder_end (allowed);
  if (!validate (entry, section, (const char *const *) keys, error))
    return NULL;
  return entry;
}

const DlpTypeEntry *
dlp_params_resolve_item (DlpRegistry *registry, DlpConfig *item, DlpKind kind,
                         DlpConfig **settings_out, GError **error)
{
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (item);
  if (keys->len != 1)
    {
      dlp_config_set_error (item, NULL, error,
                            "expected a mapping with one %s type "
                            "as its key, such as {normalize: {method: scale}}",
                            dlp_kind_name (kind));
      return NULL;
    }
  const char *type = g_ptr_array_index (keys, 0);
  g_autoptr (GError) local = NULL;
  const DlpTypeEntry *entry = dlp_registry_get_entry (registry, kind, type, &local);
  if (entry == NULL)
    {
      dlp_config_set_error (item, type, error, "%s", local->message);
      return NULL;
    }
  g_autoptr (DlpConfig) settings = dlp_config_get_section (item, type, FALSE, error);
  if (settings == NULL || !validate (entry, settings, NULL, error))
    return NULL;
  *settings_out = g_steal_pointer (&settings);
  return entry;
}
