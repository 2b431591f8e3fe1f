/* mlflow-json.h: building MLflow's request bodies and reading its answers.
 *
 * An answer may hold anything (a proxy, another server, a bug): readers
 * give NULL, or the fallback, for a member that is missing or not of the
 * expected type, never a GLib critical. */
#pragma once

#include <dlpipe/dlpipe.h>

G_BEGIN_DECLS

/* The string, object or array member @name of @o (which may be NULL), or
 * NULL. */
const char *dlp_mlflow_get_string (JsonObject *o, const char *name);
JsonObject *dlp_mlflow_get_object (JsonObject *o, const char *name);
JsonArray *dlp_mlflow_get_array (JsonObject *o, const char *name);
/* The integer member @name of @o, or @fallback. */
gint64 dlp_mlflow_get_int (JsonObject *o, const char *name, gint64 fallback);
/* The member @name of @o when it is an id as MLflow makes them (a letter
 * or a digit, then letters, digits, '_' or '-', @max in all), else NULL:
 * ids go into URLs, files and messages. */
const char *dlp_mlflow_get_id (JsonObject *o, const char *name, gsize max);

/* Text of a server for a message: valid UTF-8, at most @max characters
 * ("..." when there was more, or when @cut), control characters (a
 * terminal's escape sequences) shown as '?'. */
char *dlp_mlflow_printable (const char *text, gsize len, gsize max, gboolean cut);

/* Element @i of @a when it is an object, else NULL. */
JsonObject *dlp_mlflow_array_object (JsonArray *a, guint i);

/* A node that takes @object (json_node_init_object would add a reference
 * of its own). */
JsonNode *dlp_mlflow_object_node (JsonObject *object);

/* A JSON array [{"key": K, "value": V}, ...] for request bodies. */
JsonNode *dlp_mlflow_tags_to_json (const DlpTag *tags, guint n_tags);

G_END_DECLS
