/* record-mlflow.c: records what a real MLflow server answers to the calls
 * of drive-tracker.c, as an input of the mlflow fuzz target (see
 * fuzz-mlflow.c for the form). A server in this process forwards each
 * request to the real one and writes down the answer.
 *
 *   record-mlflow --uri http://127.0.0.1:5000 --out corpus/mlflow/fresh
 *                 [--redelivery] [--continue RUN_ID] [--changed]
 *
 * record-corpus.sh runs it against servers in the states worth recording. */
#include <stdio.h>
#include <libsoup/soup.h>
#include "../fake-mlflow.h"
#include "drive-tracker.h"

typedef struct {
  const char *target; /* the real server */
  GString *script;
} Recorder;

static void
forward (const DlpFakeRequest *request, DlpFakeAnswer *answer, gpointer data)
{
  Recorder *r = data;
  /* A session of its own, away from the fake server's main context. */
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *url = g_strconcat (r->target, request->path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (request->method, url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  if (request->authorization)
    soup_message_headers_replace (h, "Authorization", request->authorization);
  if (g_bytes_get_size (request->body) > 0 || g_strcmp0 (request->method, "GET") != 0)
    soup_message_set_request_body_from_bytes (msg, request->content_type, request->body);
  g_autoptr (GError) error = NULL;
  GBytes *body = soup_session_send_and_read (session, msg, NULL, &error);
  g_main_context_pop_thread_default (context);
  if (body == NULL)
    g_error ("%s %s: %s", request->method, url, error->message);
  const char *type =
    soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  answer->status = soup_message_get_status (msg);
  answer->content_type = g_strdup (type);
  answer->body = body;
  gsize len;
  const char *text = g_bytes_get_data (body, &len);
  g_string_append_printf (r->script, "### %u%s%s\n", answer->status, type ? " " : "",
                          type ? type : "");
  g_string_append_len (r->script, text, (gssize) len);
  if (len == 0 || text[len - 1] != '\n')
    g_string_append_c (r->script, '\n');
  fprintf (stderr, "%s %s -> %u\n", request->method, request->path, answer->status);
}

int
main (int argc, char **argv)
{
  g_autofree char *uri = NULL, *out = NULL, *run_id = NULL;
  gboolean redelivery = FALSE, changed = FALSE;
  const GOptionEntry entries[] = {
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri, "the MLflow server", "URI" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "the corpus file to write", "FILE" },
    { "redelivery", 0, 0, G_OPTION_ARG_NONE, &redelivery, "calls as redeliveries", NULL },
    { "continue", 0, 0, G_OPTION_ARG_STRING, &run_id, "continue this run", "RUN_ID" },
    { "changed", 0, 0, G_OPTION_ARG_NONE, &changed, "a param value differs", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || uri == NULL || out == NULL)
    {
      fprintf (stderr, "record-mlflow: %s\n", error ? error->message : "--uri and --out needed");
      return 2;
    }
  Recorder r = { uri, g_string_new (NULL) };
  GString *mode = g_string_new (NULL);
  if (redelivery)
    g_string_append (mode, " redelivery");
  if (run_id)
    g_string_append (mode, " continue");
  if (changed)
    g_string_append (mode, " changed");
  if (mode->len)
    g_string_append_printf (r.script, "mode:%s\n", mode->str);
  g_string_free (mode, TRUE);

  DlpFakeServer *server = dlp_fake_server_new (forward, &r);
  DlpDriveOptions options = { .redelivery = redelivery,
                              .run_id = run_id,
                              .param_value = changed ? "4" : NULL };
  guint n_ok =
    dlp_drive_tracker (dlp_drive_mlflow_class (), dlp_fake_server_get_uri (server), &options);
  dlp_fake_server_free (server);
  /* The last newline separates nothing. */
  g_string_truncate (r.script, r.script->len - 1);
  if (!g_file_set_contents (out, r.script->str, (gssize) r.script->len, &error))
    {
      fprintf (stderr, "record-mlflow: %s\n", error->message);
      return 1;
    }
  printf ("%s: %u calls succeeded\n", out, n_ok);
  g_string_free (r.script, TRUE);
  return 0;
}
