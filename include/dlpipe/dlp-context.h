/* dlp-context.h: what the host gives a plugin while it works. */
#pragma once

#include <gio/gio.h>
#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct _DlpContext DlpContext;
typedef struct _DlpRegistry DlpRegistry;

DLP_API DlpContext *dlp_context_ref (DlpContext *context);
DLP_API void dlp_context_unref (DlpContext *context);

/* The registry, so that one plugin can use types of another (the http
 * source parses with the csv source, say). */
DLP_API DlpRegistry *dlp_context_get_registry (DlpContext *context);
/* Cancelled when the user asks the run to stop (SIGINT, SIGTERM). */
DLP_API GCancellable *dlp_context_get_cancellable (DlpContext *context);
/* Sets DLP_ERROR_CANCELLED and returns TRUE if the run should stop. */
DLP_API gboolean dlp_context_is_cancelled (DlpContext *context, GError **error);
/* Worker threads the run may use (1 or more). */
DLP_API guint dlp_context_get_n_threads (DlpContext *context);

/* Reports progress of long work; cheap enough to call per chunk. */
DLP_API void dlp_context_progress (DlpContext *context, const char *task,
                                   guint64 done, guint64 total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpContext, dlp_context_unref)

G_END_DECLS
