/* progress.c: a progress line on terminals, a log line elsewhere. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "progress.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)

struct _DlpProgress {
  gboolean show;         /* not --quiet */
  gboolean terminal;     /* stderr is a terminal */
  char *task;            /* the task being drawn, if any */
  gint64 started;
  gint64 last_draw;
  gboolean line_open;    /* a progress line waits for its newline */
};

DlpProgress *
dlp_progress_new (DlpVerbosity verbosity)
{
  DlpProgress *p = g_new0 (DlpProgress, 1);
  p->show = verbosity != DLP_VERBOSITY_QUIET;
  p->terminal = isatty (STDERR_FILENO);
  return p;
}

static void
close_line (DlpProgress *p)
{
  if (p->line_open)
    fputc ('\n', stderr);
  p->line_open = FALSE;
}

void
dlp_progress_free (gpointer progress)
{
  DlpProgress *p = progress;
  close_line (p);
  g_free (p->task);
  g_free (p);
}

void
dlp_progress_report (const char *task, guint64 done, guint64 total,
                     gpointer progress)
{
  DlpProgress *p = progress;
  if (!p->show)
    return;
  gint64 now = g_get_monotonic_time ();
  if (g_strcmp0 (task, p->task) != 0)
    {
      close_line (p);
      g_free (p->task);
      p->task = g_strdup (task);
      p->started = now;
      p->last_draw = 0;
    }
  gboolean finished = total > 0 && done >= total;
  if (!p->terminal)
    {
      if (finished)
        g_info ("%s: %" G_GUINT64_FORMAT " done in %.2f s", task, done,
                (double) (now - p->started) / G_USEC_PER_SEC);
      return;
    }
  if (!finished && now - p->last_draw < REDRAW_INTERVAL_US)
    return;
  p->last_draw = now;
  if (total > 0)
    fprintf (stderr, "\r\033[K%s: %3.0f%% (%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ")",
             task, 100.0 * (double) done / (double) total, done, total);
  else
    fprintf (stderr, "\r\033[K%s: %" G_GUINT64_FORMAT, task, done);
  p->line_open = TRUE;
  if (finished)
    close_line (p);
  fflush (stderr);
}
