/* signals.c: SIGINT/SIGTERM handling on a thread of its own.
 *
 * GLib delivers the signals to a main loop on a dedicated thread, where it
 * is safe to cancel a GCancellable and print; the stages poll the
 * cancellable between steps. */
#include <stdio.h>
#include <unistd.h>
#include <glib-unix.h>
#include "signals.h"

static int received; /* atomic */

typedef struct {
  GCancellable *cancellable;
  int signo;
} Handler;

static gboolean
handle (gpointer data)
{
  Handler *h = data;
  if (g_atomic_int_compare_and_exchange (&received, 0, h->signo))
    {
      fprintf (stderr,
               "\ndlpipe: %s received: stopping after the current step "
               "(send it again to stop at once)\n",
               h->signo == SIGINT ? "interrupt" : "termination request");
      g_cancellable_cancel (h->cancellable);
      return G_SOURCE_CONTINUE;
    }
  _exit (128 + h->signo);
}

static gpointer
signal_thread (gpointer data)
{
  GMainContext *context = data;
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (loop);
  return NULL;
}

void
dlp_signals_install (GCancellable *cancellable)
{
  GMainContext *context = g_main_context_new ();
  const int signals[] = { SIGINT, SIGTERM };
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      Handler *h = g_new0 (Handler, 1);
      h->cancellable = g_object_ref (cancellable);
      h->signo = signals[i];
      GSource *source = g_unix_signal_source_new (signals[i]);
      g_source_set_callback (source, handle, h, NULL);
      g_source_attach (source, context);
      g_source_unref (source);
    }
  /* Lives as long as the process. */
  g_thread_unref (g_thread_new ("dlp-signals", signal_thread, context));
}

int
dlp_signals_received (void)
{
  return g_atomic_int_get (&received);
}
