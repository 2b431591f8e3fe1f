/* csv-number.h: decimal text to a number, fast for the common forms. */
#pragma once

#include <glib.h>

/* Parses @len bytes at @text as a decimal number ("12", "-3.5", ".5e-3",
 * "inf", "nan"), allowing ASCII spaces around it. Returns FALSE for
 * anything else (hex, trailing junk, an empty field). */
gboolean csv_parse_number (const char *text, gsize len, double *out);
