/* param-spec.c: checking values and defaults against DlpParamSpec. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include "config-private.h"

static const char *const type_names[] = {
  [DLP_PARAM_BOOL] = "bool",     [DLP_PARAM_INT] = "int",         [DLP_PARAM_DOUBLE] = "double",
  [DLP_PARAM_STRING] = "string", [DLP_PARAM_PATH] = "path",       [DLP_PARAM_ENUM] = "enum",
  [DLP_PARAM_LIST] = "list",     [DLP_PARAM_MAPPING] = "mapping", [DLP_PARAM_ANY] = "any",
};

const char *
dlp_param_type_name (DlpParamType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return "?";
  return type_names[type];
}

DlpParamSpec *
dlp_param_specs_normalize (const DlpParamSpec *specs)
{
  if (specs == NULL)
    return g_new0 (DlpParamSpec, 1);
  gsize stride = specs->struct_size;
  if (stride == 0)
    stride = sizeof (DlpParamSpec); /* an empty list: only the terminator */
  gsize n = 0;
  for (const guint8 *p = (const guint8 *) specs; ((const DlpParamSpec *) p)->name; p += stride)
    n++;
  DlpParamSpec *out = g_new0 (DlpParamSpec, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *src = (const guint8 *) specs + i * stride;
      memcpy (&out[i], src, MIN (stride, sizeof (DlpParamSpec)));
      out[i].struct_size = sizeof (DlpParamSpec);
    }
  return out;
}

static gboolean
in_choices (const char *choices, const char *value)
{
  g_auto (GStrv) list = g_strsplit (choices, "|", -1);
  return g_strv_contains ((const char *const *) list, value);
}

static char *
range_text (const DlpParamSpec *spec, const char *what)
{
  if (!spec->has_range)
    return g_strdup (what);
  char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
  dlp_config_format_double (spec->minimum, lo);
  dlp_config_format_double (spec->maximum, hi);
  return g_strdup_printf ("%s from %s to %s", what, lo, hi);
}

gboolean
dlp_param_spec_accepts (const DlpParamSpec *spec, JsonNode *node, char **expected)
{
  if (JSON_NODE_HOLDS_NULL (node))
    {
      /* An explicit null means "use the default". */
      if (!spec->required)
        return TRUE;
      *expected = g_strdup ("a value (the key is required)");
      return FALSE;
    }
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  switch (spec->type)
    {
    case DLP_PARAM_BOOL:
      if (type == G_TYPE_BOOLEAN)
        return TRUE;
      *expected = g_strdup ("true or false");
      return FALSE;
    case DLP_PARAM_INT:
    case DLP_PARAM_DOUBLE:
      {
        gboolean is_int = spec->type == DLP_PARAM_INT;
        gboolean ok = type == G_TYPE_INT64 || (!is_int && type == G_TYPE_DOUBLE);
        if (ok && spec->has_range)
          {
            double v = json_node_get_double (node);
            ok = v >= spec->minimum && v <= spec->maximum;
          }
        if (ok)
          return TRUE;
        *expected = range_text (spec, is_int ? "an integer" : "a number");
        return FALSE;
      }
    case DLP_PARAM_STRING:
    case DLP_PARAM_PATH:
      if (JSON_NODE_HOLDS_VALUE (node))
        return TRUE;
      *expected = g_strdup (spec->type == DLP_PARAM_PATH ? "a path" : "a string");
      return FALSE;
    case DLP_PARAM_ENUM:
      if (type == G_TYPE_STRING && spec->choices
          && in_choices (spec->choices, json_node_get_string (node)))
        return TRUE;
      {
        g_auto (GStrv) list = g_strsplit (spec->choices ? spec->choices : "", "|", -1);
        g_autofree char *joined = g_strjoinv (", ", list);
        *expected = g_strdup_printf ("one of %s", joined);
      }
      return FALSE;
    case DLP_PARAM_LIST:
      if (JSON_NODE_HOLDS_ARRAY (node))
        return TRUE;
      *expected = g_strdup ("a list");
      return FALSE;
    case DLP_PARAM_MAPPING:
      if (JSON_NODE_HOLDS_OBJECT (node))
        return TRUE;
      *expected = g_strdup ("a mapping");
      return FALSE;
    case DLP_PARAM_ANY:
    default:
      return TRUE;
    }
}

JsonNode *
dlp_param_spec_parse_default (const DlpParamSpec *spec, GError **error)
{
  g_autoptr (GHashTable) locations = dlp_location_table_new ();
  g_autofree char *what = g_strdup_printf ("default of parameter '%s'", spec->name);
  return dlp_yaml_parse (what, spec->default_value, strlen (spec->default_value), FALSE, locations,
                         error);
}

gboolean
dlp_param_specs_check (const DlpParamSpec *specs, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (const DlpParamSpec *s = specs; s->name; s++)
    {
      if (*s->name == '\0' || strchr (s->name, '.'))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "parameter '%s': a name must be non-empty and without dots", s->name);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) s->name))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "parameter '%s' is declared twice", s->name);
          return FALSE;
        }
      if ((guint) s->type >= G_N_ELEMENTS (type_names))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "parameter '%s' has unknown type %d", s->name, (int) s->type);
          return FALSE;
        }
      if (s->type == DLP_PARAM_ENUM && (s->choices == NULL || *s->choices == '\0'))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "enum parameter '%s' lists no choices", s->name);
          return FALSE;
        }
      if (s->default_value == NULL && (s->flags & DLP_PARAM_FLAG_KERAS_DEFAULT))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "parameter '%s' accepts only Keras' default but names none", s->name);
          return FALSE;
        }
      if (s->default_value == NULL)
        continue;
      g_autoptr (GError) local = NULL;
      g_autoptr (JsonNode) def = dlp_param_spec_parse_default (s, &local);
      g_autofree char *expected = NULL;
      if (def == NULL || !dlp_param_spec_accepts (s, def, &expected))
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "parameter '%s': default '%s' is not %s", s->name, s->default_value,
                       expected ? expected : dlp_param_type_name (s->type));
          return FALSE;
        }
    }
  return TRUE;
}
