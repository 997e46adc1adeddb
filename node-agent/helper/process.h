/* What the container process (and an exec'd one) becomes before execve: limits, user, capabilities. */
#ifndef KAP_PROCESS_H
#define KAP_PROCESS_H

#include "spec.h"

/* Each of these reports "step: error" through fail_* and exits on failure. */
void process_apply_rlimits(const struct spec *spec);
void process_apply_identity(const struct spec *spec);
__attribute__((noreturn)) void process_exec(char *const argv[], char *const env[]);

#endif
