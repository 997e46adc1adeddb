/* Shared helpers: error reporting by step, small file utilities, timestamps. */
#ifndef KAP_UTIL_H
#define KAP_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Where step failures go: a pipe the parent reads, or stderr when -1. */
extern int failure_fd;

/* Reports "STEP: strerror(err)" (or a message) and exits the process with status 1. */
__attribute__((noreturn)) void fail_errno(const char *step, int err);
__attribute__((noreturn, format(printf, 2, 3))) void fail_msg(const char *step, const char *fmt, ...);

int write_string(const char *path, const char *value);   /* 0 or -errno */
int read_small(const char *path, char *buf, size_t size);  /* bytes read or -errno */
int mkdir_p(const char *path, mode_t mode);              /* 0 or -errno */
int write_all(int fd, const void *buf, size_t len);       /* 0 or -errno */
/* Writes the file atomically (temp file + rename). */
int write_file_atomic(const char *path, const char *data, size_t len);

/* RFC 3339 UTC with nanoseconds: 2026-11-23T10:00:00.123456789Z (buf >= 32). */
void format_timestamp(char *buf, size_t size);

#endif
