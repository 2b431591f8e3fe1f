/* progress.h: progress of long work, as plugins report it. */
#pragma once

#include "app.h"

G_BEGIN_DECLS

typedef struct _DlpProgress DlpProgress;

DlpProgress *dlp_progress_new (DlpVerbosity verbosity);
void dlp_progress_free (DlpProgress *progress);
/* A DlpProgressFunc (any thread): on a terminal, one line redrawn at most
 * ten times a second showing every task in progress; elsewhere, nothing
 * but a debug message when a task ends. */
void dlp_progress_report (const char *task, guint64 done, guint64 total, gpointer progress);
/* A task shown as free text (a training bar) rather than done/total;
 * NULL text ends the task. */
void dlp_progress_report_text (DlpProgress *progress, const char *task, const char *text);
/* TRUE if progress is drawn (a terminal, not --quiet). */
gboolean dlp_progress_is_live (DlpProgress *progress);
/* Clears the line, so that a message can be printed in its place. */
void dlp_progress_clear (DlpProgress *progress);

G_END_DECLS
