/* dlp-config.h: params.yaml as a tree, with typed getters.
 *
 * A DlpConfig is a view of one node of a parsed params file: the whole file,
 * a stage's section, or a plugin's settings. Every error names the file, the
 * line, the dotted key and what was expected, for example
 *   params.yaml:12: train.epochs: expected an integer, got "ten"
 * Values set on the command line (--set key=value) report "--set" instead of
 * a file and line. */
#pragma once

#include <json-glib/json-glib.h>
#include <dlpipe/dlp-param-spec.h>

G_BEGIN_DECLS

typedef struct _DlpConfig DlpConfig;

/**
 * dlp_config_load:
 * @path: (transfer none): a YAML file
 * @error: (nullable): return location for an error
 *
 * Parses a YAML file whose top level is a mapping (an empty file is an
 * empty mapping): YAML 1.2 core-schema scalars, with anchors, aliases and
 * merge keys expanded within limits.
 *
 * Returns: (transfer full) (nullable): a view of the whole file; %NULL with
 *   @error set to DLP_ERROR_IO (unreadable), DLP_ERROR_CONFIG (not UTF-8,
 *   not YAML, not a mapping, with file and line) or DLP_ERROR_LIMIT (over
 *   a YAML limit)
 */
DLP_API DlpConfig *dlp_config_load (const char *path, GError **error);

/**
 * dlp_config_parse:
 * @name: (transfer none): what stands for the file in messages
 * @text: (transfer none): YAML text
 * @length: bytes of @text, or -1 when it is NUL-terminated
 * @error: (nullable): return location for an error
 *
 * dlp_config_load() for YAML text.
 *
 * Returns: (transfer full) (nullable): a view of the whole document; %NULL
 *   with @error set to DLP_ERROR_CONFIG or DLP_ERROR_LIMIT, as
 *   dlp_config_load()
 */
DLP_API DlpConfig *dlp_config_parse (const char *name, const char *text, gssize length,
                                     GError **error);

/**
 * dlp_config_set_override:
 * @config: the view to change
 * @assignment: (transfer none): "KEY=VALUE", VALUE as YAML ("5", "[1, 2]",
 *   "{a: 1}")
 * @error: (nullable): return location for an error
 *
 * Sets the dotted KEY below @config to VALUE, creating missing mappings
 * along the way. Its messages say "--set KEY=VALUE" instead of a file and
 * line.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG (no
 *   KEY=VALUE, VALUE not YAML, KEY inside a value that is not a mapping)
 *   or DLP_ERROR_LIMIT (VALUE over a YAML limit)
 */
DLP_API gboolean dlp_config_set_override (DlpConfig *config, const char *assignment,
                                          GError **error);

/**
 * dlp_config_ref:
 * @config: the view
 *
 * Takes a reference; any thread may.
 *
 * Returns: (transfer full): @config
 */
DLP_API DlpConfig *dlp_config_ref (DlpConfig *config);

/**
 * dlp_config_unref:
 * @config: (nullable) (transfer full): the view
 *
 * Drops a reference; the document lives as long as a view of it does.
 */
DLP_API void dlp_config_unref (DlpConfig *config);

/**
 * dlp_config_get_path:
 * @config: the view
 *
 * Returns: (transfer none): the dotted path of this view ("train",
 *   "model.layers.0"; "" for the whole file)
 */
DLP_API const char *dlp_config_get_path (const DlpConfig *config);

/**
 * dlp_config_get_file:
 * @config: the view
 *
 * Returns: (transfer none): the file's name as messages give it
 */
DLP_API const char *dlp_config_get_file (const DlpConfig *config);

/**
 * dlp_config_get_location:
 * @config: the view
 *
 * Returns: (transfer full): where this view's node is: "params.yaml:12",
 *   "model.json:1:2317", or "--set train.epochs=5"
 */
DLP_API char *dlp_config_get_location (const DlpConfig *config);

/**
 * dlp_config_get_node:
 * @config: the view
 *
 * Returns: (transfer none): the node of this view, valid while @config
 *   lives; do not change it
 */
DLP_API JsonNode *dlp_config_get_node (const DlpConfig *config);

/**
 * dlp_config_key_path:
 * @config: the view
 * @key: (transfer none) (nullable): a dotted key below the view
 *
 * Returns: (transfer full): the dotted path of @key from the top of the
 *   file, for messages; the view's own for %NULL or ""
 */
DLP_API char *dlp_config_key_path (const DlpConfig *config, const char *key);

/**
 * dlp_config_lookup:
 * @config: the view
 * @key: (transfer none) (nullable): a dotted key below the view; list
 *   elements by index ("layers.0.units")
 *
 * Returns: (transfer none) (nullable): the node at @key (the view's own
 *   for %NULL or ""), valid while @config lives; %NULL if absent
 */
DLP_API JsonNode *dlp_config_lookup (const DlpConfig *config, const char *key);

/**
 * dlp_config_has:
 * @config: the view
 * @key: (transfer none) (nullable): a dotted key below the view
 *
 * Returns: %TRUE if @key is present, even without a value
 */
DLP_API gboolean dlp_config_has (const DlpConfig *config, const char *key);

/**
 * dlp_config_get_section:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @allow_missing: whether a missing key is an error
 * @error: (nullable): return location for an error
 *
 * A view of the node at @key. A key without a value ("train:") gives a
 * view of that null, which getters and dlp_config_validate() treat as an
 * empty mapping.
 *
 * Returns: (transfer full) (nullable): the view; %NULL for a missing key,
 *   with @error set to DLP_ERROR_CONFIG unless @allow_missing
 */
DLP_API DlpConfig *dlp_config_get_section (DlpConfig *config, const char *key,
                                           gboolean allow_missing, GError **error);

/**
 * dlp_config_get_list:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @error: (nullable): return location for an error
 *
 * The elements of the list at @key as views. An absent optional key gives
 * an empty array.
 *
 * Returns: (transfer full) (nullable): a new GPtrArray of DlpConfig that
 *   unrefs them; %NULL with @error set to DLP_ERROR_CONFIG (not a list, or
 *   a required key missing)
 */
DLP_API GPtrArray *dlp_config_get_list (DlpConfig *config, const char *key, GError **error);

/**
 * dlp_config_get_keys:
 * @config: the view
 *
 * Returns: (transfer full): the keys of a mapping view in file order, a new
 *   GPtrArray of strings that frees them; empty for other views
 */
DLP_API GPtrArray *dlp_config_get_keys (const DlpConfig *config);

/* Typed getters. If @key is present, its value must have the type. If it
 * is absent (or null), the view's spec default is used when there is one;
 * otherwise a required key (per spec) is an error, and an optional one
 * leaves *out as the caller set it. So a plugin without specs presets its
 * default:
 *     gint64 epochs = 10;
 *     if (!dlp_config_get_int (cfg, "epochs", &epochs, error)) return FALSE;
 * Each value read is logged at debug level (domain "dlpipe-params"). */

/**
 * dlp_config_get_bool:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: where the value goes; its preset stays for an absent optional key
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (not true or false, or a required key missing)
 */
DLP_API gboolean dlp_config_get_bool (DlpConfig *config, const char *key, gboolean *out,
                                      GError **error);

/**
 * dlp_config_get_int:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: where the value goes; its preset stays for an absent optional key
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (not an integer, or a required key missing)
 */
DLP_API gboolean dlp_config_get_int (DlpConfig *config, const char *key, gint64 *out,
                                     GError **error);

/**
 * dlp_config_get_double:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: where the value goes; its preset stays for an absent optional key
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (not a number, or a required key missing)
 */
DLP_API gboolean dlp_config_get_double (DlpConfig *config, const char *key, double *out,
                                        GError **error);

/**
 * dlp_config_get_string:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: (transfer full) (nullable): where the value goes, newly allocated;
 *   a preset is freed when replaced, so preset with g_strdup() or %NULL
 * @error: (nullable): return location for an error
 *
 * A scalar as text: numbers and booleans as written (a run name of 2024).
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (a list or mapping, or a required key missing)
 */
DLP_API gboolean dlp_config_get_string (DlpConfig *config, const char *key, char **out,
                                        GError **error);

/**
 * dlp_config_get_path_value:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: (transfer full) (nullable): where the path goes, as
 *   dlp_config_get_string()
 * @error: (nullable): return location for an error
 *
 * A string resolved against the current directory into an absolute path.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (not a string, empty, or a required key missing)
 */
DLP_API gboolean dlp_config_get_path_value (DlpConfig *config, const char *key, char **out,
                                            GError **error);

/**
 * dlp_config_path_for_record:
 * @path: (transfer none): a path
 *
 * @path as records (provenance, metadata) hold it: relative to the current
 * directory when the file lies inside it, else absolute, so that the same
 * project gives the same bytes in any checkout.
 *
 * Returns: (transfer full): the path
 *
 * Since: API level 2
 */
DLP_API char *dlp_config_path_for_record (const char *path);

/**
 * dlp_config_get_strv:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: (transfer full) (nullable): where the strings go, a new
 *   NULL-terminated array; a preset is freed when replaced
 * @error: (nullable): return location for an error
 *
 * A list of scalars as text; a lone scalar counts as a list of one.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (an element or value that is not a scalar, or a required key missing)
 */
DLP_API gboolean dlp_config_get_strv (DlpConfig *config, const char *key, GStrv *out,
                                      GError **error);

/**
 * dlp_config_get_int_list:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: (transfer full) (nullable): where the list goes, a new GArray of
 *   gint64; a preset is unreffed when replaced
 * @error: (nullable): return location for an error
 *
 * A list of integers; a lone integer counts as a list of one.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (an element that is not an integer, or a required key missing)
 */
DLP_API gboolean dlp_config_get_int_list (DlpConfig *config, const char *key, GArray **out,
                                          GError **error);

/**
 * dlp_config_get_double_list:
 * @config: the view
 * @key: (transfer none): a dotted key below the view
 * @out: (transfer full) (nullable): where the list goes, a new GArray of
 *   double; a preset is unreffed when replaced
 * @error: (nullable): return location for an error
 *
 * A list of numbers; a lone number counts as a list of one.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   (an element that is not a number, or a required key missing)
 */
DLP_API gboolean dlp_config_get_double_list (DlpConfig *config, const char *key, GArray **out,
                                             GError **error);

/**
 * dlp_config_format_double:
 * @v: a number
 * @buf: (transfer none): room for G_ASCII_DTOSTR_BUF_SIZE bytes
 *
 * Writes the shortest text that reads back as @v ("0.1", not
 * 0.10000000000000001), with '.' whatever the locale; non-finite values
 * as "nan", "inf", "-inf".
 *
 * Returns: (transfer none): @buf
 *
 * Since: API level 2
 */
DLP_API char *dlp_config_format_double (double v, char *buf);

/**
 * dlp_config_suggest:
 * @word: (transfer none): a misspelt name
 * @known: (transfer none) (nullable): the names there are, NULL-terminated
 *
 * Finds the name @word most likely misspells: one edit away (a swap of
 * neighbours included) for short words, up to three for long ones. For
 * "did you mean" hints.
 *
 * Returns: (transfer none) (nullable): an element of @known, or %NULL when
 *   none is that close
 *
 * Since: API level 2
 */
DLP_API const char *dlp_config_suggest (const char *word, const char *const *known);

/**
 * dlp_config_set_error:
 * @config: the view
 * @key: (transfer none) (nullable): a dotted key below the view
 * @error: (nullable): return location for an error
 * @format: (transfer none): a printf() format for the problem
 * @...: its arguments
 *
 * Sets @error to DLP_ERROR_CONFIG, "LOCATION: PATH.KEY: MESSAGE", the
 * location being @key's node, the nearest node above it that exists, or
 * this view's when @key is %NULL.
 */
DLP_API void dlp_config_set_error (const DlpConfig *config, const char *key, GError **error,
                                   const char *format, ...) G_GNUC_PRINTF (4, 5);

/**
 * dlp_config_validate:
 * @config: a mapping view, or a view of null (an empty mapping)
 * @specs: (transfer none): the schema, ending with DLP_PARAM_END; copied
 * @extra_keys: (transfer none) (nullable): more keys to allow,
 *   NULL-terminated
 * @error: (nullable): return location for an error
 *
 * Checks the mapping against @specs: unknown keys (with a "did you mean"
 * hint), types, ranges, choices and required keys. On success the specs
 * are attached, so that the getters fall back to their defaults.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_CONFIG
 *   naming the key (or DLP_ERROR_LIMIT, for a default in @specs too big
 *   to parse)
 */
DLP_API gboolean dlp_config_validate (DlpConfig *config, const DlpParamSpec *specs,
                                      const char *const *extra_keys, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpConfig, dlp_config_unref)

G_END_DECLS
