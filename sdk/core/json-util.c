/* json-util.c: json-glib helpers the SDK needs in several places. */
#include <math.h>
#include <string.h>
#include "sdk-private.h"

/* json_node_copy() shares objects and arrays; this copies all the way down. */
JsonNode *
dlp_json_deep_copy (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        return dlp_json_node_new_object (dlp_json_object_deep_copy (json_node_get_object (node)));
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node);
        JsonArray *dst = json_array_sized_new (json_array_get_length (src));
        for (guint i = 0; i < json_array_get_length (src); i++)
          json_array_add_element (dst, dlp_json_deep_copy (json_array_get_element (src, i)));
        return dlp_json_node_new_array (dst);
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

JsonObject *
dlp_json_object_deep_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  g_autoptr (GList) members = json_object_get_members (object);
  for (GList *l = members; l; l = l->next)
    json_object_set_member (copy, l->data,
                            dlp_json_deep_copy (json_object_get_member (object, l->data)));
  return copy;
}

char *
dlp_json_to_string (JsonNode *node, gboolean pretty)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, pretty);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

guint
dlp_json_depth (const char *text, gsize length)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          deepest = MAX (deepest, depth);
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

gboolean
dlp_json_check_depth (const char *text, gsize length, const char *what, GError **error)
{
  guint64 max = dlp_limit_get (DLP_LIMIT_YAML_DEPTH);
  if (dlp_json_depth (text, length) <= max)
    return TRUE;
  dlp_limit_set_error (error, DLP_LIMIT_YAML_DEPTH, what,
                       "JSON nested deeper than %" G_GUINT64_FORMAT " levels", max);
  return FALSE;
}

JsonNode *
dlp_json_parse (const char *text, gssize length, const char *what, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  if (!dlp_json_check_depth (text, len, what, error))
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: %s", what, local->message);
      return NULL;
    }
  JsonNode *root = json_parser_steal_root (parser);
  if (root == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: empty JSON", what);
  return root;
}

/* --- members that may be missing or of another type --- */

static JsonNode *
member (JsonObject *object, const char *name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

const char *
dlp_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *n = member (object, name);
  return n && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

gint64
dlp_json_get_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *n = member (object, name);
  return n && json_node_get_value_type (n) == G_TYPE_INT64 ? json_node_get_int (n) : fallback;
}

double
dlp_json_get_double (JsonObject *object, const char *name, double fallback)
{
  JsonNode *n = member (object, name);
  GType type = n ? json_node_get_value_type (n) : G_TYPE_INVALID;
  if (type == G_TYPE_DOUBLE || type == G_TYPE_INT64)
    return json_node_get_double (n);
  const char *s = type == G_TYPE_STRING ? json_node_get_string (n) : "";
  return strcmp (s, "NaN") == 0         ? NAN
         : strcmp (s, "Infinity") == 0  ? INFINITY
         : strcmp (s, "-Infinity") == 0 ? -INFINITY
                                        : fallback;
}

JsonObject *
dlp_json_get_object (JsonObject *object, const char *name)
{
  JsonNode *n = member (object, name);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
dlp_json_get_array (JsonObject *object, const char *name)
{
  JsonNode *n = member (object, name);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
dlp_json_array_get_object (JsonArray *array, guint index)
{
  JsonNode *n =
    array && index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* --- building --- */

void
dlp_json_set_double (JsonObject *object, const char *name, double value)
{
  if (isnan (value))
    json_object_set_string_member (object, name, "NaN");
  else if (isinf (value))
    json_object_set_string_member (object, name, value > 0 ? "Infinity" : "-Infinity");
  else
    json_object_set_double_member (object, name, value);
}

JsonNode *
dlp_json_node_new_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object ? object : json_object_new ());
  return node;
}

JsonNode *
dlp_json_node_new_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array ? array : json_array_new ());
  return node;
}
