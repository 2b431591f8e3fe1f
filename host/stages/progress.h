/* progress.h: progress of long work, as plugins report it. */
#pragma once

#include "../app.h"

G_BEGIN_DECLS

typedef struct _DlpProgress DlpProgress;

DlpProgress *dlp_progress_new (DlpVerbosity verbosity);
void dlp_progress_free (gpointer progress);
/* A DlpProgressFunc: on a terminal, one line redrawn at most ten times a
 * second; otherwise silent until the task is done, then one log line. */
void dlp_progress_report (const char *task, guint64 done, guint64 total,
                          gpointer progress);

G_END_DECLS
