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
 * What such a document holds may be anything: the dlp_json_get_* readers
 * give NULL, or a fallback, for a member that is missing or of another
 * type, never a GLib critical.
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

/* --- reading members that may be missing or of another type --- */

/**
 * dlp_json_get_string:
 * @object: (nullable): the object, or NULL
 * @name: the member
 *
 * Returns: (transfer none) (nullable): the string member @name of @object,
 *   or NULL when @object is NULL or the member is missing or not a string
 *
 * Since: API level 2
 */
DLP_API const char *dlp_json_get_string (JsonObject *object, const char *name);

/**
 * dlp_json_get_int:
 * @object: (nullable): the object, or NULL
 * @name: the member
 * @fallback: what a missing member, or one that is not an integer, reads as
 *
 * Returns: the integer member @name of @object, or @fallback
 *
 * Since: API level 2
 */
DLP_API gint64 dlp_json_get_int (JsonObject *object, const char *name, gint64 fallback);

/**
 * dlp_json_get_double:
 * @object: (nullable): the object, or NULL
 * @name: the member
 * @fallback: what a missing member, or one of another kind, reads as
 *
 * Reads a number as dlp_json_set_double() writes it: a JSON number, or
 * the text "NaN", "Infinity" or "-Infinity" (as protobuf's JSON writes
 * those, which JSON numbers cannot be).
 *
 * Returns: the number member @name of @object, or @fallback
 *
 * Since: API level 2
 */
DLP_API double dlp_json_get_double (JsonObject *object, const char *name, double fallback);

/**
 * dlp_json_get_object:
 * @object: (nullable): the object, or NULL
 * @name: the member
 *
 * Returns: (transfer none) (nullable): the object member @name of
 *   @object, or NULL when it is missing or not an object
 *
 * Since: API level 2
 */
DLP_API JsonObject *dlp_json_get_object (JsonObject *object, const char *name);

/**
 * dlp_json_get_array:
 * @object: (nullable): the object, or NULL
 * @name: the member
 *
 * Returns: (transfer none) (nullable): the array member @name of @object,
 *   or NULL when it is missing or not an array
 *
 * Since: API level 2
 */
DLP_API JsonArray *dlp_json_get_array (JsonObject *object, const char *name);

/**
 * dlp_json_array_get_object:
 * @array: (nullable): the array, or NULL
 * @index: the element
 *
 * Returns: (transfer none) (nullable): element @index of @array when
 *   there is one and it is an object, else NULL
 *
 * Since: API level 2
 */
DLP_API JsonObject *dlp_json_array_get_object (JsonArray *array, guint index);

/* --- building --- */

/**
 * dlp_json_set_double:
 * @object: the object
 * @name: the member
 * @value: any double
 *
 * Sets the number member @name, a NaN or an infinity as the text
 * dlp_json_get_double() reads ("NaN", "Infinity", "-Infinity").
 *
 * Since: API level 2
 */
DLP_API void dlp_json_set_double (JsonObject *object, const char *name, double value);

/**
 * dlp_json_node_new_object:
 * @object: (transfer full) (nullable): the object, or NULL for a new
 *   empty one
 *
 * A node holding @object, which it takes (json_node_init_object() adds a
 * reference of its own instead).
 *
 * Returns: (transfer full): the node
 *
 * Since: API level 2
 */
DLP_API JsonNode *dlp_json_node_new_object (JsonObject *object);

/**
 * dlp_json_node_new_array:
 * @array: (transfer full) (nullable): the array, or NULL for a new empty
 *   one
 *
 * A node holding @array, which it takes.
 *
 * Returns: (transfer full): the node
 *
 * Since: API level 2
 */
DLP_API JsonNode *dlp_json_node_new_array (JsonArray *array);

G_END_DECLS
