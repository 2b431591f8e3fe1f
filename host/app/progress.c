/* progress.c: a progress line on terminals, a log line elsewhere.
 *
 * Stages may run at the same time (dlpipe run), so the line shows every
 * task in progress, and reports from any thread are serialised. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "progress.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)

typedef struct {
  char *name;
  char *text; /* free text instead of done/total */
  guint64 done;
  guint64 total;
  gint64 started;
} Task;

struct _DlpProgress {
  GMutex lock;
  gboolean show;     /* not --quiet */
  gboolean terminal; /* stderr is a terminal */
  GPtrArray *tasks;  /* Task, in progress */
  gint64 last_draw;
  gboolean line_open; /* a drawn line waits to be cleared */
};

static void
task_free (gpointer data)
{
  Task *t = data;
  g_free (t->name);
  g_free (t->text);
  g_free (t);
}

DlpProgress *
dlp_progress_new (DlpVerbosity verbosity)
{
  DlpProgress *p = g_new0 (DlpProgress, 1);
  g_mutex_init (&p->lock);
  p->show = verbosity != DLP_VERBOSITY_QUIET;
  p->terminal = isatty (STDERR_FILENO);
  p->tasks = g_ptr_array_new_with_free_func (task_free);
  return p;
}

static void
clear_line (DlpProgress *p)
{
  if (p->line_open)
    fputs ("\r\033[K", stderr);
  p->line_open = FALSE;
}

void
dlp_progress_free (DlpProgress *p)
{
  if (p == NULL)
    return;
  clear_line (p);
  g_ptr_array_unref (p->tasks);
  g_mutex_clear (&p->lock);
  g_free (p);
}

static Task *
find_task (DlpProgress *p, const char *name, gint64 now)
{
  for (guint i = 0; i < p->tasks->len; i++)
    {
      Task *t = g_ptr_array_index (p->tasks, i);
      if (strcmp (t->name, name) == 0)
        return t;
    }
  Task *t = g_new0 (Task, 1);
  t->name = g_strdup (name);
  t->started = now;
  g_ptr_array_add (p->tasks, t);
  return t;
}

static void
draw (DlpProgress *p)
{
  GString *line = g_string_new ("\r\033[K");
  for (guint i = 0; i < p->tasks->len; i++)
    {
      Task *t = g_ptr_array_index (p->tasks, i);
      if (i)
        g_string_append (line, "  |  ");
      if (t->text)
        g_string_append (line, t->text);
      else if (t->total)
        g_string_append_printf (line, "%s: %3.0f%% (%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ")",
                                t->name, 100.0 * (double) t->done / (double) t->total, t->done,
                                t->total);
      else
        g_string_append_printf (line, "%s: %" G_GUINT64_FORMAT, t->name, t->done);
    }
  fputs (line->str, stderr);
  fflush (stderr);
  g_string_free (line, TRUE);
  p->line_open = p->tasks->len > 0;
}

void
dlp_progress_report (const char *task, guint64 done, guint64 total, gpointer progress)
{
  DlpProgress *p = progress;
  if (!p->show)
    return;
  g_mutex_lock (&p->lock);
  gint64 now = g_get_monotonic_time ();
  Task *t = find_task (p, task, now);
  t->done = done;
  t->total = total;
  gboolean finished = total > 0 && done >= total;
  if (finished)
    {
      double seconds = (double) (now - t->started) / G_USEC_PER_SEC;
      g_ptr_array_remove (p->tasks, t);
      if (p->terminal)
        {
          clear_line (p);
          draw (p);
        }
      g_mutex_unlock (&p->lock);
      g_debug ("%s: %" G_GUINT64_FORMAT " done in %.2f s", task, done, seconds);
      return;
    }
  if (p->terminal && now - p->last_draw >= REDRAW_INTERVAL_US)
    {
      p->last_draw = now;
      draw (p);
    }
  g_mutex_unlock (&p->lock);
}

void
dlp_progress_clear (DlpProgress *p)
{
  g_mutex_lock (&p->lock);
  clear_line (p);
  g_mutex_unlock (&p->lock);
}

void
dlp_progress_report_text (DlpProgress *p, const char *task, const char *text)
{
  if (!p->show || !p->terminal)
    return;
  g_mutex_lock (&p->lock);
  gint64 now = g_get_monotonic_time ();
  Task *t = find_task (p, task, now);
  if (text == NULL)
    {
      g_ptr_array_remove (p->tasks, t);
      clear_line (p);
      draw (p);
    }
  else
    {
      g_free (t->text);
      t->text = g_strdup (text);
      if (now - p->last_draw >= REDRAW_INTERVAL_US)
        {
          p->last_draw = now;
          draw (p);
        }
    }
  g_mutex_unlock (&p->lock);
}

gboolean
dlp_progress_is_live (DlpProgress *p)
{
  return p->show && p->terminal;
}
