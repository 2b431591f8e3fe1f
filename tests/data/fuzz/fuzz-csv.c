/* fuzz-csv.c: the csv source on arbitrary files. The first input byte
 * picks the dialect (delimiter, quoting, escape), the rest is the file;
 * without a header, the label is the first column. */
#include "fuzz.h"
#include "fuzz-source.h"

const DlpPluginDesc *dlp_plugin_source_csv_get_desc (void);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  static const char *const dialects[] = {
    "",
    "delimiter: ';'\n",
    "delimiter: tab\n",
    "quote: ''\n",
    "escape: '\\'\n",
    "delimiter: '|'\nquote: \"'\"\n",
    "types: {column_2: numeric}\n",
    "missing: []\n",
  };
  const DlpSourceClass *csv = fuzz_source_class (dlp_plugin_source_csv_get_desc (), "csv");
  const char *path = fuzz_write_file ("data.csv", data + 1, size - 1);
  g_autofree char *yaml = g_strdup_printf ("path: %s\nheader: false\nlabel: column_1\n"
                                           "delimiter: ','\nquote: '\"'\nescape: ''\n"
                                           "missing: ['', NA]\ntypes: {}\n",
                                           path);
  /* Later keys of a dialect override the defaults above: rebuild. */
  const char *dialect = dialects[data[0] % G_N_ELEMENTS (dialects)];
  g_autoptr (GString) text = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (yaml, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_autofree char *key = g_strndup (lines[i], strcspn (lines[i], ":"));
      g_autofree char *prefix = g_strdup_printf ("%s:", key);
      if (!strstr (dialect, prefix))
        g_string_append_printf (text, "%s\n", lines[i]);
    }
  g_string_append (text, dialect);
  fuzz_load (csv, text->str);
  return 0;
}
