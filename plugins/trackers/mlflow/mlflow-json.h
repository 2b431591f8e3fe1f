/* mlflow-json.h: building MLflow's request bodies and reading its answers.
 *
 * An answer may hold anything (a proxy, another server, a bug): it is read
 * with the SDK's dlp_json_get_* (dlp-json.h), which give NULL, or a
 * fallback, for a member that is missing or of another type. */
#pragma once

#include <dlpipe/dlpipe.h>

G_BEGIN_DECLS

/* The member @name of @o when it is an id as MLflow makes them (a letter
 * or a digit, then letters, digits, '_' or '-', @max in all), else NULL:
 * ids go into URLs, files and messages. */
const char *dlp_mlflow_get_id (JsonObject *o, const char *name, gsize max);

/* Text of a server for a message: valid UTF-8, at most @max characters
 * ("..." when there was more, or when @cut), control characters (a
 * terminal's escape sequences) shown as '?'. */
char *dlp_mlflow_printable (const char *text, gsize len, gsize max, gboolean cut);

/* A JSON array [{"key": K, "value": V}, ...] for request bodies. */
JsonNode *dlp_mlflow_tags_to_json (const DlpTag *tags, guint n_tags);

/* A GET query of one string argument, {"@key": "@value"}. */
JsonNode *dlp_mlflow_query1 (const char *key, const char *value);

G_END_DECLS
