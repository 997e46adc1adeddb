#define _GNU_SOURCE
#include "monitor.h"

#include "cgroup.h"
#include "container.h"
#include "cri-log.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (1024 * 1024)

struct pipes {
	int sync[2], error[2], out[2], err[2], init_status[2];
};

struct running {
	pid_t pid;
	int pidfd;
	struct cgroup cgroup;
	int has_cgroup;
	long long oom_kills_before;
};

static const struct monitor_options *options;
static struct container_state state;

static __attribute__((noreturn)) void report_failure(const char *message, const struct running *r)
{
	char line[1200];
	size_t len;
	snprintf(line, sizeof(line), "error: %s", message);
	len = strlen(line);
	if (len == 0 || line[len - 1] != '\n') strcat(line, "\n");
	/* A failed create leaves nothing behind: no state file, no cgroup. Clean up
	 * before reporting, so the caller never sees the leftovers of a failure. */
	if (r && r->has_cgroup) cgroup_destroy(&r->cgroup);
	{
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/state.json", options->state_dir);
		unlink(path);
	}
	write_all(options->report_fd, line, strlen(line));
	_exit(1);
}

static void save_state(void)
{
	int rc = state_write(options->state_dir, &state);
	if (rc < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "write state: %s", strerror(-rc));
		/* Until create has reported, the caller hears about it; afterwards there is no one to tell. */
		if (options->report_fd >= 0) report_failure(msg, NULL);
	}
}

static void open_pipes(struct pipes *p)
{
	if (pipe2(p->sync, O_CLOEXEC) < 0 || pipe2(p->error, O_CLOEXEC) < 0 || pipe2(p->out, O_CLOEXEC) < 0 ||
	    pipe2(p->err, O_CLOEXEC) < 0 || pipe2(p->init_status, O_CLOEXEC) < 0)
		report_failure(strerror(errno), NULL);
}

static void setup_cgroup(struct running *r)
{
	char err[1024];
	const struct spec *spec = options->spec;
	if (!spec->cgroups_path) return;
	if (cgroup_resolve(spec->cgroups_path, &r->cgroup) < 0) report_failure("cgroup: cannot resolve cgroupsPath", NULL);
	r->has_cgroup = 1;
	if (cgroup_create(&r->cgroup, err, sizeof(err)) < 0 || cgroup_apply(&r->cgroup, &spec->resources, err, sizeof(err)) < 0)
		report_failure(err, r);
	r->oom_kills_before = cgroup_oom_kills(&r->cgroup);
}

static void clone_container(struct running *r, struct pipes *p, struct container_args *args)
{
	int flags = spec_new_namespace_flags(options->spec) & ~CLONE_NEWCGROUP;
	char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	char msg[256];
	if (stack == MAP_FAILED) report_failure("mmap child stack: out of memory", r);
	args->spec = options->spec;
	args->sync_fd = p->sync[0];
	args->error_fd = p->error[1];
	args->stdout_fd = p->out[1];
	args->stderr_fd = p->err[1];
	args->init_status_fd = options->spec->init ? p->init_status[1] : -1;
	r->pid = clone(container_main, stack + CHILD_STACK_SIZE, flags | SIGCHLD, args);
	if (r->pid < 0) {
		snprintf(msg, sizeof(msg), "clone: %s", strerror(errno));
		report_failure(msg, r);
	}
	close(p->sync[0]);
	close(p->error[1]);
	close(p->out[1]);
	close(p->err[1]);
	close(p->init_status[1]);
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
}

/* Moves the child into its cgroup, then lets it continue; returns once it has exec'd (or failed). */
static void start_container(struct running *r, struct pipes *p)
{
	char err[1024] = "", msg[1100];
	ssize_t n, total = 0;
	if (r->has_cgroup && cgroup_add_pid(&r->cgroup, r->pid, err, sizeof(err)) < 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		report_failure(err, r);
	}
	state.pid = r->pid;
	snprintf(state.status, sizeof(state.status), "created");
	save_state();
	if (write_all(p->sync[1], "1", 1) < 0) report_failure("sync with container: broken pipe", r);
	close(p->sync[1]);
	/* The error pipe is O_CLOEXEC: EOF without data means execve succeeded. */
	while ((n = read(p->error[0], err + total, sizeof(err) - 1 - (size_t)total)) != 0) {
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) break;
		total += n;
		if ((size_t)total >= sizeof(err) - 1) break;
	}
	err[total] = '\0';
	close(p->error[0]);
	if (total > 0) {
		waitpid(r->pid, NULL, 0);
		snprintf(msg, sizeof(msg), "%s", err);
		report_failure(msg, r);
	}
	format_timestamp(state.started_at, sizeof(state.started_at));
	snprintf(state.status, sizeof(state.status), "running");
	save_state();
}

static void report_started(pid_t pid)
{
	char line[64];
	snprintf(line, sizeof(line), "ok %d\n", (int)pid);
	write_all(options->report_fd, line, strlen(line));
	close(options->report_fd);
	((struct monitor_options *)options)->report_fd = -1;
}

static int drain(int fd, struct cri_log *log, struct cri_stream *stream)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
	if (n <= 0) {
		cri_log_flush(log, stream);
		return 0;
	}
	cri_log_feed(log, stream, buf, (size_t)n);
	return 1;
}

static void record_exit(const struct running *r, int status, int init_status, int have_init_status)
{
	if (have_init_status) status = init_status;
	if (WIFSIGNALED(status)) {
		state.signal = WTERMSIG(status);
		state.exit_code = 128 + state.signal;
	} else {
		state.signal = 0;
		state.exit_code = WEXITSTATUS(status);
	}
	if (r->has_cgroup) {
		long long kills = cgroup_oom_kills(&r->cgroup);
		state.oom_killed = kills > 0 && kills > r->oom_kills_before;
	}
	format_timestamp(state.finished_at, sizeof(state.finished_at));
	snprintf(state.status, sizeof(state.status), "stopped");
	save_state();
}

/* Copies output to the log until the container exits and its pipes are drained. */
static void watch(struct running *r, struct pipes *p, struct cri_log *log)
{
	struct cri_stream out = { .name = "stdout" }, err = { .name = "stderr" };
	int out_open = 1, err_open = 1, exited = 0, status = 0, init_status = 0, have_init_status = 0;
	struct timespec exited_at = { 0, 0 };
	while (out_open || err_open || !exited) {
		struct pollfd fds[3] = {
			{ out_open ? p->out[0] : -1, POLLIN, 0 },
			{ err_open ? p->err[0] : -1, POLLIN, 0 },
			{ exited ? -1 : r->pidfd, POLLIN, 0 },
		};
		int timeout = exited ? 200 : -1;
		int ready = poll(fds, 3, timeout);
		if (ready < 0 && errno != EINTR) break;
		if (fds[0].revents) out_open = drain(p->out[0], log, &out);
		if (fds[1].revents) err_open = drain(p->err[0], log, &err);
		if (!exited && (fds[2].revents || r->pidfd < 0)) {
			pid_t w = waitpid(r->pid, &status, r->pidfd < 0 ? 0 : WNOHANG);
			if (w == r->pid) {
				exited = 1;
				clock_gettime(CLOCK_MONOTONIC, &exited_at);
				if (read(p->init_status[0], &init_status, sizeof(init_status)) == (ssize_t)sizeof(init_status))
					have_init_status = 1;
			}
		}
		if (exited) {
			/* Processes outside our PID namespace may hold the pipes: give output 1 s, then stop. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - exited_at.tv_sec >= 1 && ready == 0) break;
		}
	}
	cri_log_flush(log, &out);
	cri_log_flush(log, &err);
	record_exit(r, status, init_status, have_init_status);
}

void monitor_run(const struct monitor_options *opts)
{
	struct running r;
	struct pipes p;
	struct container_args args;
	struct cri_log log;
	int rc;

	options = opts;
	memset(&r, 0, sizeof(r));
	memset(&state, 0, sizeof(state));
	snprintf(state.id, sizeof(state.id), "%s", opts->id);
	snprintf(state.bundle, sizeof(state.bundle), "%s", opts->spec->bundle);
	snprintf(state.cgroups_path, sizeof(state.cgroups_path), "%s", opts->spec->cgroups_path ? opts->spec->cgroups_path : "");
	snprintf(state.log_path, sizeof(state.log_path), "%s", opts->log_path ? opts->log_path : "");
	state.monitor_pid = getpid();
	signal(SIGPIPE, SIG_IGN);

	if ((rc = cri_log_open(&log, opts->log_path, opts->log_max_size, opts->log_max_files)) < 0) {
		char msg[4200];
		snprintf(msg, sizeof(msg), "open log %s: %s", opts->log_path, strerror(-rc));
		report_failure(msg, NULL);
	}
	open_pipes(&p);
	setup_cgroup(&r);
	clone_container(&r, &p, &args);
	start_container(&r, &p);
	report_started(r.pid);
	watch(&r, &p, &log);
	_exit(0);
}
