/* vecmath.c: exp, sigmoid and tanh over arrays, written so that the
 * compiler vectorizes them: range reduction by rounding with a magic
 * constant, Cephes' polynomials, and the power of two built from bits. */
#include <string.h>
#include <dlpipe/dlp-vecmath.h>

static inline float
exp_kernel (float x)
{
  /* e^88.3 is the largest power below FLT_MAX that keeps 2^n finite. */
  x = x > 88.3f ? 88.3f : x;
  x = x < -87.3f ? -87.3f : x;
  /* n = round (x / ln 2), adding and removing 1.5 * 2^23. */
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  gint32 bits = ((gint32) n + 127) << 23;
  float scale;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float
tanh_kernel (float x)
{
  float a = x < 0 ? -x : x;
  /* Small |x|: x + x^3 P(x^2); otherwise 1 - 2 / (e^2|x| + 1). */
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float big = 1.0f - 2.0f / (exp_kernel (2.0f * a) + 1.0f);
  big = x < 0 ? -big : big;
  return a < 0.625f ? small : big;
}

DLP_VECTOR_CLONES void
dlp_vec_exp (float *y, const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = exp_kernel (x[i]);
}

DLP_VECTOR_CLONES void
dlp_vec_sigmoid (float *y, const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = 1.0f / (1.0f + exp_kernel (-x[i]));
}

DLP_VECTOR_CLONES void
dlp_vec_tanh (float *y, const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = tanh_kernel (x[i]);
}
