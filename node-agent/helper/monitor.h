/* The monitor: the container's parent for its whole life, outside the container. */
#ifndef KAP_MONITOR_H
#define KAP_MONITOR_H

#include <sys/types.h>

#include "spec.h"

struct monitor_options {
	const struct spec *spec;
	const char *id;
	const char *state_dir;
	const char *log_path;      /* NULL: output discarded */
	off_t log_max_size;
	int log_max_files;
	int report_fd;             /* "ok PID\n" or "error: step: message\n" for the create command */
};

/* Starts the container, reports to report_fd, then records its life in the state file. Never returns. */
__attribute__((noreturn)) void monitor_run(const struct monitor_options *opts);

#endif
