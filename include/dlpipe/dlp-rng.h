/* dlp-rng.h: seeded random numbers.
 *
 * Everything random in dlpipe (initial weights, dropout masks, shuffling)
 * comes from an explicit seed, so the same params give the same numbers.
 * DlpRng is xoshiro256** seeded through splitmix64; dlp_rng_mix hashes
 * values into independent seeds, or into counter-based draws that do not
 * depend on which thread computes them. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} DlpRng;

DLP_API void dlp_rng_init (DlpRng *rng, guint64 seed);
DLP_API guint64 dlp_rng_next (DlpRng *rng);
/* Uniform in [0, 1), 53 random bits. */
DLP_API double dlp_rng_uniform (DlpRng *rng);
/* Standard normal. */
DLP_API double dlp_rng_normal (DlpRng *rng);
/* Uniform integer in [0, @bound), without modulo bias; 0 if @bound is 0. */
DLP_API guint64 dlp_rng_below (DlpRng *rng, guint64 bound);
/* Fisher-Yates shuffle of @n row indices. */
DLP_API void dlp_rng_shuffle (DlpRng *rng, gint64 *values, gsize n);

/* A well-mixed 64-bit hash of two values: the seed of a sub-stream
 * (dlp_rng_mix (seed, layer_index)) or a counter-based draw. */
DLP_API guint64 dlp_rng_mix (guint64 a, guint64 b);

G_END_DECLS
