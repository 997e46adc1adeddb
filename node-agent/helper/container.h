/* The container process: from clone() to execve of the entrypoint, one function per step. */
#ifndef KAP_CONTAINER_H
#define KAP_CONTAINER_H

#include "spec.h"

struct container_args {
	const struct spec *spec;
	int sync_fd;         /* read end: one byte from the monitor once our cgroup is joined */
	int error_fd;        /* write end (O_CLOEXEC): "step: error" on failure, EOF on successful exec */
	int stdout_fd;       /* write ends of the monitor's log pipes */
	int stderr_fd;
	int init_status_fd;  /* init mode: the reaper writes the entrypoint's wait status here; -1 otherwise */
};

/* clone() entry point. Never returns on success (execs the entrypoint). */
int container_main(void *arg);

#endif
