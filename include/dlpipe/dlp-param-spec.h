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
 * @flags: DLP_PARAM_FLAG_*, 0 in older plugins. Since: API level 2
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
  guint32 flags;  /* Since: API level 2 */
} DlpParamSpec;

/* For a layer's settings, which architecture files carry as Keras writes
 * them. The rule for a Keras key dlpipe lacks the feature of: its value
 * is accepted when it is Keras' default (or null), and refused otherwise,
 * naming the key and that default.
 *
 * DLP_PARAM_FLAG_KERAS_DEFAULT: dlpipe has only Keras' behaviour at
 *   @default_value, which must be Keras' default; the key is accepted at
 *   it or null, any other value is refused, and it is not written back
 *   (Keras fills in its default).
 * DLP_PARAM_FLAG_NOT_KERAS: not a Keras 3 setting (dlpipe's own, or Keras
 *   2's); written back only when it differs from @default_value, so that
 *   Keras 3 loads the file. */
#define DLP_PARAM_FLAG_KERAS_DEFAULT (1u << 0)  /* Since: API level 2 */
#define DLP_PARAM_FLAG_NOT_KERAS (1u << 1)      /* Since: API level 2 */

/* The spec of a Keras setting dlpipe has only at Keras' default @value
 * (YAML text, "false" or "null"). Since: API level 2 */
#define DLP_PARAM_KERAS_DEFAULT(name, type, description, value) \
  { sizeof (DlpParamSpec), name, type, description, value, \
    .flags = DLP_PARAM_FLAG_KERAS_DEFAULT }

#define DLP_PARAM_END { 0 }

/**
 * dlp_param_type_name:
 * @type: a setting's type
 *
 * Returns: (transfer none): its name as `dlpipe inspect` shows it ("int",
 *   "enum"), "?" for a value outside DlpParamType
 */
DLP_API const char *dlp_param_type_name (DlpParamType type);

G_END_DECLS
