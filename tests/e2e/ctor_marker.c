/* A library whose constructor runs the moment it is loaded: it creates the file
   named by CTOR_MARKER_FILE. results-trust.sh names it in a results folder's
   run.toml and checks `basin report` never loads it. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void)
{
    const char *path = getenv("CTOR_MARKER_FILE");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    if (fd >= 0) {
        (void)!write(fd, "loaded\n", 7);
        close(fd);
    }
}
