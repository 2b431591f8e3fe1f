/* json-util.c: json-glib helpers the SDK needs in several places. */
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
        JsonNode *copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, dlp_json_object_deep_copy (json_node_get_object (node)));
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node);
        JsonArray *dst = json_array_sized_new (json_array_get_length (src));
        for (guint i = 0; i < json_array_get_length (src); i++)
          json_array_add_element (dst, dlp_json_deep_copy (json_array_get_element (src, i)));
        JsonNode *copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, dst);
        return copy;
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
  dlp_limit_set_error (error, DLP_LIMIT_YAML_DEPTH, what, "JSON nested deeper than %"
                       G_GUINT64_FORMAT " levels", max);
  return FALSE;
}

JsonNode *
dlp_json_parse (const char *text, gssize length, const char *what,
                GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  if (!dlp_json_check_depth (text, len, what, error))
    return NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: %s", what,
                   local->message);
      return NULL;
    }
  JsonNode *root = json_parser_steal_root (parser);
  if (root == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: empty JSON", what);
  return root;
}
