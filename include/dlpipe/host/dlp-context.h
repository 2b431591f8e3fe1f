/* host/dlp-context.h: making a DlpContext and wiring it to the run. */
#pragma once

#include <dlpipe/dlp-context.h>

G_BEGIN_DECLS

/* Called by the host for dlp_context_progress(); @total may be 0 if unknown. */
typedef void (*DlpProgressFunc) (const char *task, guint64 done, guint64 total,
                                 gpointer user_data);

DLP_API DlpContext *dlp_context_new (DlpRegistry *registry);

/* Shares the run's cancellable (one per process run). */
DLP_API void dlp_context_set_cancellable (DlpContext *context,
                                          GCancellable *cancellable);
DLP_API void dlp_context_set_n_threads (DlpContext *context, guint n_threads);
DLP_API void dlp_context_set_progress_func (DlpContext *context,
                                            DlpProgressFunc func,
                                            gpointer user_data,
                                            GDestroyNotify destroy);

G_END_DECLS
