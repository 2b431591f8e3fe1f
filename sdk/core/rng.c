/* rng.c: xoshiro256** seeded by splitmix64 (Blackman and Vigna). */
#include <math.h>
#include <dlpipe/dlp-rng.h>

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
dlp_rng_init (DlpRng *rng, guint64 seed)
{
  guint64 state = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&state);
}

guint64
dlp_rng_next (DlpRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
dlp_rng_uniform (DlpRng *rng)
{
  return (double) (dlp_rng_next (rng) >> 11) * 0x1.0p-53;
}

double
dlp_rng_normal (DlpRng *rng)
{
  /* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
  double u = 1.0 - dlp_rng_uniform (rng);
  double v = dlp_rng_uniform (rng);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

guint64
dlp_rng_below (DlpRng *rng, guint64 bound)
{
  if (bound == 0)
    return 0;
  /* Rejects the top partial range so every value is equally likely. */
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % bound;
  guint64 x;
  do
    x = dlp_rng_next (rng);
  while (x >= limit);
  return x % bound;
}

void
dlp_rng_shuffle (DlpRng *rng, gint64 *values, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = (gsize) dlp_rng_below (rng, i);
      gint64 tmp = values[i - 1];
      values[i - 1] = values[j];
      values[j] = tmp;
    }
}

guint64
dlp_rng_mix (guint64 a, guint64 b)
{
  guint64 state = a ^ rotl (b, 32) ^ G_GUINT64_CONSTANT (0x6a09e667f3bcc909);
  splitmix64 (&state);
  state ^= b;
  return splitmix64 (&state);
}
