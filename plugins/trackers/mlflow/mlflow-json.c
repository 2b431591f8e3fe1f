/* mlflow-json.c: the helpers of mlflow-json.h. */
#include <string.h>
#include "mlflow-json.h"

static JsonNode *
member (JsonObject *o, const char *name)
{
  return o ? json_object_get_member (o, name) : NULL;
}

const char *
dlp_mlflow_get_string (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name);
  return n && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : NULL;
}

JsonObject *
dlp_mlflow_get_object (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
dlp_mlflow_get_array (JsonObject *o, const char *name)
{
  JsonNode *n = member (o, name);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

gint64
dlp_mlflow_get_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = member (o, name);
  return n && json_node_get_value_type (n) == G_TYPE_INT64 ? json_node_get_int (n) : fallback;
}

const char *
dlp_mlflow_get_id (JsonObject *o, const char *name, gsize max)
{
  const char *id = dlp_mlflow_get_string (o, name);
  gsize len = id ? strlen (id) : 0;
  if (len == 0 || len > max || !g_ascii_isalnum (id[0]))
    return NULL;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return NULL;
  return id;
}

char *
dlp_mlflow_printable (const char *data, gsize len, gsize max, gboolean cut)
{
  g_autofree char *valid = g_utf8_make_valid (data, (gssize) len);
  glong n = g_utf8_strlen (valid, -1);
  g_autofree char *text = g_utf8_substring (valid, 0, MIN (n, (glong) max));
  for (char *p = text; *p; p++)
    if (((guchar) *p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
      *p = '?';
  g_strstrip (text);
  return g_strdup_printf ("%s%s", text, cut || (gsize) n > max ? "..." : "");
}

JsonObject *
dlp_mlflow_array_object (JsonArray *a, guint i)
{
  JsonNode *n = a && i < json_array_get_length (a) ? json_array_get_element (a, i) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonNode *
dlp_mlflow_object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

JsonNode *
dlp_mlflow_tags_to_json (const DlpTag *tags, guint n_tags)
{
  JsonArray *array = json_array_sized_new (n_tags);
  for (guint i = 0; i < n_tags; i++)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "key", tags[i].key);
      json_object_set_string_member (o, "value", tags[i].value ? tags[i].value : "");
      json_array_add_object_element (array, o);
    }
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;
}
