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

/* Parses a YAML file whose top level is a mapping (an empty file is an empty
 * mapping). YAML 1.2 core-schema scalars; anchors, aliases and merge keys
 * are expanded within limits. */
DLP_API DlpConfig *dlp_config_load (const char *path, GError **error);
/* The same for YAML text; @name stands for the file in messages. */
DLP_API DlpConfig *dlp_config_parse (const char *name, const char *text,
                                     gssize length, GError **error);
/* Applies one KEY=VALUE override, VALUE parsed as YAML ("5", "[1, 2]",
 * "{a: 1}"). Creates missing mappings along the dotted KEY. */
DLP_API gboolean dlp_config_set_override (DlpConfig *config,
                                          const char *assignment,
                                          GError **error);

DLP_API DlpConfig *dlp_config_ref (DlpConfig *config);
DLP_API void dlp_config_unref (DlpConfig *config);

/* The dotted path of this view ("" for the whole file). */
DLP_API const char *dlp_config_get_path (const DlpConfig *config);
/* The file name as it appears in messages. */
DLP_API const char *dlp_config_get_file (const DlpConfig *config);
/* "params.yaml:12" (or "--set train.epochs=5") for this view's node. */
DLP_API char *dlp_config_get_location (const DlpConfig *config);
/* The node of this view (borrowed). */
DLP_API JsonNode *dlp_config_get_node (const DlpConfig *config);
/* The dotted path of @key below this view, for messages. */
DLP_API char *dlp_config_key_path (const DlpConfig *config, const char *key);

/* The node at dotted @key below this view, or NULL if absent. */
DLP_API JsonNode *dlp_config_lookup (const DlpConfig *config, const char *key);
DLP_API gboolean dlp_config_has (const DlpConfig *config, const char *key);

/* A view of the node at @key. A key without a value ("train:") gives a
 * view of that null, which getters and dlp_config_validate treat as an
 * empty mapping. A missing key is an error unless @allow_missing, in which
 * case NULL is returned without an error. */
DLP_API DlpConfig *dlp_config_get_section (DlpConfig *config, const char *key,
                                           gboolean allow_missing,
                                           GError **error);
/* The elements of a list at @key as views (a GPtrArray of DlpConfig). */
DLP_API GPtrArray *dlp_config_get_list (DlpConfig *config, const char *key,
                                        GError **error);
/* Keys of a mapping view, in file order. */
DLP_API GPtrArray *dlp_config_get_keys (const DlpConfig *config);

/* Typed getters. If @key is present, its value must have the type. If it
 * is absent, the view's spec default is used when there is one; otherwise
 * a required key (per spec) is an error, and an optional one leaves *out as
 * the caller set it. So a plugin without specs presets its default:
 *     gint64 epochs = 10;
 *     if (!dlp_config_get_int (cfg, "epochs", &epochs, error)) return FALSE;
 */
DLP_API gboolean dlp_config_get_bool (DlpConfig *config, const char *key,
                                      gboolean *out, GError **error);
DLP_API gboolean dlp_config_get_int (DlpConfig *config, const char *key,
                                     gint64 *out, GError **error);
DLP_API gboolean dlp_config_get_double (DlpConfig *config, const char *key,
                                        double *out, GError **error);
/* *out is a newly allocated string (the caller's preset is freed if
 * replaced, so preset with g_strdup or NULL). */
DLP_API gboolean dlp_config_get_string (DlpConfig *config, const char *key,
                                        char **out, GError **error);
/* A string resolved against the current directory into an absolute path. */
DLP_API gboolean dlp_config_get_path_value (DlpConfig *config, const char *key,
                                            char **out, GError **error);
/* @path as records (provenance, metadata) hold it: relative to the current
 * directory when the file lies inside it, else absolute, so that the same
 * project gives the same bytes in any checkout. (API level 2) */
DLP_API char *dlp_config_path_for_record (const char *path);
/* A list of strings (a lone string counts as a list of one). */
DLP_API gboolean dlp_config_get_strv (DlpConfig *config, const char *key,
                                      GStrv *out, GError **error);
/* A list of integers; *out is a new GArray of gint64. */
DLP_API gboolean dlp_config_get_int_list (DlpConfig *config, const char *key,
                                          GArray **out, GError **error);
/* A list of numbers; *out is a new GArray of double. */
DLP_API gboolean dlp_config_get_double_list (DlpConfig *config,
                                             const char *key, GArray **out,
                                             GError **error);

/* The shortest text that reads back as @v ("0.1", not 0.10000000000000001),
 * '.' whatever the locale; non-finite values as "nan", "inf", "-inf".
 * @buf holds at least G_ASCII_DTOSTR_BUF_SIZE bytes; returns @buf. */
DLP_API char *dlp_config_format_double (double v, char *buf);

/* The name of @known (NULL-terminated) that @word most likely misspells:
 * one edit, swap of neighbours included, for short words, up to three for
 * long ones; NULL when none is that close. For "did you mean" hints.
 * (API level 2) */
DLP_API const char *dlp_config_suggest (const char *word, const char *const *known);

/* Sets @error to "LOCATION: PATH.KEY: MESSAGE" (DLP_ERROR_CONFIG), the
 * location being @key's node, or this view's when @key is absent or NULL. */
DLP_API void dlp_config_set_error (const DlpConfig *config, const char *key,
                                   GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* Checks this mapping against @specs (unknown keys, types, ranges, choices,
 * required keys); @extra_keys (NULL-terminated, may be NULL) are also
 * allowed. On success the specs are attached so getters use their defaults. */
DLP_API gboolean dlp_config_validate (DlpConfig *config,
                                      const DlpParamSpec *specs,
                                      const char *const *extra_keys,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpConfig, dlp_config_unref)

G_END_DECLS
