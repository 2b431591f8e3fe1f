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

/**
 * dlp_rng_init:
 * @rng: the generator to seed
 * @seed: the seed
 */
DLP_API void dlp_rng_init (DlpRng *rng, guint64 seed);

/**
 * dlp_rng_next:
 * @rng: the generator
 *
 * Returns: the next 64 random bits
 */
DLP_API guint64 dlp_rng_next (DlpRng *rng);

/**
 * dlp_rng_uniform:
 * @rng: the generator
 *
 * Returns: a uniform number in [0, 1), of 53 random bits
 */
DLP_API double dlp_rng_uniform (DlpRng *rng);

/**
 * dlp_rng_normal:
 * @rng: the generator
 *
 * Returns: a standard normal number
 */
DLP_API double dlp_rng_normal (DlpRng *rng);

/**
 * dlp_rng_below:
 * @rng: the generator
 * @bound: the end of the range
 *
 * Returns: a uniform integer in [0, @bound), without modulo bias; 0 if
 *   @bound is 0
 */
DLP_API guint64 dlp_rng_below (DlpRng *rng, guint64 bound);

/**
 * dlp_rng_shuffle:
 * @rng: the generator
 * @values: (transfer none): @n values, shuffled in place
 * @n: the number of values
 *
 * Fisher-Yates shuffle (of row indices, say).
 */
DLP_API void dlp_rng_shuffle (DlpRng *rng, gint64 *values, gsize n);

/**
 * dlp_rng_mix:
 * @a: a value
 * @b: another value
 *
 * Returns: a well-mixed 64-bit hash of both: the seed of a sub-stream
 *   (dlp_rng_mix (seed, layer_index)) or a counter-based draw
 */
DLP_API guint64 dlp_rng_mix (guint64 a, guint64 b);

G_END_DECLS
