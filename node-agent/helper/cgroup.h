/* The container's cgroup: v1 (one directory per mounted hierarchy) or v2 (one directory). */
#ifndef KAP_CGROUP_H
#define KAP_CGROUP_H

#include <limits.h>
#include <sys/types.h>

#include "spec.h"

#define MAX_HIERARCHIES 16

struct cgroup {
	int v2;
	int n;
	char dirs[MAX_HIERARCHIES][PATH_MAX];
	char memory_dir[PATH_MAX];   /* where memory.* files live ("" if no memory controller) */
};

/* Every mounted cgroup v1 hierarchy: mount point and the options naming it ("memory", "name=systemd").
 * options may be NULL. Returns the count or -errno. */
int cgroup_v1_hierarchies(char mounts[][PATH_MAX], char options[][256], int max);
int cgroup_host_is_v2(void);

/* Computes the directories for cgroupsPath (always taken from the hierarchy root). 0 or -errno. */
int cgroup_resolve(const char *cgroups_path, struct cgroup *cg);
/* These return 0, or -1 with "step path: error" in err. */
int cgroup_create(const struct cgroup *cg, char *err, size_t err_size);
int cgroup_apply(const struct cgroup *cg, const struct spec_resources *res, char *err, size_t err_size);
int cgroup_add_pid(const struct cgroup *cg, pid_t pid, char *err, size_t err_size);
/* Number of OOM kills recorded in the cgroup, or -1 if unknown. */
long long cgroup_oom_kills(const struct cgroup *cg);
/* SIGKILLs what is left, then removes the directories; 0 or -errno. */
int cgroup_destroy(const struct cgroup *cg);

#endif
