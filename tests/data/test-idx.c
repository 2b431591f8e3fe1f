/* test-idx.c: the idx source: raw and gzip files, subsets, class names,
 * and malformed files, each reported with its byte offset. */
#include <zlib.h>
#include <glib/gstdio.h>
#include "data-test-util.h"

/* IDX bytes: magic 00 00 @type @rank, big-endian dims, then @n_data bytes
 * of a pattern (or labels cycling through 0..9). */
static GByteArray *
idx_bytes (guint8 type, guint rank, const guint32 *dims, gsize n_data)
{
  GByteArray *b = g_byte_array_new ();
  guint8 magic[4] = { 0, 0, type, (guint8) rank };
  g_byte_array_append (b, magic, 4);
  for (guint i = 0; i < rank; i++)
    {
      guint8 d[4] = { dims[i] >> 24, (dims[i] >> 16) & 0xff, (dims[i] >> 8) & 0xff,
                      dims[i] & 0xff };
      g_byte_array_append (b, d, 4);
    }
  for (gsize i = 0; i < n_data; i++)
    {
      guint8 v = (guint8) (i % 10);
      g_byte_array_append (b, &v, 1);
    }
  return b;
}

static char *
write_file (const char *name, GByteArray *bytes, gboolean gzip)
{
  char *path = g_build_filename (dlp_test_tmpdir, name, NULL);
  if (!gzip)
    {
      ck_assert (g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL));
      return path;
    }
  gzFile gz = gzopen (path, "wb");
  ck_assert_ptr_nonnull (gz);
  ck_assert_int_eq (gzwrite (gz, bytes->data, bytes->len), (int) bytes->len);
  gzclose (gz);
  return path;
}

/* Writes a consistent pair PREFIX-{images-idx3,labels-idx1}-ubyte[.gz]. */
static void
write_pair (const char *prefix, guint32 n, gboolean gzip)
{
  guint32 idims[] = { n, 4, 3 };
  guint32 ldims[] = { n };
  g_autoptr (GByteArray) images = idx_bytes (0x08, 3, idims, (gsize) n * 12);
  g_autoptr (GByteArray) labels = idx_bytes (0x08, 1, ldims, n);
  const char *ext = gzip ? ".gz" : "";
  g_autofree char *in = g_strdup_printf ("%s-images-idx3-ubyte%s", prefix, ext);
  g_autofree char *ln = g_strdup_printf ("%s-labels-idx1-ubyte%s", prefix, ext);
  g_free (write_file (in, images, gzip));
  g_free (write_file (ln, labels, gzip));
}

static DlpDataset *
load (const char *more, GError **error)
{
  g_autofree char *yaml = g_strdup_printf ("path: %s\n%s", dlp_test_tmpdir, more ? more : "");
  return data_test_load ("idx", yaml, error);
}

START_TEST (test_train_and_test_into_one_dataset)
{
  write_pair ("train", 30, TRUE);
  write_pair ("t10k", 20, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = load (NULL, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 50);
  DlpTensor *img =
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "image"));
  ck_assert_int_eq (dlp_tensor_get_dtype (img), DLP_DTYPE_U8);
  ck_assert_int_eq (dlp_tensor_get_rank (img), 3);
  ck_assert_int_eq (dlp_tensor_get_dim (img, 1), 4);
  ck_assert_int_eq (dlp_tensor_get_dim (img, 2), 3);
  /* The second image of the test file starts at its 12th data byte. */
  ck_assert_int_eq (((const guint8 *) dlp_tensor_get_data (img))[31 * 12], 12 % 10);
  const gint32 *subset = data_test_codes (ds, "subset");
  ck_assert_int_eq (subset[29], 0);
  ck_assert_int_eq (subset[30], 1);
  int sub = dlp_dataset_find_column (ds, "subset");
  ck_assert_int_eq (dlp_dataset_get_column_role (ds, (guint) sub), DLP_COLUMN_AUXILIARY);
  const char *const *parts = dlp_dataset_get_column_categories (ds, (guint) sub, NULL);
  ck_assert_str_eq (parts[0], "train");
  ck_assert_str_eq (parts[1], "test");
  /* Labels cycle 0..9; names default to the numbers outside fashion paths. */
  ck_assert_int_eq (data_test_codes (ds, "label")[33], 3);
  int label = dlp_dataset_get_label_column (ds);
  guint n = 0;
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) label, &n);
  ck_assert_uint_eq (n, 10);
  ck_assert_str_eq (names[7], "7");
  JsonObject *prov = json_object_get_object_member (dlp_dataset_get_metadata (ds), "provenance");
  ck_assert_str_eq (json_object_get_string_member (prov, "source"), "idx");
  ck_assert_int_eq (json_object_get_int_member (prov, "rows"), 50);
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (prov, "files")), 4);
  ck_assert_uint_eq (strlen (json_object_get_string_member (prov, "sha256")), 64);
}
END_TEST

START_TEST (test_subsets_and_class_names)
{
  write_pair ("train", 10, FALSE);
  write_pair ("t10k", 5, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = load ("subsets: [test]\nclass_names: fashion-mnist\n", &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 5);
  int label = dlp_dataset_get_label_column (ds);
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) label, NULL);
  ck_assert_str_eq (names[9], "Ankle boot");

  g_autoptr (DlpDataset) named =
    load ("subsets: [train]\nclass_names: [a, b, c, d, e, f, g, h, i, j, k]\n", &error);
  dlp_assert_no_error (error);
  names =
    dlp_dataset_get_column_categories (named, (guint) dlp_dataset_get_label_column (named), NULL);
  ck_assert_str_eq (names[10], "k");

  g_autoptr (DlpDataset) few = load ("class_names: [a, b]\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                    "class_names: 2 names, but the labels go up to 9");
}
END_TEST

START_TEST (test_explicit_files)
{
  write_pair ("train", 8, TRUE);
  g_autofree char *yaml = g_strdup_printf ("images: %s/train-images-idx3-ubyte.gz\n"
                                           "labels: %s/train-labels-idx1-ubyte.gz\n",
                                           dlp_test_tmpdir, dlp_test_tmpdir);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = data_test_load ("idx", yaml, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 8);
  g_autoptr (DlpDataset) half = data_test_load ("idx", "images: /tmp/x\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "images and labels go together");
}
END_TEST

static GError *
load_error (void)
{
  GError *error = NULL;
  g_autoptr (DlpDataset) ds = load ("subsets: [train]\n", &error);
  ck_assert_msg (ds == NULL, "expected the load to fail");
  return error;
}

START_TEST (test_wrong_magic)
{
  write_pair ("train", 4, FALSE);
  guint32 dims[] = { 4, 4, 3 };
  g_autoptr (GByteArray) b = idx_bytes (0x08, 3, dims, 48);
  b->data[0] = 0x1f; /* neither IDX nor gzip */
  g_free (write_file ("train-images-idx3-ubyte", b, FALSE));
  g_autoptr (GError) e = load_error ();
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT,
                    "train-images-idx3-ubyte: byte 0: wrong magic number 1f 00 08 03");
}
END_TEST

START_TEST (test_wrong_dimensions)
{
  write_pair ("train", 4, FALSE);
  guint32 dims[] = { 4, 12 };
  g_autoptr (GByteArray) b = idx_bytes (0x08, 2, dims, 48);
  g_free (write_file ("train-images-idx3-ubyte", b, FALSE));
  g_autoptr (GError) e = load_error ();
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "byte 3: 2 dimensions, expected 3");

  guint32 zero[] = { 4, 0, 3 };
  g_autoptr (GByteArray) z = idx_bytes (0x08, 3, zero, 0);
  g_free (write_file ("train-images-idx3-ubyte", z, FALSE));
  g_autoptr (GError) e2 = load_error ();
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "byte 8: dimension 2 is 0");

  /* More data than the dimensions declare. */
  guint32 dims3[] = { 4, 4, 3 };
  g_autoptr (GByteArray) more = idx_bytes (0x08, 3, dims3, 60);
  g_free (write_file ("train-images-idx3-ubyte", more, FALSE));
  g_autoptr (GError) e3 = load_error ();
  dlp_assert_error (e3, DLP_ERROR, DLP_ERROR_FORMAT, "byte 64: data continues after the 4 items");
}
END_TEST

START_TEST (test_truncated)
{
  write_pair ("train", 4, FALSE);
  guint32 dims[] = { 4, 4, 3 };
  g_autoptr (GByteArray) b = idx_bytes (0x08, 3, dims, 40);
  g_free (write_file ("train-images-idx3-ubyte", b, FALSE));
  g_autoptr (GError) e = load_error ();
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT,
                    "train-images-idx3-ubyte: byte 4: the header "
                    "declares 4 items of 12 bytes, more than the 56-byte file can hold");

  /* A gzip stream cut short. */
  g_autoptr (GByteArray) full = idx_bytes (0x08, 3, dims, 48);
  g_autofree char *gz = write_file ("train-images-idx3-ubyte.gz", full, TRUE);
  g_autofree char *raw = g_build_filename (dlp_test_tmpdir, "train-images-idx3-ubyte", NULL);
  g_unlink (raw);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (gz, &bytes, &len, NULL));
  ck_assert (g_file_set_contents (gz, bytes, (gssize) len - 12, NULL));
  g_autoptr (GError) e2 = load_error ();
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "train-images-idx3-ubyte.gz: truncated");
}
END_TEST

START_TEST (test_counts_disagree)
{
  write_pair ("train", 4, FALSE);
  guint32 dims[] = { 5 };
  g_autoptr (GByteArray) b = idx_bytes (0x08, 1, dims, 5);
  g_free (write_file ("train-labels-idx1-ubyte", b, FALSE));
  g_autoptr (GError) e = load_error ();
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "holds 4 images but");
  ck_assert_ptr_nonnull (strstr (e->message, "train-labels-idx1-ubyte holds 5 labels"));
}
END_TEST

START_TEST (test_missing_file)
{
  g_autoptr (GError) e = load_error ();
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_IO, "train-images-idx3-ubyte: cannot open");
}
END_TEST

/* The real Fashion-MNIST files that the Debian package installs. */
START_TEST (test_fashion_mnist)
{
  const char *dir = "/usr/share/datasets/fashion-mnist";
  ck_assert_msg (g_file_test (dir, G_FILE_TEST_IS_DIR),
                 "%s is missing: install dataset-fashion-mnist (scripts/install-deps.sh)", dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = data_test_load ("idx", "subsets: [test]\n", &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 10000);
  int label = dlp_dataset_get_label_column (ds);
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) label, NULL);
  ck_assert_str_eq (names[0], "T-shirt/top");
  DlpTensor *img =
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "image"));
  ck_assert_int_eq (dlp_tensor_get_dim (img, 1), 28);
  ck_assert_int_eq (dlp_tensor_get_dim (img, 2), 28);
}
END_TEST

static Suite *
idx_suite (void)
{
  Suite *s = suite_create ("idx");
  TCase *tc = tcase_create ("idx");
  dlp_tcase_add_tmpdir (tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_train_and_test_into_one_dataset);
  tcase_add_test (tc, test_subsets_and_class_names);
  tcase_add_test (tc, test_explicit_files);
  tcase_add_test (tc, test_wrong_magic);
  tcase_add_test (tc, test_wrong_dimensions);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_counts_disagree);
  tcase_add_test (tc, test_missing_file);
  tcase_add_test (tc, test_fashion_mnist);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (idx_suite)
