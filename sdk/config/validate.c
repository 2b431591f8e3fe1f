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

/* Edits between @a and @b, a swap of neighbours counting as one
 * (optimal string alignment distance). */
static guint
edit_distance (const char *a, const char *b)
{
  gsize n = strlen (a), m = strlen (b);
  g_autofree guint *d = g_new (guint, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (gsize i = 0; i <= n; i++)
    D (i, 0) = (guint) i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = (guint) j;
  for (gsize i = 1; i <= n; i++)
    for (gsize j = 1; j <= m; j++)
      {
        guint cost = a[i - 1] != b[j - 1];
        guint best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);
        best = MIN (best, D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  guint result = D (n, m);
#undef D
  return result;
}

const char *
dlp_config_suggest (const char *word, const char *const *known)
{
  gsize len = strlen (word);
  guint allowed = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  const char *best = NULL;
  guint best_distance = allowed + 1;
  for (guint i = 0; known && known[i]; i++)
    {
      guint d = edit_distance (word, known[i]);
      if (d < best_distance && d < MAX (strlen (known[i]), 2))
        best = known[i], best_distance = d;
    }
  return best;
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
dlp_config_validate (DlpConfig *config, const DlpParamSpec *specs, const char *const *extra_keys,
                     GError **error)
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
          g_auto (GStrv) names = g_strsplit (known, ", ", -1);
          const char *close = dlp_config_suggest (key, (const char *const *) names);
          g_autofree char *hint =
            close ? g_strdup_printf ("; did you mean '%s'?", close) : g_strdup ("");
          dlp_config_set_error (config, key, error, "unknown key%s (known keys: %s)", hint, known);
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

  GHashTable *defaults =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
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
