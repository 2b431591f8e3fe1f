/* safetensors-read.c: a validating, mapping safetensors reader.
 *
 * Nothing in the data section is touched until the whole header has been
 * checked, so a malformed file is an error and never a crash. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-limits.h>
#include <dlpipe/dlp-safetensors.h>
#include "sdk-private.h"

G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

struct _DlpSafetensors {
  char *what;
  GPtrArray *names;     /* in data order */
  GHashTable *tensors;  /* name -> DlpTensor */
  GHashTable *metadata; /* key -> value */
};

typedef struct {
  const char *name;
  DlpDtype dtype;
  guint rank;
  gint64 shape[DLP_TENSOR_MAX_RANK];
  guint64 begin, end;
} Entry;

static gboolean format_error (GError **error, const char *what, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
format_error (GError **error, const char *what, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: %s", what, msg);
  return FALSE;
}

/* A JSON integer that is not negative. */
static gboolean
get_count (JsonNode *node, guint64 *out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_entry (const char *what, const char *name, JsonNode *node, guint64 data_size, Entry *e,
             GError **error)
{
  e->name = name;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return format_error (error, what,
                         "tensor '%s': expected an object with "
                         "dtype, shape and data_offsets",
                         name);
  JsonObject *o = json_node_get_object (node);

  JsonNode *dtype = json_object_get_member (o, "dtype");
  if (dtype == NULL || json_node_get_value_type (dtype) != G_TYPE_STRING)
    return format_error (error, what, "tensor '%s': missing string 'dtype'", name);
  if (!dlp_dtype_from_name (json_node_get_string (dtype), &e->dtype))
    return format_error (error, what,
                         "tensor '%s': unsupported dtype '%s' "
                         "(supported: F32, F64, I32, I64, U8, BOOL)",
                         name, json_node_get_string (dtype));

  JsonNode *shape = json_object_get_member (o, "shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    return format_error (error, what, "tensor '%s': missing array 'shape'", name);
  JsonArray *dims = json_node_get_array (shape);
  if (json_array_get_length (dims) > DLP_TENSOR_MAX_RANK)
    return format_error (error, what, "tensor '%s': rank %u exceeds %d", name,
                         json_array_get_length (dims), DLP_TENSOR_MAX_RANK);
  e->rank = json_array_get_length (dims);
  guint64 n = 1;
  for (guint i = 0; i < e->rank; i++)
    {
      guint64 d;
      if (!get_count (json_array_get_element (dims, i), &d) || d > G_MAXINT64)
        return format_error (error, what,
                             "tensor '%s': shape[%u] is not a "
                             "non-negative integer",
                             name, i);
      e->shape[i] = (gint64) d;
      if (!g_uint64_checked_mul (&n, n, d))
        return format_error (error, what, "tensor '%s': shape overflows", name);
    }

  JsonNode *offsets = json_object_get_member (o, "data_offsets");
  if (offsets == NULL || !JSON_NODE_HOLDS_ARRAY (offsets)
      || json_array_get_length (json_node_get_array (offsets)) != 2
      || !get_count (json_array_get_element (json_node_get_array (offsets), 0), &e->begin)
      || !get_count (json_array_get_element (json_node_get_array (offsets), 1), &e->end))
    return format_error (error, what,
                         "tensor '%s': 'data_offsets' must be "
                         "two non-negative integers",
                         name);
  if (e->begin > e->end)
    return format_error (error, what,
                         "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                         "] end before they begin",
                         name, e->begin, e->end);

  guint64 nbytes;
  if (!g_uint64_checked_mul (&nbytes, n, dlp_dtype_size (e->dtype)))
    return format_error (error, what, "tensor '%s': byte size overflows", name);
  if (nbytes != e->end - e->begin)
    {
      g_autofree char *s = dlp_shape_to_string (e->rank, e->shape);
      return format_error (error, what,
                           "tensor '%s': %s %s needs %" G_GUINT64_FORMAT
                           " bytes but data_offsets span %" G_GUINT64_FORMAT,
                           name, json_node_get_string (dtype), s, nbytes, e->end - e->begin);
    }
  if (nbytes > dlp_limit_get (DLP_LIMIT_TENSOR_BYTES))
    {
      dlp_limit_set_error (error, DLP_LIMIT_TENSOR_BYTES, what,
                           "tensor '%s' has %" G_GUINT64_FORMAT
                           " bytes, more than the limit of %" G_GUINT64_FORMAT,
                           name, nbytes, dlp_limit_get (DLP_LIMIT_TENSOR_BYTES));
      return FALSE;
    }
  if (e->end > data_size)
    return format_error (error, what,
                         "tensor '%s': data_offsets end at %" G_GUINT64_FORMAT
                         " but the data section has only %" G_GUINT64_FORMAT " bytes",
                         name, e->end, data_size);
  return TRUE;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* The format asks the tensors to cover the data section exactly, one after
 * another, as Python's safetensors checks: bytes between or after them are
 * refused as well as tensors that overlap. */
static gboolean
check_coverage (const char *what, GArray *entries, guint64 data_size, GError **error)
{
  g_array_sort (entries, compare_entries);
  guint64 covered = 0;
  const Entry *prev = NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);
      if (e->begin < covered)
        return format_error (error, what,
                             "tensors '%s' and '%s' overlap (bytes %" G_GUINT64_FORMAT
                             "..%" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                             ")",
                             prev->name, e->name, prev->begin, prev->end, e->begin, e->end);
      if (e->begin > covered)
        return format_error (error, what,
                             "bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                             " before tensor '%s' belong to no tensor (the data must be "
                             "covered exactly, tensor after tensor)",
                             covered, e->begin, e->name);
      covered = e->end;
      prev = e;
    }
  if (covered != data_size)
    return format_error (error, what,
                         "%" G_GUINT64_FORMAT " bytes after the last tensor "
                         "belong to no tensor (the data must be covered exactly, tensor "
                         "after tensor)",
                         data_size - covered);
  return TRUE;
}

static gboolean
parse_metadata (DlpSafetensors *st, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return format_error (error, st->what, "__metadata__ must be an object of strings");
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) keys = json_object_get_members (o);
  for (GList *l = keys; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (o, l->data);
      if (json_node_get_value_type (v) != G_TYPE_STRING)
        return format_error (error, st->what, "__metadata__ value '%s' is not a string",
                             (const char *) l->data);
      g_hash_table_insert (st->metadata, g_strdup (l->data), g_strdup (json_node_get_string (v)));
    }
  return TRUE;
}

DlpSafetensors *
dlp_safetensors_parse (GBytes *bytes, const char *what, GError **error)
{
  gsize size;
  const guint8 *base = g_bytes_get_data (bytes, &size);

  if (size < 8)
    {
      format_error (error, what,
                    "file is %" G_GSIZE_FORMAT " bytes; a "
                    "safetensors file starts with an 8-byte header length",
                    size);
      return NULL;
    }
  guint64 header_len;
  memcpy (&header_len, base, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > dlp_limit_get (DLP_LIMIT_HEADER_BYTES))
    {
      dlp_limit_set_error (error, DLP_LIMIT_HEADER_BYTES, what,
                           "header length %" G_GUINT64_FORMAT
                           " exceeds the limit of %" G_GUINT64_FORMAT " bytes",
                           header_len, dlp_limit_get (DLP_LIMIT_HEADER_BYTES));
      return NULL;
    }
  if (header_len > size - 8)
    {
      format_error (error, what,
                    "header length %" G_GUINT64_FORMAT " runs past "
                    "the end of the %" G_GSIZE_FORMAT "-byte file (truncated?)",
                    header_len, size);
      return NULL;
    }
  const char *header = (const char *) base + 8;
  if (!g_utf8_validate_len (header, header_len, NULL))
    {
      format_error (error, what, "header is not valid UTF-8");
      return NULL;
    }
  g_autofree char *header_what = g_strdup_printf ("%s: header", what);
  g_autoptr (JsonNode) root = dlp_json_parse (header, (gssize) header_len, header_what, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      format_error (error, what, "header is not a JSON object");
      return NULL;
    }

  g_autoptr (DlpSafetensors) st = g_new0 (DlpSafetensors, 1);
  st->what = g_strdup (what);
  st->names = g_ptr_array_new_with_free_func (g_free);
  st->tensors =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) dlp_tensor_unref);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  guint64 data_start = 8 + header_len;
  guint64 data_size = size - data_start;
  JsonObject *o = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (o);
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *node = json_object_get_member (o, l->data);
      if (strcmp (l->data, "__metadata__") == 0)
        {
          if (!parse_metadata (st, node, error))
            return NULL;
          continue;
        }
      Entry e;
      if (!parse_entry (what, l->data, node, data_size, &e, error))
        return NULL;
      g_array_append_val (entries, e);
    }

  if (!check_coverage (what, entries, data_size, error))
    return NULL;

  /* The header is sound: now make tensors over the data. */
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);
      gsize offset = (gsize) (data_start + e->begin);
      g_autoptr (DlpTensor) t = NULL;
      if (offset % dlp_dtype_size (e->dtype) == 0)
        t = dlp_tensor_new_from_bytes (e->dtype, e->rank, e->shape, bytes, offset, error);
      else
        {
          /* Misaligned for its element type: copy rather than map. */
          t = dlp_tensor_new (e->dtype, e->rank, e->shape, error);
          if (t)
            memcpy (dlp_tensor_get_data_mut (t), base + offset, e->end - e->begin);
        }
      if (t == NULL)
        {
          g_prefix_error (error, "%s: tensor '%s': ", what, e->name);
          return NULL;
        }
      g_ptr_array_add (st->names, g_strdup (e->name));
      g_hash_table_insert (st->tensors, g_strdup (e->name), g_steal_pointer (&t));
    }
  return g_steal_pointer (&st);
}

DlpSafetensors *
dlp_safetensors_read (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot read %s: %s", path, local->message);
      return NULL;
    }
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mapped);
  return dlp_safetensors_parse (bytes, path, error);
}

void
dlp_safetensors_free (DlpSafetensors *st)
{
  if (st == NULL)
    return;
  g_free (st->what);
  g_clear_pointer (&st->names, g_ptr_array_unref);
  g_clear_pointer (&st->tensors, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_free (st);
}

guint
dlp_safetensors_get_n_tensors (const DlpSafetensors *st)
{
  return st->names->len;
}

const char *
dlp_safetensors_get_name (const DlpSafetensors *st, guint index)
{
  g_return_val_if_fail (index < st->names->len, NULL);
  return g_ptr_array_index (st->names, index);
}

DlpTensor *
dlp_safetensors_get_tensor (const DlpSafetensors *st, const char *name)
{
  return g_hash_table_lookup (st->tensors, name);
}

DlpTensor *
dlp_safetensors_lookup (const DlpSafetensors *st, const char *name, GError **error)
{
  DlpTensor *t = g_hash_table_lookup (st->tensors, name);
  if (t == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s: no tensor named '%s'", st->what, name);
  return t;
}

const char *
dlp_safetensors_get_metadata (const DlpSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}
