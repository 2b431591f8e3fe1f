/* idx-file.h: the header and data of one IDX file (the MNIST format).
 *
 * An IDX file is a 4-byte magic (two zero bytes, a type code, the number
 * of dimensions), one big-endian uint32 per dimension, then the items
 * row-major. dlpipe reads unsigned-byte files (type 0x08), which is what
 * the MNIST family uses. */
#pragma once

#include "idx-stream.h"

#define IDX_MAX_RANK 4

typedef struct {
  char *path;
  IdxStream *stream;
  guint rank;
  guint32 dims[IDX_MAX_RANK];
  guint64 n_items; /* dims[0] */
  gsize item_size; /* bytes per item: product of the other dims */
} IdxFile;

/* Opens @path and checks its header: type 0x08 and @rank dimensions. */
IdxFile *idx_file_open (const char *path, guint rank, GError **error);
void idx_file_free (IdxFile *file);
/* Reads all items into @out (n_items * item_size bytes), reporting
 * progress, then checks that nothing follows them. */
gboolean idx_file_read_items (IdxFile *file, guint8 *out, DlpContext *context, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdxFile, idx_file_free)
