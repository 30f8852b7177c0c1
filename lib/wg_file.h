/* wg_file.h -- private: a whole text file read with the guards every
 * reader of untrusted paths needs (the .wg reader, the suite reader). */
#ifndef WG_FILE_H
#define WG_FILE_H

#include <stddef.h>

/* Read path into *text (malloc'd, NUL-terminated; *len bytes before the
 * NUL).  Only a regular file is read: a FIFO, device, socket or directory
 * is refused before a byte is read (open with O_NONBLOCK, so a FIFO with
 * no writer cannot block); a file larger than wg_read_limit() is refused
 * from its size, and one that grows past it while read is cut off with
 * the same message.  WG_OK; WG_EIO (cannot open, not a regular file, read
 * error), WG_ELIMIT (too large) or WG_ENOMEM, with why set to a sentence
 * that does not repeat the path ("not a regular file (a FIFO)"). */
int wg_file_read(const char *path, char **text, size_t *len, char *why, size_t whylen);

#endif
