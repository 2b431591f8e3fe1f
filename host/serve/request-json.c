/* request-json.c: MLflow's four JSON input forms as rows (see request.h). */
#include <string.h>
#include "request.h"

static const char *const input_fields[] = {
  "dataframe_split",
  "dataframe_records",
  "instances",
  "inputs",
};

typedef struct {
  DlpPredictor *predictor;
  const DlpJsonDoc *doc;
  DlpPredictorRows *table;
} Reader;

/* "WHERE (byte N): MESSAGE" */
static gboolean G_GNUC_PRINTF (4, 5)
  shape_error (const DlpJsonNode *node, const char *where, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s (byte %u): %s", where, node->offset, msg);
  return FALSE;
}

/* --- values --- */

static gboolean
set_scalar (Reader *r, guint input, gint64 row, gsize element, const DlpJsonNode *v, GError **error)
{
  switch (v->type)
    {
    case DLP_JSON_NUMBER:
      return dlp_predictor_rows_set_number (r->table, input, row, element, v->number, error);
    case DLP_JSON_STRING:
      return dlp_predictor_rows_set_category (r->table, input, row, element,
                                              dlp_json_doc_get_string (r->doc, v), error);
    case DLP_JSON_TRUE:
    case DLP_JSON_FALSE:
      return dlp_predictor_rows_set_bool (r->table, input, row, element, v->type == DLP_JSON_TRUE,
                                          error);
    case DLP_JSON_NULL:
      return dlp_predictor_rows_set_missing (r->table, input, row, element, error);
    default:
      {
        g_autofree char *where =
          g_strdup_printf ("row %" G_GINT64_FORMAT ", column '%s'", row,
                           dlp_predictor_get_input (r->predictor, input)->name);
        return shape_error (v, where, error, "expected a single value, got %s",
                            dlp_json_type_name (v->type));
      }
    }
}

static char *
value_where (Reader *r, guint input, gint64 row)
{
  return g_strdup_printf ("row %" G_GINT64_FORMAT ", column '%s'", row,
                          dlp_predictor_get_input (r->predictor, input)->name);
}

/* Nested lists of the input's shape, from dimension @d. */
static gboolean
fill_nested (Reader *r, guint input, gint64 row, const DlpJsonNode *v, guint d, gsize *element,
             GError **error)
{
  const DlpPredictorInput *in = dlp_predictor_get_input (r->predictor, input);
  if (d == in->rank)
    return set_scalar (r, input, row, (*element)++, v, error);
  if (v->type != DLP_JSON_ARRAY || v->length != (guint32) in->shape[d])
    {
      g_autofree char *where = value_where (r, input, row);
      g_autofree char *shape = dlp_shape_to_string (in->rank, in->shape);
      g_autofree char *have = v->type == DLP_JSON_ARRAY
                                ? g_strdup_printf ("a list of %u", v->length)
                                : g_strdup (dlp_json_type_name (v->type));
      return shape_error (v, where, error,
                          "expected nested lists of shape %s: at depth %u a "
                          "list of %" G_GINT64_FORMAT " values, got %s",
                          shape, d + 1, in->shape[d], have);
    }
  const DlpJsonNode *child = dlp_json_first (v);
  for (guint32 k = 0; k < v->length; k++, child = dlp_json_next (child))
    if (!fill_nested (r, input, row, child, d + 1, element, error))
      return FALSE;
  return TRUE;
}

/* The whole value of one input in one row: a scalar, nested lists of the
 * input's shape, or one flat list. */
static gboolean
fill_value (Reader *r, guint input, gint64 row, const DlpJsonNode *v, GError **error)
{
  const DlpPredictorInput *in = dlp_predictor_get_input (r->predictor, input);
  if (in->rank == 0)
    return set_scalar (r, input, row, 0, v, error);
  gsize element = 0;
  if (v->type == DLP_JSON_ARRAY && v->length == (guint32) in->shape[0]
      && (in->rank == 1 || (v->length > 0 && dlp_json_first (v)->type == DLP_JSON_ARRAY)))
    return fill_nested (r, input, row, v, 0, &element, error);
  if (v->type == DLP_JSON_ARRAY && v->length == in->n_values)
    {
      const DlpJsonNode *child = dlp_json_first (v);
      for (gsize e = 0; e < in->n_values; e++, child = dlp_json_next (child))
        if (!set_scalar (r, input, row, e, child, error))
          return FALSE;
      return TRUE;
    }
  g_autofree char *where = value_where (r, input, row);
  g_autofree char *shape = dlp_shape_to_string (in->rank, in->shape);
  g_autofree char *have = v->type == DLP_JSON_ARRAY ? g_strdup_printf ("a list of %u", v->length)
                                                    : g_strdup (dlp_json_type_name (v->type));
  return shape_error (v, where, error,
                      "expected nested lists of shape %s or one list of %" G_GSIZE_FORMAT
                      " values, got %s",
                      shape, in->n_values, have);
}

/* One row from cells in the columns of @map. */
static gboolean
fill_row (Reader *r, const DlpColumnMap *map, gint64 row, const DlpJsonNode *const *cells,
          GError **error)
{
  for (guint i = 0; i < dlp_predictor_get_n_inputs (r->predictor); i++)
    {
      if (map->whole[i] >= 0)
        {
          if (!fill_value (r, i, row, cells[map->whole[i]], error))
            return FALSE;
          continue;
        }
      for (gsize e = 0; e < dlp_predictor_get_input (r->predictor, i)->n_values; e++)
        if (!set_scalar (r, i, row, e, cells[map->spread[i][e]], error))
          return FALSE;
    }
  return TRUE;
}

/* An object naming its inputs: a record, or an instance. */
static gboolean
fill_record (Reader *r, gint64 row, const DlpJsonNode *object, GError **error)
{
  g_autofree const char **names = g_new (const char *, object->length + 1);
  g_autofree const DlpJsonNode **cells = g_new (const DlpJsonNode *, object->length + 1);
  const DlpJsonNode *k = dlp_json_first (object);
  for (guint32 m = 0; m < object->length; m++)
    {
      names[m] = dlp_json_doc_get_string (r->doc, k);
      cells[m] = k + 1;
      k = dlp_json_next (k + 1);
    }
  g_autoptr (DlpColumnMap) map = dlp_column_map_new (r->predictor, names, object->length, error);
  if (map == NULL)
    {
      g_prefix_error (error, "row %" G_GINT64_FORMAT " (byte %u): ", row, object->offset);
      return FALSE;
    }
  return fill_row (r, map, row, cells, error);
}

static gboolean
start_table (Reader *r, const DlpJsonNode *rows, const char *where, GError **error)
{
  if (rows->type != DLP_JSON_ARRAY && rows->type != DLP_JSON_OBJECT)
    return shape_error (rows, where, error, "expected a list of rows, got %s",
                        dlp_json_type_name (rows->type));
  if (rows->length == 0)
    return shape_error (rows, where, error, "no rows to score");
  r->table = dlp_predictor_rows_new (r->predictor, rows->length, error);
  return r->table != NULL;
}

/* --- the four forms --- */

static gboolean
read_split (Reader *r, const DlpJsonNode *split, GError **error)
{
  if (split->type != DLP_JSON_OBJECT)
    return shape_error (split, "dataframe_split", error,
                        "expected an object with \"columns\" "
                        "and \"data\", got %s",
                        dlp_json_type_name (split->type));
  const DlpJsonNode *columns = dlp_json_doc_get_member (r->doc, split, "columns");
  const DlpJsonNode *data = dlp_json_doc_get_member (r->doc, split, "data");
  if (data == NULL)
    return shape_error (split, "dataframe_split", error, "no \"data\" member (the rows)");
  if (data->type != DLP_JSON_ARRAY)
    return shape_error (data, "dataframe_split.data", error, "expected a list of rows, got %s",
                        dlp_json_type_name (data->type));

  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  if (columns && columns->type != DLP_JSON_NULL)
    {
      if (columns->type != DLP_JSON_ARRAY)
        return shape_error (columns, "dataframe_split.columns", error,
                            "expected a list of "
                            "column names, got %s",
                            dlp_json_type_name (columns->type));
      const DlpJsonNode *c = dlp_json_first (columns);
      for (guint32 k = 0; k < columns->length; k++, c = dlp_json_next (c))
        {
          if (c->type == DLP_JSON_STRING)
            g_ptr_array_add (names, g_strdup (dlp_json_doc_get_string (r->doc, c)));
          else if (c->type == DLP_JSON_NUMBER)
            g_ptr_array_add (names, g_strdup_printf ("%g", c->number));
          else
            return shape_error (c, "dataframe_split.columns", error,
                                "expected a column "
                                "name, got %s",
                                dlp_json_type_name (c->type));
        }
    }
  else
    {
      /* Without names, a row lists the inputs in order, or it is the flat
       * values of a sole input. */
      guint32 width = data->length > 0 && dlp_json_first (data)->type == DLP_JSON_ARRAY
                        ? dlp_json_first (data)->length
                        : 0;
      gboolean by_input = width == dlp_predictor_get_n_inputs (r->predictor);
      for (guint32 c = 0; c < width; c++)
        g_ptr_array_add (names, by_input
                                  ? g_strdup (dlp_predictor_get_input (r->predictor, c)->name)
                                  : g_strdup_printf ("%u", c));
    }
  g_autoptr (DlpColumnMap) map =
    dlp_column_map_new (r->predictor, (const char *const *) names->pdata, names->len, error);
  if (map == NULL)
    {
      g_prefix_error (error, "dataframe_split.columns: ");
      return FALSE;
    }
  if (!start_table (r, data, "dataframe_split.data", error))
    return FALSE;

  g_autofree const DlpJsonNode **cells = g_new (const DlpJsonNode *, names->len + 1);
  const DlpJsonNode *row = dlp_json_first (data);
  for (guint32 i = 0; i < data->length; i++, row = dlp_json_next (row))
    {
      if (row->type != DLP_JSON_ARRAY || row->length != names->len)
        {
          g_autofree char *where = g_strdup_printf ("dataframe_split.data[%u]", i);
          g_autofree char *have = row->type == DLP_JSON_ARRAY
                                    ? g_strdup_printf ("a list of %u", row->length)
                                    : g_strdup (dlp_json_type_name (row->type));
          return shape_error (row, where, error,
                              "expected a list of %u values, one per "
                              "column, got %s",
                              names->len, have);
        }
      const DlpJsonNode *cell = dlp_json_first (row);
      for (guint c = 0; c < names->len; c++, cell = dlp_json_next (cell))
        cells[c] = cell;
      if (!fill_row (r, map, i, cells, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_records (Reader *r, const DlpJsonNode *records, GError **error)
{
  if (records->type != DLP_JSON_ARRAY)
    return shape_error (records, "dataframe_records", error,
                        "expected a list of objects, "
                        "got %s",
                        dlp_json_type_name (records->type));
  if (!start_table (r, records, "dataframe_records", error))
    return FALSE;
  const DlpJsonNode *record = dlp_json_first (records);
  for (guint32 i = 0; i < records->length; i++, record = dlp_json_next (record))
    {
      if (record->type != DLP_JSON_OBJECT)
        {
          g_autofree char *where = g_strdup_printf ("dataframe_records[%u]", i);
          return shape_error (record, where, error,
                              "expected an object of column values, "
                              "got %s",
                              dlp_json_type_name (record->type));
        }
      if (!fill_record (r, i, record, error))
        return FALSE;
    }
  return TRUE;
}

/* TF-serving rows: objects, or the sole input's value, or a list of one
 * value per input. */
static gboolean
read_instances (Reader *r, const DlpJsonNode *rows, const char *field, GError **error)
{
  if (!start_table (r, rows, field, error))
    return FALSE;
  guint n_inputs = dlp_predictor_get_n_inputs (r->predictor);
  const DlpJsonNode *row = dlp_json_first (rows);
  for (guint32 i = 0; i < rows->length; i++, row = dlp_json_next (row))
    {
      if (row->type == DLP_JSON_OBJECT)
        {
          if (!fill_record (r, i, row, error))
            return FALSE;
          continue;
        }
      if (n_inputs == 1)
        {
          if (!fill_value (r, 0, i, row, error))
            return FALSE;
          continue;
        }
      if (row->type != DLP_JSON_ARRAY || row->length != n_inputs)
        {
          g_autofree char *where = g_strdup_printf ("%s[%u]", field, i);
          g_autofree char *inputs = dlp_predictor_list_inputs (r->predictor);
          return shape_error (row, where, error,
                              "expected an object of input values, or a "
                              "list of %u values (%s), got %s",
                              n_inputs, inputs, dlp_json_type_name (row->type));
        }
      const DlpJsonNode *cell = dlp_json_first (row);
      for (guint k = 0; k < n_inputs; k++, cell = dlp_json_next (cell))
        if (!fill_value (r, k, i, cell, error))
          return FALSE;
    }
  return TRUE;
}

/* TF-serving columns: {"name": [value per row], ...}. */
static gboolean
read_columns (Reader *r, const DlpJsonNode *object, GError **error)
{
  guint n_inputs = dlp_predictor_get_n_inputs (r->predictor);
  g_autofree const DlpJsonNode **lists = g_new0 (const DlpJsonNode *, n_inputs);
  g_autoptr (GString) missing = g_string_new (NULL);
  for (guint k = 0; k < n_inputs; k++)
    {
      const char *name = dlp_predictor_get_input (r->predictor, k)->name;
      lists[k] = dlp_json_doc_get_member (r->doc, object, name);
      if (lists[k] == NULL)
        g_string_append_printf (missing, "%s'%s'", missing->len ? ", " : "", name);
    }
  if (missing->len)
    {
      g_autofree char *inputs = dlp_predictor_list_inputs (r->predictor);
      return shape_error (object, "inputs", error, "no values for %s (the model's inputs: %s)",
                          missing->str, inputs);
    }
  for (guint k = 0; k < n_inputs; k++)
    {
      g_autofree char *where =
        g_strdup_printf ("inputs.%s", dlp_predictor_get_input (r->predictor, k)->name);
      if (lists[k]->type != DLP_JSON_ARRAY)
        return shape_error (lists[k], where, error,
                            "expected a list of one value per row, "
                            "got %s",
                            dlp_json_type_name (lists[k]->type));
      if (lists[k]->length != lists[0]->length)
        return shape_error (lists[k], where, error, "%u values, but inputs.%s has %u",
                            lists[k]->length, dlp_predictor_get_input (r->predictor, 0)->name,
                            lists[0]->length);
    }
  if (!start_table (r, lists[0], "inputs", error))
    return FALSE;
  for (guint k = 0; k < n_inputs; k++)
    {
      const DlpJsonNode *v = dlp_json_first (lists[k]);
      for (guint32 i = 0; i < lists[k]->length; i++, v = dlp_json_next (v))
        if (!fill_value (r, k, i, v, error))
          return FALSE;
    }
  return TRUE;
}

/* --- the body --- */

static gboolean
read_params (Reader *r, const DlpJsonNode *params, DlpScoreOptions *options, GError **error)
{
  if (params->type == DLP_JSON_NULL)
    return TRUE;
  if (params->type != DLP_JSON_OBJECT)
    return shape_error (params, "params", error, "expected an object, got %s",
                        dlp_json_type_name (params->type));
  const DlpJsonNode *k = dlp_json_first (params);
  for (guint32 m = 0; m < params->length; m++, k = dlp_json_next (k + 1))
    {
      const char *key = dlp_json_doc_get_string (r->doc, k);
      const DlpJsonNode *v = k + 1;
      if (strcmp (key, "probabilities") != 0)
        return shape_error (k, "params", error,
                            "unknown parameter '%s' (known: "
                            "probabilities)",
                            key);
      if (v->type != DLP_JSON_TRUE && v->type != DLP_JSON_FALSE)
        return shape_error (v, "params.probabilities", error, "expected true or false, got %s",
                            dlp_json_type_name (v->type));
      options->probabilities = v->type == DLP_JSON_TRUE;
    }
  return TRUE;
}

static char *
list_members (const DlpJsonDoc *doc, const DlpJsonNode *object)
{
  g_autoptr (GString) s = g_string_new (NULL);
  const DlpJsonNode *k = dlp_json_first (object);
  for (guint32 m = 0; m < object->length; m++, k = dlp_json_next (k + 1))
    g_string_append_printf (s, "%s\"%s\"", m ? ", " : "", dlp_json_doc_get_string (doc, k));
  return g_strdup_printf ("[%s]", s->str);
}

static gboolean
read_body (Reader *r, DlpScoreOptions *options, GError **error)
{
  const DlpJsonNode *root = dlp_json_doc_get_root (r->doc);
  const char *expected = "The input must be a JSON object with exactly one of the input "
                         "fields dataframe_split, dataframe_records, instances, inputs";
  if (root->type != DLP_JSON_OBJECT)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s; got %s", expected,
                   dlp_json_type_name (root->type));
      return FALSE;
    }
  const DlpJsonNode *form = NULL;
  guint which = 0, n_forms = 0;
  for (guint f = 0; f < G_N_ELEMENTS (input_fields); f++)
    {
      const DlpJsonNode *v = dlp_json_doc_get_member (r->doc, root, input_fields[f]);
      if (v)
        form = v, which = f, n_forms++;
    }
  if (n_forms != 1)
    {
      g_autofree char *members = list_members (r->doc, root);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s; got fields %s", expected, members);
      return FALSE;
    }
  const DlpJsonNode *params = dlp_json_doc_get_member (r->doc, root, "params");
  if (params && !read_params (r, params, options, error))
    return FALSE;
  switch (which)
    {
    case 0:
      return read_split (r, form, error);
    case 1:
      return read_records (r, form, error);
    case 2:
      return read_instances (r, form, "instances", error);
    default:
      if (form->type == DLP_JSON_OBJECT)
        return read_columns (r, form, error);
      if (form->type != DLP_JSON_ARRAY)
        return shape_error (form, "inputs", error,
                            "expected a list of rows or an object of "
                            "columns, got %s",
                            dlp_json_type_name (form->type));
      return read_instances (r, form, "inputs", error);
    }
}

DlpDataset *
dlp_request_read_json (DlpPredictor *predictor, const char *body, gsize length,
                       DlpScoreOptions *options, GError **error)
{
  g_autoptr (DlpJsonDoc) doc = dlp_json_doc_parse (body, length, error);
  if (doc == NULL)
    return NULL;
  Reader r = { predictor, doc, NULL };
  g_autoptr (DlpPredictorRows) table = NULL;
  gboolean ok = read_body (&r, options, error);
  table = r.table;
  return ok ? dlp_predictor_rows_finish (table, error) : NULL;
}
