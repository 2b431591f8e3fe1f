/* mlflow-json.c: the helpers of mlflow-json.h. */
#include <string.h>
#include "mlflow-json.h"

const char *
dlp_mlflow_get_id (JsonObject *o, const char *name, gsize max)
{
  const char *id = dlp_json_get_string (o, name);
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
  return dlp_json_node_new_array (array);
}

JsonNode *
dlp_mlflow_query1 (const char *key, const char *value)
{
  JsonObject *q = json_object_new ();
  json_object_set_string_member (q, key, value);
  return dlp_json_node_new_object (q);
}
