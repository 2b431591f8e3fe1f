/* test-stages.c: the three data stages run by the built dlpipe, on
 * Fashion-MNIST and on the Palmer penguins CSV, and what a failing stage
 * leaves behind (nothing new). */
#include "data-test-util.h"

static void
write_params (const char *yaml)
{
  g_free (dlp_write_test_file (dlp_test_tmpdir, "params.yaml", yaml, -1));
}

static void
run_ok (const char *stage, const char *override)
{
  const char *argv[] = { "stage", stage, override ? "--set" : NULL, override, NULL };
  g_autofree char *err = NULL;
  int status = dlp_test_run_host (dlp_test_tmpdir, argv, NULL, &err);
  ck_assert_msg (status == 0, "dlpipe stage %s failed (%d): %s", stage, status, err);
}

/* Runs @stage expecting failure; returns its stderr. */
static char *
run_fails (const char *stage, const char *override)
{
  const char *argv[] = { "stage", stage, override ? "--set" : NULL, override, NULL };
  char *err = NULL;
  int status = dlp_test_run_host (dlp_test_tmpdir, argv, NULL, &err);
  ck_assert_msg (status == 1, "dlpipe stage %s: exit status %d, expected 1: %s", stage, status,
                 err);
  return err;
}

static DlpDataset *
load_output (const char *relative)
{
  g_autofree char *path = g_build_filename (dlp_test_tmpdir, relative, NULL);
  g_autoptr (GError) error = NULL;
  DlpDataset *ds = dlp_dataset_load (path, &error);
  dlp_assert_no_error (error);
  return ds;
}

static gboolean
exists (const char *relative)
{
  g_autofree char *path = g_build_filename (dlp_test_tmpdir, relative, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static gint64
count_class (DlpDataset *ds, gint32 code)
{
  const gint32 *y = data_test_codes (ds, "label");
  gint64 n = 0;
  for (gint64 i = 0; i < dlp_dataset_get_n_rows (ds); i++)
    n += y[i] == code;
  return n;
}

START_TEST (test_fashion_mnist)
{
  ck_assert_msg (g_file_test ("/usr/share/datasets/fashion-mnist", G_FILE_TEST_IS_DIR),
                 "install dataset-fashion-mnist (scripts/install-deps.sh)");
  write_params ("data_ingestion: {source: idx, path: /usr/share/datasets/fashion-mnist}\n"
                "data_transformation:\n"
                "  steps:\n"
                "    - normalize: {method: scale, factor: 0.00392156862745098}\n"
                "    - reshape: {column: image, shape: [28, 28, 1]}\n"
                "data_split: {test_size: 0.2, seed: 42}\n");
  run_ok ("data_ingestion", NULL);
  run_ok ("data_transformation", NULL);
  run_ok ("data_split", NULL);
  g_autoptr (DlpDataset) raw = load_output ("data/raw/dataset.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (raw), 70000);
  g_autoptr (DlpDataset) processed = load_output ("data/processed/dataset.safetensors");
  DlpTensor *img =
    dlp_dataset_get_column_tensor (processed, (guint) dlp_dataset_find_column (processed, "image"));
  ck_assert_int_eq (dlp_tensor_get_dtype (img), DLP_DTYPE_F32);
  ck_assert_int_eq (dlp_tensor_get_rank (img), 4);
  ck_assert_int_eq (dlp_tensor_get_dim (img, 3), 1);
  JsonArray *steps =
    json_object_get_array_member (dlp_dataset_get_metadata (processed), "preprocessing");
  ck_assert_uint_eq (json_array_get_length (steps), 2);

  /* 7,000 images per class: a stratified 20 % is 1,400 of each. */
  g_autoptr (DlpDataset) train = load_output ("data/split/train.safetensors");
  g_autoptr (DlpDataset) test = load_output ("data/split/test.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (train), 56000);
  ck_assert_int_eq (dlp_dataset_get_n_rows (test), 14000);
  for (gint32 c = 0; c < 10; c++)
    {
      ck_assert_int_eq (count_class (train, c), 5600);
      ck_assert_int_eq (count_class (test, c), 1400);
    }
  JsonObject *split = json_object_get_object_member (dlp_dataset_get_metadata (test), "split");
  JsonObject *counts = json_object_get_object_member (split, "class_counts");
  ck_assert_int_eq (json_object_get_int_member (counts, "Ankle boot"), 1400);
  ck_assert (!exists ("data/split/val.safetensors"));

  /* The split the dataset defines: exactly the official files. */
  run_ok ("data_split", "data_split={method: predefined}");
  g_autoptr (DlpDataset) train2 = load_output ("data/split/train.safetensors");
  g_autoptr (DlpDataset) test2 = load_output ("data/split/test.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (train2), 60000);
  ck_assert_int_eq (dlp_dataset_get_n_rows (test2), 10000);
  const gint32 *subset = data_test_codes (test2, "subset");
  for (gint64 i = 0; i < 10000; i++)
    ck_assert_int_eq (subset[i], 1);
  for (gint32 c = 0; c < 10; c++)
    ck_assert_int_eq (count_class (test2, c), 1000);
}
END_TEST

static void
penguins_params (const char *steps)
{
  ck_assert_msg (g_file_test (DLP_TEST_PENGUINS_CSV, G_FILE_TEST_EXISTS),
                 "%s is missing: run scripts/fetch-penguins.sh", DLP_TEST_PENGUINS_CSV);
  g_autofree char *yaml =
    g_strdup_printf ("data_ingestion: {source: csv, path: %s, label: species}\n"
                     "data_transformation:\n  steps:\n%s"
                     "data_split: {test_size: 0.25, val_size: 0.15}\n",
                     DLP_TEST_PENGUINS_CSV, steps);
  write_params (yaml);
}

static JsonObject *
read_summary (JsonNode **root)
{
  g_autofree char *path = g_build_filename (dlp_test_tmpdir, "data/processed/summary.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  ck_assert (json_parser_load_from_file (parser, path, &error));
  *root = json_node_copy (json_parser_get_root (parser));
  return json_node_get_object (*root);
}

START_TEST (test_penguins_drop_nulls)
{
  penguins_params ("    - drop_nulls: {}\n    - one_hot: {}\n    - normalize: {method: zscore}\n");
  run_ok ("data_ingestion", NULL);
  run_ok ("data_transformation", NULL);
  run_ok ("data_split", NULL);
  g_autoptr (DlpDataset) raw = load_output ("data/raw/dataset.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (raw), 344);
  g_autoptr (DlpDataset) processed = load_output ("data/processed/dataset.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (processed), 333);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *summary = read_summary (&root);
  ck_assert_int_eq (json_object_get_int_member (summary, "rows_in"), 344);
  ck_assert_int_eq (json_object_get_int_member (summary, "rows_out"), 333);
  JsonObject *missing_in = json_object_get_object_member (summary, "missing_in");
  ck_assert_int_eq (json_object_get_int_member (missing_in, "sex"), 11);
  JsonObject *step1 = json_object_get_object_member (
    json_object_get_object_member (summary, "steps"), "step1_drop_nulls");
  ck_assert_int_eq (
    json_object_get_int_member (json_object_get_object_member (step1, "missing_removed"), "sex"),
    11);
  g_autoptr (DlpDataset) train = load_output ("data/split/train.safetensors");
  g_autoptr (DlpDataset) test = load_output ("data/split/test.safetensors");
  g_autoptr (DlpDataset) val = load_output ("data/split/val.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (test), 84); /* ceil (0.25 * 333) */
  ck_assert_int_eq (dlp_dataset_get_n_rows (val), 50);  /* ceil (0.15 * 333) */
  ck_assert_int_eq (dlp_dataset_get_n_rows (train), 199);
}
END_TEST

START_TEST (test_penguins_impute)
{
  penguins_params ("    - impute: {strategy: median}\n"
                   "    - impute: {strategy: most_frequent, columns: [sex]}\n");
  run_ok ("data_ingestion", NULL);
  run_ok ("data_transformation", NULL);
  g_autoptr (DlpDataset) processed = load_output ("data/processed/dataset.safetensors");
  ck_assert_int_eq (dlp_dataset_get_n_rows (processed), 344);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *summary = read_summary (&root);
  JsonObject *out = json_object_get_object_member (summary, "missing_out");
  g_autoptr (GList) columns = json_object_get_members (out);
  for (GList *l = columns; l; l = l->next)
    ck_assert_int_eq (json_object_get_int_member (out, l->data), 0);
  JsonObject *steps = json_object_get_object_member (summary, "steps");
  JsonObject *step2 = json_object_get_object_member (steps, "step2_impute");
  ck_assert_int_eq (
    json_object_get_int_member (json_object_get_object_member (step2, "missing_imputed"), "sex"),
    11);
}
END_TEST

START_TEST (test_failures_leave_no_output)
{
  g_free (dlp_write_test_file (dlp_test_tmpdir, "good.csv", "a,y\n1,p\n2,q\n3,p\n4,q\n", -1));
  g_free (dlp_write_test_file (dlp_test_tmpdir, "bad.csv", "a,y\n1,p\n2,q,3\n", -1));
  write_params ("data_ingestion: {source: csv, path: bad.csv, label: y}\n");
  g_autofree char *e1 = run_fails ("data_ingestion", NULL);
  ck_assert_ptr_nonnull (strstr (e1, "bad.csv:3: expected 2 fields"));
  ck_assert (!exists ("data/raw/dataset.safetensors"));

  /* A good run, then a failing one: the old output stays as it was. */
  run_ok ("data_ingestion", "data_ingestion.path=good.csv");
  g_autofree char *before = NULL;
  g_autofree char *raw = g_build_filename (dlp_test_tmpdir, "data/raw/dataset.safetensors", NULL);
  ck_assert (g_file_get_contents (raw, &before, NULL, NULL));
  g_autofree char *e2 = run_fails ("data_ingestion", NULL);
  g_autofree char *after = NULL;
  ck_assert (g_file_get_contents (raw, &after, NULL, NULL));
  ck_assert_str_eq (before, after);
  g_autofree char *rawdir = g_build_filename (dlp_test_tmpdir, "data/raw", NULL);
  ck_assert_uint_eq (dlp_count_dir_entries (rawdir), 1);

  write_params ("data_ingestion: {source: csv, path: good.csv, label: y}\n"
                "data_transformation: {steps: [{normalize: {columns: [nope]}}]}\n"
                "data_split: {test_size: 1.5}\n");
  g_autofree char *e3 = run_fails ("data_transformation", NULL);
  ck_assert_ptr_nonnull (strstr (e3, "step 1 (normalize): no column named 'nope'"));
  ck_assert (!exists ("data/processed"));

  run_ok ("data_transformation", "data_transformation.steps=[]");
  g_autofree char *e4 = run_fails ("data_split", NULL);
  ck_assert_ptr_nonnull (strstr (e4, "data_split.test_size: expected a fraction in (0, 1)"));
  g_autofree char *e5 = run_fails ("data_split", "data_split.test_size=10");
  ck_assert_ptr_nonnull (strstr (e5, "the data has 4 rows"));
  g_autofree char *splitdir = g_build_filename (dlp_test_tmpdir, "data/split", NULL);
  ck_assert_uint_eq (dlp_count_dir_entries (splitdir), 0);
}
END_TEST

static Suite *
stages_suite (void)
{
  Suite *s = suite_create ("stages");
  TCase *tc = tcase_create ("stages");
  dlp_tcase_add_tmpdir (tc);
  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_fashion_mnist);
  tcase_add_test (tc, test_penguins_drop_nulls);
  tcase_add_test (tc, test_penguins_impute);
  tcase_add_test (tc, test_failures_leave_no_output);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (stages_suite)
