/* test-loader.c: the plugin loader accepts a good plugin and refuses each
 * broken one with its own error code, leaving no types behind. */
#include <string.h>
#include <gio/gio.h>
#include "dlp-check.h"

static char *
plugin_path (const char *variant)
{
  g_autofree char *file = g_strdup_printf ("libdlp-test-%s.so", variant);
  return g_build_filename (g_getenv ("DLP_TEST_PLUGINS_DIR"), file, NULL);
}

static void
assert_refused (DlpRegistry *registry, const char *variant, int code, const char *needle)
{
  g_autofree char *path = plugin_path (variant);
  g_autoptr (GError) error = NULL;
  guint types_before;
  {
    g_autoptr (GPtrArray) all = dlp_registry_list_types (registry, -1);
    types_before = all->len;
  }
  ck_assert_msg (!dlp_registry_load_file (registry, path, &error), "%s was accepted", variant);
  dlp_assert_error (error, DLP_LOADER_ERROR, code, needle);
  ck_assert_msg (g_str_has_prefix (error->message, path), "message lacks the file: %s",
                 error->message);
  g_autoptr (GPtrArray) all = dlp_registry_list_types (registry, -1);
  ck_assert_uint_eq (all->len, types_before);
}

START_TEST (test_good_plugin_loads)
{
  g_autoptr (DlpRegistry) r = dlp_registry_new ();
  g_autofree char *path = plugin_path ("good");
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_registry_load_file (r, path, &error));
  dlp_assert_no_error (error);

  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (r);
  ck_assert_uint_eq (plugins->len, 1);
  const DlpPluginInfo *info = g_ptr_array_index (plugins, 0);
  ck_assert_str_eq (dlp_plugin_info_get_name (info), "test_good");
  ck_assert_str_eq (dlp_plugin_info_get_version (info), "1.2.3");
  ck_assert_str_eq (dlp_plugin_info_get_license (info), "MIT");
  ck_assert_str_eq (dlp_plugin_info_get_filename (info), path);
  ck_assert_uint_eq (dlp_plugin_info_get_api_level (info), DLP_API_LEVEL);

  const DlpSourceClass *src = dlp_registry_lookup (r, DLP_KIND_SOURCE, "test_source");
  ck_assert_ptr_nonnull (src);
  ck_assert_uint_eq (src->struct_size, sizeof (DlpSourceClass));
  g_autoptr (DlpDataset) ds = src->load (NULL, NULL, NULL);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 0);

  const DlpTypeEntry *e = dlp_registry_lookup_entry (r, DLP_KIND_SOURCE, "test_source");
  const DlpParamSpec *params = dlp_type_entry_get_params (e);
  ck_assert_str_eq (params[0].name, "path");
  ck_assert (params[0].required);
  ck_assert_str_eq (params[1].default_value, "10");
  ck_assert_ptr_null (params[2].name);

  /* A smaller (older) class is copied into a zeroed full-size one. */
  const DlpTransformClass *old = dlp_registry_lookup (r, DLP_KIND_TRANSFORM, "test_old_transform");
  ck_assert_ptr_nonnull (old);
  ck_assert_uint_eq (old->struct_size, sizeof (DlpTransformClass));
  ck_assert_ptr_null (old->save_state);
  ck_assert_ptr_null (old->load_state);
  ck_assert_ptr_nonnull (old->apply);

  ck_assert_ptr_null (dlp_registry_lookup (r, DLP_KIND_LAYER, "test_source"));
  ck_assert_ptr_null (dlp_registry_get_entry (r, DLP_KIND_SOURCE, "csv", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                    "unknown source type 'csv' (known: test_source)");
  g_clear_error (&error);

  /* The same plugin again is a duplicate. */
  ck_assert (!dlp_registry_load_file (r, path, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_DUPLICATE, "already loaded");
}
END_TEST

START_TEST (test_each_refusal_has_its_code)
{
  g_autoptr (DlpRegistry) r = dlp_registry_new ();
  g_autofree char *good = plugin_path ("good");
  ck_assert (dlp_registry_load_file (r, good, NULL));

  assert_refused (r, "no-entry", DLP_LOADER_ERROR_NO_ENTRY, "dlp_plugin_test_no_entry_get_desc");
  assert_refused (r, "abi", DLP_LOADER_ERROR_ABI, "ABI version 2");
  g_autofree char *next_level = g_strdup_printf ("needs API level %d, but this host provides "
                                                 "level %d",
                                                 DLP_API_LEVEL + 1, DLP_API_LEVEL);
  assert_refused (r, "api-level", DLP_LOADER_ERROR_API_LEVEL, next_level);
  assert_refused (r, "signature", DLP_LOADER_ERROR_SIGNATURE, "build signature");
  assert_refused (r, "name-mismatch", DLP_LOADER_ERROR_NAME_MISMATCH, "'test_someone_else'");
  assert_refused (r, "duplicate-type", DLP_LOADER_ERROR_DUPLICATE,
                  "source type 'test_source' is already registered by plugin 'test_good'");
  assert_refused (r, "missing-callback", DLP_LOADER_ERROR_INVALID,
                  "required field 'apply' of DlpTransformClass is not set");
  assert_refused (r, "init-fails", DLP_LOADER_ERROR_INIT_FAILED, "the device it needs is absent");

  /* Rolled back: nothing the refused plugins registered remains. */
  ck_assert_ptr_null (dlp_registry_lookup (r, DLP_KIND_SOURCE, "test_dup_extra"));
  ck_assert_ptr_null (dlp_registry_lookup (r, DLP_KIND_TRANSFORM, "test_no_apply"));
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (r);
  ck_assert_uint_eq (plugins->len, 1);
}
END_TEST

START_TEST (test_not_a_shared_object)
{
  char *dir = dlp_tmpdir_new ();
  g_autofree char *path = dlp_write_test_file (dir, "libdlp-junk.so", "not an ELF file", -1);
  g_autoptr (DlpRegistry) r = dlp_registry_new ();
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_registry_load_file (r, path, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_OPEN, "cannot open");
  g_autofree char *odd = dlp_write_test_file (dir, "junk.so", "x", -1);
  g_clear_error (&error);
  ck_assert (!dlp_registry_load_file (r, odd, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_OPEN, "libdlp-NAME.so");
  dlp_tmpdir_free (dir);
}
END_TEST

START_TEST (test_scan_order_and_failures)
{
  /* A copy of the good plugin in an earlier folder overrides the later one. */
  char *dir = dlp_tmpdir_new ();
  g_autofree char *good = plugin_path ("good");
  g_autofree char *copy = g_build_filename (dir, "libdlp-test-good.so", NULL);
  g_autoptr (GFile) src = g_file_new_for_path (good);
  g_autoptr (GFile) dst = g_file_new_for_path (copy);
  ck_assert (g_file_copy (src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, NULL));

  g_autoptr (DlpRegistry) r = dlp_registry_new ();
  const char *dirs[] = { dir, g_getenv ("DLP_TEST_PLUGINS_DIR"), "/nonexistent", NULL };
  guint loaded = dlp_registry_load_dirs (r, dirs, FALSE);
  ck_assert_uint_eq (loaded, 1);
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (r);
  ck_assert_str_eq (dlp_plugin_info_get_filename (g_ptr_array_index (plugins, 0)), copy);
  /* Every broken plugin is reported, none stops the scan. */
  ck_assert_uint_eq (dlp_registry_get_failures (r)->len, 8);
  dlp_tmpdir_free (dir);
}
END_TEST

/* --- in-process registration --- */

static DlpDataset *
load_nothing (DlpConfig *c, DlpContext *x, GError **e)
{
  (void) c;
  (void) x;
  (void) e;
  return NULL;
}

static const DlpSourceClass src_a = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "a",
  .description = "A",
  .load = load_nothing,
};

static gboolean
init_twice_ignoring_error (DlpRegistry *r, GError **error)
{
  (void) error;
  dlp_registry_add_source (r, &src_a, NULL);
  dlp_registry_add_source (r, &src_a, NULL); /* duplicate, error ignored */
  return TRUE;
}

static gboolean
init_bad_classes (DlpRegistry *r, GError **error)
{
  static const DlpSourceClass zero_size = { .name = "z", .description = "Z", .load = load_nothing };
  static const DlpSourceClass bad_name = {
    .struct_size = sizeof (DlpSourceClass),
    .name = "has space",
    .description = "B",
    .load = load_nothing,
  };
  static const DlpParamSpec bad_default[] = { DLP_PARAM_INT_UNBOUNDED ("n", "count", "many"),
                                              DLP_PARAM_END };
  static const DlpSourceClass bad_spec = {
    .struct_size = sizeof (DlpSourceClass),
    .name = "s",
    .description = "S",
    .params = bad_default,
    .load = load_nothing,
  };
  GError *e1 = NULL, *e2 = NULL, *e3 = NULL;
  dlp_registry_add_source (r, &zero_size, &e1);
  dlp_registry_add_source (r, &bad_name, &e2);
  dlp_registry_add_source (r, &bad_spec, &e3);
  gboolean ok = g_error_matches (e1, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID)
                && strstr (e1->message, "sizeof (DlpSourceClass)")
                && g_error_matches (e2, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID)
                && g_error_matches (e3, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID)
                && strstr (e3->message, "default 'many' is not an integer");
  g_clear_error (&e1);
  g_clear_error (&e2);
  g_clear_error (&e3);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "registration checks did not fire");
  return FALSE;
}

START_TEST (test_in_process_registration)
{
  g_autoptr (DlpRegistry) r = dlp_registry_new ();
  g_autoptr (GError) error = NULL;

  /* Outside init, registration is refused. */
  ck_assert (!dlp_registry_add_source (r, &src_a, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID, "init function");
  g_clear_error (&error);

  DlpPluginDesc twice = { sizeof (DlpPluginDesc),
                          DLP_ABI_VERSION,
                          DLP_API_LEVEL,
                          DLP_BUILD_SIGNATURE,
                          "twice",
                          "1",
                          "MIT",
                          "registers a type twice",
                          init_twice_ignoring_error };
  ck_assert (!dlp_registry_add_plugin (r, &twice, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_DUPLICATE,
                    "plugin 'twice': source type 'a'");
  g_clear_error (&error);
  ck_assert_ptr_null (dlp_registry_lookup (r, DLP_KIND_SOURCE, "a"));

  DlpPluginDesc bad = twice;
  bad.name = "bad";
  bad.init = init_bad_classes;
  ck_assert (!dlp_registry_add_plugin (r, &bad, &error));
  /* init_bad_classes returns FALSE with the first registration error kept. */
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID, "struct_size 0");
  g_clear_error (&error);

  DlpPluginDesc no_license = twice;
  no_license.name = "nolicense";
  no_license.license = NULL;
  ck_assert (!dlp_registry_add_plugin (r, &no_license, &error));
  dlp_assert_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID, "has no license");
}
END_TEST

static Suite *
loader_suite (void)
{
  Suite *s = suite_create ("loader");
  TCase *tc = tcase_create ("loader");
  tcase_add_test (tc, test_good_plugin_loads);
  tcase_add_test (tc, test_each_refusal_has_its_code);
  tcase_add_test (tc, test_not_a_shared_object);
  tcase_add_test (tc, test_scan_order_and_failures);
  tcase_add_test (tc, test_in_process_registration);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (loader_suite)
