/* collective-probe.c: drives a collective type from every rank of a job,
 * for test_collective.py. Each rank prints "rank R: ok WHAT" or
 * "rank R: FAIL WHAT: DETAIL" and exits 1 if anything failed.
 *
 *   collective-probe TYPE ops     every operation, checked against what
 *                                 the ranks can work out alone
 *   collective-probe TYPE die     the last rank exits mid-job while the
 *                                 others wait for it in an allreduce
 *   collective-probe TYPE abort   the last rank fails and aborts the job
 *                                 while the others wait */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../host/collective/collective.h"

static int failures;
static int my_rank;

static void
report (const char *what, gboolean ok, const char *detail)
{
  if (ok)
    printf ("rank %d: ok %s\n", my_rank, what);
  else
    {
      printf ("rank %d: FAIL %s: %s\n", my_rank, what, detail ? detail : "");
      failures++;
    }
  fflush (stdout);
}

static void
report_error (const char *what, gboolean ok, GError *error)
{
  report (what, ok, error ? error->message : NULL);
}

static void
sums (DlpCollective *c)
{
  int rank = dlp_collective_rank (c), size = dlp_collective_size (c);
  g_autoptr (GError) error = NULL;
  /* Element i of rank r is r * 1000 + i: the sum is exact in both types. */
  enum { N = 1000 };
  float f[N];
  double d[N];
  for (int i = 0; i < N; i++)
    {
      f[i] = (float) (rank * 1000 + i);
      d[i] = rank * 1000.0 + i + 0.5;
    }
  gboolean ok = dlp_collective_allreduce_sum (c, DLP_DTYPE_F32, f, N, &error);
  for (int i = 0; ok && i < N; i++)
    ok = f[i] == (float) (1000.0 * size * (size - 1) / 2 + (double) size * i);
  report_error ("allreduce sums f32 over the ranks", ok, error);
  ok = dlp_collective_allreduce_sum (c, DLP_DTYPE_F64, d, N, &error);
  for (int i = 0; ok && i < N; i++)
    ok = d[i] == 1000.0 * size * (size - 1) / 2 + (double) size * (i + 0.5);
  report_error ("allreduce sums f64 over the ranks", ok, error);

  /* Inexact sums: every rank must hold the same bits, which rank 0's
   * broadcast shows. */
  float g[N], from_root[N];
  for (int i = 0; i < N; i++)
    g[i] = 0.1f * (float) (rank + 1) + 1e-3f * (float) i;
  ok = dlp_collective_allreduce_sum (c, DLP_DTYPE_F32, g, N, &error);
  memcpy (from_root, g, sizeof g);
  ok = ok && dlp_collective_broadcast (c, from_root, sizeof from_root, 0, &error);
  report_error ("every rank holds the same bits of an inexact sum",
                ok && memcmp (g, from_root, sizeof g) == 0, error);

  /* A started sum finishes in wait, with work done meanwhile. */
  float a[N], b[N];
  for (int i = 0; i < N; i++)
    a[i] = b[i] = (float) (rank + 1);
  DlpCollectiveRequest *r1 = dlp_collective_allreduce_start (c, DLP_DTYPE_F32, a, N, &error);
  DlpCollectiveRequest *r2 =
    r1 ? dlp_collective_allreduce_start (c, DLP_DTYPE_F32, b, N, &error) : NULL;
  ok = r1 && r2 && dlp_collective_wait (c, r1, &error) && dlp_collective_wait (c, r2, &error);
  float expected = (float) (size * (size + 1) / 2);
  for (int i = 0; ok && i < N; i++)
    ok = a[i] == expected && b[i] == expected;
  report_error ("two started sums finish in wait", ok, error);
  g_clear_error (&error);

  int bad[4] = { 1, 2, 3, 4 };
  ok = !dlp_collective_allreduce_sum (c, DLP_DTYPE_I32, bad, 4, &error);
  g_autofree char *rank_prefix = g_strdup_printf ("rank %d of %d: ", rank, size);
  report ("an i32 sum is refused, naming the rank and the type",
          ok && error && g_str_has_prefix (error->message, rank_prefix)
            && strstr (error->message, "I32") && strstr (error->message, "F32 or F64"),
          error ? error->message : "no error");
}

static void
broadcasts (DlpCollective *c)
{
  int rank = dlp_collective_rank (c), size = dlp_collective_size (c);
  g_autoptr (GError) error = NULL;
  int root = size - 1;
  char text[64] = "";
  if (rank == root)
    g_snprintf (text, sizeof text, "from rank %d", root);
  gboolean ok = dlp_collective_broadcast (c, text, sizeof text, root, &error);
  g_autofree char *want = g_strdup_printf ("from rank %d", root);
  report_error ("broadcast copies the root's bytes to every rank", ok && strcmp (text, want) == 0,
                error);
  ok = !dlp_collective_broadcast (c, text, sizeof text, size, &error);
  report ("a broadcast from a rank outside the job is refused",
          ok && error && strstr (error->message, "no rank"), error ? error->message : "no error");
  g_clear_error (&error);
  report_error ("barrier returns", dlp_collective_barrier (c, &error), error);
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: collective-probe TYPE ops|die|abort\n");
      return 2;
    }
  const char *dir = g_getenv ("DLP_TEST_BUILTIN_PLUGINS_DIR");
  const char *dirs[] = { dir, NULL };
  g_autoptr (DlpRegistry) registry = dlp_registry_new ();
  dlp_registry_load_dirs (registry, dirs, TRUE);
  g_autoptr (GError) error = NULL;
  const DlpTypeEntry *entry =
    dlp_registry_get_entry (registry, DLP_KIND_COLLECTIVE, argv[1], &error);
  if (entry == NULL)
    {
      fprintf (stderr, "collective-probe: %s\n", error->message);
      return 2;
    }
  DlpCollective *c = dlp_collective_open (entry, NULL, &error);
  if (c == NULL)
    {
      fprintf (stderr, "collective-probe: %s\n", error->message);
      return 2;
    }
  my_rank = dlp_collective_rank (c);
  int size = dlp_collective_size (c), last = size - 1;
  printf ("rank %d: size %d: %s\n", my_rank, size, dlp_collective_describe (c));
  fflush (stdout);

  if (strcmp (argv[2], "ops") == 0)
    {
      sums (c);
      broadcasts (c);
    }
  else if (strcmp (argv[2], "die") == 0 || strcmp (argv[2], "abort") == 0)
    {
      float x = 1;
      if (my_rank == last)
        {
          if (strcmp (argv[2], "die") == 0)
            _exit (3);
          dlp_collective_abort (c, "the shard is corrupt (a test's failure)", 4);
        }
      /* Waits for the last rank, which never comes. */
      gboolean ok = dlp_collective_allreduce_sum (c, DLP_DTYPE_F32, &x, 1, &error);
      report_error ("the allreduce after the failure returned", FALSE, ok ? NULL : error);
    }
  dlp_collective_close (c);
  return failures ? 1 : 0;
}
