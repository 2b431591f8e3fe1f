/* test-cli.c: the dlpipe command line, run as a user runs it. */
#include <string.h>
#include "dlp-check.h"

typedef struct {
  int status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* Runs the built dlpipe with @args (NULL-terminated) in @cwd. */
static Result
run_in (const char *cwd, const char *plugin_path, const char *const *args)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_add (b, g_getenv ("DLP_TEST_HOST"));
  for (guint i = 0; args[i]; i++)
    g_strv_builder_add (b, args[i]);
  g_auto (GStrv) argv = g_strv_builder_end (b);
  g_auto (GStrv) env = g_get_environ ();
  env = plugin_path ? g_environ_setenv (env, "DLPIPE_PLUGIN_PATH", plugin_path, TRUE)
                    : g_environ_unsetenv (env, "DLPIPE_PLUGIN_PATH");
  Result r = { 0 };
  int wait_status;
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_spawn_sync (cwd, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                               &wait_status, &error),
                 "spawn failed: %s", error ? error->message : "");
  ck_assert (WIFEXITED (wait_status));
  r.status = WEXITSTATUS (wait_status);
  return r;
}

#define RUN(...) run_in (NULL, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  ck_assert_msg (json_parser_load_from_data (p, text, -1, &error), "bad JSON: %s\n%s",
                 error ? error->message : "", text);
  return json_node_copy (json_parser_get_root (p));
}

START_TEST (test_version)
{
  g_auto (Result) r = RUN ("version");
  ck_assert_int_eq (r.status, 0);
  ck_assert (strstr (r.out, DLP_VERSION));
  ck_assert (strstr (r.out, "OpenBLAS core"));
  g_auto (Result) j = RUN ("version", "--json");
  ck_assert_int_eq (j.status, 0);
  g_autoptr (JsonNode) root = parse_json (j.out);
  JsonObject *o = json_node_get_object (root);
  ck_assert_str_eq (json_object_get_string_member (o, "dlpipe"), DLP_VERSION);
  ck_assert_int_eq (json_object_get_int_member (o, "abi_version"), DLP_ABI_VERSION);
  ck_assert_int_eq (json_object_get_int_member (o, "api_level"), DLP_API_LEVEL);
  ck_assert (json_object_get_int_member (o, "openblas_threads") >= 1);
  ck_assert (strlen (json_object_get_string_member (o, "openblas_core")) > 0);
  ck_assert (strlen (json_object_get_string_member (o, "glib")) > 0);
}
END_TEST

START_TEST (test_plugins_lists_builtins)
{
  g_auto (Result) r = RUN ("plugins");
  ck_assert_int_eq (r.status, 0);
  ck_assert_msg (strstr (r.out, "tracker") && strstr (r.out, "none")
                   && strstr (r.out, "tracker_none"),
                 "%s", r.out);
  g_auto (Result) j = RUN ("plugins", "--json");
  ck_assert_int_eq (j.status, 0);
  g_autoptr (JsonNode) root = parse_json (j.out);
  JsonArray *types = json_object_get_array_member (json_node_get_object (root), "types");
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length (types); i++)
    {
      JsonObject *t = json_array_get_object_element (types, i);
      if (!strcmp (json_object_get_string_member (t, "kind"), "tracker")
          && !strcmp (json_object_get_string_member (t, "name"), "none"))
        found = strcmp (json_object_get_string_member (t, "plugin"), "tracker_none") == 0;
    }
  ck_assert (found);
  JsonArray *refused = json_object_get_array_member (json_node_get_object (root), "refused");
  ck_assert_uint_eq (json_array_get_length (refused), 0);
}
END_TEST

START_TEST (test_plugin_path_env_and_refusals)
{
  const char *dir = g_getenv ("DLP_TEST_PLUGINS_DIR");
  g_auto (Result) r = run_in (NULL, dir, (const char *const[]){ "plugins", NULL });
  ck_assert_int_eq (r.status, 0);
  ck_assert_msg (strstr (r.out, "test_source"), "%s", r.out);
  ck_assert_msg (strstr (r.out, "none"), "built-in plugins must still load: %s", r.out);
  /* Each refused plugin is a warning naming the file. */
  ck_assert_msg (strstr (r.err, "warning: plugin refused:") && strstr (r.err, "libdlp-test-abi.so"),
                 "%s", r.err);
  g_auto (Result) q = run_in (
    NULL, NULL, (const char *const[]){ "--plugin-path", dir, "inspect", "test_source", NULL });
  ck_assert_int_eq (q.status, 0);
  ck_assert_msg (strstr (q.out, "Kind:         source") && strstr (q.out, "path")
                   && strstr (q.out, "required") && strstr (q.out, "default:  10")
                   && strstr (q.out, "range:    1 to 100"),
                 "%s", q.out);
  /* The global options also work after the command, and its help lists them. */
  g_auto (Result) after =
    run_in (NULL, NULL, (const char *const[]){ "plugins", "--plugin-path", dir, "-q", NULL });
  ck_assert_int_eq (after.status, 0);
  ck_assert_msg (strstr (after.out, "test_source"), "%s%s", after.out, after.err);
}
END_TEST

START_TEST (test_inspect)
{
  g_auto (Result) r = RUN ("inspect", "none");
  ck_assert_int_eq (r.status, 0);
  ck_assert (strstr (r.out, "Type:         none"));
  ck_assert (strstr (r.out, "Kind:         tracker"));
  ck_assert (strstr (r.out, "Plugin:       tracker_none"));
  g_auto (Result) j = RUN ("inspect", "--json", "none");
  ck_assert_int_eq (j.status, 0);
  g_autoptr (JsonNode) root = parse_json (j.out);
  ck_assert_str_eq (json_object_get_string_member (
                      json_array_get_object_element (json_node_get_array (root), 0), "kind"),
                    "tracker");
  g_auto (Result) u = RUN ("inspect", "nosuchtype");
  ck_assert_int_eq (u.status, 1);
  ck_assert (strstr (u.err, "no plugin type named 'nosuchtype'"));
  g_auto (Result) k = RUN ("inspect", "--kind", "layer", "none");
  ck_assert_int_eq (k.status, 1);
  g_auto (Result) bad = RUN ("inspect", "--kind", "gadget", "none");
  ck_assert_int_eq (bad.status, 2);
}
END_TEST

START_TEST (test_usage_errors_exit_2)
{
  const char *const *cases[] = {
    (const char *const[]){ "frobnicate", NULL },
    (const char *const[]){ "plugins", "--bogus", NULL },
    (const char *const[]){ "stage", NULL },
    (const char *const[]){ "stage", "no_such_stage", NULL },
    (const char *const[]){ "inspect", NULL },
    (const char *const[]){ "-v", "-q", "version", NULL },
    (const char *const[]){ NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Result) r = run_in (NULL, NULL, cases[i]);
      ck_assert_msg (r.status == 2, "case %u exited %d: %s", i, r.status, r.err);
    }
  g_auto (Result) r = RUN ("stage", "no_such_stage");
  ck_assert (strstr (r.err, "unknown stage 'no_such_stage' (stages: data_ingestion"));
}
END_TEST

START_TEST (test_help_everywhere)
{
  const char *commands[] = { "run", "stage", "dag", "plugins", "inspect", "version" };
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (Result) r = RUN (commands[i], "--help");
      ck_assert_msg (r.status == 0 && strstr (r.out, "Usage:"), "%s --help: %d", commands[i],
                     r.status);
      ck_assert_msg (strstr (r.out, "--plugin-path=PATHS") && strstr (r.out, "--verbose")
                       && strstr (r.out, "--quiet"),
                     "%s --help lacks the global options: %s", commands[i], r.out);
      g_auto (Result) h = RUN ("help", commands[i]);
      ck_assert_int_eq (h.status, 0);
      ck_assert_str_eq (h.out, r.out);
    }
  g_auto (Result) top = RUN ("--help");
  ck_assert_int_eq (top.status, 0);
  ck_assert (strstr (top.out, "Commands:") && strstr (top.out, "inspect"));
}
END_TEST

START_TEST (test_dag)
{
  g_auto (Result) r = RUN ("dag");
  ck_assert_int_eq (r.status, 0);
  ck_assert_msg (strstr (r.out, "model_trainer        <- data_split, model_builder"), "%s", r.out);
  g_auto (Result) d = RUN ("dag", "--dot");
  ck_assert (strstr (d.out, "\"model_builder\" -> \"model_trainer\";"));
}
END_TEST

START_TEST (test_run_plan)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *p = dlp_write_test_file (dir, "params.yaml", "{}\n", -1);
  g_auto (Result) r = run_in (dir, NULL, (const char *const[]){ "run", "--dry-run", NULL });
  ck_assert_int_eq (r.status, 0);
  /* model_builder needs no data stage: it starts with data_ingestion. */
  ck_assert_msg (strstr (r.out,
                         "  1. data_ingestion\n  1. model_builder\n  2. data_transformation\n"
                         "  3. data_split\n  4. model_trainer\n  5. model_test\n"),
                 "%s", r.out);
  g_auto (Result) o = run_in (
    dir, NULL,
    (const char *const[]){ "run", "-n", "--only", "model_test", "--only", "data_split", NULL });
  ck_assert_int_eq (o.status, 0);
  /* model_test waits for data_split, which it reads; the skipped
   * model_trainer's outputs are taken as they are. */
  ck_assert_msg (strstr (o.out, "  1. data_split\n  2. model_test\n") && !strstr (o.out, "trainer"),
                 "%s", o.out);
  g_auto (Result) bad =
    run_in (dir, NULL, (const char *const[]){ "run", "--only", "training", NULL });
  ck_assert_int_eq (bad.status, 2);
  ck_assert (strstr (bad.err, "unknown stage 'training'"));
  g_auto (Result) jobs = run_in (dir, NULL, (const char *const[]){ "run", "--jobs", "0", NULL });
  ck_assert_int_eq (jobs.status, 2);
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_stage_params_errors)
{
  char *dir = dlp_tmpdir_new ();
  g_auto (Result) missing =
    run_in (dir, NULL, (const char *const[]){ "stage", "data_split", NULL });
  ck_assert_int_eq (missing.status, 1);
  ck_assert_msg (strstr (missing.err, "error: cannot read params.yaml"), "%s", missing.err);

  g_autofree char *p = dlp_write_test_file (dir, "params.yaml", "train:\n  epochs: [\n", -1);
  g_auto (Result) bad = run_in (dir, NULL, (const char *const[]){ "stage", "data_split", NULL });
  ck_assert_int_eq (bad.status, 1);
  ck_assert_msg (strstr (bad.err, "error: params.yaml:"), "%s", bad.err);

  g_autofree char *q = dlp_write_test_file (dir, "other.yaml", "train:\n  epochs: 3\n", -1);
  g_auto (Result) set = run_in (
    dir, NULL,
    (const char *const[]){ "stage", "-p", "other.yaml", "--set", "train", "data_split", NULL });
  ck_assert_int_eq (set.status, 1);
  ck_assert_msg (strstr (set.err, "--set train: expected KEY=VALUE"), "%s", set.err);
  dlp_tmpdir_free (dir);
}
END_TEST

/* A misspelled section, key or type is named with its line and the
 * closest known name; a section far from every name is someone else's. */
START_TEST (test_misspellings_are_suggested)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *p = dlp_write_test_file (dir, "params.yaml",
                                            "# a pipeline\n"
                                            "evaluation_extra: {x: 1}\n"
                                            "modle:\n"
                                            "  type: mlp\n",
                                            -1);
  g_auto (Result) section =
    run_in (dir, NULL, (const char *const[]){ "stage", "model_builder", NULL });
  ck_assert_int_eq (section.status, 1);
  ck_assert_msg (
    strstr (section.err, "params.yaml:3: modle: unknown section; did you mean 'model'?"), "%s",
    section.err);
  g_autofree char *q = dlp_write_test_file (dir, "params.yaml",
                                            "other_tool: {x: 1}\n"
                                            "model: {type: mlp, input_shape: [4], num_classes: 2,\n"
                                            "        mlp: {hidden_unit: [3]}}\n",
                                            -1);
  g_auto (Result) key = run_in (dir, NULL, (const char *const[]){ "stage", "model_builder", NULL });
  ck_assert_int_eq (key.status, 1);
  ck_assert_msg (strstr (key.err, "params.yaml:3: model.mlp.hidden_unit: unknown key; did you "
                                  "mean 'hidden_units'?"),
                 "%s", key.err);
  g_auto (Result) type = run_in (
    dir, NULL, (const char *const[]){ "stage", "model_builder", "--set", "model.type=mpl", NULL });
  ck_assert_int_eq (type.status, 1);
  ck_assert_msg (strstr (type.err, "unknown model type 'mpl'; did you mean 'mlp'?"), "%s",
                 type.err);
  dlp_tmpdir_free (dir);
}
END_TEST

static Suite *
cli_suite (void)
{
  Suite *s = suite_create ("cli");
  TCase *tc = tcase_create ("cli");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_version);
  tcase_add_test (tc, test_plugins_lists_builtins);
  tcase_add_test (tc, test_plugin_path_env_and_refusals);
  tcase_add_test (tc, test_inspect);
  tcase_add_test (tc, test_usage_errors_exit_2);
  tcase_add_test (tc, test_help_everywhere);
  tcase_add_test (tc, test_dag);
  tcase_add_test (tc, test_run_plan);
  tcase_add_test (tc, test_stage_params_errors);
  tcase_add_test (tc, test_misspellings_are_suggested);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (cli_suite)
