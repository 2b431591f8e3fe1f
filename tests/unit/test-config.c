/* test-config.c: params.yaml parsing, typed getters, overrides, specs. */
#include <math.h>
#include <string.h>
#include "dlp-check.h"

static const char *params_text = "# the default pipeline\n"                          /* 1 */
                                 "data_ingestion:\n"                                 /* 2 */
                                 "  source: idx\n"                                   /* 3 */
                                 "  path: data/fashion\n"                            /* 4 */
                                 "data_split:\n"                                     /* 5 */
                                 "  test_size: 0.2\n"                                /* 6 */
                                 "  stratify: true\n"                                /* 7 */
                                 "model:\n"                                          /* 8 */
                                 "  input_shape: [28, 28, 1]\n"                      /* 9 */
                                 "train:\n"                                          /* 10 */
                                 "  batch_size: 64\n"                                /* 11 */
                                 "  epochs: ten\n"                                   /* 12 */
                                 "  optimizer: {type: adam, learning_rate: 0.001}\n" /* 13 */
                                 "  classes: [shirt, 7, true]\n"                     /* 14 */
                                 "  steps:\n"                                        /* 15 */
                                 "    - drop_nulls: {}\n"                            /* 16 */
                                 "    - normalize: {factor: 0.5}\n";                 /* 17 */

static DlpConfig *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  DlpConfig *cfg = dlp_config_parse ("params.yaml", text, -1, &error);
  dlp_assert_no_error (error);
  return cfg;
}

static GError *
parse_error (const char *text)
{
  GError *error = NULL;
  DlpConfig *cfg = dlp_config_parse ("params.yaml", text, -1, &error);
  ck_assert_ptr_null (cfg);
  ck_assert_ptr_nonnull (error);
  return error;
}

START_TEST (test_typed_getters)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autoptr (GError) error = NULL;
  double test_size = 0;
  ck_assert (dlp_config_get_double (root, "data_split.test_size", &test_size, &error));
  ck_assert_double_eq (test_size, 0.2);
  gboolean stratify = FALSE;
  ck_assert (dlp_config_get_bool (root, "data_split.stratify", &stratify, &error));
  ck_assert (stratify);
  gint64 batch = 0;
  ck_assert (dlp_config_get_int (root, "train.batch_size", &batch, &error));
  ck_assert_int_eq (batch, 64);
  /* An integer is a fine number. */
  double batch_d = 0;
  ck_assert (dlp_config_get_double (root, "train.batch_size", &batch_d, &error));
  ck_assert_double_eq (batch_d, 64);
  g_autofree char *type = NULL;
  ck_assert (dlp_config_get_string (root, "train.optimizer.type", &type, &error));
  ck_assert_str_eq (type, "adam");
  g_autoptr (GArray) shape = NULL;
  ck_assert (dlp_config_get_int_list (root, "model.input_shape", &shape, &error));
  ck_assert_uint_eq (shape->len, 3);
  ck_assert_int_eq (g_array_index (shape, gint64, 1), 28);
  g_auto (GStrv) classes = NULL;
  ck_assert (dlp_config_get_strv (root, "train.classes", &classes, &error));
  ck_assert_str_eq (classes[1], "7");
  ck_assert_str_eq (classes[2], "true");
  /* Absent optional keys leave the caller's default. */
  gint64 seed = 42;
  ck_assert (dlp_config_get_int (root, "train.seed", &seed, &error));
  ck_assert_int_eq (seed, 42);
  dlp_assert_no_error (error);
}
END_TEST

START_TEST (test_type_error_names_file_line_key)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autoptr (GError) error = NULL;
  gint64 epochs = 0;
  ck_assert (!dlp_config_get_int (root, "train.epochs", &epochs, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, NULL);
  ck_assert_str_eq (error->message,
                    "params.yaml:12: train.epochs: expected an integer, got \"ten\"");
  g_clear_error (&error);

  g_autoptr (DlpConfig) train = dlp_config_get_section (root, "train", FALSE, &error);
  double lr;
  ck_assert (!dlp_config_get_double (train, "optimizer", &lr, &error));
  ck_assert_str_eq (error->message,
                    "params.yaml:13: train.optimizer: expected a number, got a mapping");
  g_clear_error (&error);
  gboolean b;
  ck_assert (!dlp_config_get_bool (train, "batch_size", &b, &error));
  ck_assert_str_eq (error->message,
                    "params.yaml:11: train.batch_size: expected true or false, got 64");
  g_clear_error (&error);
  g_autoptr (GArray) ints = NULL;
  ck_assert (!dlp_config_get_int_list (train, "classes", &ints, &error));
  ck_assert_str_eq (error->message,
                    "params.yaml:14: train.classes: expected a list of integers, got a list");
}
END_TEST

START_TEST (test_missing_section_and_required_key)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_config_get_section (root, "tracking", FALSE, &error));
  ck_assert_str_eq (error->message, "params.yaml: tracking: required section is missing");
  g_clear_error (&error);
  ck_assert_ptr_null (dlp_config_get_section (root, "tracking", TRUE, &error));
  dlp_assert_no_error (error);

  static const DlpParamSpec specs[] = {
    DLP_PARAM_INT_UNBOUNDED ("batch_size", "rows per step", "32"),
    DLP_PARAM_ANY ("epochs", "passes", NULL),
    DLP_PARAM_REQUIRED ("seed", DLP_PARAM_INT, "random seed"),
    DLP_PARAM_END,
  };
  g_autoptr (DlpConfig) train = dlp_config_get_section (root, "train", FALSE, &error);
  const char *extra[] = { "optimizer", "classes", "steps", NULL };
  ck_assert (!dlp_config_validate (train, specs, extra, &error));
  ck_assert_str_eq (error->message, "params.yaml:10: train.seed: required key is missing");
}
END_TEST

START_TEST (test_validate_against_specs)
{
  static const DlpParamSpec specs[] = {
    DLP_PARAM_ENUM ("method", "how", "scale", "scale|minmax|zscore"),
    DLP_PARAM_DOUBLE ("factor", "multiplier", "1.0", 0, 10),
    DLP_PARAM_LIST ("columns", "which columns", "[]"),
    DLP_PARAM_INT ("epochs", "passes", "10", 1, 1000),
    DLP_PARAM_END,
  };
  struct {
    const char *yaml, *message;
  } bad[] = {
    { "s:\n  method: sideways\n",
      "params.yaml:2: s.method: expected one of scale, minmax, zscore, got \"sideways\"" },
    { "s:\n  factor: 11\n", "params.yaml:2: s.factor: expected a number from 0 to 10, got 11" },
    { "s:\n  epochs: 0\n", "params.yaml:2: s.epochs: expected an integer from 1 to 1000, got 0" },
    { "s:\n  epochs: 2.5\n",
      "params.yaml:2: s.epochs: expected an integer from 1 to 1000, got 2.5" },
    { "s:\n  columns: a\n", "params.yaml:2: s.columns: expected a list, got \"a\"" },
    { "s:\n  colums: [a]\n", "params.yaml:2: s.colums: unknown key; did you mean 'columns'? (known "
                             "keys: method, factor, columns, epochs)" },
    { "s: [1]\n", "params.yaml:1: s: expected a mapping of settings, got a list" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (DlpConfig) root = parse (bad[i].yaml);
      g_autoptr (DlpConfig) s = dlp_config_get_section (root, "s", FALSE, NULL);
      g_autoptr (GError) error = NULL;
      ck_assert (!dlp_config_validate (s, specs, NULL, &error));
      ck_assert_str_eq (error->message, bad[i].message);
    }

  /* A key with no value is an empty section. */
  {
    g_autoptr (DlpConfig) root = parse ("s:\n");
    g_autoptr (GError) error = NULL;
    g_autoptr (DlpConfig) s = dlp_config_get_section (root, "s", FALSE, &error);
    ck_assert_ptr_nonnull (s);
    ck_assert (dlp_config_validate (s, specs, NULL, &error));
    gint64 epochs = 0;
    ck_assert (dlp_config_get_int (s, "epochs", &epochs, &error));
    ck_assert_int_eq (epochs, 10);
  }

  /* Valid: defaults come from the specs. */
  g_autoptr (DlpConfig) root = parse ("s:\n  method: minmax\n  epochs: ~\n");
  g_autoptr (DlpConfig) s = dlp_config_get_section (root, "s", FALSE, NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_config_validate (s, specs, NULL, &error));
  dlp_assert_no_error (error);
  double factor = -1;
  gint64 epochs = -1;
  g_autofree char *method = NULL;
  ck_assert (dlp_config_get_double (s, "factor", &factor, &error));
  ck_assert (dlp_config_get_int (s, "epochs", &epochs, &error));
  ck_assert (dlp_config_get_string (s, "method", &method, &error));
  ck_assert_double_eq (factor, 1.0);
  ck_assert_int_eq (epochs, 10);
  ck_assert_str_eq (method, "minmax");
  g_autoptr (GPtrArray) cols = dlp_config_get_list (s, "columns", &error);
  ck_assert_uint_eq (cols->len, 0);
}
END_TEST

START_TEST (test_yaml_syntax_errors_have_lines)
{
  struct {
    const char *yaml, *needle;
  } cases[] = {
    { "a: 1\nb: [1, 2\nc: 3\n", "params.yaml:" },
    { "a: 1\na: 2\n", "params.yaml:2: duplicate key 'a'" },
    { "- 1\n- 2\n", "expected a mapping of sections at the top level, got a list" },
    { "a: 1\n---\nb: 2\n", "params.yaml:2: expected a single YAML document" },
    { "a: *nowhere\n", "params.yaml:1: unknown anchor 'nowhere'" },
    { "a: 99999999999999999999\n", "params.yaml:1: integer 99999999999999999999 is out of range" },
    { "a: !!int abc\n", "params.yaml:1: 'abc' does not match its tag" },
    { "a: !custom 1\n", "params.yaml:1: unsupported tag '!custom'" },
    { "? [1]\n: 2\n", "params.yaml:1: mapping keys must be plain strings" },
    { "a:\n\tb: 1\n", "params.yaml:2:" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = parse_error (cases[i].yaml);
      dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, cases[i].needle);
    }
}
END_TEST

START_TEST (test_scalars_follow_yaml_core_schema)
{
  g_autoptr (DlpConfig) root =
    parse ("n1: ~\nn2: null\nn3:\nt: True\nf: false\ni: -12\nh: 0x1F\no: 0o17\n"
           "d: 1.5\ne: 1e-3\ninf: -.inf\nnan: .nan\nq: '5'\ns: 012abc\nu: 1_000\n"
           "tagged: !!str 5\nyes: yes\n");
  JsonNode *n;
  ck_assert (JSON_NODE_HOLDS_NULL (dlp_config_lookup (root, "n1")));
  ck_assert (JSON_NODE_HOLDS_NULL (dlp_config_lookup (root, "n2")));
  ck_assert (JSON_NODE_HOLDS_NULL (dlp_config_lookup (root, "n3")));
  ck_assert (json_node_get_boolean (dlp_config_lookup (root, "t")));
  ck_assert (!json_node_get_boolean (dlp_config_lookup (root, "f")));
  ck_assert_int_eq (json_node_get_int (dlp_config_lookup (root, "i")), -12);
  ck_assert_int_eq (json_node_get_int (dlp_config_lookup (root, "h")), 31);
  ck_assert_int_eq (json_node_get_int (dlp_config_lookup (root, "o")), 15);
  ck_assert_double_eq (json_node_get_double (dlp_config_lookup (root, "d")), 1.5);
  ck_assert_double_eq (json_node_get_double (dlp_config_lookup (root, "e")), 0.001);
  ck_assert (isinf (json_node_get_double (dlp_config_lookup (root, "inf"))));
  ck_assert (isnan (json_node_get_double (dlp_config_lookup (root, "nan"))));
  n = dlp_config_lookup (root, "q");
  ck_assert_str_eq (json_node_get_string (n), "5");
  ck_assert_str_eq (json_node_get_string (dlp_config_lookup (root, "s")), "012abc");
  ck_assert_str_eq (json_node_get_string (dlp_config_lookup (root, "u")), "1_000");
  ck_assert_str_eq (json_node_get_string (dlp_config_lookup (root, "tagged")), "5");
  /* YAML 1.2: yes is a string, not a boolean. */
  ck_assert_str_eq (json_node_get_string (dlp_config_lookup (root, "yes")), "yes");
}
END_TEST

START_TEST (test_anchors_aliases_and_merge_keys)
{
  g_autoptr (DlpConfig) root = parse ("base: &base {batch_size: 32, epochs: 5}\n"
                                      "fast:\n  <<: *base\n  epochs: 1\n"
                                      "list: &l [1, 2]\n"
                                      "copy: *l\n");
  g_autoptr (GError) error = NULL;
  gint64 v = 0;
  ck_assert (dlp_config_get_int (root, "fast.batch_size", &v, &error));
  ck_assert_int_eq (v, 32);
  ck_assert (dlp_config_get_int (root, "fast.epochs", &v, &error));
  ck_assert_int_eq (v, 1);
  ck_assert (dlp_config_get_int (root, "copy.1", &v, &error));
  ck_assert_int_eq (v, 2);
  ck_assert (!dlp_config_has (root, "fast.<<"));
  /* The copy is a copy: changing it leaves the original alone. */
  ck_assert (dlp_config_set_override (root, "copy.0=9", &error));
  ck_assert (dlp_config_get_int (root, "list.0", &v, &error));
  ck_assert_int_eq (v, 1);
}
END_TEST

START_TEST (test_alias_bomb_fails_fast)
{
  GString *s = g_string_new ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 10; i++)
    {
      g_string_append_printf (s, "a%d: &a%d [", i, i);
      for (int j = 0; j < 10; j++)
        g_string_append_printf (s, "%s*a%d", j ? ", " : "", i - 1);
      g_string_append (s, "]\n");
    }
  g_autoptr (GError) error = parse_error (s->str);
  g_string_free (s, TRUE);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                    "document expands to more nodes than 100000 (raise the limit with "
                    "DLPIPE_LIMIT_YAML_NODES)");
}
END_TEST

START_TEST (test_nesting_limit)
{
  GString *s = g_string_new ("a: ");
  for (int i = 0; i < 100; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 100; i++)
    g_string_append_c (s, ']');
  g_autoptr (GError) error = parse_error (s->str);
  g_string_free (s, TRUE);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "nested deeper than 64");
}
END_TEST

START_TEST (test_empty_file_is_empty_mapping)
{
  g_autoptr (DlpConfig) root = parse ("# nothing yet\n");
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (root);
  ck_assert_uint_eq (keys->len, 0);
}
END_TEST

START_TEST (test_overrides)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_config_set_override (root, "train.epochs=5", &error));
  ck_assert (dlp_config_set_override (root, "tracking.mlflow.experiment=fmnist", &error));
  ck_assert (dlp_config_set_override (root, "model.input_shape=[784]", &error));
  ck_assert (dlp_config_set_override (root, "train.steps.1={scale: 2}", &error));
  dlp_assert_no_error (error);
  gint64 epochs = 0;
  ck_assert (dlp_config_get_int (root, "train.epochs", &epochs, &error));
  ck_assert_int_eq (epochs, 5);
  g_autofree char *exp = NULL;
  ck_assert (dlp_config_get_string (root, "tracking.mlflow.experiment", &exp, &error));
  ck_assert_str_eq (exp, "fmnist");
  g_autoptr (GArray) shape = NULL;
  ck_assert (dlp_config_get_int_list (root, "model.input_shape", &shape, &error));
  ck_assert_uint_eq (shape->len, 1);
  gint64 scale = 0;
  ck_assert (dlp_config_get_int (root, "train.steps.1.scale", &scale, &error));
  ck_assert_int_eq (scale, 2);
  ck_assert (dlp_config_has (root, "train.steps.0.drop_nulls"));

  ck_assert (dlp_config_set_override (root, "train.batch_size=big", &error));
  gint64 batch;
  ck_assert (!dlp_config_get_int (root, "train.batch_size", &batch, &error));
  ck_assert_str_eq (
    error->message,
    "--set train.batch_size=big: train.batch_size: expected an integer, got \"big\"");
  g_clear_error (&error);

  ck_assert (!dlp_config_set_override (root, "train.epochs.x=1", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "not a mapping");
  g_clear_error (&error);
  ck_assert (!dlp_config_set_override (root, "epochs", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "expected KEY=VALUE");
  g_clear_error (&error);
  ck_assert (!dlp_config_set_override (root, "a..b=1", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "expected KEY=VALUE");
  g_clear_error (&error);
  ck_assert (!dlp_config_set_override (root, "a=[1", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "--set a=[1");
}
END_TEST

/* A default parsed after an override must not take the text of the node
 * the override replaced: the allocator hands the freed address out again,
 * so many defaults are read to be sure one of them gets it. */
START_TEST (test_override_leaves_defaults_alone)
{
  enum { N_SPECS = 256 };
  DlpParamSpec specs[N_SPECS + 1] = { 0 };
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < N_SPECS; i++)
    {
      g_ptr_array_add (names, g_strdup_printf ("setting_%u", i));
      specs[i] = (DlpParamSpec) DLP_PARAM_STRING (names->pdata[i], "", "relu");
    }
  const char *sets[] = { "train.epochs=1", "train.name=other", "model.seed=3", "train.list.0=9",
                         "train.epochs={a: 1}" };
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr (DlpConfig) root = parse ("train: {epochs: 12, name: mlflow, list: [5]}\n"
                                          "model: {seed: 42, mlp: {}}\n");
      g_autoptr (GError) error = NULL;
      ck_assert (dlp_config_set_override (root, sets[i], &error));
      g_autoptr (DlpConfig) mlp = dlp_config_get_section (root, "model.mlp", FALSE, &error);
      ck_assert (dlp_config_validate (mlp, specs, NULL, &error));
      for (guint k = 0; k < N_SPECS; k++)
        {
          g_autofree char *value = NULL;
          ck_assert (dlp_config_get_string (mlp, names->pdata[k], &value, &error));
          ck_assert_msg (strcmp (value, "relu") == 0,
                         "after --set %s, the default of %s "
                         "reads \"%s\"",
                         sets[i], (char *) names->pdata[k], value);
        }
    }
}
END_TEST

typedef struct {
  GPtrArray *keys;
  GPtrArray *values;
} Leaves;

static Leaves
leaves_of (DlpConfig *root)
{
  g_autoptr (GPtrArray) flat = dlp_config_flatten (root);
  Leaves l = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  for (guint i = 0; i < flat->len; i++)
    {
      DlpConfigLeaf *leaf = g_ptr_array_index (flat, i);
      g_ptr_array_add (l.keys, g_strdup (leaf->key));
      g_ptr_array_add (l.values, g_strdup (leaf->value));
    }
  return l;
}

static void
leaves_clear (Leaves *l)
{
  g_ptr_array_unref (l->keys);
  g_ptr_array_unref (l->values);
}

/* Overrides keys @a and @b (b may equal a) with new strings and checks
 * that every leaf of the file then reads as written: the new strings
 * where set, the file's text elsewhere, and spec defaults unchanged. */
static void
check_overrides (const char *file, const Leaves *orig, guint a, guint b)
{
  static const DlpParamSpec specs[] = {
    DLP_PARAM_STRING ("probe_text", "", "default text"),
    DLP_PARAM_LIST ("probe_list", "", "[1, 2]"),
    DLP_PARAM_END,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) root = dlp_config_load (file, &error);
  dlp_assert_no_error (error);
  guint set[2] = { a, b };
  for (guint k = 0; k < (a == b ? 1u : 2u); k++)
    {
      g_autofree char *assignment =
        g_strdup_printf ("%s='set %u'", (char *) orig->keys->pdata[set[k]], set[k]);
      ck_assert_msg (dlp_config_set_override (root, assignment, &error), "%s: --set %s: %s", file,
                     assignment, error ? error->message : "");
    }
  g_autoptr (DlpConfig) probe = parse ("{}");
  ck_assert (dlp_config_validate (probe, specs, NULL, &error));

  Leaves now = leaves_of (root);
  ck_assert_uint_eq (now.keys->len, orig->keys->len);
  for (guint i = 0; i < orig->keys->len; i++)
    {
      const char *key = orig->keys->pdata[i];
      g_autofree char *expected =
        (i == a || i == b) ? g_strdup_printf ("set %u", i) : g_strdup (orig->values->pdata[i]);
      ck_assert_str_eq (now.keys->pdata[i], key);
      ck_assert_msg (strcmp (now.values->pdata[i], expected) == 0,
                     "%s: after --set of %s and %s, %s reads \"%s\", expected \"%s\"", file,
                     (char *) orig->keys->pdata[a], (char *) orig->keys->pdata[b], key,
                     (char *) now.values->pdata[i], expected);
      JsonNode *node = dlp_config_lookup (root, key);
      if (JSON_NODE_HOLDS_VALUE (node))
        {
          g_autofree char *text = NULL;
          ck_assert (dlp_config_get_string (root, key, &text, &error));
          ck_assert_msg (strcmp (text, expected) == 0, "%s: %s reads \"%s\", expected \"%s\"", file,
                         key, text, expected);
        }
    }
  leaves_clear (&now);
  g_autofree char *text = NULL;
  g_autoptr (GArray) list = NULL;
  ck_assert (dlp_config_get_string (probe, "probe_text", &text, &error));
  ck_assert (dlp_config_get_int_list (probe, "probe_list", &list, &error));
  ck_assert_str_eq (text, "default text");
  ck_assert_uint_eq (list->len, 2);
  ck_assert_int_eq (g_array_index (list, gint64, 1), 2);
}

/* Every key of every shipped params.yaml, overridden alone and in pairs. */
START_TEST (test_overrides_of_shipped_pipelines)
{
  const char *root_dir = g_getenv ("DLP_TEST_SOURCE_ROOT");
  ck_assert_ptr_nonnull (root_dir);
  const char *files[] = { "params.yaml", "pipelines/fashion-mnist-mlp/params.yaml",
                          "pipelines/fashion-mnist-cnn/params.yaml",
                          "pipelines/fashion-mnist-lstm/params.yaml",
                          "pipelines/penguins-mlp/params.yaml" };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *file = g_build_filename (root_dir, files[f], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (DlpConfig) root = dlp_config_load (file, &error);
      dlp_assert_no_error (error);
      Leaves orig = leaves_of (root);
      ck_assert_uint_gt (orig.keys->len, 15);
      for (guint a = 0; a < orig.keys->len; a++)
        for (guint b = a; b < orig.keys->len; b++)
          check_overrides (file, &orig, a, b);
      leaves_clear (&orig);
    }
}
END_TEST

START_TEST (test_lists_of_sections)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) steps = dlp_config_get_list (root, "train.steps", &error);
  dlp_assert_no_error (error);
  ck_assert_uint_eq (steps->len, 2);
  DlpConfig *second = g_ptr_array_index (steps, 1);
  ck_assert_str_eq (dlp_config_get_path (second), "train.steps.1");
  g_autofree char *where = dlp_config_get_location (second);
  ck_assert_str_eq (where, "params.yaml:17");
  gboolean b;
  ck_assert (!dlp_config_get_bool (second, "normalize.factor", &b, &error));
  ck_assert_str_eq (
    error->message,
    "params.yaml:17: train.steps.1.normalize.factor: expected true or false, got 0.5");
}
END_TEST

START_TEST (test_flatten_keeps_text_as_written)
{
  g_autoptr (DlpConfig) root =
    parse ("train:\n  lr: 0.001\n  layers: [64, 32]\n  empty: []\n  name: x\n");
  g_autoptr (GPtrArray) leaves = dlp_config_flatten (root);
  const char *expect[][2] = {
    { "train.lr", "0.001" }, { "train.layers.0", "64" }, { "train.layers.1", "32" },
    { "train.empty", "[]" }, { "train.name", "x" },
  };
  ck_assert_uint_eq (leaves->len, G_N_ELEMENTS (expect));
  for (guint i = 0; i < leaves->len; i++)
    {
      DlpConfigLeaf *leaf = g_ptr_array_index (leaves, i);
      ck_assert_str_eq (leaf->key, expect[i][0]);
      ck_assert_str_eq (leaf->value, expect[i][1]);
    }
}
END_TEST

START_TEST (test_paths_resolve_against_cwd)
{
  g_autoptr (DlpConfig) root = parse (params_text);
  g_autofree char *path = NULL;
  ck_assert (dlp_config_get_path_value (root, "data_ingestion.path", &path, NULL));
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *expect = g_build_filename (cwd, "data", "fashion", NULL);
  ck_assert_str_eq (path, expect);
}
END_TEST

START_TEST (test_load_from_file)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *path = dlp_write_test_file (dir, "params.yaml", "a: {b: 1}\n", -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) root = dlp_config_load (path, &error);
  dlp_assert_no_error (error);
  ck_assert_str_eq (dlp_config_get_file (root), path);
  g_autofree char *bad = dlp_write_test_file (dir, "bad.yaml", "a: \xff\n", -1);
  ck_assert_ptr_null (dlp_config_load (bad, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "not valid UTF-8");
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  ck_assert_ptr_null (dlp_config_load (missing, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_IO, "missing.yaml");
  dlp_tmpdir_free (dir);
}
END_TEST

static Suite *
config_suite (void)
{
  Suite *s = suite_create ("config");
  TCase *tc = tcase_create ("config");
  tcase_add_test (tc, test_typed_getters);
  tcase_add_test (tc, test_type_error_names_file_line_key);
  tcase_add_test (tc, test_missing_section_and_required_key);
  tcase_add_test (tc, test_validate_against_specs);
  tcase_add_test (tc, test_yaml_syntax_errors_have_lines);
  tcase_add_test (tc, test_scalars_follow_yaml_core_schema);
  tcase_add_test (tc, test_anchors_aliases_and_merge_keys);
  tcase_add_test (tc, test_alias_bomb_fails_fast);
  tcase_add_test (tc, test_nesting_limit);
  tcase_add_test (tc, test_empty_file_is_empty_mapping);
  tcase_add_test (tc, test_overrides);
  tcase_add_test (tc, test_override_leaves_defaults_alone);
  tcase_add_test (tc, test_overrides_of_shipped_pipelines);
  tcase_add_test (tc, test_lists_of_sections);
  tcase_add_test (tc, test_flatten_keeps_text_as_written);
  tcase_add_test (tc, test_paths_resolve_against_cwd);
  tcase_add_test (tc, test_load_from_file);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (config_suite)
