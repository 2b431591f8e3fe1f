/* dlp-vecmath.h: elementwise functions over float arrays, for layers.
 *
 * They vectorize (AVX-512, AVX2 or SSE2, picked for the CPU at load time)
 * and agree with libm's expf, tanhf and the exact sigmoid to a few units
 * in the last place. @y may equal @x. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

/**
 * dlp_vec_exp:
 * @y: (transfer none): room for @n results; may be @x
 * @x: (transfer none): @n inputs
 * @n: the number of values
 *
 * y = exp (x), elementwise.
 */
DLP_API void dlp_vec_exp (float *y, const float *x, gsize n);

/**
 * dlp_vec_sigmoid:
 * @y: (transfer none): room for @n results; may be @x
 * @x: (transfer none): @n inputs
 * @n: the number of values
 *
 * y = 1 / (1 + exp (-x)), elementwise.
 */
DLP_API void dlp_vec_sigmoid (float *y, const float *x, gsize n);

/**
 * dlp_vec_tanh:
 * @y: (transfer none): room for @n results; may be @x
 * @x: (transfer none): @n inputs
 * @n: the number of values
 *
 * y = tanh (x), elementwise.
 */
DLP_API void dlp_vec_tanh (float *y, const float *x, gsize n);

G_END_DECLS
