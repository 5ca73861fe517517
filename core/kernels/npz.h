/*
 * npz — NumPy's .npz archives (np.savez, np.savez_compressed): a zip file
 * (PKWARE APPNOTE 6.3) of .npy members, each stored or deflated; and
 * npy_open_input, which opens what a user may name as an input array: a .npy
 * file, a member of a .npz archive, or standard input ("-").
 *
 * The zip reader trusts no size: the end record, the central directory (zip64
 * sizes and offsets included), each entry and its local header must lie inside
 * the file and agree; a stored member's sizes must be equal, a deflated member
 * must inflate to exactly its stated size (at most 1032 times its compressed
 * size, deflate's largest ratio) and end there; its CRC-32 must match.
 * Encrypted members, other compression methods and multi-disk archives are
 * refused. Every refusal is one line naming the archive and, where it is at
 * fault, the member.
 */
#ifndef BASIN_NPZ_H
#define BASIN_NPZ_H

#include <stddef.h>

#include "npy.h"

/*
 * Member `member` of the archive at path (matched as written or with ".npy"
 * appended, as np.savez names arrays; NULL: the archive's only member) into a new
 * buffer *data of *n bytes (the caller frees it; nothing allocated on failure).
 * 0, or BASIN_EIO (cannot read), BASIN_EINVAL (not a zip archive, no such member,
 * a size that does not add up, bad compressed data, a CRC mismatch) or
 * BASIN_ENOMEM, with "PATH: what is wrong" (or "PATH:MEMBER: ...") in err.
 */
int npz_read_member(const char *path, const char *member, void **data, size_t *n,
                    char *err, size_t n_err);

/*
 * Open an input array as npy_open_as does, from path: "-" reads standard input
 * to its end (named "stdin" in messages); "ARCHIVE.npz" takes the archive's only
 * array and "ARCHIVE.npz:NAME" its array NAME (a file of that exact name is
 * taken as a .npy file first); anything else is a .npy file. The data read into
 * memory is freed by npy_close.
 */
int npy_open_input(npy_reader *r, const char *path, unsigned flags, char *err,
                   size_t n_err);

#endif
