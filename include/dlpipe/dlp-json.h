/* dlp-json.h: reading JSON that may be hostile.
 *
 * json-glib recurses once per nesting level, so a document of a few
 * hundred kilobytes of '[' overflows the stack. Every JSON text dlpipe
 * reads (safetensors headers and metadata, architecture files, package
 * files, spool and run files, tracking server answers, request bodies)
 * goes through dlp_json_parse(), which measures the nesting first and
 * refuses a document deeper than DLP_LIMIT_YAML_DEPTH (64; its variable
 * may raise it to 2000 at most). Added at API level 2. */
#pragma once

#include <json-glib/json-glib.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

/* The nesting depth of JSON @text: the most '[' and '{' open at once,
 * outside strings. Linear, without recursion; text that is not JSON gets
 * a depth too. */
DLP_API guint dlp_json_depth (const char *text, gsize length);

/* FALSE with DLP_ERROR_LIMIT, "WHAT: JSON nested deeper than N levels
 * (raise the limit with DLPIPE_LIMIT_YAML_DEPTH)", when @text is nested
 * deeper than the limit in force. */
DLP_API gboolean dlp_json_check_depth (const char *text, gsize length, const char *what,
                                       GError **error);

/* Parses JSON text (@length -1: NUL-terminated) into a new mutable tree
 * (transfer full). Too deep: DLP_ERROR_LIMIT; not JSON: DLP_ERROR_FORMAT
 * with json-glib's line and column. Messages start with @what. */
DLP_API JsonNode *dlp_json_parse (const char *text, gssize length, const char *what,
                                  GError **error);

/* A copy of @node all the way down (json_node_copy() shares containers). */
DLP_API JsonNode *dlp_json_deep_copy (JsonNode *node);

G_END_DECLS
