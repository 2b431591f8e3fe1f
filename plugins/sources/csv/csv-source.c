/* csv-source.c: the csv source, a CSV file with a header row.
 *
 *   data_ingestion:
 *     source: csv
 *     path: penguins.csv
 *     label: species
 *     missing: ["", NA]
 *     types: {year: categorical}
 *
 * Each column is numeric (float32, NaN for missing values) unless a value
 * that is neither a number nor a missing-value token appears in it, in
 * which case it is categorical: int32 codes into its sorted distinct
 * texts. The label column is always categorical. The file is read in
 * chunks, so its size is bounded by memory for the columns, not the text;
 * a column found to be text late in the file costs a second read. */
#include <string.h>
#include "csv-reader.h"
#include "csv-table.h"

#define PROGRESS_EVERY_ROWS 65536

static const DlpParamSpec csv_params[] = {
  DLP_PARAM_REQUIRED ("path", DLP_PARAM_PATH, "The CSV file"),
  DLP_PARAM_REQUIRED ("label", DLP_PARAM_STRING, "The column holding the class of each row"),
  DLP_PARAM_BOOL ("header",
                  "Whether the first record names the columns (otherwise they are column_1, "
                  "column_2, ...)",
                  "true"),
  DLP_PARAM_STRING ("delimiter", "The field separator: one character, or \"tab\"", "','"),
  DLP_PARAM_STRING ("quote", "The quote character; '' for none", "'\"'"),
  DLP_PARAM_STRING ("escape",
                    "A character that escapes the next one inside quotes ('\\\\' say); '' means "
                    "quotes are escaped by doubling them, as in RFC 4180",
                    "''"),
  DLP_PARAM_LIST ("missing", "Field texts that mean a missing value", "['', NA, NaN, 'null', '?']"),
  DLP_PARAM_MAPPING ("types", "Column types that override inference: {COLUMN: numeric|categorical}",
                     "{}"),
  DLP_PARAM_END,
};

typedef struct {
  char *path;
  char *label;
  gboolean header;
  CsvDialect dialect;
  GStrv missing;
  DlpConfig *config; /* for the types mapping and error locations */
} CsvOptions;

static void
csv_options_clear (CsvOptions *o)
{
  g_free (o->path);
  g_free (o->label);
  g_strfreev (o->missing);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CsvOptions, csv_options_clear)

static gboolean
get_char (DlpConfig *config, const char *key, gboolean allow_empty, char *out, GError **error)
{
  g_autofree char *text = NULL;
  if (!dlp_config_get_string (config, key, &text, error))
    return FALSE;
  if (g_strcmp0 (text, "tab") == 0 || g_strcmp0 (text, "\\t") == 0)
    {
      *out = '\t';
      return TRUE;
    }
  gsize len = text ? strlen (text) : 0;
  if (len == 0 && allow_empty)
    {
      *out = '\0';
      return TRUE;
    }
  if (len != 1 || (guchar) text[0] >= 0x80 || text[0] == '\n' || text[0] == '\r')
    {
      dlp_config_set_error (config, key, error, "expected one ASCII character%s",
                            allow_empty ? " or ''" : "");
      return FALSE;
    }
  *out = text[0];
  return TRUE;
}

static gboolean
read_options (DlpConfig *config, CsvOptions *o, GError **error)
{
  o->config = config;
  o->header = TRUE;
  if (!dlp_config_get_path_value (config, "path", &o->path, error)
      || !dlp_config_get_string (config, "label", &o->label, error)
      || !dlp_config_get_bool (config, "header", &o->header, error)
      || !get_char (config, "delimiter", FALSE, &o->dialect.delimiter, error)
      || !get_char (config, "quote", TRUE, &o->dialect.quote, error)
      || !get_char (config, "escape", TRUE, &o->dialect.escape, error)
      || !dlp_config_get_strv (config, "missing", &o->missing, error))
    return FALSE;
  CsvDialect *d = &o->dialect;
  if (d->quote && d->quote == d->delimiter)
    {
      dlp_config_set_error (config, "quote", error, "must differ from the delimiter");
      return FALSE;
    }
  if (d->escape && d->escape == d->delimiter)
    {
      dlp_config_set_error (config, "escape", error, "must differ from the delimiter");
      return FALSE;
    }
  return TRUE;
}

/* Column types: the types mapping, then the label (always categorical). */
static gboolean
column_types (CsvOptions *o, char **names, CsvType *types, GError **error)
{
  guint n = g_strv_length (names);
  for (guint i = 0; i < n; i++)
    types[i] = CSV_TYPE_AUTO;
  g_autoptr (DlpConfig) map = dlp_config_get_section (o->config, "types", TRUE, error);
  if (map == NULL)
    return error == NULL || *error == NULL;
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (map);
  for (guint k = 0; k < keys->len; k++)
    {
      const char *column = g_ptr_array_index (keys, k);
      g_autofree char *type = NULL;
      if (!dlp_config_get_string (map, column, &type, error))
        return FALSE;
      CsvType t;
      if (g_strcmp0 (type, "numeric") == 0)
        t = CSV_TYPE_NUMERIC;
      else if (g_strcmp0 (type, "categorical") == 0)
        t = CSV_TYPE_CATEGORICAL;
      else
        {
          dlp_config_set_error (map, column, error, "expected numeric or categorical");
          return FALSE;
        }
      if (!g_strv_contains ((const char *const *) names, column))
        {
          g_autofree char *known = g_strjoinv (", ", names);
          dlp_config_set_error (map, column, error,
                                "%s has no column named '%s' "
                                "(columns: %s)",
                                o->path, column, known);
          return FALSE;
        }
      if (t == CSV_TYPE_NUMERIC && g_strcmp0 (column, o->label) == 0)
        {
          dlp_config_set_error (map, column, error, "the label column is categorical");
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        if (strcmp (names[i], column) == 0)
          types[i] = t;
    }
  for (guint i = 0; i < n; i++)
    if (strcmp (names[i], o->label) == 0)
      types[i] = CSV_TYPE_CATEGORICAL;
  return TRUE;
}

/* Column names from the first record: its texts, or column_N. */
static GStrv
column_names (CsvReader *reader, gboolean header, GError **error)
{
  const char *path = csv_reader_get_path (reader);
  guint n;
  const CsvField *f = csv_reader_get_fields (reader, &n);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = NULL;
      if (!header)
        name = g_strdup_printf ("column_%u", i + 1);
      else if (!g_utf8_validate_len (f[i].data, f[i].len, NULL))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s:%" G_GUINT64_FORMAT ": column %u of the header: invalid UTF-8", path,
                       csv_reader_get_line (reader), i + 1);
          return NULL;
        }
      else if (f[i].len == 0)
        name = g_strdup_printf ("column_%u", i + 1);
      else
        name = g_strndup (f[i].data, f[i].len);
      if (!g_hash_table_add (seen, g_strdup (name)))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s:%" G_GUINT64_FORMAT ": the header names column '%s' twice", path,
                       csv_reader_get_line (reader), name);
          return NULL;
        }
      g_strv_builder_add (b, name);
    }
  return g_strv_builder_end (b);
}

static gboolean
check_label (const char *path, char **names, const char *label, GError **error)
{
  if (g_strv_contains ((const char *const *) names, label))
    return TRUE;
  g_autofree char *known = g_strjoinv (", ", names);
  g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s:1: no label column '%s' (columns: %s)",
               path, label, known);
  return FALSE;
}

typedef enum { READ_DONE, READ_AGAIN, READ_FAILED } ReadResult;

/* Reads every record into @table. On READ_AGAIN, types[*column] became
 * categorical and the file must be read again. */
static ReadResult
read_rows (CsvReader *reader, CsvTable *table, guint n_columns, gboolean first_is_data,
           CsvType *types, const char *task, DlpContext *context, GError **error)
{
  const char *path = csv_reader_get_path (reader);
  gboolean have_record = first_is_data;
  for (;;)
    {
      if (!have_record && !csv_reader_next (reader, error))
        return error && *error ? READ_FAILED : READ_DONE;
      have_record = FALSE;
      guint n;
      const CsvField *fields = csv_reader_get_fields (reader, &n);
      guint64 line = csv_reader_get_line (reader);
      if (n != n_columns)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s:%" G_GUINT64_FORMAT ": expected %u fields (as in the "
                       "first record), found %u",
                       path, line, n_columns, n);
          return READ_FAILED;
        }
      guint column = 0;
      switch (csv_table_add_row (table, fields, line, &column, error))
        {
        case CSV_ADD_OK:
          break;
        case CSV_ADD_RETYPE:
          types[column] = CSV_TYPE_CATEGORICAL;
          g_debug ("%s:%" G_GUINT64_FORMAT ": column %u holds text; reading again", path, line,
                   column + 1);
          return READ_AGAIN;
        case CSV_ADD_ERROR:
          return READ_FAILED;
        }
      if (csv_table_get_n_rows (table) % PROGRESS_EVERY_ROWS == 0)
        {
          if (dlp_context_is_cancelled (context, error))
            return READ_FAILED;
          dlp_context_progress (context, task, csv_reader_get_offset (reader),
                                csv_reader_get_size (reader));
        }
    }
}

static void
add_provenance (DlpDataset *ds, const char *path, CsvReader *reader)
{
  JsonObject *p = json_object_new ();
  json_object_set_string_member (p, "source", "csv");
  g_autofree char *recorded = dlp_config_path_for_record (path);
  json_object_set_string_member (p, "path", recorded);
  json_object_set_int_member (p, "size", (gint64) csv_reader_get_offset (reader));
  json_object_set_string_member (p, "sha256", csv_reader_get_sha256 (reader));
  json_object_set_int_member (p, "rows", dlp_dataset_get_n_rows (ds));
  json_object_set_int_member (p, "columns", dlp_dataset_get_n_columns (ds));
  json_object_set_object_member (dlp_dataset_get_metadata (ds), "provenance", p);
}

static gboolean
check_classes (DlpDataset *ds, const char *path, const char *label, GError **error)
{
  int index = dlp_dataset_find_column (ds, label);
  guint n_classes = 0;
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) index, &n_classes);
  if (n_classes >= 2)
    return TRUE;
  if (n_classes == 1)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                 "%s: the label column '%s' holds a single class ('%s'); a "
                 "classifier needs at least two",
                 path, label, names[0]);
  else
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: the label column '%s' holds no values",
                 path, label);
  return FALSE;
}

static DlpDataset *
csv_load (DlpConfig *config, DlpContext *context, GError **error)
{
  g_auto (CsvOptions) o = { 0 };
  if (!read_options (config, &o, error))
    return NULL;
  g_autoptr (CsvReader) reader = csv_reader_open (o.path, &o.dialect, error);
  if (reader == NULL)
    return NULL;
  g_autofree CsvType *types = NULL;
  g_auto (GStrv) names = NULL;
  g_autofree char *task = g_strdup_printf ("reading %s", o.path);
  for (;;)
    {
      if (!csv_reader_next (reader, error))
        {
          if (error && *error == NULL)
            g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                         "%s: empty file (expected a header row)", o.path);
          return NULL;
        }
      if (names == NULL)
        {
          names = column_names (reader, o.header, error);
          if (names == NULL || !check_label (o.path, names, o.label, error))
            return NULL;
          types = g_new0 (CsvType, g_strv_length (names) + 1);
          if (!column_types (&o, names, types, error))
            return NULL;
        }
      g_autoptr (CsvTable) table =
        csv_table_new (o.path, names, types, (const char *const *) o.missing);
      switch (
        read_rows (reader, table, g_strv_length (names), !o.header, types, task, context, error))
        {
        case READ_FAILED:
          return NULL;
        case READ_AGAIN:
          if (!csv_reader_rewind (reader, error))
            return NULL;
          continue;
        case READ_DONE:
          break;
        }
      if (csv_table_get_n_rows (table) == 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: no data rows after the header",
                       o.path);
          return NULL;
        }
      g_autoptr (DlpDataset) ds = csv_table_to_dataset (table, o.label, error);
      if (ds == NULL)
        {
          g_prefix_error (error, "%s: ", o.path);
          return NULL;
        }
      if (!check_classes (ds, o.path, o.label, error))
        return NULL;
      dlp_context_progress (context, task, csv_reader_get_offset (reader),
                            csv_reader_get_offset (reader));
      add_provenance (ds, o.path, reader);
      return g_steal_pointer (&ds);
    }
}

static const DlpSourceClass csv_source = {
  .struct_size = sizeof (DlpSourceClass),
  .name = "csv",
  .description = "A CSV file with a header row; numeric and categorical columns",
  .params = csv_params,
  .load = csv_load,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_source (registry, &csv_source, error);
}

DLP_PLUGIN_DEFINE (source_csv, "0.1.0", "LGPL-2.1-or-later", "Reads CSV files", plugin_init)
