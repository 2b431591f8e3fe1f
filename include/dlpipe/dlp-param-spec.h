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
  DLP_PARAM_PATH, /* a string; relative paths resolve against the cwd */
  DLP_PARAM_ENUM, /* a string from choices */
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
  guint32 flags; /* Since: API level 2 */
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
#define DLP_PARAM_FLAG_KERAS_DEFAULT (1u << 0) /* Since: API level 2 */
#define DLP_PARAM_FLAG_NOT_KERAS (1u << 1)     /* Since: API level 2 */

/* The spec of a Keras setting dlpipe has only at Keras' default @value
 * (YAML text, "false" or "null"). Since: API level 2 */
/* clang-format off */
#define DLP_PARAM_KERAS_DEFAULT(name, type, description, value) \
  { sizeof (DlpParamSpec), name, type, description, value, \
    .flags = DLP_PARAM_FLAG_KERAS_DEFAULT }
/* clang-format on */

/* clang-format off */
#define DLP_PARAM_END { 0 }
/* clang-format on */

/* Constructors of the rows of a spec array, one per kind of setting, so
 * that a row names what it sets:
 *
 *   static const DlpParamSpec conv_params[] = {
 *     DLP_PARAM_REQUIRED_INT ("filters", "Output channels", 1, 16777216),
 *     DLP_PARAM_ENUM ("padding", "Border handling", "valid", "valid|same"),
 *     DLP_PARAM_BOOL ("use_bias", "Adds a bias", "true"),
 *     DLP_PARAM_END
 *   };
 *
 * Each gives the struct written out field by field, @struct_size set, and
 * the fields it does not name zero. In all of them @key is the key, @what
 * the line for `dlpipe inspect` and @value the default as YAML text, or
 * NULL for none. */

/**
 * DLP_PARAM_BOOL:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default ("true", "false"), or NULL
 *
 * An optional boolean setting.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_BOOL(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_BOOL, what, value)
/* clang-format on */

/**
 * DLP_PARAM_INT:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 * @min: the smallest value accepted
 * @max: the largest value accepted
 *
 * An optional integer setting in [@min, @max].
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_INT(key, what, value, min, max) \
  DLP_PARAM_RANGED_ (key, DLP_PARAM_INT, what, value, min, max, FALSE, 0)
/* clang-format on */

/**
 * DLP_PARAM_INT_UNBOUNDED:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 *
 * An optional integer setting of any value (a seed).
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_INT_UNBOUNDED(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_INT, what, value)
/* clang-format on */

/**
 * DLP_PARAM_DOUBLE:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 * @min: the smallest value accepted
 * @max: the largest value accepted
 *
 * An optional number in [@min, @max].
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_DOUBLE(key, what, value, min, max) \
  DLP_PARAM_RANGED_ (key, DLP_PARAM_DOUBLE, what, value, min, max, FALSE, 0)
/* clang-format on */

/**
 * DLP_PARAM_DOUBLE_UNBOUNDED:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 *
 * An optional number of any value.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_DOUBLE_UNBOUNDED(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_DOUBLE, what, value)
/* clang-format on */

/**
 * DLP_PARAM_STRING:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 *
 * An optional string setting.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_STRING(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_STRING, what, value)
/* clang-format on */

/**
 * DLP_PARAM_PATH:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 *
 * An optional path setting.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_PATH(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_PATH, what, value)
/* clang-format on */

/**
 * DLP_PARAM_ENUM:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, one of @allowed, or NULL
 * @allowed: the accepted values separated by '|' ("valid|same")
 *
 * An optional setting that is one of a few strings.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_ENUM(key, what, value, allowed)                                \
  { .struct_size = sizeof (DlpParamSpec), .name = (key), .type = DLP_PARAM_ENUM, \
    .description = (what), .default_value = (value), .choices = (allowed) }
/* clang-format on */

/**
 * DLP_PARAM_LIST:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default ("[64, 32]"), or NULL
 *
 * An optional list setting.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_LIST(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_LIST, what, value)
/* clang-format on */

/**
 * DLP_PARAM_MAPPING:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default ("{type: adam}"), or NULL
 *
 * An optional mapping setting.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_MAPPING(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_MAPPING, what, value)
/* clang-format on */

/**
 * DLP_PARAM_ANY:
 * @key: the key
 * @what: its description
 * @value: (nullable): the default, or NULL
 *
 * An optional setting of any type, which the plugin checks itself.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_ANY(key, what, value) \
  DLP_PARAM_ROW_ (key, DLP_PARAM_ANY, what, value)
/* clang-format on */

/**
 * DLP_PARAM_REQUIRED:
 * @key: the key
 * @kind: its #DlpParamType
 * @what: its description
 *
 * A setting of @kind that must be present, without a range.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_REQUIRED(key, kind, what)                              \
  { .struct_size = sizeof (DlpParamSpec), .name = (key), .type = (kind), \
    .description = (what), .required = TRUE }
/* clang-format on */

/**
 * DLP_PARAM_REQUIRED_INT:
 * @key: the key
 * @what: its description
 * @min: the smallest value accepted
 * @max: the largest value accepted
 *
 * An integer setting in [@min, @max] that must be present.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_REQUIRED_INT(key, what, min, max) \
  DLP_PARAM_RANGED_ (key, DLP_PARAM_INT, what, NULL, min, max, TRUE, 0)
/* clang-format on */

/**
 * DLP_PARAM_REQUIRED_DOUBLE:
 * @key: the key
 * @what: its description
 * @min: the smallest value accepted
 * @max: the largest value accepted
 *
 * A number in [@min, @max] that must be present.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_REQUIRED_DOUBLE(key, what, min, max) \
  DLP_PARAM_RANGED_ (key, DLP_PARAM_DOUBLE, what, NULL, min, max, TRUE, 0)
/* clang-format on */

/**
 * DLP_PARAM_INT_NOT_KERAS:
 * @key: the key
 * @what: its description
 * @value: the default
 * @min: the smallest value accepted
 * @max: the largest value accepted
 *
 * DLP_PARAM_INT with DLP_PARAM_FLAG_NOT_KERAS: a layer's integer setting
 * that Keras 3 does not know, written back only when not at @value.
 *
 * Since: API level 2
 */
/* clang-format off */
#define DLP_PARAM_INT_NOT_KERAS(key, what, value, min, max) \
  DLP_PARAM_RANGED_ (key, DLP_PARAM_INT, what, value, min, max, FALSE, DLP_PARAM_FLAG_NOT_KERAS)
/* clang-format on */

/* What the constructors above expand to; not for direct use. */
/* clang-format off */
#define DLP_PARAM_ROW_(key, kind, what, value)                           \
  { .struct_size = sizeof (DlpParamSpec), .name = (key), .type = (kind), \
    .description = (what), .default_value = (value) }
#define DLP_PARAM_RANGED_(key, kind, what, value, min, max, must, flag_bits) \
  { .struct_size = sizeof (DlpParamSpec), .name = (key), .type = (kind),     \
    .description = (what), .default_value = (value), .required = (must),     \
    .minimum = (min), .maximum = (max), .has_range = TRUE, .flags = (flag_bits) }
/* clang-format on */

/**
 * dlp_param_type_name:
 * @type: a setting's type
 *
 * Returns: (transfer none): its name as `dlpipe inspect` shows it ("int",
 *   "enum"), "?" for a value outside DlpParamType
 */
DLP_API const char *dlp_param_type_name (DlpParamType type);

G_END_DECLS
