/* `kapstan-shim exec`: a new process inside a running container's namespaces and cgroup. */
#ifndef KAP_EXEC_H
#define KAP_EXEC_H

struct exec_options {
	const char *state_dir;
	int tty;
	const char *cwd;          /* NULL: the container's cwd */
	char **extra_env;         /* NULL-terminated, may be NULL */
	char **argv;              /* NULL-terminated */
};

/* Returns the process's exit code (128+signal when killed). */
int exec_in_container(const struct exec_options *opts);

#endif
