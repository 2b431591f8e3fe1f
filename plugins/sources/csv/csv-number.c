/* csv-number.c: decimal text to a number.
 *
 * Most numeric CSV fields have at most 19 significant digits and a small
 * exponent. Those are converted exactly with one multiplication or
 * division by a power of ten (both operands exact doubles, so the result
 * is correctly rounded); anything else goes through g_ascii_strtod, which
 * is correct for every input but several times slower. */
#include <math.h>
#include <string.h>
#include "csv-number.h"

static const double exact_powers[] = {
  1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* 2^53: integers below it are exact doubles. */
#define EXACT_MANTISSA (G_GUINT64_CONSTANT (1) << 53)

static gboolean
parse_special (const char *p, gsize len, double *out)
{
  gboolean negative = FALSE;
  if (len > 0 && (*p == '-' || *p == '+'))
    {
      negative = *p == '-';
      p++;
      len--;
    }
  if ((len == 3 && g_ascii_strncasecmp (p, "inf", 3) == 0)
      || (len == 8 && g_ascii_strncasecmp (p, "infinity", 8) == 0))
    {
      *out = negative ? -INFINITY : INFINITY;
      return TRUE;
    }
  if (len == 3 && g_ascii_strncasecmp (p, "nan", 3) == 0)
    {
      *out = NAN;
      return TRUE;
    }
  return FALSE;
}

/* The slow, always-correct path, for text already known to be decimal. */
static gboolean
parse_with_strtod (const char *p, gsize len, double *out)
{
  char stack[64];
  g_autofree char *heap = NULL;
  char *copy = stack;
  if (len >= sizeof stack)
    copy = heap = g_malloc (len + 1);
  memcpy (copy, p, len);
  copy[len] = '\0';
  char *end = NULL;
  *out = g_ascii_strtod (copy, &end);
  return end == copy + len;
}

gboolean
csv_parse_number (const char *text, gsize len, double *out)
{
  const char *p = text, *end = text + len;
  while (p < end && *p == ' ')
    p++;
  while (end > p && end[-1] == ' ')
    end--;
  if (p == end)
    return FALSE;
  const char *start = p;

  gboolean negative = FALSE;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';

  guint64 mantissa = 0;
  int n_digits = 0, exponent = 0, dropped = 0;
  gboolean any_digit = FALSE;
  for (; p < end && (guint) (*p - '0') < 10; p++)
    {
      any_digit = TRUE;
      if (mantissa == 0 && *p == '0')
        continue;
      if (n_digits < 19)
        {
          mantissa = mantissa * 10 + (guint64) (*p - '0');
          n_digits++;
        }
      else
        dropped++;
    }
  exponent += dropped;
  if (p < end && *p == '.')
    {
      for (p++; p < end && (guint) (*p - '0') < 10; p++)
        {
          any_digit = TRUE;
          if (mantissa == 0 && *p == '0')
            {
              exponent--;
              continue;
            }
          if (n_digits < 19)
            {
              mantissa = mantissa * 10 + (guint64) (*p - '0');
              n_digits++;
              exponent--;
            }
          else
            dropped++;
        }
    }
  if (!any_digit)
    return parse_special (start, (gsize) (end - start), out);
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      gboolean exp_negative = FALSE;
      if (p < end && (*p == '-' || *p == '+'))
        exp_negative = *p++ == '-';
      if (p == end)
        return FALSE;
      int e = 0;
      for (; p < end && (guint) (*p - '0') < 10; p++)
        if (e < 100000)
          e = e * 10 + (*p - '0');
      exponent += exp_negative ? -e : e;
    }
  if (p != end)
    return FALSE;

  if (dropped == 0 && mantissa < EXACT_MANTISSA && exponent >= -22 && exponent <= 22)
    {
      double v = (double) mantissa;
      v = exponent < 0 ? v / exact_powers[-exponent] : v * exact_powers[exponent];
      *out = negative ? -v : v;
      return TRUE;
    }
  return parse_with_strtod (start, (gsize) (end - start), out);
}
