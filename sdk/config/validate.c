/* validate.c: checking a config mapping against a type's param specs. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include "config-private.h"

static char *
known_keys (const DlpParamSpec *specs, const char *const *extra_keys)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (const DlpParamSpec *p = specs; p->name; p++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", p->name);
  for (guint i = 0; extra_keys && extra_keys[i]; i++)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", extra_keys[i]);
  return g_strdup (s->len ? s->str : "none");
}

static const DlpParamSpec *
find_spec (const DlpParamSpec *specs, const char *name)
{
  for (const DlpParamSpec *p = specs; p->name; p++)
    if (strcmp (p->name, name) == 0)
      return p;
  return NULL;
}

gboolean
dlp_config_validate (DlpConfig *config, const DlpParamSpec *specs,
                     const char *const *extra_keys, GError **error)
{
  g_autofree DlpParamSpec *norm = dlp_param_specs_normalize (specs);
  /* A key without a value ("drop_nulls:") is an empty mapping. */
  JsonNode *node = dlp_config_get_node (config);
  if (!JSON_NODE_HOLDS_OBJECT (node) && !JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree char *got = dlp_config_describe_node (node);
      dlp_config_set_error (config, NULL, error, "expected a mapping of settings, got %s", got);
      return FALSE;
    }

  g_autoptr (GPtrArray) keys = dlp_config_get_keys (config);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const DlpParamSpec *spec = find_spec (norm, key);
      if (spec == NULL)
        {
          if (extra_keys && g_strv_contains (extra_keys, key))
            continue;
          g_autofree char *known = known_keys (norm, extra_keys);
          dlp_config_set_error (config, key, error, "unknown key (known keys: %s)", known);
          return FALSE;
        }
      JsonNode *value = dlp_config_lookup (config, key);
      g_autofree char *expected = NULL;
      if (!dlp_param_spec_accepts (spec, value, &expected))
        {
          g_autofree char *got = dlp_config_describe_node (value);
          dlp_config_set_error (config, key, error, "expected %s, got %s", expected, got);
          return FALSE;
        }
    }

  GHashTable *defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) json_node_unref);
  for (const DlpParamSpec *p = norm; p->name; p++)
    {
      JsonNode *value = dlp_config_lookup (config, p->name);
      if (p->required && (value == NULL || JSON_NODE_HOLDS_NULL (value)))
        {
          dlp_config_set_error (config, p->name, error, "required key is missing");
          g_hash_table_unref (defaults);
          return FALSE;
        }
      if (p->default_value)
        {
          JsonNode *def = dlp_param_spec_parse_default (p, error);
          if (def == NULL)
            {
              g_hash_table_unref (defaults);
              return FALSE;
            }
          g_hash_table_insert (defaults, g_strdup (p->name), def);
        }
    }
  dlp_config_attach_specs (config, g_steal_pointer (&norm), defaults);
  return TRUE;
}
