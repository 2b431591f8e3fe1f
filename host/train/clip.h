/* clip.h: gradient clipping, as torch.nn.utils.clip_grad_norm_ and
 * clip_grad_value_ do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Scales @grads so their global L2 norm is at most @max_norm; returns the
 * norm before clipping (NaN or infinite if a gradient is). */
double dlp_clip_grad_norm (float *grads, gsize n, double max_norm);
/* Clamps every gradient into [-@max_value, @max_value]. */
void dlp_clip_grad_value (float *grads, gsize n, double max_value);

G_END_DECLS
