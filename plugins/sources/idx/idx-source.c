/* idx-source.c: the idx source, MNIST-family IDX files (raw or gzip).
 *
 *   data_ingestion:
 *     source: idx
 *     path: /usr/share/datasets/fashion-mnist
 *     subsets: [train, test]
 *
 * Reads the image and label files of each subset (train-*, t10k-*) into
 * one dataset: "image", uint8 [N, rows, columns]; "label", categorical;
 * "subset", auxiliary, which file pair each row came from (what the
 * predefined splitter uses). */
#include <string.h>
#include "idx-file.h"

static const DlpParamSpec idx_params[] = {
  DLP_PARAM_PATH ("path", "Folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                  "/usr/share/datasets/fashion-mnist"),
  DLP_PARAM_LIST ("subsets", "Which file pairs of the folder to read, in order: train, test",
                  "[train, test]"),
  DLP_PARAM_PATH ("images",
                  "An images file to read instead of the folder (with labels; its rows form the "
                  "subset 'train')",
                  NULL),
  DLP_PARAM_PATH ("labels", "The labels file that goes with images", NULL),
  DLP_PARAM_ANY ("class_names",
                 "Names of the classes, in label order: a list, or fashion-mnist, or digits. "
                 "Default: fashion-mnist when the path mentions fashion, else the label numbers",
                 NULL),
  DLP_PARAM_END,
};

static const char *const fashion_names[] = { "T-shirt/top", "Trouser",    "Pullover", "Dress",
                                             "Coat",        "Sandal",     "Shirt",    "Sneaker",
                                             "Bag",         "Ankle boot", NULL };

typedef struct {
  char *name; /* the subset */
  IdxFile *images;
  IdxFile *labels;
} Pair;

static void
pair_clear (gpointer data)
{
  Pair *p = data;
  g_free (p->name);
  g_clear_pointer (&p->images, idx_file_free);
  g_clear_pointer (&p->labels, idx_file_free);
}

/* @dir/@stem, or @dir/@stem.gz if only that exists. */
static char *
find_file (const char *dir, const char *stem)
{
  g_autofree char *plain = g_build_filename (dir, stem, NULL);
  g_autofree char *gz = g_strconcat (plain, ".gz", NULL);
  if (!g_file_test (plain, G_FILE_TEST_EXISTS) && g_file_test (gz, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&gz);
  return g_steal_pointer (&plain);
}

static gboolean
open_pair (Pair *p, const char *images, const char *labels, GError **error)
{
  p->images = idx_file_open (images, 3, error);
  if (p->images == NULL)
    return FALSE;
  p->labels = idx_file_open (labels, 1, error);
  if (p->labels == NULL)
    return FALSE;
  if (p->images->n_items != p->labels->n_items)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s holds %" G_GUINT64_FORMAT " images but %s holds %" G_GUINT64_FORMAT
                   " labels (byte 4 of each)",
                   images, p->images->n_items, labels, p->labels->n_items);
      return FALSE;
    }
  return TRUE;
}

/* The file pairs named by the settings, opened and their headers checked. */
static GArray *
open_pairs (DlpConfig *config, char **source_path, GError **error)
{
  g_autoptr (GArray) pairs = g_array_new (FALSE, TRUE, sizeof (Pair));
  g_array_set_clear_func (pairs, pair_clear);
  g_autofree char *images = NULL, *labels = NULL;
  if (!dlp_config_get_path_value (config, "images", &images, error)
      || !dlp_config_get_path_value (config, "labels", &labels, error))
    return NULL;
  if ((images == NULL) != (labels == NULL))
    {
      dlp_config_set_error (config, images ? "images" : "labels", error,
                            "images and labels go together; give both or neither");
      return NULL;
    }
  if (images)
    {
      g_array_set_size (pairs, 1);
      Pair *p = &g_array_index (pairs, Pair, 0);
      p->name = g_strdup ("train");
      *source_path = g_strdup (images);
      if (!open_pair (p, images, labels, error))
        return NULL;
      return g_steal_pointer (&pairs);
    }

  g_autofree char *dir = NULL;
  g_auto (GStrv) subsets = NULL;
  if (!dlp_config_get_path_value (config, "path", &dir, error)
      || !dlp_config_get_strv (config, "subsets", &subsets, error))
    return NULL;
  if (subsets == NULL || subsets[0] == NULL)
    {
      dlp_config_set_error (config, "subsets", error, "expected train, test or both");
      return NULL;
    }
  for (guint i = 0; subsets[i]; i++)
    {
      const char *prefix = g_str_equal (subsets[i], "train")  ? "train"
                           : g_str_equal (subsets[i], "test") ? "t10k"
                                                              : NULL;
      gboolean repeated = g_strv_contains ((const char *const *) subsets + i + 1, subsets[i]);
      if (prefix == NULL || repeated)
        {
          dlp_config_set_error (config, "subsets", error,
                                "'%s': expected train and test, "
                                "each at most once",
                                subsets[i]);
          return NULL;
        }
      g_autofree char *img_stem = g_strdup_printf ("%s-images-idx3-ubyte", prefix);
      g_autofree char *lbl_stem = g_strdup_printf ("%s-labels-idx1-ubyte", prefix);
      g_autofree char *img = find_file (dir, img_stem);
      g_autofree char *lbl = find_file (dir, lbl_stem);
      g_array_set_size (pairs, i + 1);
      Pair *p = &g_array_index (pairs, Pair, i);
      p->name = g_strdup (subsets[i]);
      if (!open_pair (p, img, lbl, error))
        return NULL;
    }
  *source_path = g_steal_pointer (&dir);
  return g_steal_pointer (&pairs);
}

/* Class names from the settings, or the default (see idx_params). */
static GStrv
class_names (DlpConfig *config, const char *source_path, guint max_label, GError **error)
{
  JsonNode *node = dlp_config_lookup (config, "class_names");
  g_autofree char *preset = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree char *lower = g_ascii_strdown (source_path, -1);
      preset = g_strdup (strstr (lower, "fashion") ? "fashion-mnist" : "digits");
    }
  else if (JSON_NODE_HOLDS_VALUE (node))
    {
      if (!dlp_config_get_string (config, "class_names", &preset, error))
        return NULL;
    }
  g_auto (GStrv) names = NULL;
  if (preset == NULL)
    {
      if (!dlp_config_get_strv (config, "class_names", &names, error))
        return NULL;
    }
  else if (g_str_equal (preset, "fashion-mnist"))
    names = g_strdupv ((char **) fashion_names);
  else if (g_str_equal (preset, "digits"))
    {
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      for (guint i = 0; i <= max_label; i++)
        {
          g_autofree char *name = g_strdup_printf ("%u", i);
          g_strv_builder_add (b, name);
        }
      names = g_strv_builder_end (b);
    }
  else
    {
      dlp_config_set_error (config, "class_names", error,
                            "expected a list of names, fashion-mnist or digits");
      return NULL;
    }
  if (g_strv_length (names) <= max_label)
    {
      dlp_config_set_error (config, "class_names", error,
                            "%u names, but the labels go up "
                            "to %u",
                            g_strv_length (names), max_label);
      return NULL;
    }
  return g_steal_pointer (&names);
}

static JsonObject *
file_provenance (IdxFile *f)
{
  JsonObject *o = json_object_new ();
  g_autofree char *recorded = dlp_config_path_for_record (f->path);
  json_object_set_string_member (o, "path", recorded);
  json_object_set_int_member (o, "size", (gint64) idx_stream_get_file_size (f->stream));
  const char *sha = idx_stream_get_sha256 (f->stream);
  json_object_set_string_member (o, "sha256", sha ? sha : "");
  json_object_set_int_member (o, "rows", (gint64) f->n_items);
  return o;
}

/* Provenance: every file, and for the whole a SHA-256 over the lines
 * "SHA256  NAME\n" of the files (what sha256sum prints). */
static void
add_provenance (DlpDataset *ds, GArray *pairs, const char *source_path)
{
  JsonObject *p = json_object_new ();
  JsonArray *files = json_array_new ();
  g_autoptr (GChecksum) all = g_checksum_new (G_CHECKSUM_SHA256);
  gint64 size = 0;
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = &g_array_index (pairs, Pair, i);
      IdxFile *fs[] = { pair->images, pair->labels };
      for (guint j = 0; j < 2; j++)
        {
          JsonObject *fo = file_provenance (fs[j]);
          g_autofree char *base = g_path_get_basename (fs[j]->path);
          g_autofree char *line =
            g_strdup_printf ("%s  %s\n", json_object_get_string_member (fo, "sha256"), base);
          g_checksum_update (all, (const guchar *) line, (gssize) strlen (line));
          size += json_object_get_int_member (fo, "size");
          json_array_add_object_element (files, fo);
        }
    }
  json_object_set_string_member (p, "source", "idx");
  g_autofree char *recorded = dlp_config_path_for_record (source_path);
  json_object_set_string_member (p, "path", recorded);
  json_object_set_int_member (p, "size", size);
  json_object_set_string_member (p, "sha256", g_checksum_get_string (all));
  json_object_set_int_member (p, "rows", dlp_dataset_get_n_rows (ds));
  json_object_set_array_member (p, "files", files);
  json_object_set_object_member (dlp_dataset_get_metadata (ds), "provenance", p);
}

static DlpDataset *
idx_load (DlpConfig *config, DlpContext *context, GError **error)
{
  g_autofree char *source_path = NULL;
  g_autoptr (GArray) pairs = open_pairs (config, &source_path, error);
  if (pairs == NULL)
    return NULL;
  Pair *first = &g_array_index (pairs, Pair, 0);
  gint64 n_rows = 0;
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *p = &g_array_index (pairs, Pair, i);
      if (p->images->dims[1] != first->images->dims[1]
          || p->images->dims[2] != first->images->dims[2])
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "%s: byte 8: images are %ux%u, but %s has %ux%u", p->images->path,
                       p->images->dims[1], p->images->dims[2], first->images->path,
                       first->images->dims[1], first->images->dims[2]);
          return NULL;
        }
      n_rows += (gint64) p->images->n_items;
    }

  gint64 shape[] = { n_rows, first->images->dims[1], first->images->dims[2] };
  g_autoptr (DlpTensor) images = dlp_tensor_new (DLP_DTYPE_U8, 3, shape, error);
  g_autoptr (DlpTensor) labels = dlp_tensor_new_1d (DLP_DTYPE_I32, n_rows, error);
  g_autoptr (DlpTensor) subset = dlp_tensor_new_1d (DLP_DTYPE_I32, n_rows, error);
  if (images == NULL || labels == NULL || subset == NULL)
    return NULL;
  guint8 *img = dlp_tensor_get_data_mut (images);
  gint32 *lbl = dlp_tensor_get_data_mut (labels);
  gint32 *sub = dlp_tensor_get_data_mut (subset);
  g_autofree guint8 *raw_labels = g_malloc (MAX ((gsize) n_rows, 1));
  g_autofree const char **subset_names = g_new0 (const char *, pairs->len + 1);
  gint64 row = 0;
  guint max_label = 0;
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *p = &g_array_index (pairs, Pair, i);
      gsize item = p->images->item_size;
      if (!idx_file_read_items (p->images, img + (gsize) row * item, context, error)
          || !idx_file_read_items (p->labels, raw_labels + row, context, error))
        return NULL;
      for (guint64 r = 0; r < p->images->n_items; r++)
        {
          lbl[row + (gint64) r] = raw_labels[row + (gint64) r];
          sub[row + (gint64) r] = (gint32) i;
          max_label = MAX (max_label, raw_labels[row + (gint64) r]);
        }
      subset_names[i] = p->name;
      row += (gint64) p->images->n_items;
    }
  if (n_rows == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: no images (byte 4 is 0)",
                   first->images->path);
      return NULL;
    }

  g_auto (GStrv) names = class_names (config, source_path, max_label, error);
  if (names == NULL)
    return NULL;
  g_autoptr (DlpDataset) ds = dlp_dataset_new (n_rows);
  if (!dlp_dataset_add_column (ds, "image", images, DLP_COLUMN_FEATURE, error)
      || !dlp_dataset_add_categorical (ds, "label", labels, (const char *const *) names,
                                       g_strv_length (names), DLP_COLUMN_LABEL, error)
      || !dlp_dataset_add_categorical (ds, "subset", subset, subset_names, pairs->len,
                                       DLP_COLUMN_AUXILIARY, error))
    return NULL;
  add_provenance (ds, pairs, source_path);
  return g_steal_pointer (&ds);
}

static const DlpSourceClass idx_source = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "idx",
  .description = "MNIST-family IDX image and label files, raw or gzip-compressed",
  .params = idx_params,
  .load = idx_load,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_source (registry, &idx_source, error);
}

DLP_PLUGIN_DEFINE (source_idx, "0.1.0", "LGPL-2.1-or-later", "Reads MNIST-family IDX files",
                   plugin_init)
