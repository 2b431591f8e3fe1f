/* remove-tree.h: deleting a folder with everything in it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes @path: a folder with everything in it, or a file. Missing is
 * fine; symbolic links are removed, never followed. */
void dlp_remove_tree (const char *path);

G_END_DECLS
