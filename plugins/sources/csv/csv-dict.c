/* csv-dict.c: an open-addressing hash table over byte strings that are
 * not NUL-terminated (fields point into the reader's window), so a lookup
 * copies nothing; only new texts are copied. */
#include <string.h>
#include "csv-dict.h"

struct _CsvDict {
  GStringChunk *texts;
  GPtrArray *by_code; /* char*, owned by texts */
  GArray *lengths;    /* gsize per code */
  gint32 *slots;      /* code + 1, 0 = empty */
  guint32 *hashes;
  gsize n_slots; /* a power of two */
};

static guint32
hash_bytes (const char *text, gsize len)
{
  guint32 h = 2166136261u; /* FNV-1a */
  for (gsize i = 0; i < len; i++)
    h = (h ^ (guint8) text[i]) * 16777619u;
  return h;
}

CsvDict *
csv_dict_new (void)
{
  CsvDict *d = g_new0 (CsvDict, 1);
  d->texts = g_string_chunk_new (4096);
  d->by_code = g_ptr_array_new ();
  d->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  d->n_slots = 64;
  d->slots = g_new0 (gint32, d->n_slots);
  d->hashes = g_new0 (guint32, d->n_slots);
  return d;
}

void
csv_dict_free (CsvDict *dict)
{
  if (dict == NULL)
    return;
  g_string_chunk_free (dict->texts);
  g_ptr_array_unref (dict->by_code);
  g_array_unref (dict->lengths);
  g_free (dict->slots);
  g_free (dict->hashes);
  g_free (dict);
}

static void
grow (CsvDict *d)
{
  gsize n = d->n_slots * 2;
  gint32 *slots = g_new0 (gint32, n);
  guint32 *hashes = g_new0 (guint32, n);
  for (gsize i = 0; i < d->n_slots; i++)
    {
      if (d->slots[i] == 0)
        continue;
      gsize j = d->hashes[i] & (n - 1);
      while (slots[j] != 0)
        j = (j + 1) & (n - 1);
      slots[j] = d->slots[i];
      hashes[j] = d->hashes[i];
    }
  g_free (d->slots);
  g_free (d->hashes);
  d->slots = slots;
  d->hashes = hashes;
  d->n_slots = n;
}

gint32
csv_dict_intern (CsvDict *d, const char *text, gsize len, gboolean *added)
{
  guint32 h = hash_bytes (text, len);
  gsize j = h & (d->n_slots - 1);
  while (d->slots[j] != 0)
    {
      gint32 code = d->slots[j] - 1;
      if (d->hashes[j] == h && g_array_index (d->lengths, gsize, code) == len
          && memcmp (g_ptr_array_index (d->by_code, code), text, len) == 0)
        {
          *added = FALSE;
          return code;
        }
      j = (j + 1) & (d->n_slots - 1);
    }
  gint32 code = (gint32) d->by_code->len;
  g_ptr_array_add (d->by_code, g_string_chunk_insert_len (d->texts, text, (gssize) len));
  g_array_append_val (d->lengths, len);
  d->slots[j] = code + 1;
  d->hashes[j] = h;
  if (d->by_code->len * 2 > d->n_slots)
    grow (d);
  *added = TRUE;
  return code;
}

guint
csv_dict_get_size (const CsvDict *dict)
{
  return dict->by_code->len;
}

const char *
csv_dict_get_text (const CsvDict *dict, gint32 code)
{
  return g_ptr_array_index (dict->by_code, code);
}
