/* safetensors-write.c: writes safetensors files atomically.
 *
 * Tensors are laid out by decreasing element size, so every tensor starts
 * at a multiple of its element size and a reader can map it in place. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-atomic-file.h>
#include <dlpipe/dlp-safetensors.h>
#include "sdk-private.h"

typedef struct {
  char *name;
  DlpTensor *tensor;
  guint order; /* insertion order, for a stable layout */
} Item;

struct _DlpSafetensorsWriter {
  GPtrArray *items;
  GHashTable *names;
  GTree *metadata; /* sorted, so equal inputs give equal bytes */
};

static void
item_free (gpointer data)
{
  Item *item = data;
  g_free (item->name);
  dlp_tensor_unref (item->tensor);
  g_free (item);
}

static int
compare_keys (gconstpointer a, gconstpointer b, gpointer unused)
{
  (void) unused;
  return strcmp (a, b);
}

DlpSafetensorsWriter *
dlp_safetensors_writer_new (void)
{
  DlpSafetensorsWriter *w = g_new0 (DlpSafetensorsWriter, 1);
  w->items = g_ptr_array_new_with_free_func (item_free);
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  w->metadata = g_tree_new_full (compare_keys, NULL, g_free, g_free);
  return w;
}

void
dlp_safetensors_writer_free (DlpSafetensorsWriter *writer)
{
  if (writer == NULL)
    return;
  g_hash_table_unref (writer->names);
  g_ptr_array_unref (writer->items);
  g_tree_unref (writer->metadata);
  g_free (writer);
}

gboolean
dlp_safetensors_writer_add (DlpSafetensorsWriter *writer, const char *name, DlpTensor *tensor,
                            GError **error)
{
  if (name == NULL || *name == '\0' || strcmp (name, "__metadata__") == 0
      || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "'%s' cannot name a safetensors tensor",
                   name ? name : "(null)");
      return FALSE;
    }
  if (g_hash_table_contains (writer->names, name))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "tensor '%s' was added twice", name);
      return FALSE;
    }
  Item *item = g_new0 (Item, 1);
  item->name = g_strdup (name);
  item->tensor = dlp_tensor_ref (tensor);
  item->order = writer->items->len;
  g_ptr_array_add (writer->items, item);
  g_hash_table_add (writer->names, item->name);
  return TRUE;
}

void
dlp_safetensors_writer_set_metadata (DlpSafetensorsWriter *writer, const char *key,
                                     const char *value)
{
  g_tree_replace (writer->metadata, g_strdup (key), g_strdup (value));
}

/* Empty tensors take no bytes, so they need no alignment. */
static gsize
alignment_of (const Item *item)
{
  if (dlp_tensor_get_nbytes (item->tensor) == 0)
    return 0;
  return dlp_dtype_size (dlp_tensor_get_dtype (item->tensor));
}

static int
compare_items (gconstpointer a, gconstpointer b)
{
  const Item *x = *(const Item *const *) a, *y = *(const Item *const *) b;
  gsize ax = alignment_of (x), ay = alignment_of (y);
  if (ax != ay)
    return ax > ay ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static gboolean
add_metadata_member (gpointer key, gpointer value, gpointer data)
{
  json_object_set_string_member (data, key, value);
  return FALSE;
}

static char *
build_header (DlpSafetensorsWriter *writer, gsize *len_out)
{
  g_autoptr (JsonObject) root = json_object_new ();
  if (g_tree_nnodes (writer->metadata) > 0)
    {
      JsonObject *meta = json_object_new ();
      g_tree_foreach (writer->metadata, add_metadata_member, meta);
      json_object_set_object_member (root, "__metadata__", meta);
    }
  guint64 offset = 0;
  for (guint i = 0; i < writer->items->len; i++)
    {
      Item *item = g_ptr_array_index (writer->items, i);
      DlpTensor *t = item->tensor;
      JsonObject *entry = json_object_new ();
      json_object_set_string_member (entry, "dtype", dlp_dtype_name (dlp_tensor_get_dtype (t)));
      JsonArray *shape = json_array_new ();
      for (guint d = 0; d < dlp_tensor_get_rank (t); d++)
        json_array_add_int_element (shape, dlp_tensor_get_dim (t, d));
      json_object_set_array_member (entry, "shape", shape);
      JsonArray *offsets = json_array_new ();
      json_array_add_int_element (offsets, (gint64) offset);
      offset += dlp_tensor_get_nbytes (t);
      json_array_add_int_element (offsets, (gint64) offset);
      json_object_set_array_member (entry, "data_offsets", offsets);
      json_object_set_object_member (root, item->name, entry);
    }
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, root);
  g_autofree char *text = dlp_json_to_string (node, FALSE);

  /* Pad with spaces so the data section starts 8-byte aligned. */
  gsize len = strlen (text);
  gsize padded = (8 + len + 7) / 8 * 8 - 8;
  GString *s = g_string_new (text);
  while (s->len < padded)
    g_string_append_c (s, ' ');
  *len_out = s->len;
  return g_string_free (s, FALSE);
}

gboolean
dlp_safetensors_writer_write (DlpSafetensorsWriter *writer, const char *path, GError **error)
{
  g_ptr_array_sort (writer->items, compare_items);
  gsize header_len;
  g_autofree char *header = build_header (writer, &header_len);

  g_autoptr (DlpAtomicFile) file = dlp_atomic_file_new (path, error);
  if (file == NULL)
    return FALSE;
  guint64 len_le = GUINT64_TO_LE ((guint64) header_len);
  if (!dlp_atomic_file_write (file, &len_le, 8, error)
      || !dlp_atomic_file_write (file, header, header_len, error))
    return FALSE;
  for (guint i = 0; i < writer->items->len; i++)
    {
      Item *item = g_ptr_array_index (writer->items, i);
      if (!dlp_atomic_file_write (file, dlp_tensor_get_data (item->tensor),
                                  dlp_tensor_get_nbytes (item->tensor), error))
        return FALSE;
    }
  return dlp_atomic_file_commit (file, error);
}
