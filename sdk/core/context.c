/* context.c: DlpContext, the host services a plugin may use. */
#include <dlpipe/dlp-error.h>
#include <dlpipe/host/dlp-context.h>
#include <dlpipe/host/dlp-registry.h>

struct _DlpContext {
  gatomicrefcount ref_count;
  DlpRegistry *registry;
  GCancellable *cancellable;
  guint n_threads;
  DlpProgressFunc progress;
  gpointer progress_data;
  GDestroyNotify progress_destroy;
};

DlpContext *
dlp_context_new (DlpRegistry *registry)
{
  DlpContext *ctx = g_new0 (DlpContext, 1);
  g_atomic_ref_count_init (&ctx->ref_count);
  ctx->registry = registry ? dlp_registry_ref (registry) : NULL;
  ctx->cancellable = g_cancellable_new ();
  ctx->n_threads = 1;
  return ctx;
}

DlpContext *
dlp_context_ref (DlpContext *context)
{
  g_atomic_ref_count_inc (&context->ref_count);
  return context;
}

void
dlp_context_unref (DlpContext *context)
{
  if (context == NULL || !g_atomic_ref_count_dec (&context->ref_count))
    return;
  if (context->progress_destroy)
    context->progress_destroy (context->progress_data);
  g_clear_pointer (&context->registry, dlp_registry_unref);
  g_object_unref (context->cancellable);
  g_free (context);
}

DlpRegistry *
dlp_context_get_registry (DlpContext *context)
{
  return context->registry;
}

GCancellable *
dlp_context_get_cancellable (DlpContext *context)
{
  return context->cancellable;
}

void
dlp_context_set_cancellable (DlpContext *context, GCancellable *cancellable)
{
  g_set_object (&context->cancellable, cancellable);
}

gboolean
dlp_context_is_cancelled (DlpContext *context, GError **error)
{
  if (!g_cancellable_is_cancelled (context->cancellable))
    return FALSE;
  g_set_error_literal (error, DLP_ERROR, DLP_ERROR_CANCELLED, "stopped on request");
  return TRUE;
}

guint
dlp_context_get_n_threads (DlpContext *context)
{
  return context->n_threads;
}

void
dlp_context_set_n_threads (DlpContext *context, guint n_threads)
{
  context->n_threads = MAX (n_threads, 1);
}

void
dlp_context_set_progress_func (DlpContext *context, DlpProgressFunc func, gpointer user_data,
                               GDestroyNotify destroy)
{
  if (context->progress_destroy)
    context->progress_destroy (context->progress_data);
  context->progress = func;
  context->progress_data = user_data;
  context->progress_destroy = destroy;
}

void
dlp_context_progress (DlpContext *context, const char *task, guint64 done, guint64 total)
{
  if (context->progress)
    context->progress (task, done, total, context->progress_data);
}
