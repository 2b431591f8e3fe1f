/* dlp-json.h: reading JSON that may be hostile.
 *
 * json-glib recurses once per nesting level, so a document of a few
 * hundred kilobytes of '[' overflows the stack. Every JSON text dlpipe
 * reads (safetensors headers and metadata, architecture files, package
 * files, spool and run files, tracking server answers, request bodies)
 * goes through dlp_json_parse(), which measures the nesting first and
 * refuses a document deeper than DLP_LIMIT_YAML_DEPTH (64; its variable
 * may raise it to 2000 at most).
 *
 * Since: API level 2 (the whole header) */
#pragma once

#include <json-glib/json-glib.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

/**
 * dlp_json_depth:
 * @text: (transfer none): @length bytes of text
 * @length: the number of bytes
 *
 * Measures nesting in linear time, without recursion; text that is not
 * JSON gets a depth too.
 *
 * Returns: the most '[' and '{' open at once, outside strings
 *
 * Since: API level 2
 */
DLP_API guint dlp_json_depth (const char *text, gsize length);

/**
 * dlp_json_check_depth:
 * @text: (transfer none): @length bytes of text
 * @length: the number of bytes
 * @what: (transfer none): what the text is, to begin messages with
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE when @text is nested no deeper than the limit in force;
 *   %FALSE with @error set to DLP_ERROR_LIMIT, "WHAT: JSON nested deeper
 *   than N levels (raise the limit with DLPIPE_LIMIT_YAML_DEPTH)"
 *
 * Since: API level 2
 */
DLP_API gboolean dlp_json_check_depth (const char *text, gsize length, const char *what,
                                       GError **error);

/**
 * dlp_json_parse:
 * @text: (transfer none): JSON text
 * @length: bytes of @text, or -1 when it is NUL-terminated
 * @what: (transfer none): what the text is, to begin messages with
 * @error: (nullable): return location for an error
 *
 * Parses @text into a new mutable tree, after measuring its nesting.
 *
 * Returns: (transfer full) (nullable): the root; %NULL with @error set to
 *   DLP_ERROR_LIMIT (nested deeper than DLP_LIMIT_YAML_DEPTH) or
 *   DLP_ERROR_FORMAT (empty, or not JSON: json-glib's line and column)
 *
 * Since: API level 2
 */
DLP_API JsonNode *dlp_json_parse (const char *text, gssize length, const char *what,
                                  GError **error);

/**
 * dlp_json_deep_copy:
 * @node: (transfer none): a JSON tree
 *
 * Copies @node all the way down; json_node_copy() shares containers.
 *
 * Returns: (transfer full): the copy
 *
 * Since: API level 2
 */
DLP_API JsonNode *dlp_json_deep_copy (JsonNode *node);

G_END_DECLS
