/* signals.c: SIGINT/SIGTERM handling on a thread of its own.
 *
 * GLib delivers the signals to a main loop on a dedicated thread, where it
 * is safe to cancel a GCancellable and print; the stages poll the
 * cancellable between steps.
 *
 * Every other thread blocks the two signals, so that the kernel delivers
 * them to that thread alone. A signal must never interrupt a thread
 * running compute kernels: oneDNN 2.6's JIT GEMM kernels (its issue 4845) point
 * the stack pointer into a heap buffer, and the signal frame the kernel
 * pushes there overwrites heap memory. */
#include <pthread.h>
#include <signal.h>
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

static void
stop_signals (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGINT);
  sigaddset (set, SIGTERM);
}

static gpointer
signal_thread (gpointer data)
{
  GMainContext *context = data;
  sigset_t set;
  stop_signals (&set);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (loop);
  return NULL;
}

void
dlp_signals_install (GCancellable *cancellable)
{
  /* Threads inherit the mask of the thread that creates them: blocked
   * here, before the process has any other thread, the signals stay
   * blocked in all of them. One arriving before the signal thread
   * unblocks them waits, pending, until it does. */
  sigset_t set;
  stop_signals (&set);
  pthread_sigmask (SIG_BLOCK, &set, NULL);

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

void
dlp_signals_child_setup (gpointer user_data)
{
  (void) user_data;
  sigset_t set;
  stop_signals (&set);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
}
