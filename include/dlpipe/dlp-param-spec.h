/* dlp-param-spec.h: the configuration schema of a plugin type.
 *
 * A type lists the keys its section of params.yaml may hold. The host checks
 * a section against the list before the plugin sees it (unknown keys, wrong
 * types, out-of-range numbers and missing required keys are errors naming
 * the file and line), `dlpipe inspect` prints it, and the config getters
 * fall back to its defaults. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef enum {
  DLP_PARAM_BOOL,
  DLP_PARAM_INT,
  DLP_PARAM_DOUBLE,
  DLP_PARAM_STRING,
  DLP_PARAM_PATH,    /* a string; relative paths resolve against the cwd */
  DLP_PARAM_ENUM,    /* a string from choices */
  DLP_PARAM_LIST,
  DLP_PARAM_MAPPING,
  DLP_PARAM_ANY,
} DlpParamType;

/**
 * DlpParamSpec:
 * @struct_size: sizeof (DlpParamSpec) as the plugin was built
 * @name: the key
 * @type: the expected kind of value
 * @description: one line for `dlpipe inspect`
 * @default_value: the default as YAML text ("0.001", "[64, 32]"), or NULL
 * @required: TRUE if the key must be present
 * @choices: for DLP_PARAM_ENUM, the accepted values separated by '|'
 * @minimum: for numbers, the smallest accepted value (when @has_range)
 * @maximum: for numbers, the largest accepted value (when @has_range)
 * @has_range: whether @minimum and @maximum apply
 *
 * Arrays of specs end with an entry whose @name is NULL. Every entry of an
 * array has the @struct_size of its first entry.
 */
typedef struct {
  gsize struct_size;
  const char *name;
  DlpParamType type;
  const char *description;
  const char *default_value;
  gboolean required;
  const char *choices;
  double minimum;
  double maximum;
  gboolean has_range;
} DlpParamSpec;

#define DLP_PARAM_END { 0 }

DLP_API const char *dlp_param_type_name (DlpParamType type);

G_END_DECLS
