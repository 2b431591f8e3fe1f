/* replay.c: feeds files (or every file in folders) to a fuzz target, so the
 * corpus and every input that once crashed run in the ordinary test suite,
 * under the sanitizers too. */
#include <stdio.h>
#include <glib.h>
#include "fuzz.h"

static int
replay_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      int n = 0;
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          n += replay_path (child);
        }
      return n;
    }
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 0;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 1;
}

int
main (int argc, char **argv)
{
  int n = 0;
  for (int i = 1; i < argc; i++)
    n += replay_path (argv[i]);
  /* TAP: one test, so that meson reports how many inputs ran. */
  printf ("1..1\nok 1 - %d inputs replayed without a crash\n", n);
  return n > 0 ? 0 : 1;
}
