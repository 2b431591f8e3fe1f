/* clip.c: gradient clipping. */
#include <math.h>
#include "clip.h"

double
dlp_clip_grad_norm (float *grads, gsize n, double max_norm)
{
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += (double) grads[i] * grads[i];
  double norm = sqrt (sum);
  /* PyTorch's epsilon keeps the scale finite for a zero norm. */
  if (isfinite (norm) && norm > max_norm)
    {
      float scale = (float) (max_norm / (norm + 1e-6));
      for (gsize i = 0; i < n; i++)
        grads[i] *= scale;
    }
  return norm;
}

void
dlp_clip_grad_value (float *grads, gsize n, double max_value)
{
  float hi = (float) max_value, lo = -hi;
  for (gsize i = 0; i < n; i++)
    grads[i] = grads[i] < lo ? lo : grads[i] > hi ? hi : grads[i];
}
