/* mlmodel.c: MLmodel files, YAML as MLflow writes them. */
#include <string.h>
#include "mlmodel.h"

char *
dlp_mlmodel_tensor_schema (const char *dtype, guint rank, const gint64 *dims)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s,
                          "[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"%s\", "
                          "\"shape\": [-1",
                          dtype);
  for (guint i = 0; i < rank; i++)
    g_string_append_printf (s, ", %" G_GINT64_FORMAT, dims[i]);
  g_string_append (s, "]}}]");
  return g_string_free (s, FALSE);
}

/* A YAML single-quoted scalar: only the quote needs doubling. */
static void
append_quoted (GString *out, const char *text)
{
  g_string_append_c (out, '\'');
  for (const char *p = text; *p; p++)
    {
      if (*p == '\'')
        g_string_append_c (out, '\'');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

static void append_value (GString *out, JsonNode *node, guint indent);

static void
append_mapping (GString *out, JsonObject *o, guint indent)
{
  g_autoptr (GList) keys = json_object_get_members (o);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (o, l->data);
      g_string_append_printf (out, "%*s%s:", (int) indent, "", (const char *) l->data);
      if (JSON_NODE_HOLDS_OBJECT (v) && json_object_get_size (json_node_get_object (v)) > 0)
        {
          g_string_append_c (out, '\n');
          append_mapping (out, json_node_get_object (v), indent + 2);
        }
      else
        {
          g_string_append_c (out, ' ');
          append_value (out, v, indent);
          g_string_append_c (out, '\n');
        }
    }
}

/* Scalars, and lists or empty mappings in JSON's flow style (valid YAML). */
static void
append_value (GString *out, JsonNode *node, guint indent)
{
  (void) indent;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    append_quoted (out, json_node_get_string (node));
  else
    {
      g_autofree char *text = json_to_string (node, FALSE);
      g_string_append (out, text);
    }
}

gboolean
dlp_mlmodel_write (const char *path, const DlpMlmodel *m, GError **error)
{
  g_autoptr (JsonObject) root = json_object_new ();
  if (m->artifact_path)
    json_object_set_string_member (root, "artifact_path", m->artifact_path);
  JsonObject *flavors = json_object_new ();
  JsonObject *flavor = m->flavor ? json_object_ref (m->flavor) : json_object_new ();
  if (!json_object_has_member (flavor, "dlpipe_version"))
    json_object_set_string_member (flavor, "dlpipe_version", DLP_VERSION);
  json_object_set_object_member (flavors, "dlpipe", flavor);
  /* MLflow's own tools load the package through the Python binding. */
  JsonObject *pyfunc = json_object_new ();
  json_object_set_string_member (pyfunc, "loader_module", DLP_MLMODEL_LOADER_MODULE);
  JsonObject *env = json_object_new ();
  json_object_set_string_member (env, "virtualenv", DLP_MLMODEL_PYTHON_ENV);
  json_object_set_object_member (pyfunc, "env", env);
  json_object_set_string_member (pyfunc, "python_version", DLP_MLMODEL_PYTHON_VERSION);
  json_object_set_object_member (flavors, "python_function", pyfunc);
  json_object_set_object_member (root, "flavors", flavors);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autoptr (GString) hex = g_string_new (NULL);
  for (const char *p = uuid; *p; p++)
    if (*p != '-')
      g_string_append_c (hex, *p);
  json_object_set_string_member (root, "model_uuid", hex->str);
  if (m->model_size_bytes >= 0)
    json_object_set_int_member (root, "model_size_bytes", m->model_size_bytes);
  if (m->run_id)
    json_object_set_string_member (root, "run_id", m->run_id);
  if (m->signature_inputs || m->signature_outputs)
    {
      JsonObject *sig = json_object_new ();
      if (m->signature_inputs)
        json_object_set_string_member (sig, "inputs", m->signature_inputs);
      if (m->signature_outputs)
        json_object_set_string_member (sig, "outputs", m->signature_outputs);
      json_object_set_null_member (sig, "params");
      json_object_set_object_member (root, "signature", sig);
    }
  /* str(datetime.utcnow()), as MLflow writes it. */
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  g_autofree char *created = g_strdup_printf ("%s.%06d", stamp, g_date_time_get_microsecond (now));
  json_object_set_string_member (root, "utc_time_created", created);

  g_autoptr (GString) out = g_string_new (NULL);
  append_mapping (out, root, 0);
  return dlp_write_file_atomic (path, out->str, out->len, error);
}

gboolean
dlp_mlmodel_write_python_env (const char *dir, GError **error)
{
  /* MLflow's python_env.yaml. */
  static const char env[] = "python: '" DLP_MLMODEL_PYTHON_VERSION "'\n"
                            "build_dependencies:\n"
                            "- pip\n"
                            "dependencies:\n"
                            "- -r " DLP_MLMODEL_REQUIREMENTS "\n";
  g_autofree char *requirements = g_strdup_printf ("dlpipe==%s\nnumpy\npandas\n", DLP_VERSION);
  g_autofree char *env_path = g_build_filename (dir, DLP_MLMODEL_PYTHON_ENV, NULL);
  g_autofree char *req_path = g_build_filename (dir, DLP_MLMODEL_REQUIREMENTS, NULL);
  return dlp_write_file_atomic (req_path, requirements, strlen (requirements), error)
         && dlp_write_file_atomic (env_path, env, sizeof env - 1, error);
}
