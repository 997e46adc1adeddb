#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int failure_fd = -1;

static void report(const char *line)
{
	int fd = failure_fd >= 0 ? failure_fd : STDERR_FILENO;
	write_all(fd, line, strlen(line));
}

void fail_errno(const char *step, int err)
{
	char line[1024];
	snprintf(line, sizeof(line), "%s: %s\n", step, strerror(err));
	report(line);
	_exit(1);
}

void fail_msg(const char *step, const char *fmt, ...)
{
	char msg[768], line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s\n", step, msg);
	report(line);
	_exit(1);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_string(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;
	if (fd < 0) return -errno;
	rc = write_all(fd, value, strlen(value));
	close(fd);
	return rc;
}

int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0) return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) { int e = errno; close(fd); return -e; }
	buf[n] = '\0';
	close(fd);
	return (int)n;
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(tmp)) return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -errno;
			*p = saved;
			if (saved == '\0') break;
		}
	}
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	int fd, rc;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return -errno;
	rc = write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0) rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0) rc = -errno;
	if (rc != 0) unlink(tmp);
	return rc;
}

void format_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char secs[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", secs, ts.tv_nsec);
}
