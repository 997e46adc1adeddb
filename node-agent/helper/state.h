/* The state file (SDIR/state.json) the monitor keeps up to date and the other commands read. */
#ifndef KAP_STATE_H
#define KAP_STATE_H

#include <limits.h>
#include <sys/types.h>

struct container_state {
	char id[256];
	char status[16];           /* created, running, stopped */
	int pid;                   /* container PID 1, as seen from the host */
	int monitor_pid;
	char bundle[PATH_MAX];
	char cgroups_path[PATH_MAX];
	char log_path[PATH_MAX];
	char started_at[40];       /* RFC 3339, "" until running */
	char finished_at[40];      /* RFC 3339, "" until stopped */
	int exit_code;             /* valid once stopped; 128+signal when killed by a signal */
	int signal;                /* terminating signal, 0 if it exited */
	int oom_killed;
	char error[512];           /* why the monitor could not record the exit, if so */
};

int state_write(const char *state_dir, const struct container_state *st);  /* 0 or -errno */
int state_read(const char *state_dir, struct container_state *st);         /* 0, -errno or -EINVAL */
/* The state as JSON (what `kapstan-shim state` prints); returns a malloc'd string. */
char *state_to_json(const struct container_state *st);

#endif
