/* The parts of an OCI runtime-spec config.json that the helper honours. */
#ifndef KAP_SPEC_H
#define KAP_SPEC_H

#include <stdint.h>
#include <sys/types.h>

#define MAX_LIST 128

struct spec_mount {
	char *destination;
	char *type;
	char *source;
	unsigned long flags;        /* MS_* for the mount itself */
	unsigned long propagation;  /* MS_PRIVATE/MS_SLAVE/MS_SHARED (| MS_REC) or 0 */
	char data[512];             /* filesystem options (mode=, size=, ...) */
	int bind;
};

struct spec_rlimit {
	int resource;
	unsigned long long soft, hard;
};

struct spec_namespace {
	int flag;      /* CLONE_NEW* */
	char *path;    /* join this namespace instead of creating one */
};

struct spec_resources {
	long long cpu_shares, cpu_quota, cpu_period;  /* 0 = unset */
	long long memory_limit, memory_swap;           /* 0 = unset */
	long long pids_limit;                          /* 0 = unset, -1 = max */
};

struct spec {
	char *bundle;
	char *rootfs;          /* absolute */
	int root_readonly;
	char *hostname;
	int terminal;
	char **args;           /* NULL-terminated */
	char **env;            /* NULL-terminated */
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t additional_gids[MAX_LIST];
	int n_additional_gids;
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int no_new_privileges;
	struct spec_rlimit rlimits[32];
	int n_rlimits;
	struct spec_mount mounts[MAX_LIST];
	int n_mounts;
	char *masked_paths[MAX_LIST];
	int n_masked;
	char *readonly_paths[MAX_LIST];
	int n_readonly;
	struct spec_namespace namespaces[8];
	int n_namespaces;
	char *cgroups_path;
	struct spec_resources resources;
	unsigned long rootfs_propagation;
	int init;              /* run a reaper as PID 1 (annotation io.kapstan.init=true) */
};

/* Loads BUNDLE/config.json. Returns 0, or -1 with a message in err. */
int spec_load(const char *bundle, struct spec *spec, char *err, size_t err_size);

/* Clone flags for namespaces to create (those without a path). */
int spec_new_namespace_flags(const struct spec *spec);
int spec_has_namespace(const struct spec *spec, int flag);

#endif
