/* signals.h: SIGINT and SIGTERM stop a run cleanly. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The first SIGINT or SIGTERM cancels @cancellable, so the running stage
 * finishes its current step, saves what it must and stops; a second one
 * ends the process at once. */
void dlp_signals_install (GCancellable *cancellable);
/* The first signal received, or 0. */
int dlp_signals_received (void);

G_END_DECLS
