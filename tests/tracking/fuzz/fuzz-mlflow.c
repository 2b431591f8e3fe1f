/* fuzz-mlflow.c: the mlflow tracker against answers of any content. A
 * server in this process answers every request with the bytes of the
 * input, while drive-tracker.c makes a stage's calls; whatever the
 * answers, each call must end in a success or a clear error, without a
 * crash, a hang, a leak or a GLib critical.
 *
 * An input is a script of answers, in the form record-mlflow writes:
 *
 *   mode: redelivery continue          (optional first line)
 *   ### 404 application/json
 *   {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}
 *   ### 200
 *   {"experiment_id": "1"}
 *
 * Request n gets answer n, the last one repeating; an input without a
 * "### " line is one 200 answer. Modes: redelivery (every call is a
 * redelivery), continue (start_run continues a run), changed (a param
 * value differs from the recorded runs').
 *
 * Artifact roots that would send uploads elsewhere (file:, a bare path,
 * http(s):, mlflow-artifacts://HOST) are turned into this server's
 * mlflow-artifacts:/ root before they are answered, so that the fuzzer
 * never writes into the file system or reaches the network. */
#include <string.h>
#include <dlpipe/dlpipe.h>
#include "../../fuzz/fuzz.h"
#include "../fake-mlflow.h"
#include "drive-tracker.h"
#include "../../../plugins/trackers/mlflow/mlflow-json.h"

#define SEPARATOR "\n### "
#define SAFE_ROOT "mlflow-artifacts:/0/fuzz/artifacts"

static gboolean
sends_elsewhere (const char *root)
{
  return g_str_has_prefix (root, "mlflow-artifacts://") || g_str_has_prefix (root, "http://")
         || g_str_has_prefix (root, "https://") || g_str_has_prefix (root, "file:")
         || root[0] == '/';
}

static gboolean
make_roots_safe (JsonNode *node)
{
  gboolean changed = FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        changed |= make_roots_safe (json_array_get_element (a, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (o);
      for (GList *l = members; l; l = l->next)
        {
          JsonNode *v = json_object_get_member (o, l->data);
          if (strcmp (l->data, "artifact_uri") == 0 && json_node_get_value_type (v) == G_TYPE_STRING
              && sends_elsewhere (json_node_get_string (v)))
            {
              json_node_set_string (v, SAFE_ROOT);
              changed = TRUE;
            }
          else
            changed |= make_roots_safe (v);
        }
    }
  return changed;
}

static void
add_answer (DlpFakeServer *server, guint status, const char *content_type, const char *body,
            gsize len)
{
  /* A deeper answer is refused unparsed by the tracker, counted alike. */
  g_autoptr (JsonNode) root = dlp_json_parse (body, (gssize) len, "answer", NULL);
  if (root && make_roots_safe (root))
    {
      g_autofree char *safe = json_to_string (root, FALSE);
      dlp_fake_server_add (server, status, content_type, safe, -1, NULL);
      return;
    }
  dlp_fake_server_add (server, status, content_type, body, (gssize) len, NULL);
}

/* "### STATUS [CONTENT-TYPE]": a status of 200 to 599 (else 200) and a
 * content type of plain characters with a '/' (else JSON's). */
static void
read_answer_line (const char *line, gsize len, guint *status, char **content_type)
{
  *status = 200;
  *content_type = NULL;
  if (len >= 3 && g_ascii_isdigit (line[0]) && g_ascii_isdigit (line[1])
      && g_ascii_isdigit (line[2]))
    {
      guint s = (guint) ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
      if (s >= 200 && s <= 599)
        *status = s;
    }
  if (len > 4 && line[3] == ' ')
    {
      g_autofree char *type = g_strndup (line + 4, len - 4);
      /* libsoup takes TYPE/SUBTYPE only. */
      gboolean plain = strchr (type, '/') != NULL && type[0] != '/';
      for (const char *p = type; *p && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("/+-.;= ", *p);
      if (plain)
        *content_type = g_steal_pointer (&type);
    }
}

static const char *
find (const char *from, const char *end, const char *needle)
{
  gsize n = strlen (needle);
  for (const char *p = from; p + n <= end; p++)
    if (memcmp (p, needle, n) == 0)
      return p;
  return NULL;
}

static void
read_script (DlpFakeServer *server, const char *p, const char *end)
{
  if (end - p < 4 || memcmp (p, "### ", 4) != 0)
    {
      add_answer (server, 200, NULL, p, (gsize) (end - p));
      return;
    }
  while (p < end)
    {
      p += 4; /* "### " */
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl ? nl : end;
      guint status;
      g_autofree char *content_type = NULL;
      read_answer_line (p, (gsize) (line_end - p), &status, &content_type);
      const char *body = nl ? nl + 1 : end;
      const char *next = find (body, end, SEPARATOR);
      const char *body_end = next ? next : end;
      add_answer (server, status, content_type, body, (gsize) (body_end - body));
      p = next ? next + 1 : end; /* at "### " */
    }
}

static void
read_mode (const char **p, const char *end, DlpDriveOptions *o)
{
  if (end - *p < 5 || memcmp (*p, "mode:", 5) != 0)
    return;
  const char *nl = memchr (*p, '\n', (gsize) (end - *p));
  g_autofree char *line = g_strndup (*p + 5, (gsize) ((nl ? nl : end) - *p - 5));
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  for (guint i = 0; words[i]; i++)
    if (strcmp (words[i], "redelivery") == 0)
      o->redelivery = TRUE;
    else if (strcmp (words[i], "continue") == 0)
      o->run_id = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    else if (strcmp (words[i], "changed") == 0)
      o->param_value = "4";
  *p = nl ? nl + 1 : end;
}

static DlpFakeServer *
server (void)
{
  static DlpFakeServer *s;
  if (s)
    return s;
  /* Only what the input says counts, not the caller's MLflow settings. */
  dlp_fake_clear_mlflow_env ();
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  s = dlp_fake_server_new (NULL, NULL);
  return s;
}

/* libFuzzer calls this before it counts the code it watches: the plugin
 * must be loaded by then for its coverage to count. */
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc, (void) argv;
  dlp_drive_mlflow_class ();
  server ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const DlpTrackerClass *klass = dlp_drive_mlflow_class ();
  DlpFakeServer *s = server ();
  const char *p = (const char *) data, *end = p + size;
  DlpDriveOptions options = { 0 };
  read_mode (&p, end, &options);
  dlp_fake_server_reset (s);
  read_script (s, p, end);
  dlp_drive_tracker (klass, dlp_fake_server_get_uri (s), &options);
  return 0;
}
